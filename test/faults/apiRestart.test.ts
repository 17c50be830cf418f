// Harbour Lane's attendance officer approves "make parents aware" on six Stage One cases (Bradford's
// staged intervention: a phone call to the family, a task for the team once approved). For five of
// them the API process dies (SIGKILL) just as the approval is sent: at once, or a random moment
// later while the decision is on its way to the case. The API is started again and the officer,
// who never saw an answer, presses Approve again. Each case's timeline shows the approval exactly
// once and the step is done once (one phone task), whether or not the first click had reached the
// case before the API died. A sixth case, approved with nothing killed, is the control.
//
// The production shape: the API (api/main.ts) and a case worker as processes of their own on the
// cluster, payloads sealed with the school's key and every decision signed by the API and verified
// by the worker (PAYLOAD_ENCRYPTION_KEY, ACTOR_SIGNING_KEY), an officer's account made by the
// administrator through the API, and the school's clock at real speed so no reminder moves a
// proposal to a manager while the test runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { loadConfig } from '../../config/env';
import { freePort } from '../../temporal/provision';
import { loadDataConverter } from '../../temporal/connection';
import type { SweepResult } from '../../activities/caseData';
import { getCaseView, type CaseView } from '../../workflows/caseMessages';
import { importSchool, SCHOOL_ID, startTestCluster, waitUntil, type TestCluster } from '../cluster/support';
import {
  buildWorkflowBundle,
  loadAverage,
  median,
  REPO_ROOT,
  report,
  seconds,
  spawnCaseWorker,
  TSX_IMPORT,
  type WorkerProcess,
} from './support';

const START = '2025-11-17';
const POLICY = 'bradford-staged-intervention';
const STEP = 'make-parents-aware';
const PUPILS = ['Maya Lane', 'Noah Grant', 'Amira Khan', 'Ben Lewis', 'Cleo Morris', 'Dan Price'];
const ADMIN = { email: 'head@harbour.example', password: 'harbour lane admin passphrase' };
const OFFICER = { email: 'officer@harbour.example', password: 'harbour lane officer passphrase' };

