// The fuzzed API (issue 13, part 10). Schemathesis (test/support/schemathesis.ts) generates requests
// from the API's own OpenAPI document (/api/docs/json) and sends them to the real API on a loopback
// port, wired as `npm start` wires it: a Temporal dev server, the embedded worker running the real
// case workflows, payloads sealed and decisions signed with the keys in DATA_DIR, PGlite in memory.
//
// Two schools are imported through the API, their sweeps open real cases, and one letter per school
// is approved and written. Then Schemathesis runs once per role: signed out, an officer, a manager
// and an administrator of school A, and an administrator of every school. Hooks
// (test/api/fuzz/hooks.py) swap generated ids for real ones of both schools now and then, so the
// requests reach real records, school B's among them. Every request and answer is read back from
// Schemathesis's HAR file, and the test asserts, per role:
//   - no answer is a 5xx;
//   - no answer to a user of school A (or to nobody signed in) carries school B's data: a name, an
//     email, a UPN or an id of school B that the request did not itself send;
//   - no request naming a record of school B in its path is answered 2xx (so a letter's PDF,
//     whose text is compressed, is covered too);
//   - every documented operation was exercised.
import { eventually as waitFor } from '../support/eventually';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { demoSchoolData } from '../../api/demo/demoSchool';
import { loadConfig } from '../../config/env';
import { buildCalendar } from '../../domain/calendar';
import { schoolDateAt } from '../../domain/time';
import { openDb, type Db } from '../../store/db';
import { upnCheckLetter } from '../../store/validate';
import { connectClient } from '../../temporal/connection';
import { withDeadline } from '../../temporal/quiescence';
import { startEmbeddedWorker } from '../../worker/embedded';
import { provisionSchemathesis, type Schemathesis } from '../support/schemathesis';
import { startDevServer } from '../support/temporal';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';

const HOOKS = fileURLToPath(new URL('./fuzz/hooks.py', import.meta.url));
/**
 * Test cases per operation in the fuzzing phase; the coverage phase adds its own boundary and
 * negative cases (most of the requests). FUZZ_MAX_EXAMPLES=100 makes a deeper run by hand.
 */
const MAX_EXAMPLES = Number(process.env.FUZZ_MAX_EXAMPLES ?? 5);
/** One seed, so a run can be repeated: `st run ... --seed` with the same data gives the same requests. */
const SEED = 20_261_013;
/** A bound on one role's run: it takes well under a minute on an idle machine. */
const RUN_DEADLINE_MS = 8 * 60_000;
/** A bound on the waits for the cases and letters the setup makes. */
const WAIT_MS = 120_000;

const TODAY = schoolDateAt(Date.now(), 'Europe/London');
const SCHOOL_A = 'FZA100';
const SCHOOL_B = 'FZB200';
const SCHOOLS = {
  [SCHOOL_A]: {
    n: 1,
    name: 'Alder Primary',
    pupils: [
      { given: 'Amira', family: 'Khan' },
      { given: 'Ben', family: 'Lewis' },
      { given: 'Cleo', family: 'Morris' },
    ],
  },
  // School B's names are unmistakable: found in an answer to school A, they can only have leaked.
  [SCHOOL_B]: {
    n: 2,
    name: 'Brackenridge Vale Academy',
    pupils: [
      { given: 'Xanthe', family: 'Quillfeather' },
      { given: 'Ozias', family: 'Wolstenholme' },
      { given: 'Perpetua', family: 'Brackenbury' },
    ],
  },
} as const;
type SchoolId = keyof typeof SCHOOLS;

function upnFor(n: number, i: number): string {
  const digits = `82020${n}0${String(i + 1).padStart(5, '0')}`;
  return upnCheckLetter(digits) + digits;
}

/** A school's import: the demo school's calendar and dates, three pupils missing one session in seven. */
function importBody(school: SchoolId) {
  const { n, name, pupils } = SCHOOLS[school];
  const demo = demoSchoolData(TODAY, 1);
  const calendar = { ...demo.calendar, school, name };
  const days = buildCalendar(calendar).schoolDaysBetween(demo.from ?? TODAY, demo.to ?? TODAY);
  return {
    schoolId: school,
    calendar,
    roster: pupils.map((p, i) => ({
      upn: upnFor(n, i),
      given_name: p.given,
      family_name: p.family,
      year_group: '5',
      date_of_birth: `${Number(TODAY.slice(0, 4)) - 10}-05-01`,
      contact1_name: `Parent ${p.family}`,
      contact1_email: `${p.family.toLowerCase()}.family@${school.toLowerCase()}.example.org`,
      contact1_phone: '',
      contact2_name: '',
      contact2_email: '',
      contact2_phone: '',
      flags: '',
    })),
    marks: pupils.flatMap((_, i) =>
      days.flatMap((date, d) =>
        (['AM', 'PM'] as const).map((session) => ({
          upn: upnFor(n, i),
          date,
          session,
          code:
            (d % 7 === 0 && session === 'AM') || (d % 7 === 3 && session === 'PM')
              ? 'O'
              : session === 'AM'
                ? '/'
                : '\\',
        })),
      ),
    ),
  };
}

