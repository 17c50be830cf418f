// Signing in and out, the current user, one-time set-up links and changing one's own password.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext, ZodApp } from '../context';
import { badRequest, forbidden, HttpError, notFound, tooManyRequests } from '../errors';
import { listSchools } from '../../store/schools';
import { writeAudit } from './audit';
import { CSRF_COOKIE, currentUser, SESSION_COOKIE } from './guard';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords';
import { ABSOLUTE_TIMEOUT_MS } from './sessions';
import { consumeSetupToken, peekSetupToken } from './setupTokens';
import { attemptFailed, attemptSucceeded, beginAttempt } from './throttle';
import { createUser, getUser, getUserByEmail, updateUser, type User } from './users';

export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `use at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(200, 'use at most 200 characters');
const emailSchema = z.email('enter an email address').max(200);

/** A user as the API shows them (no password hash). */
export type PublicUser = Pick<
  User,
  'id' | 'email' | 'displayName' | 'role' | 'allSchools' | 'schoolIds' | 'safeguardingLead'
>;

export function publicUser(u: User): PublicUser {
  return {
    id: u.id,
    email: u.email,
    displayName: u.displayName,
    role: u.role,
    allSchools: u.allSchools,
    schoolIds: u.schoolIds,
    safeguardingLead: u.safeguardingLead,
  };
}

export interface SchoolRef {
  id: string;
  name: string;
}

/** The answer to signing in, setting a password by link, and /api/auth/me. */
export interface SignedIn {
  user: PublicUser;
  csrfToken: string;
  schools: SchoolRef[];
}

async function schoolsInScope(ctx: AppContext, user: User): Promise<SchoolRef[]> {
  const schools = await listSchools(ctx.db);
  const visible = schools
    .filter((s) => user.allSchools || user.schoolIds.includes(s.id))
    .map((s) => ({ id: s.id, name: s.name }));
  // A scope may name a school before its first import: show it too.
  for (const id of user.schoolIds)
    if (!visible.some((s) => s.id === id)) visible.push({ id, name: `${id} (no data yet)` });
  return visible;
}

export async function startSession(ctx: AppContext, reply: FastifyReply, userId: string) {
  const { token, session } = await ctx.sessions.create(userId);
  const secure = (ctx.config.PUBLIC_URL ?? '').startsWith('https://');
  const common = { path: '/', sameSite: 'strict' as const, secure, maxAge: ABSOLUTE_TIMEOUT_MS / 1000 };
  reply.setCookie(SESSION_COOKIE, token, { ...common, httpOnly: true, signed: true });
  reply.setCookie(CSRF_COOKIE, session.csrfToken, { ...common, httpOnly: false });
  return session;
}

async function signedIn(ctx: AppContext, user: User, csrfToken: string): Promise<SignedIn> {
  return { user: publicUser(user), csrfToken, schools: await schoolsInScope(ctx, user) };
}

function clientIp(req: FastifyRequest): string {
  return req.ip || 'unknown';
}

export async function registerAuthRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;

  app.post(
    '/api/auth/login',
    {
      config: { public: true, csrfExempt: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign in',
        description:
          'Sets the session cookie and returns the CSRF token. 5 failures per account and address in 15 minutes, or 30 from one address, refuse sign-in from that address (429); after 10 failures for an account from anywhere, each further attempt waits a backoff of at most 60 seconds (429 with Retry-After).',
        security: [],
        body: z.object({
          email: z.string().trim().min(1, 'enter your email').max(200),
          password: z.string().min(1, 'enter your password').max(200),
        }),
      },
    },
    async (req, reply) => {
      const { email, password } = req.body;
      const ip = clientIp(req);
      // Recorded before the hash is computed, so concurrent guesses cannot slip past the limits.
      const throttle = await beginAttempt(db, email, ip);
      if (throttle.blocked) {
        await writeAudit(db, null, { action: 'auth.login_throttled', details: {} });
        throw tooManyRequests(
          `Too many failed sign-ins. Try again in ${Math.ceil(throttle.retryAfterSeconds / 60)} minute(s), or ask an administrator to reset your password.`,
          throttle.retryAfterSeconds,
        );
      }
      const user = await getUserByEmail(db, email);
      const ok = await verifyPassword(password, user?.passwordHash);
      if (!ok || !user || user.disabled) {
        await attemptFailed(db);
        await writeAudit(db, user ? { id: user.id, role: user.role } : null, {
          action: 'auth.login_failed',
          targetType: user ? 'user' : undefined,
          targetId: user?.id,
          details: { disabled: user?.disabled ?? undefined },
        });
        throw new HttpError(401, 'That email and password do not match an active account.');
      }
      await attemptSucceeded(db, email, ip, throttle.attemptId);
      const session = await startSession(ctx, reply, user.id);
      await writeAudit(
        db,
        { id: user.id, role: user.role },
        { action: 'auth.login', targetType: 'user', targetId: user.id },
      );
      return signedIn(ctx, session.user, session.csrfToken);
    },
  );

  app.post('/api/auth/logout', { schema: { tags: ['auth'], summary: 'Sign out' } }, async (req, reply) => {
    const user = currentUser(req);
    if (req.sessionToken) await ctx.sessions.destroy(req.sessionToken);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    reply.clearCookie(CSRF_COOKIE, { path: '/' });
    await writeAudit(
      db,
      { id: user.id, role: user.role },
      { action: 'auth.logout', targetType: 'user', targetId: user.id },
    );
    return reply.code(204).send();
  });

  app.get(
    '/api/auth/me',
    { schema: { tags: ['auth'], summary: 'The signed-in user, their schools and the CSRF token' } },
    async (req) => {
      return signedIn(ctx, currentUser(req), req.session!.csrfToken);
    },
  );

  app.get(
    '/api/auth/setup/:token',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Check a one-time set-up link',
        security: [],
        params: z.object({ token: z.string().min(10).max(200) }),
      },
    },
    async (req) => {
      const info = await peekSetupToken(db, req.params.token);
      if (!info)
        throw notFound('This link has expired or was already used. Ask an administrator for a new one.');
      const user = info.userId ? await getUser(db, info.userId) : null;
      return { purpose: info.purpose, email: user?.email ?? null, displayName: user?.displayName ?? null };
    },
  );

  app.post(
    '/api/auth/setup',
    {
      config: { public: true, csrfExempt: true },
      schema: {
        tags: ['auth'],
        summary: 'Use a one-time link: create the first administrator, or set your password',
        security: [],
        body: z.object({
          token: z.string().min(10).max(200),
          email: emailSchema.optional(),
          displayName: z.string().trim().min(1).max(100).optional(),
          password: passwordSchema,
        }),
      },
    },
    async (req, reply) => {
      const { token, email, displayName, password } = req.body;
      const info = await peekSetupToken(db, token);
      if (!info)
        throw notFound('This link has expired or was already used. Ask an administrator for a new one.');
      let userId: string;
      if (info.purpose === 'first-admin') {
        if (!email)
          throw badRequest('Enter the administrator’s email address.', {
            issues: [{ path: 'body.email', message: 'required' }],
          });
        if (await getUserByEmail(db, email))
          throw new HttpError(409, 'An account with that email already exists.');
        if (!(await consumeSetupToken(db, token))) throw notFound('This link was just used.');
        const user = await createUser(db, {
          email,
          displayName: displayName ?? 'Administrator',
          role: 'admin',
          allSchools: true,
          passwordHash: await hashPassword(password),
        });
        userId = user.id;
        await writeAudit(
          db,
          { id: user.id, role: user.role },
          {
            action: 'user.create',
            targetType: 'user',
            targetId: user.id,
            details: { role: 'admin', source: 'setup-link' },
          },
        );
      } else {
        if (!info.userId) throw notFound();
        if (!(await consumeSetupToken(db, token))) throw notFound('This link was just used.');
        const user = await updateUser(db, info.userId, { passwordHash: await hashPassword(password) });
        if (!user) throw notFound();
        ctx.sessions.forgetUser(user.id);
        userId = user.id;
        await writeAudit(
          db,
          { id: user.id, role: user.role },
          {
            action: 'user.password_set',
            targetType: 'user',
            targetId: user.id,
            details: { source: 'setup-link' },
          },
        );
      }
      const session = await startSession(ctx, reply, userId);
      return signedIn(ctx, session.user, session.csrfToken);
    },
  );

  app.post(
    '/api/auth/password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change your own password (signs out your other sessions)',
        body: z.object({ currentPassword: z.string().min(1).max(200), newPassword: passwordSchema }),
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const full = await getUserByEmail(db, user.email);
      if (!full || !(await verifyPassword(req.body.currentPassword, full.passwordHash))) {
        throw forbidden('Your current password is not right.');
      }
      await updateUser(db, user.id, { passwordHash: await hashPassword(req.body.newPassword) });
      ctx.sessions.forgetUser(user.id);
      await writeAudit(
        db,
        { id: user.id, role: user.role },
        { action: 'user.password_changed', targetType: 'user', targetId: user.id },
      );
      const session = await startSession(ctx, reply, user.id);
      return { user: publicUser(session.user), csrfToken: session.csrfToken };
    },
  );
}
