// Accounts, sessions, CSRF, throttling, first-run set-up and the audit of sign-ins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFirstAdmin } from '../../api/auth/bootstrap';
import { hashPassword, verifyPassword } from '../../api/auth/passwords';
import { cookiesFrom, makeTestApp, makeUser, PASSWORD, signIn, type TestApp } from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({ env: { PUBLIC_URL: 'https://attendance.example.org' } });
});
afterAll(async () => t?.close());

describe('passwords', () => {
  it('are hashed with scrypt and verified in constant time', async () => {
    const hash = await hashPassword('a long enough password');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword('a long enough password', hash)).toBe(true);
    expect(await verifyPassword('a long enough passworD', hash)).toBe(false);
    expect(await verifyPassword('anything', null)).toBe(false);
  });
});

describe('signing in', () => {
  it('sets an HttpOnly, SameSite=Strict, Secure session cookie and returns the CSRF token', async () => {
    const user = await makeUser(t.db, 'officer', ['100001']);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: user.email.toUpperCase(), password: PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    const sid = res.cookies.find((c) => c.name === 'sid')!;
    expect(sid.httpOnly).toBe(true);
    expect(sid.sameSite).toBe('Strict');
    expect(sid.secure).toBe(true);
    expect(sid.path).toBe('/');
    const csrf = res.cookies.find((c) => c.name === 'csrf_token')!;
    expect(csrf.httpOnly).toBeFalsy();
    const body = res.json();
    expect(body.csrfToken).toBe(csrf.value);
    expect(body.user).toMatchObject({ email: user.email, role: 'officer', schoolIds: ['100001'] });
    expect(JSON.stringify(body)).not.toMatch(/scrypt|password/i);
  });

  it('refuses a wrong password with 401 and a reason, without saying whether the account exists', async () => {
    const user = await makeUser(t.db, 'officer', ['100001']);
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: user.email, password: 'not the password' },
    });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'nobody@example.org', password: 'not the password' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().error).toBe(unknown.json().error);
  });

  it('needs a sign-in for every /api route except login and set-up links; /health and the docs page follow', async () => {
    for (const url of [
      '/api/auth/me',
      '/api/cases',
      '/api/pupils',
      '/api/approvals',
      '/api/dashboard?schoolId=1',
      '/api/audit',
      '/api/users',
      '/api/docs',
      '/api/docs/json',
    ]) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(401);
      expect(res.json().error).toMatch(/sign in/i);
    }
    const bad = await t.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { cookie: 'sid=forged.value' },
    });
    expect(bad.statusCode).toBe(401);
    // Signing in and opening a set-up link need no session: they answer on their own terms.
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: {} });
    expect(login.statusCode).toBe(400);
    const link = await t.app.inject({ method: 'GET', url: '/api/auth/setup/not-a-real-set-up-token' });
    expect(link.statusCode).toBe(404);
    expect(link.json().error).toMatch(/expired or was already used/);
    // /health is outside /api and answers anyone (load balancers, `npm start`) with the engine's
    // status and nothing else. This app's Temporal client points nowhere, so the answer is 503.
    const health = await t.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toEqual({
      status: 'degraded',
      temporal: { connected: false, error: expect.any(String) },
      worker: { connected: false, pollers: 0 },
    });
  });

  it('ends the session at sign-out', async () => {
    const user = await makeUser(t.db, 'manager', ['100001']);
    const agent = await signIn(t.app, user.email);
    expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
    expect((await agent.post('/api/auth/logout')).statusCode).toBe(204);
    expect((await agent.get('/api/auth/me')).statusCode).toBe(401);
  });

  it('ends the sessions of a disabled account', async () => {
    const admin = await makeUser(t.db, 'admin', [], { allSchools: true });
    const user = await makeUser(t.db, 'officer', ['100001']);
    const adminAgent = await signIn(t.app, admin.email);
    const agent = await signIn(t.app, user.email);
    const res = await adminAgent.request({
      method: 'PATCH',
      url: `/api/users/${user.id}`,
      payload: { disabled: true },
    });
    expect(res.statusCode).toBe(200);
    expect((await agent.get('/api/auth/me')).statusCode).toBe(401);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: user.email, password: PASSWORD },
    });
    expect(again.statusCode).toBe(401);
  });
});