type AgentKey = 'officerA' | 'managerA' | 'adminA' | 'adminAll';
interface Role {
  name: string;
  /** Who is signed in; null: nobody. */
  agent: AgentKey | null;
  /** The schools whose data this role must never see. */
  mustNotSee: SchoolId[];
}
const ROLES: Role[] = [
  { name: 'signed out', agent: null, mustNotSee: [SCHOOL_A, SCHOOL_B] },
  { name: 'officer of school A', agent: 'officerA', mustNotSee: [SCHOOL_B] },
  { name: 'manager of school A', agent: 'managerA', mustNotSee: [SCHOOL_B] },
  { name: 'administrator of school A', agent: 'adminA', mustNotSee: [SCHOOL_B] },
  { name: 'administrator of every school', agent: 'adminAll', mustNotSee: [] },
];

interface HarEntry {
  request: { method: string; url: string; postData?: { text?: string } };
  response: { status: number; content?: { text?: string } };
}

let env: TestWorkflowEnvironment;
let db: Db;
let dataDir: string;
let temporal: Client;
let worker: { shutdown(): Promise<void> };
let t: TestApp;
let base: string;
let st: Schemathesis;
let openapi: string;
let operations: { method: string; path: string; pattern: RegExp }[];
const signedIn = {} as Record<AgentKey, Agent>;
/** Real ids of both schools, by the parameter names the API uses, for the hooks to swap in. */
const known: Record<string, string[]> = {};
/** Per school: the values that, seen by a user without that school, are its data. */
const secrets: Record<SchoolId, { values: string[]; ids: string[] }> = {
  [SCHOOL_A]: { values: [], ids: [] },
  [SCHOOL_B]: { values: [], ids: [] },
};
const figures: Record<string, unknown>[] = [];

const eventually = <T>(what: string, read: () => Promise<T>, holds: (v: T) => boolean) =>
  waitFor(what, read, holds, { timeoutMs: WAIT_MS, intervalMs: 200 });

function add(bag: Record<string, string[]>, key: string, ...values: string[]): void {
  bag[key] = [...new Set([...(bag[key] ?? []), ...values])];
}