interface Api {
  proc: ChildProcess;
  port: number;
  readyMs: number;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

interface Session {
  cookie: string;
  csrf: string;
}

interface Approval {
  caseId: string;
  proposalId: string;
  planHash: string | null;
  step: { stepId: string };
}

describe('the API is killed while the attendance officer’s approval is on its way', () => {
  let t: TestCluster;
  let worker: WorkerProcess | undefined;
  let api: Api | undefined;
  let client: Client;
  let logDir: string;
  const secrets = {
    PAYLOAD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ACTOR_SIGNING_KEY: randomBytes(32).toString('base64'),
  };
  let apiPort: number;
  let apiStarts = 0;
  const casesQueue = `cases-${randomUUID()}`;

  /** The real API, as `npm run api` runs it, on the cluster and the app's database. */
  async function startApi(): Promise<Api> {
    const began = Date.now();
    const proc = spawn(process.execPath, [...TSX_IMPORT, 'api/main.ts'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        DATA_DIR: join(t.dir, 'api-data'),
        DATABASE_URL: t.cluster.appDatabaseUrl,
        TEMPORAL_ADDRESS: t.cluster.address,
        TEMPORAL_NAMESPACE: t.cluster.namespace,
        TEMPORAL_TASK_QUEUE: casesQueue,
        EMBEDDED_WORKER: 'false',
        API_HOST: '127.0.0.1',
        API_PORT: String(apiPort),
        DEMO_SCHOOL: 'false',
        SESSION_SECRET: 'harbour-lane-fault-test-session-secret-0123456789',
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        LOG_LEVEL: 'warn',
        ...secrets,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(join(logDir, `api-${++apiStarts}.log`));
    proc.stderr!.pipe(log);
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (c: Buffer) => {
        log.write(c);
        out += c.toString();
        if (out.includes('[api] listening on')) resolve();
      });
      proc.once('exit', (code, signal) =>
        reject(new Error(`the API exited (${signal ?? code}) before it listened; see ${logDir}`)),
      );
    });
    const alive = () => proc.exitCode === null && proc.signalCode === null;
    return {
      proc,
      port: apiPort,
      readyMs: Date.now() - began,
      kill: async () => {
        if (alive()) proc.kill('SIGKILL');
        await exited;
      },
      stop: async () => {
        if (alive()) proc.kill('SIGTERM');
        const k = setTimeout(() => proc.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(k);
      },
    };
  }

  async function call<T>(
    method: string,
    path: string,
    session: Session | null,
    body?: unknown,
  ): Promise<{ status: number; json: T; setCookies: string[] }> {
    const res = await fetch(`http://127.0.0.1:${apiPort}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(session ? { cookie: session.cookie, 'x-csrf-token': session.csrf } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      json: (text ? JSON.parse(text) : null) as T,
      setCookies: res.headers.getSetCookie(),
    };
  }

  async function signIn(who: { email: string; password: string }): Promise<Session> {
    const res = await call<{ csrfToken: string }>('POST', '/api/auth/login', null, who);
    if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(res.json)}`);
    return { cookie: res.setCookies.map((c) => c.split(';')[0]).join('; '), csrf: res.json.csrfToken };
  }

  /** Sends the decision and SIGKILLs the API `delayMs` after the request has left; what came back, if anything. */
  function approveAndKill(session: Session, a: Approval, delayMs: number): Promise<string> {
    const body = JSON.stringify({ decision: 'approve', ...(a.planHash ? { planHash: a.planHash } : {}) });
    return new Promise((resolve) => {
      const req = http.request({
        host: '127.0.0.1',
        port: apiPort,
        method: 'POST',
        path: `/api/approvals/${encodeURIComponent(a.caseId)}/${encodeURIComponent(a.proposalId)}/decision`,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          cookie: session.cookie,
          'x-csrf-token': session.csrf,
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(`answered ${res.statusCode} before the kill`);
      });
      req.on('error', () => resolve('no answer'));
      req.end(body, () => {
        setTimeout(() => void api!.kill(), delayMs);
      });
    });
  }

  const timelineOf = async (caseId: string): Promise<CaseView['timeline']> => {
    const { rows } = await t.db.query<{ view: CaseView }>('SELECT view FROM cases WHERE case_id = $1', [
      caseId,
    ]);
    return rows[0]?.view.timeline ?? [];
  };

  beforeAll(async () => {
    t = await startTestCluster();
    logDir = join(t.dir, 'logs-app');
    await mkdir(logDir, { recursive: true });
    await importSchool(
      t.db,
      PUPILS.map((name, i) => ({
        givenName: name.split(' ')[0]!,
        familyName: name.split(' ')[1]!,
        email: `parent.${i}@example.org`,
        // Away one morning in six: about 92% over the rolling 10 weeks, Bradford's Stage One.
        mark: (_d, session, day) => (day % 6 === 0 && session === 'AM' ? 'O' : session === 'AM' ? '/' : '\\'),
      })),
    );
    const config = loadConfig({ DATA_DIR: join(t.dir, 'api-data'), ...secrets });
    client = new Client({
      connection: t.client.connection,
      namespace: t.cluster.namespace,
      dataConverter: await loadDataConverter(config),
    });
    const bundlePath = await buildWorkflowBundle(t.dir, { production: true });
    worker = spawnCaseWorker({
      t,
      name: 'case-worker',
      taskQueue: casesQueue,
      policy: POLICY,
      clock: { simStart: START, realStartMs: Date.now(), rate: 1 },
      bundlePath,
      logDir,
      env: { SIGNED_DECISIONS: 'true', DATA_DIR: join(t.dir, 'worker-data'), ...secrets },
    });
    await worker.ready;
    apiPort = await freePort();
    api = await startApi();
  }, 900_000);

  afterAll(async () => {
    await api?.kill();
    await worker?.stop();
    await t?.stop();
  }, 180_000);

  it(
    'each approval is on the case’s timeline once and its step done once, however the API died',
    async () => {
      const began = Date.now();
      const sweep: SweepResult = await client.workflow.execute('schoolSweep', {
        taskQueue: casesQueue,
        workflowId: `sweep-${randomUUID()}`,
        args: [{ schoolId: SCHOOL_ID, asOf: START }],
      });
      expect(sweep.opened).toBe(PUPILS.length);

      // The administrator makes the officer's account; the officer signs in and opens Approvals.
      const admin = await signIn(ADMIN);
      const made = await call('POST', '/api/users', admin, {
        ...OFFICER,
        displayName: 'Asha Officer',
        role: 'officer',
        schoolIds: [SCHOOL_ID],
      });
      expect(made.status).toBe(201);
      const officer = await signIn(OFFICER);
      const approvals = await waitUntil(
        'every case to propose making the parents aware',
        async () => {
          const res = await call<{ items: Approval[] }>(
            'GET',
            `/api/approvals?schoolId=${SCHOOL_ID}`,
            officer,
          );
          const items = res.json.items.filter((i) => i.step.stepId === STEP);
          return items.length === PUPILS.length ? items : null;
        },
        600_000,
      );

      // The control: approved with nothing killed, how long an approval takes here.
      const [control, ...killed] = approvals;
      const t0 = Date.now();
      const ok = await call<{ status: string }>(
        'POST',
        `/api/approvals/${control!.caseId}/${control!.proposalId}/decision`,
        officer,
        { decision: 'approve', planHash: control!.planHash },
      );
      const decisionMs = Date.now() - t0;
      expect(ok.status).toBe(200);
      expect(ok.json.status).toBe('approved');

      const outcomes: {
        caseId: string;
        delayMs: number;
        first: string;
        reachedCase: boolean;
        retry: number;
        retryError?: string;
      }[] = [];
      const restarts: number[] = [];
      for (const [n, a] of killed.entries()) {
        // The first right after sending, the others at a random moment of a decision's life.
        const delayMs = n === 0 ? 0 : Math.round(Math.random() * decisionMs);
        const first = await approveAndKill(officer, a, delayMs);
        await api!.kill();
        api = await startApi();
        restarts.push(api.readyMs);
        // Had the first click reached the case? Ask the case itself, before the officer retries.
        const live = await client.workflow.getHandle(a.caseId).query(getCaseView);
        const reachedCase = !live.pending.some((p) => p.proposalId === a.proposalId);
        // The officer saw no answer and presses Approve again.
        const retry = await call<{ status?: string; error?: string }>(
          'POST',
          `/api/approvals/${a.caseId}/${a.proposalId}/decision`,
          officer,
          { decision: 'approve', planHash: a.planHash },
        );
        outcomes.push({
          caseId: a.caseId,
          delayMs,
          first,
          reachedCase,
          retry: retry.status,
          ...(retry.status === 200 ? {} : { retryError: retry.json.error }),
        });
      }

      // Every case: approved once on its timeline, and its one phone task made.
      const facts = await waitUntil(
        'every approved case to record its phone task',
        async () => {
          const all = [];
          for (const a of approvals) {
            const timeline = await timelineOf(a.caseId);
            const { rows: events } = await t.db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM case_events WHERE case_id = $1 AND type = 'approved'`,
              [a.caseId],
            );
            const { rows: tasks } = await t.db.query<{ id: string }>(
              'SELECT id FROM staff_tasks WHERE case_id = $1 AND step_id = $2',
              [a.caseId, STEP],
            );
            const { rows: audit } = await t.db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM audit_log WHERE action = 'approval.approve' AND target_id = $1`,
              [a.caseId],
            );
            if (tasks.length === 0) return null;
            all.push({
              caseId: a.caseId,
              approvedOnTimeline: timeline.filter(
                (e) => e.type === 'approved' && e.proposalId === a.proposalId,
              ).length,
              approvedEvents: events[0]!.n,
              tasks: tasks.length,
              audits: audit[0]!.n,
            });
          }
          return all;
        },
        300_000,
      );

      report('The API killed while approvals are on their way', {
        'cases (control + killed)': `${approvals.length} (1 + ${killed.length})`,
        'an approval with nothing killed': seconds(decisionMs),
        'API restarts (spawn to listening, median)': `${restarts.length}, ${seconds(median(restarts))}`,
        ...Object.fromEntries(
          outcomes.map((o, i) => [
            `killed ${i + 1}: ${o.delayMs} ms after sending`,
            `first click: ${o.first}, ${o.reachedCase ? 'had reached the case' : 'had not reached the case'}; retry answered ${o.retry}${o.retryError ? ` (“${o.retryError}”)` : ''}`,
          ]),
        ),
        'approvals on each timeline': facts.map((f) => f.approvedOnTimeline).join(' '),
        'approved events recorded per case': facts.map((f) => f.approvedEvents).join(' '),
        'phone tasks per case': facts.map((f) => f.tasks).join(' '),
        'audit entries (approval.approve) per case': facts.map((f) => f.audits).join(' '),
        'sweep to last check': seconds(Date.now() - began),
        'load average': await loadAverage(),
      });

      for (const f of facts) {
        expect(f.approvedOnTimeline, f.caseId).toBe(1);
        expect(f.approvedEvents, f.caseId).toBe(1);
        expect(f.tasks, f.caseId).toBe(1);
        // Every decision the case applied is in the audit log: it is written before it is sent
        // (api/auth/auditedDecision.ts). Two when the first click's entry was written and the
        // officer pressed again: both are decisions a person made.
        expect(f.audits, f.caseId).toBeGreaterThanOrEqual(1);
      }
      for (const o of outcomes) {
        // A first click that had not reached the case is done by the retry (200); one that had is
        // refused as already decided (409, "no longer waiting for a decision"): never done twice.
        expect([200, 409], o.caseId).toContain(o.retry);
      }
    },
    30 * 60_000,
  );
});