describe('headers', () => {
  it('every page, the API docs included, refuses framing by others and runs only its own scripts', async () => {
    for (const url of ['/api/docs', '/api/docs/json', '/api/auth/me', '/health']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.headers['x-frame-options'], url).toBe('SAMEORIGIN');
      expect(res.headers['content-security-policy'], url).toMatch(
        /script-src 'self';.*frame-ancestors 'self'/,
      );
      // Served at an https address: browsers are told to keep to https.
      expect(res.headers['strict-transport-security'], url).toBe('max-age=31536000; includeSubDomains');
    }
  });

  it('says nothing of https when served over plain http (a laptop)', async () => {
    const local = await makeTestApp({ db: t.db });
    try {
      const res = await local.app.inject({ method: 'GET', url: '/api/docs' });
      expect(res.headers['strict-transport-security']).toBeUndefined();
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    } finally {
      await local.app.close();
    }
  });
});

describe('CSRF', () => {
  it('refuses a state-changing request without the session’s token, and accepts it with', async () => {
    const user = await makeUser(t.db, 'officer', ['100001']);
    const agent = await signIn(t.app, user.email);
    const body = { currentPassword: PASSWORD, newPassword: 'another long password' };
    const none = await agent.request({
      method: 'POST',
      url: '/api/auth/password',
      payload: body,
      csrf: null,
    });
    expect(none.statusCode).toBe(403);
    expect(none.json().error).toMatch(/x-csrf-token/);
    const wrong = await agent.request({
      method: 'POST',
      url: '/api/auth/password',
      payload: body,
      csrf: 'x'.repeat(43),
    });
    expect(wrong.statusCode).toBe(403);
    // Another user's token is no good either.
    const other = await signIn(t.app, (await makeUser(t.db, 'officer', ['100001'])).email);
    const crossed = await agent.request({
      method: 'POST',
      url: '/api/auth/password',
      payload: body,
      csrf: other.csrf,
    });
    expect(crossed.statusCode).toBe(403);
    const ok = await agent.request({ method: 'POST', url: '/api/auth/password', payload: body });
    expect(ok.statusCode).toBe(200);
  });

  it('lets GET requests through without a token', async () => {
    const user = await makeUser(t.db, 'officer', ['100001']);
    const agent = await signIn(t.app, user.email);
    expect((await agent.request({ method: 'GET', url: '/api/auth/me', csrf: null })).statusCode).toBe(200);
  });
});

describe('throttling', () => {
  it('locks an account after 5 failures from one address in 15 minutes, even with the right password; other addresses still sign in', async () => {
    const user = await makeUser(t.db, 'officer', ['100001']);
    for (let i = 0; i < 5; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: user.email, password: `guess ${i}` },
        remoteAddress: '203.0.113.9',
      });
      expect(res.statusCode).toBe(401);
    }
    const locked = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: user.email, password: PASSWORD },
      remoteAddress: '203.0.113.9',
    });
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.json().error).toMatch(/Too many failed sign-ins/);
    const elsewhere = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: user.email, password: PASSWORD },
      remoteAddress: '198.51.100.7',
    });
    expect(elsewhere.statusCode).toBe(200);
  });

  it('does not let a forged X-Forwarded-For dodge the limit: the connection’s own address counts', async () => {
    // Served at a public address (behind a proxy, the old rule trusted every X-Forwarded-For), but
    // with no trusted proxy configured.
    const served = await makeTestApp({ db: t.db, env: { PUBLIC_URL: 'https://attendance.example.org' } });
    try {
      const user = await makeUser(t.db, 'officer', ['100001']);
      const attempt = (password: string, i: number) =>
        served.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: user.email, password },
          remoteAddress: '203.0.113.50',
          headers: { 'x-forwarded-for': `198.51.100.${i}` },
        });
      for (let i = 0; i < 5; i++) expect((await attempt(`guess ${i}`, i)).statusCode).toBe(401);
      expect((await attempt('guess again', 99)).statusCode).toBe(429);
      expect((await attempt(PASSWORD, 100)).statusCode).toBe(429);
    } finally {
      await served.app.close();
    }
  });

  it('lets only a configured proxy say who the client is', async () => {
    const behind = await makeTestApp({ db: t.db, env: { TRUSTED_PROXIES: '10.0.0.1' } });
    try {
      const user = await makeUser(t.db, 'officer', ['100001']);
      const viaProxy = (password: string, client: string) =>
        behind.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: user.email, password },
          remoteAddress: '10.0.0.1',
          headers: { 'x-forwarded-for': client },
        });
      for (let i = 0; i < 5; i++) expect((await viaProxy(`guess ${i}`, '192.0.2.77')).statusCode).toBe(401);
      expect((await viaProxy(PASSWORD, '192.0.2.77')).statusCode).toBe(429); // that client is held
      expect((await viaProxy(PASSWORD, '192.0.2.78')).statusCode).toBe(200); // another is not
    } finally {
      await behind.app.close();
    }
  });

  it('refuses concurrent guesses past the limit: each is judged against those recorded before it', async () => {
    const user = await makeUser(t.db, 'officer', ['100001']);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: user.email, password: `guess ${i}` },
          remoteAddress: '203.0.113.77',
        }),
      ),
    );
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((c) => c === 401)).toHaveLength(5);
    expect(codes.filter((c) => c === 429)).toHaveLength(7);
  });

  it('slows a guess from many addresses with a backoff of at most a minute, never a lock', async () => {
    const user = await makeUser(t.db, 'officer', ['100001']);
    for (let i = 0; i < 10; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: user.email, password: 'guess' },
        remoteAddress: `192.0.2.${i}`,
      });
      expect(res.statusCode).toBe(401);
    }
    // Six more from elsewhere: sixteen in all, so the next waits 2^6 seconds, capped at 60 (a wait
    // this long holds however slowly the test runs), said in Retry-After.
    await t.db.query(
      `INSERT INTO login_failures (email, ip) SELECT $1, '192.0.2.50' FROM generate_series(1, 6)`,
      [user.email.toLowerCase()],
    );
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: user.email, password: PASSWORD },
      remoteAddress: '192.0.2.200',
    });
    expect(res.statusCode).toBe(429);
    const wait = Number(res.headers['retry-after']);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    // However many failures pile up (56 here), a minute after the last one the owner signs in.
    await t.db.query(
      `INSERT INTO login_failures (email, ip, at) SELECT $1, '192.0.2.9', now() - interval '2 minutes' FROM generate_series(1, 40)`,
      [user.email.toLowerCase()],
    );
    await t.db.query(
      `UPDATE login_failures SET at = now() - interval '61 seconds' WHERE email = $1 AND at > now() - interval '1 minute'`,
      [user.email.toLowerCase()],
    );
    const later = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: user.email, password: PASSWORD },
      remoteAddress: '192.0.2.201',
    });
    expect(later.statusCode).toBe(200);
  });
});

