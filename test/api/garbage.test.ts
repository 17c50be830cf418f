// Garbage in, 4xx out: every documented route, sent malformed JSON, wrong types, wrong content
// types, hostile path parameters and nonsense query strings, answers with a 4xx and a readable
// reason — never a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';
import { SCHOOL_A, seedTwoSchools } from './fixtures';

let t: TestApp;
let routes: { method: string; path: string }[];
const agents: Record<string, Agent> = {};

beforeAll(async () => {
  t = await makeTestApp();
  await seedTwoSchools(t.db);
  agents.admin = await signIn(t.app, (await makeUser(t.db, 'admin', [], { allSchools: true })).email);
  const manager = await makeUser(t.db, 'manager', [SCHOOL_A]);
  agents.manager = await signIn(t.app, manager.email);
  const doc = (await agents.admin.get('/api/docs/json')).json<{
    paths: Record<string, Record<string, unknown>>;
  }>();
  routes = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/api/')) // /health reports on Temporal, which these tests do not start
    .flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })));
});
afterAll(async () => t?.close());

const HOSTILE_PARAMS = [
  "x'OR'1'='1",
  '..%2F..%2Fetc%2Fpasswd',
  '%F0%9F%92%A9',
  'a'.repeat(300),
  '00000000-0000-0000-0000-000000000000',
];

const GARBAGE_BODIES: { payload: string; contentType: string }[] = [
  { payload: 'not json {', contentType: 'application/json' },
  { payload: '[1,2,3]', contentType: 'application/json' },
  { payload: '"a string"', contentType: 'application/json' },
  { payload: 'null', contentType: 'application/json' },
  {
    payload: JSON.stringify({ a: { b: [null, true, { c: 'x'.repeat(10_000) }] } }),
    contentType: 'application/json',
  },
  {
    payload: JSON.stringify({
      schoolId: 123,
      decision: 42,
      items: 'x',
      text: {},
      email: [],
      password: null,
      type: 'explode',
      pupils: 'many',
      roster: 7,
      marks: { upn: 1 },
      calendar: 5,
      schoolIds: 'all',
      role: 'god',
      amendedText: 9,
      token: 1,
    }),
    contentType: 'application/json',
  },
  { payload: 'hello', contentType: 'text/plain' },
  { payload: '', contentType: 'application/json' },
];

const GARBAGE_QUERY =
  '?page=-1&pageSize=abc&schoolId=&from=notadate&to=31/12/2026&status=bogus&flags=evil&wait=maybe&approver=x&weeks=999&limit=0&inline=perhaps&asOf=yesterday&sort=chaos&yearGroup=Y99&pending=maybe';

function fill(path: string, value: string): string {
  return path.replace(/\{[^}]+\}/g, value);
}

function expectClearAnswer(
  label: string,
  res: { statusCode: number; body: string; headers: Record<string, unknown> },
): void {
  expect(res.statusCode, `${label} -> ${res.statusCode} ${res.body.slice(0, 200)}`).toBeLessThan(500);
  if (res.statusCode >= 400) {
    const body = JSON.parse(res.body) as { error?: unknown };
    expect(typeof body.error, label).toBe('string');
    expect((body.error as string).length, label).toBeGreaterThan(3);
  }
}