beforeAll(async () => {
  st = await provisionSchemathesis({ quiet: true });
  dataDir = await mkdtemp(join(tmpdir(), 'fuzz-'));
  env = await startDevServer();
  db = await openDb({ inMemory: true });
  const configEnv = {
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: `fuzz-${randomUUID()}`,
    DEMO_SCHOOL: 'false',
  };
  const config = loadConfig(configEnv);
  // As api/main.ts: payloads sealed with the key in DATA_DIR, decisions signed with the API's key.
  temporal = await connectClient(config, { signActors: true });
  t = await makeTestApp({
    temporal,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    db,
    env: configEnv,
    // A busy two-core machine answers a case's live view slowly; its 503 is for a case that hangs.
    caseQueryTimeoutMs: 60_000,
  });
  worker = await startEmbeddedWorker({ config, db, temporalClient: temporal });

  const officerA = await makeUser(db, 'officer', [SCHOOL_A]);
  const managerA = await makeUser(db, 'manager', [SCHOOL_A]);
  const adminA = await makeUser(db, 'admin', [SCHOOL_A]);
  const adminAll = await makeUser(db, 'admin', [], { allSchools: true });
  const managerB = await makeUser(db, 'manager', [SCHOOL_B], {
    email: 'wolstenholme.staff@fzb200.example.org',
  });
  const agents = {
    officerA: await signIn(t.app, officerA.email),
    managerA: await signIn(t.app, managerA.email),
    adminA: await signIn(t.app, adminA.email),
    adminAll: await signIn(t.app, adminAll.email),
    managerB: await signIn(t.app, managerB.email),
  };
  Object.assign(signedIn, agents);

  // Both schools imported and swept through the API, as a school's administrator would.
  for (const school of [SCHOOL_A, SCHOOL_B] as const) {
    const imported = await agents.adminAll.post('/api/imports?wait=true', importBody(school));
    expect(imported.statusCode, imported.body.slice(0, 300)).toBe(201);
    add(known, 'importId', imported.json<{ id: string }>().id);
    secrets[school].ids.push(imported.json<{ id: string }>().id);
    const swept = await agents.adminAll.post(`/api/schools/${school}/sweep?wait=true`);
    expect(swept.statusCode, swept.body.slice(0, 300)).toBe(200);
    expect(swept.json().result).toMatchObject({ opened: 3 });
  }
  const cases = await eventually(
    'every pupil’s case to be open with a step waiting',
    async () =>
      (
        await db.query<{ case_id: string; school_id: SchoolId; pupil_id: string; proposals: string[] }>(
          `SELECT case_id, school_id, pupil_id::text AS pupil_id,
                  ARRAY(SELECT p->>'proposalId' FROM jsonb_array_elements(view->'pending') p) AS proposals
             FROM cases WHERE pending_approvals > 0`,
        )
      ).rows,
    (rows) => rows.length === 6,
  );

  // One letter per school approved and written, so letters and their PDFs are there to be asked for.
  for (const [school, agent] of [
    [SCHOOL_A, agents.officerA],
    [SCHOOL_B, agents.managerB],
  ] as const) {
    const c = cases.find((r) => r.school_id === school)!;
    const res = await agent.post(`/api/approvals/${c.case_id}/${c.proposals[0]}/decision`, {
      decision: 'approve',
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  }
  const letters = await eventually(
    'a letter of each school to be written',
    async () =>
      (await db.query<{ id: string; school_id: SchoolId }>('SELECT id, school_id FROM letters')).rows,
    (rows) => new Set(rows.map((r) => r.school_id)).size === 2,
  );
  const pending = (
    await db.query<{ school_id: SchoolId; proposals: string[] }>(
      `SELECT school_id, ARRAY(SELECT p->>'proposalId' FROM jsonb_array_elements(view->'pending') p) AS proposals
         FROM cases`,
    )
  ).rows;

  for (const c of cases) {
    add(known, 'caseId', c.case_id);
    add(known, 'pupilId', c.pupil_id);
    secrets[c.school_id].ids.push(c.case_id, c.pupil_id);
  }
  for (const p of pending) add(known, 'proposalId', ...p.proposals);
  for (const l of letters) {
    add(known, 'letterId', l.id);
    secrets[l.school_id].ids.push(l.id);
  }
  add(known, 'schoolId', SCHOOL_A, SCHOOL_B);
  // Another school's manager, and an officer of school A (never the fuzzing user: one could lock
  // itself out and test nothing more).
  add(known, 'userId', managerB.id, officerA.id);
  secrets[SCHOOL_B].ids.push(SCHOOL_B, managerB.id);
  secrets[SCHOOL_A].ids.push(SCHOOL_A);
  secrets[SCHOOL_B].values.push(managerB.email);
  for (const school of [SCHOOL_A, SCHOOL_B] as const) {
    const { n, name, pupils } = SCHOOLS[school];
    secrets[school].values.push(name);
    pupils.forEach((p, i) =>
      secrets[school].values.push(
        p.given,
        p.family,
        upnFor(n, i),
        `${p.family.toLowerCase()}.family@${school.toLowerCase()}.example.org`,
      ),
    );
  }

  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  // The document is behind the sign-in like all of /api/: each run reads this copy of it.
  const docRes = await agents.adminAll.get('/api/docs/json');
  expect(docRes.statusCode).toBe(200);
  openapi = docRes.body;
  const doc = docRes.json<{ paths: Record<string, object> }>();
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map((m) => ({
        method: m.toUpperCase(),
        path,
        pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      })),
  );
}, 900_000);

afterAll(async () => {
  await t?.app.close();
  await worker?.shutdown();
  await temporal?.connection.close();
  await env?.teardown();
  await db?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  // Counts only (no request or answer is printed): the figures docs/security.md quotes.
  if (figures.length)
    console.log(
      [
        `[fuzz] Schemathesis ${st.version}, ${operations.length} operations, --max-examples ${MAX_EXAMPLES}, seed ${SEED}`,
        ...figures.map((f) => JSON.stringify(f)),
      ].join('\n'),
    );
});

/** Runs Schemathesis as this role, its HAR file into `dir`; resolves with its exit code and output. */
async function runSchemathesis(role: Role, dir: string): Promise<{ code: number | null; output: string }> {
  const agent = role.agent ? signedIn[role.agent] : null;
  const headers = agent ? [`Cookie: ${agent.cookie}`, `x-csrf-token: ${agent.csrf}`] : [];
  const output = join(dir, 'schemathesis.log');
  const schema = join(dir, 'openapi.json');
  writeFileSync(schema, openapi);
  const child = spawn(
    st.python,
    [
      '-m',
      'schemathesis.cli',
      'run',
      schema,
      '--url',
      base,
      '--checks',
      'not_a_server_error',
      // Signing out would end the session the rest of the run is made with.
      '--exclude-path',
      '/api/auth/logout',
      '--max-examples',
      String(MAX_EXAMPLES),
      '--seed',
      String(SEED),
      '--generation-database',
      'none',
      // The session cookie and CSRF header are ours, never generated.
      '--generation-with-security-parameters',
      'false',
      '--workers',
      '1',
      '--request-timeout',
      '120',
      '--report',
      'har',
      '--report-har-path',
      join(dir, 'requests.har'),
      '--no-color',
      ...headers.flatMap((h) => ['-H', h]),
    ],
    {
      cwd: dir,
      env: {
        ...process.env,
        SCHEMATHESIS_HOOKS: HOOKS,
        FUZZ_KNOWN_IDS: JSON.stringify(known),
        PYTHONDONTWRITEBYTECODE: '1', // nothing written beside the hooks in the work tree
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const log = createWriteStream(output);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => res(code));
  });
  try {
    const code = await withDeadline(exited, RUN_DEADLINE_MS, `Schemathesis as the ${role.name} to finish`);
    await new Promise<void>((res) => log.end(res));
    return { code, output: readFileSync(output, 'utf8') };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

describe('the API fuzzed from its OpenAPI document', () => {
  it.each(ROLES)(
    'as the $name: no 5xx and nothing of another school',
    async (role) => {
      const dir = await mkdtemp(join(tmpdir(), 'fuzz-run-'));
      try {
        const started = Date.now();
        const { code, output } = await runSchemathesis(role, dir);
        const seconds = Math.round((Date.now() - started) / 1000);
        // What Schemathesis says about each failure, else its summary (cookies are filtered out).
        const failures = /={3,} FAILURES ={3,}([\s\S]*?)(?:={3,} (?:WARNINGS|SUMMARY) ={3,})/.exec(
          output,
        )?.[1];
        const tail = (failures ?? output.split('\n').slice(-40).join('\n')).slice(0, 20_000);
        const entries = JSON.parse(readFileSync(join(dir, 'requests.har'), 'utf8')).log.entries as HarEntry[];

        const hidden = role.mustNotSee.flatMap((s) => [...secrets[s].values, ...secrets[s].ids]);
        const hiddenIds = new Set(role.mustNotSee.flatMap((s) => secrets[s].ids));
        const serverErrors: string[] = [];
        const leaks: string[] = [];
        const covered = new Set<string>();
        const byClass: Record<string, number> = {};
        /** Requests that named a record of a school this role must not see (the hooks' doing). */
        let probes = 0;
        for (const { request, response } of entries) {
          const url = new URL(request.url);
          const op = operations.find((o) => o.method === request.method && o.pattern.test(url.pathname));
          if (op) covered.add(`${op.method} ${op.path}`);
          const label = `${request.method} ${op?.path ?? url.pathname} -> ${response.status}`;
          const cls = `${Math.floor(response.status / 100)}xx`;
          byClass[cls] = (byClass[cls] ?? 0) + 1;
          if (response.status >= 500) serverErrors.push(label);
          const sent = `${decoded(request.url)}\n${request.url}\n${request.postData?.text ?? ''}`;
          if ([...hiddenIds].some((id) => sent.includes(id))) probes++;
          const body = response.content?.text ?? '';
          const seen = hidden.filter((v) => body.includes(v) && !sent.includes(v));
          if (seen.length) leaks.push(`${label}: the answer holds ${seen.length} value(s) of another school`);
          const segments = url.pathname.split('/').map(decoded);
          if (response.status < 300 && segments.some((s) => hiddenIds.has(s)))
            leaks.push(`${label}: a record of another school, answered`);
        }
        const missing = operations
          .map((o) => `${o.method} ${o.path}`)
          .filter((o) => o !== 'POST /api/auth/logout' && !covered.has(o));
        figures.push({
          role: role.name,
          requests: entries.length,
          operations: covered.size,
          ...byClass,
          serverErrors: serverErrors.length,
          probes,
          leaks: leaks.length,
          seconds,
          // The machine's load as it finished (the 1-minute average), where Linux says it.
          load: existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').split(' ')[0] : null,
        });

        expect.soft(serverErrors, `5xx answers as the ${role.name}:\n${tail}`).toEqual([]);
        expect.soft(leaks, `another school's data reached the ${role.name}`).toEqual([]);
        expect.soft(missing, 'documented operations Schemathesis never sent').toEqual([]);
        expect(entries.length).toBeGreaterThan(operations.length * MAX_EXAMPLES);
        // The leak checks had something to bite on: requests that asked for the other school's records.
        if (hiddenIds.size > 0) expect(probes).toBeGreaterThan(20);
        expect(code, `Schemathesis exit code as the ${role.name}:\n${tail}`).toBe(0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    RUN_DEADLINE_MS + 60_000,
  );
});