describe('first run', () => {
  it('creates the administrator from ADMIN_EMAIL / ADMIN_PASSWORD once', async () => {
    const lines: string[] = [];
    const cfg = { ADMIN_EMAIL: 'head@school.example.org', ADMIN_PASSWORD: 'a very long admin password' };
    expect((await ensureFirstAdmin(t.db, cfg, 'https://x', (l) => lines.push(l))).created?.email).toBe(
      'head@school.example.org',
    );
    expect(await ensureFirstAdmin(t.db, cfg, 'https://x', (l) => lines.push(l))).toEqual({});
    const agent = await signIn(t.app, 'head@school.example.org', 'a very long admin password');
    const me = (await agent.get('/api/auth/me')).json();
    expect(me.user).toMatchObject({ role: 'admin', allSchools: true });
  });

  it('prints a one-time set-up link when no administrator exists; the link works once', async () => {
    const fresh = await makeTestApp();
    try {
      const lines: string[] = [];
      const { setupUrl } = await ensureFirstAdmin(
        fresh.db,
        { ADMIN_EMAIL: undefined, ADMIN_PASSWORD: undefined },
        'http://127.0.0.1:3000',
        (l) => lines.push(l),
      );
      expect(setupUrl).toMatch(/^http:\/\/127\.0\.0\.1:3000\/setup\?token=[\w-]{40,}$/);
      expect(lines.join('\n')).toContain(setupUrl);
      const token = new URL(setupUrl!).searchParams.get('token')!;
      const check = await fresh.app.inject({ method: 'GET', url: `/api/auth/setup/${token}` });
      expect(check.json()).toMatchObject({ purpose: 'first-admin' });
      const weak = await fresh.app.inject({
        method: 'POST',
        url: '/api/auth/setup',
        payload: { token, email: 'admin@example.org', password: 'short' },
      });
      expect(weak.statusCode).toBe(400);
      expect(weak.json().issues[0]).toMatchObject({ path: 'body.password' });
      const used = await fresh.app.inject({
        method: 'POST',
        url: '/api/auth/setup',
        payload: {
          token,
          email: 'admin@example.org',
          displayName: 'Ada',
          password: 'a long enough password',
        },
      });
      expect(used.statusCode).toBe(200);
      expect(used.json().user).toMatchObject({ role: 'admin', email: 'admin@example.org' });
      const me = await fresh.app.inject({
        method: 'GET',
        url: '/api/auth/me',
        headers: { cookie: cookiesFrom(used) },
      });
      expect(me.statusCode).toBe(200);
      const again = await fresh.app.inject({
        method: 'POST',
        url: '/api/auth/setup',
        payload: { token, email: 'mallory@example.org', password: 'a long enough password' },
      });
      expect(again.statusCode).toBe(404);
      // An administrator exists now: no new link at the next start.
      expect(
        await ensureFirstAdmin(
          fresh.db,
          { ADMIN_EMAIL: undefined, ADMIN_PASSWORD: undefined },
          'http://x',
          () => undefined,
        ),
      ).toEqual({});
    } finally {
      await fresh.close();
    }
  });

  it('never mints a second first-admin link while one is valid, and none works once an administrator exists', async () => {
    const fresh = await makeTestApp();
    const none = { ADMIN_EMAIL: undefined, ADMIN_PASSWORD: undefined };
    try {
      const first = await ensureFirstAdmin(fresh.db, none, 'http://x', () => undefined);
      const token = new URL(first.setupUrl!).searchParams.get('token')!;
      // A restart while it is valid: no new link, and the console says until when the first one works.
      const lines: string[] = [];
      const restart = await ensureFirstAdmin(fresh.db, none, 'http://x', (l) => lines.push(l));
      expect(restart.setupUrl).toBeUndefined();
      expect(restart.pendingUntil).toBeDefined();
      expect(lines.join(' ')).toMatch(/is valid until [^;]+;\s+no new one is made while it is/);
      const { rows } = await fresh.db.query(`SELECT 1 FROM setup_tokens WHERE purpose = 'first-admin'`);
      expect(rows).toHaveLength(1);

      // An administrator is made another way (ADMIN_EMAIL): the printed link is void at once.
      await ensureFirstAdmin(
        fresh.db,
        { ADMIN_EMAIL: 'head@x.example.org', ADMIN_PASSWORD: 'a very long admin password' },
        'http://x',
        () => undefined,
      );
      expect((await fresh.app.inject({ method: 'GET', url: `/api/auth/setup/${token}` })).statusCode).toBe(
        404,
      );
      const takeover = await fresh.app.inject({
        method: 'POST',
        url: '/api/auth/setup',
        payload: { token, email: 'mallory@example.org', password: 'a long enough password' },
      });
      expect(takeover.statusCode).toBe(404);
      const admins = await fresh.db.query(`SELECT email FROM users WHERE role = 'admin'`);
      expect(admins.rows).toEqual([{ email: 'head@x.example.org' }]);
    } finally {
      await fresh.close();
    }
  });

  it('gives a new user a set-password link when the admin sets no password', async () => {
    const admin = await signIn(t.app, (await makeUser(t.db, 'admin', [], { allSchools: true })).email);
    const res = await admin.post('/api/users', {
      email: 'new.officer@school.example.org',
      displayName: 'New Officer',
      role: 'officer',
      schoolIds: ['100001'],
    });
    expect(res.statusCode).toBe(201);
    const token = new URL(res.json().setupUrl).searchParams.get('token')!;
    const set = await t.app.inject({
      method: 'POST',
      url: '/api/auth/setup',
      payload: { token, password: 'my own long password' },
    });
    expect(set.statusCode).toBe(200);
    expect(set.json().user.email).toBe('new.officer@school.example.org');
    await signIn(t.app, 'new.officer@school.example.org', 'my own long password');
  });
});

describe('the audit log of sign-ins and account changes', () => {
  it('records sign-ins, failures and account changes with the user and time, and no passwords or emails', async () => {
    const { rows } = await t.db.query<{
      action: string;
      user_id: string | null;
      at: string;
      details: unknown;
    }>(`SELECT action, user_id::text AS user_id, at::text AS at, details FROM audit_log ORDER BY id`);
    const actions = rows.map((r) => r.action);
    expect(actions).toContain('auth.login');
    expect(actions).toContain('auth.login_failed');
    expect(actions).toContain('auth.login_throttled');
    expect(actions).toContain('auth.logout');
    expect(actions).toContain('user.create');
    expect(actions).toContain('user.update');
    expect(actions).toContain('user.password_changed');
    expect(rows.filter((r) => r.action === 'auth.login').every((r) => r.user_id && r.at)).toBe(true);
    const text = JSON.stringify(rows);
    expect(text).not.toMatch(/@school\.example\.org|@example\.org|password"/);
  });
});