describe('garbage in, 4xx out', () => {
  it('documents every API route in the OpenAPI document', () => {
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.some((r) => r.method === 'POST' && r.path === '/api/imports')).toBe(true);
  });

  it('answers garbage bodies with a 4xx and a reason on every state-changing route', async () => {
    let sent = 0;
    for (const route of routes.filter((r) => r.method !== 'GET')) {
      if (route.path === '/api/auth/logout') continue; // tested below, it would sign the agent out
      for (const role of ['admin', 'manager'] as const) {
        for (const body of GARBAGE_BODIES) {
          for (const param of HOSTILE_PARAMS.slice(0, 2)) {
            const url = fill(route.path, encodeURIComponent(param));
            const res = await agents[role]!.request({
              method: route.method as 'POST',
              url,
              payload: body.payload,
              headers: { 'content-type': body.contentType },
            });
            expectClearAnswer(`${role} ${route.method} ${url} ${body.payload.slice(0, 30)}`, res);
            sent++;
          }
        }
      }
    }
    expect(sent).toBeGreaterThan(200);
  }, 300_000);

  it('answers hostile path parameters and nonsense queries on every GET route with < 500', async () => {
    for (const route of routes.filter((r) => r.method === 'GET')) {
      for (const param of HOSTILE_PARAMS) {
        const url = fill(route.path, encodeURIComponent(param)) + GARBAGE_QUERY;
        expectClearAnswer(`GET ${url}`, await agents.admin!.get(url));
      }
    }
  }, 120_000);

  it('answers a date of the right shape that is no day (30 February) with a 400 naming it, on every list that takes dates', async () => {
    for (const url of [
      '/api/audit?from=2025-02-30',
      `/api/letters?schoolId=${SCHOOL_A}&to=2025-02-30`,
      '/api/cases?nextFrom=2025-02-30',
      `/api/dashboard?schoolId=${SCHOOL_A}&today=2025-02-30`,
      `/api/dashboard?schoolId=${SCHOOL_A}&today=2026-13-01`,
    ]) {
      const res = await agents.admin!.get(url);
      expect([url, res.statusCode, res.json().error]).toEqual([
        url,
        400,
        expect.stringMatching(/a date that exists on the calendar/),
      ]);
    }
  });

  it('answers text holding the NUL character (which the database cannot store) with a 400 naming the field, not a 500', async () => {
    // Both were 500s, found by the fuzzed API test (test/api/fuzz.test.ts).
    const bulk = await agents.manager!.post('/api/approvals/bulk', {
      decision: 'approve',
      items: [{ caseId: 'case\u0000x', proposalId: 'p1' }],
    });
    const outbox = await agents.admin!.get(`/api/outbox?schoolId=${SCHOOL_A}&caseId=a%00b`);
    const key = await agents.manager!.post('/api/approvals/bulk', {
      decision: 'approve',
      'x\u0000': 1,
      items: [],
    });
    expect(
      [bulk, outbox, key].map((r) => [r.statusCode, r.json().issues, r.json().error.includes('NUL')]),
    ).toEqual([
      [400, [{ path: 'body.items[0].caseId', message: expect.stringMatching(/NUL character/) }], true],
      [400, [{ path: 'query.caseId', message: expect.stringMatching(/NUL character/) }], true],
      [400, [{ path: 'body.x\u0000', message: expect.stringMatching(/^its name must not contain/) }], true],
    ]);
  });

  it('answers a CSV import sent with no body, or a JSON one, with a 415 saying what to send, not a 500', async () => {
    // Found by the fuzzed API test (test/api/fuzz.test.ts).
    const url = `/api/imports/csv?schoolId=${SCHOOL_A}&kind=roster&wait=true`;
    const answers = [
      await agents.manager!.request({ method: 'POST', url }),
      await agents.manager!.post(url, { upn: 'A123' }),
    ];
    expect(answers.map((r) => [r.statusCode, r.json().error])).toEqual([
      [415, expect.stringMatching(/Content-Type: text\/csv/)],
      [415, expect.stringMatching(/Content-Type: text\/csv/)],
    ]);
    // Nothing was left holding the school's place: the next import is not refused as a second one.
    const next = await agents.manager!.request({
      method: 'POST',
      url,
      payload: 'upn\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(next.statusCode).toBe(400);
  });

  it('lists every zod issue in a 400', async () => {
    const res = await agents.manager!.post('/api/approvals/bulk', {
      decision: 'reject',
      items: [{ caseId: '' }],
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'body.decision',
      'body.items[0].caseId',
      'body.items[0].proposalId',
    ]);
    expect(body.error).toMatch(/body\.decision/);
  });

  it('answers unknown endpoints with a JSON 404 and sign-out without a body with 204', async () => {
    const res = await agents.admin!.get('/api/no/such/thing');
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatch(/No such endpoint/);
    const out = await agents.admin!.request({
      method: 'POST',
      url: '/api/auth/logout',
      payload: 'garbage',
      headers: { 'content-type': 'text/plain' },
    });
    expect(out.statusCode).toBeLessThan(500);
  });
});
