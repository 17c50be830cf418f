// npm run bench:cluster [-- --schools 20 --pupils 1000] [--first N] [--rest-rounds 20] [--raw-per-starter 200]
//                         [--second-sweep next-day|same-day] [--settle-load L] [--max-cached N] [--keep]
//
// The production shape under a council's load, on one cluster (temporal/cluster: PostgreSQL of its
// own, Temporal's four services as processes, two app workers as processes, the API in this process
// on a loopback port), measured side by side in one run:
//   1. raw start rate: an empty workflow (scripts/bench/cluster/emptyWorkflow.ts, its own worker and
//      task queue) started schools x pupils times by as many concurrent sequential starters as the
//      sweep has schools; with `start` and with signal-with-start;
//   2. opening cases: `--schools` schools of `--pupils` pupils, each a persistent-absence cohort
//      imported through runImport, swept by the real schoolSweep workflow (one per school, started at
//      once): cases opened per second, its ratio to the raw rate, and how long until every case has
//      projected itself into the read model (`cases`). The first `--first` schools go first, then the
//      rest, so resources can be read at both sizes;
//   3. pages over real HTTP (a manager of one school, an administrator of all): the approvals queue,
//      the case list (filters, pages 1, 10 and the last) and the case page, at rest and while a second
//      sweep of every school runs; p50 / p95 / p99. By default (`--second-sweep next-day`) it is the
//      next school day's daily sweep, run ahead of its day: today's registers imported, every open
//      case judged by the sweep as the case would judge it, and only a case whose decision changes
//      woken (docs/cost.md). `same-day` sweeps today again with today's registers, which sends every
//      case its new figures (a case projected today judges for itself): the heaviest a sweep gets.
//      `--settle-load L` first waits (up to 45 minutes) for the 1-minute load average to fall to L,
//      so the pages are not measured beside another job's tail; `--max-cached N` sets each worker's
//      WORKER_MAX_CACHED_WORKFLOWS (default: the SDK's, from the heap);
//   4. resources: RSS, PSS and CPU seconds of every process (each Temporal service, each worker, this
//      process, PostgreSQL's processes summed) with the first schools' cases open, and with all.
// The table goes to stdout as Markdown; everything to .cache/bench-cluster.json.
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app';
import { hashPassword } from '../../api/auth/passwords';
import { createUser } from '../../api/auth/users';
import type { SweepResult } from '../../activities/caseData';
import { loadConfig, type AppConfig } from '../../config/env';
import { buildCalendar } from '../../domain/calendar';
import { schoolDateAt } from '../../domain/time';
import { openDb, type Db } from '../../store/db';
import { startLocalCluster, type LocalCluster } from '../../temporal/cluster/cluster';
import { freeClusterPorts, TEMPORAL_SERVICES } from '../../temporal/cluster/services';
import { connectClient, loadDataConverter } from '../../temporal/connection';
import { freePort } from '../../temporal/provision';
import type { schoolSweep } from '../../workflows/schoolSweep';
import { loadAverage, sampleProcesses, type ProcSample } from './cluster/proc';
import {
  browse,
  getJson,
  latencyOf,
  signInOverHttp,
  type Latency,
  type Page,
  type Sample,
  type Session,
} from './cluster/pages';
import {
  benchAsOf,
  benchCalendarFile,
  benchSchoolId,
  BENCH_POLICY,
  FLAGGED_EVERY,
  importBenchSchool,
  importDayMarks,
} from './cluster/schools';
import { startWorkerProcess, type WorkerProcess } from './cluster/workers';

const { values: opts } = parseArgs({
  options: {
    schools: { type: 'string', default: '20' },
    pupils: { type: 'string', default: '1000' },
    first: { type: 'string' },
    workers: { type: 'string', default: '2' },
    'rest-rounds': { type: 'string', default: '20' },
    // Starts per concurrent starter in the raw runs: a rate needs thousands of starts, not 20,000.
    'raw-per-starter': { type: 'string', default: '200' },
    'second-sweep': { type: 'string', default: 'next-day' },
    'settle-load': { type: 'string', default: '0' },
    'max-cached': { type: 'string' },
    keep: { type: 'boolean', default: false },
    // Each worker writes a V8 CPU profile (node --cpu-prof) into the kept directory's profiles/.
    'cpu-prof': { type: 'boolean', default: false },
    out: { type: 'string', default: '.cache/bench-cluster.json' },
  },
});
const SCHOOLS = Number(opts.schools);
const PUPILS = Number(opts.pupils);
const FIRST = Math.min(SCHOOLS, Number(opts.first ?? Math.max(1, Math.round(SCHOOLS / 10))));
const WORKERS = Number(opts.workers);
const REST_ROUNDS = Number(opts['rest-rounds']);
const RAW_PER_STARTER = Math.min(PUPILS, Number(opts['raw-per-starter']));
const SECOND_SWEEP = opts['second-sweep'] as 'next-day' | 'same-day';
const SETTLE_LOAD = Number(opts['settle-load']);
const SETTLE_MAX_MS = 45 * 60_000;
const EMPTY_QUEUE = 'bench-empty';
const EMPTY_WORKFLOWS = fileURLToPath(new URL('./cluster/emptyWorkflow.ts', import.meta.url));
const GOAL_RATIO = 0.8;
const GOAL_P95_MS = 50;
const PASSWORD = 'bench cluster password, loopback only';

const t0Run = Date.now();
const say = (m: string) =>
  console.error(`[bench ${((Date.now() - t0Run) / 1000).toFixed(0).padStart(5)} s] ${m}`);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const secs = (ms: number) => `${fmt(ms / 1000, 1)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// What the run records

interface Phase {
  name: string;
  loadAtStart: string;
  loadAtEnd: string;
  ms: number;
}

interface RawRun {
  mode: 'start' | 'signalWithStart';
  concurrency: number;
  starts: number;
  /** First start sent to last start answered. */
  startMs: number;
  perSecond: number;
  /** One start's round trip. */
  callP50Ms: number;
  callP95Ms: number;
  /** Until every empty workflow had completed (visibility says none is running). */
  allCompletedMs: number;
}

interface OpenBatch {
  schools: number;
  pupils: number;
  evaluated: number;
  opened: number;
  failed: number;
  failedSweeps: number;
  /** The sweep activity's attempts, per school. */
  attempts: number[];
  /** First sweep started to last sweep completed (the server's close time). */
  sweepMs: number;
  openedPerSecond: number;
  /** Until `SELECT count(*) FROM cases` had every case. */
  projectedMs: number;
  /** Until every case had sent its Letter 1 or was waiting for its approval (the read model says). */
  settledMs: number;
}

interface Report {
  when: string;
  machine: Record<string, string>;
  options: Record<string, number | string | boolean>;
  phases: Phase[];
  imports: { schools: number; markRows: number; ms: number; slowestSchoolMs: number };
  raw: RawRun[];
  opening: OpenBatch[];
  secondSweep?: {
    /** The day it swept: the next school day (the daily sweep), or the opening's day again. */
    asOf: string;
    kind: 'next-day' | 'same-day';
    updated: number;
    unchanged: number;
    /** Open cases the sweep judged itself and wrote to the read model, sending them nothing. */
    checked: number;
    failed: number;
    sweepMs: number;
    reprojected: number;
    drainedMs: number;
  };
  pages: { label: string; goal: boolean; rest: Latency; load: Latency }[];
  /** Samples per process, keyed by when (see SAMPLE_AT). */
  resources: { name: string; at: Record<string, ProcSample> }[];
  /** How many workflows each sampled interval ran, to put CPU per workflow. */
  workflowsBetween: Record<string, number>;
  workerWarnings: number;
  notes: string[];
}

const report: Report = {
  when: new Date().toISOString(),
  machine: {},
  options: { schools: SCHOOLS, pupils: PUPILS, first: FIRST, workers: WORKERS, restRounds: REST_ROUNDS },
  phases: [],
  imports: { schools: 0, markRows: 0, ms: 0, slowestSchoolMs: 0 },
  raw: [],
  opening: [],
  pages: [],
  resources: [],
  workflowsBetween: {},
  workerWarnings: 0,
  notes: [],
};

async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const loadAtStart = loadAverage();
  say(`${name}: starting (load ${loadAtStart})`);
  const t0 = performance.now();
  const value = await fn();
  const p = { name, loadAtStart, loadAtEnd: loadAverage(), ms: performance.now() - t0 };
  report.phases.push(p);
  say(`${name}: done in ${secs(p.ms)} (load ${p.loadAtEnd})`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// The parts the run starts, and stops at the end whatever happens

let cluster: LocalCluster | null = null;
let db: Db | null = null;
let apiDb: Db | null = null;
let client: Client | null = null;
let app: FastifyInstance | null = null;
let emptyWorker: { worker: Worker; running: Promise<void>; connection: NativeConnection } | null = null;
const workers: WorkerProcess[] = [];
let dir = '';
let failure: Error | null = null;
let abort: (err: Error) => void = () => undefined;
/** Rejects when the run fails (a service or worker stopped, Ctrl-C): long waits race it. */
const aborted = new Promise<never>((_, reject) => (abort = reject));
aborted.catch(() => undefined);

function fail(message: string): void {
  failure ??= new Error(message);
  say(`FAILED: ${message}`);
  abort(failure);
}
function assertRunning(): void {
  if (failure) throw failure;
}

async function cleanUp(): Promise<void> {
  await app?.close().catch(() => undefined);
  await stopEmptyWorker();
  for (const w of workers) await w.stop().catch(() => undefined);
  await client?.connection.close().catch(() => undefined);
  await apiDb?.close().catch(() => undefined);
  await db?.close().catch(() => undefined);
  await cluster?.stop().catch(() => undefined);
  if (dir && !opts.keep) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  else if (dir) say(`kept ${dir} (PostgreSQL data in cluster/postgres, logs in cluster/logs and logs/)`);
}

async function stopEmptyWorker(): Promise<void> {
  if (!emptyWorker) return;
  const w = emptyWorker;
  emptyWorker = null;
  w.worker.shutdown();
  await w.running.catch(() => undefined);
  await w.connection.close().catch(() => undefined);
}

// ---------------------------------------------------------------------------------------------
// Resources

function postmasterPid(c: LocalCluster): Promise<number> {
  return readFile(join(c.postgres!.dataDir, 'postmaster.pid'), 'utf8').then((t) => Number(t.split('\n')[0]));
}

/** When resources are read: around the raw starts, and before and after each batch of cases opens. */
const SAMPLE_AT = {
  beforeRaw: 'before the raw starts',
  afterRaw: 'after the raw starts',
  beforeOpen: 'before opening',
  first: 'first schools open',
  all: 'all schools open',
  end: 'the end',
} as const;

async function sampleResources(at: string): Promise<void> {
  const c = cluster!;
  const rows: [string, ProcSample][] = [];
  for (const name of TEMPORAL_SERVICES) {
    const pid = c.services.processes.get(name)!.pid!;
    rows.push([`Temporal ${name}`, sampleProcesses(pid, { tree: false })]);
  }
  for (const w of workers) rows.push([`app ${w.name}`, sampleProcesses(w.proc.pid!, { tree: true })]);
  rows.push(['this process: API, bench client, empty worker', sampleProcesses(process.pid, { tree: false })]);
  rows.push(['PostgreSQL (all its processes)', sampleProcesses(await postmasterPid(c), { tree: true })]);
  for (const [name, s] of rows) {
    let row = report.resources.find((r) => r.name === name);
    if (!row) report.resources.push((row = { name, at: {} }));
    row.at[at] = s;
  }
  say(
    `resources at ${at}: ${rows.map(([n, s]) => `${n.split(' ')[0] === 'Temporal' ? n.split(' ')[1] : n.split(' ')[0]} ${fmt(s.rssMiB)} MiB/${fmt(s.cpuSeconds, 1)} s`).join(', ')}`,
  );
}

// ---------------------------------------------------------------------------------------------
// 1. Raw start rate

async function rawStarts(
  mode: RawRun['mode'],
  concurrency: number,
  perStarter: number,
  tag: string,
): Promise<RawRun> {
  const c = client!;
  const calls: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, s) => {
      for (let i = 0; i < perStarter; i++) {
        assertRunning();
        const workflowId = `bench-empty-${tag}-${s}-${i}`;
        const c0 = performance.now();
        if (mode === 'start') {
          await c.workflow.start('benchEmptyWorkflow', { taskQueue: EMPTY_QUEUE, workflowId, args: [] });
        } else {
          await c.workflow.signalWithStart('benchEmptyWorkflow', {
            taskQueue: EMPTY_QUEUE,
            workflowId,
            args: [],
            signal: 'benchPing',
            signalArgs: [],
          });
        }
        calls.push(performance.now() - c0);
      }
    }),
  );
  const startMs = performance.now() - t0;
  const query = `WorkflowType = 'benchEmptyWorkflow' AND ExecutionStatus = 'Running'`;
  for (;;) {
    assertRunning();
    const { count } = await c.workflow.count(query);
    if (count === 0) break;
    await sleep(250);
  }
  const allCompletedMs = performance.now() - t0;
  calls.sort((a, b) => a - b);
  const starts = concurrency * perStarter;
  const run: RawRun = {
    mode,
    concurrency,
    starts,
    startMs,
    perSecond: starts / (startMs / 1000),
    callP50Ms: calls[Math.floor(calls.length * 0.5)]!,
    callP95Ms: calls[Math.min(calls.length - 1, Math.ceil(calls.length * 0.95) - 1)]!,
    allCompletedMs,
  };
  say(
    `raw ${mode} x${concurrency}: ${fmt(starts)} starts in ${secs(startMs)} = ${fmt(run.perSecond, 1)}/s (call p50 ${fmt(run.callP50Ms, 1)} ms, p95 ${fmt(run.callP95Ms, 1)} ms); all completed after ${secs(allCompletedMs)}`,
  );
  return run;
}

// ---------------------------------------------------------------------------------------------
// 2. Opening cases

async function countCases(where = 'true', params: unknown[] = []): Promise<number> {
  const { rows } = await db!.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM cases c WHERE ${where}`,
    params,
  );
  return rows[0]!.n;
}

/**
 * Every case has sent its Letter 1 (with no SMTP server it is held in the outbox), or waits for a
 * person to approve it.
 */
const SETTLED = `c.pending_approvals > 0 OR EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.case_id AND e.type IN ('letterSent', 'letterHeld'))`;

/**
 * Polls until `count()` reaches `target`: ms from `t0` (performance.now()) when it did. Gives up
 * when the count has gained fewer than `trickle` in the last `stallMs` (something is stuck, or a
 * few stragglers arrive minutes apart: two earlier runs sat for an hour on the last few dozen
 * cases), returning how far it got.
 */
async function waitForCount(
  what: string,
  count: () => Promise<number>,
  target: number,
  t0: number,
  everyMs: number,
  stallMs = 10 * 60_000,
  trickle = Math.max(1, Math.ceil(target / 1000)),
): Promise<{ ms: number; n: number; reached: boolean }> {
  let lastSay = performance.now();
  /** The count at each poll within the last `stallMs`, oldest first. */
  const window: { at: number; n: number }[] = [];
  let lastChange = performance.now();
  for (;;) {
    assertRunning();
    const n = await count();
    if (n >= target) return { ms: performance.now() - t0, n, reached: true };
    const now = performance.now();
    if (window.length === 0 || n !== window.at(-1)!.n) lastChange = now;
    window.push({ at: now, n });
    while (window.length > 1 && now - window[1]!.at >= stallMs) window.shift();
    if (now - lastSay > 30_000) {
      say(`  ${what}: ${fmt(n)} of ${fmt(target)} after ${secs(now - t0)}`);
      lastSay = now;
    }
    if (now - window[0]!.at >= stallMs && n - window[0]!.n < trickle) {
      say(`  ${what}: ${fmt(n)} of ${fmt(target)}, fewer than ${trickle} more in ${secs(stallMs)}; going on`);
      return { ms: lastChange - t0, n, reached: false };
    }
    await sleep(everyMs);
  }
}

/**
 * Why cases the sweeps opened are not in the read model: for each case workflow the cluster has
 * that the read model lacks (up to `limit`), what the server says it is doing. Ids only (no pupil
 * data is in them): status, history length, the pending workflow task's attempt, the pending
 * activities with their attempts and last failures, and how many workflow tasks timed out or failed.
 */
async function diagnoseUnprojected(limit = 40): Promise<string[]> {
  const inReadModel = new Set(
    (await db!.query<{ case_id: string }>('SELECT case_id FROM cases')).rows.map((r) => r.case_id),
  );
  const missing: string[] = [];
  for await (const w of client!.workflow.list({ query: `WorkflowType = 'attendanceCase'` })) {
    if (!inReadModel.has(w.workflowId)) missing.push(w.workflowId);
  }
  const lines = [`${missing.length} case workflows on the cluster are not in the read model`];
  for (const id of missing.slice(0, limit)) {
    try {
      const h = client!.workflow.getHandle(id);
      const d = await h.describe();
      const raw = d.raw;
      const wft = raw.pendingWorkflowTask;
      const acts = (raw.pendingActivities ?? []).map(
        (a) =>
          `${a.activityType?.name} attempt ${a.attempt}${a.lastFailure?.message ? ` (${a.lastFailure.message.slice(0, 120)})` : ''}`,
      );
      const events = (await h.fetchHistory()).events ?? [];
      const timedOut = events.filter((e) => e.workflowTaskTimedOutEventAttributes).length;
      const failedTasks = events.filter((e) => e.workflowTaskFailedEventAttributes);
      const lastFailure = failedTasks.at(-1)?.workflowTaskFailedEventAttributes?.failure?.message;
      lines.push(
        `${id}: ${d.status.name}, ${d.historyLength} events` +
          (wft ? `, workflow task pending (attempt ${wft.attempt}, state ${wft.state})` : '') +
          (acts.length ? `, activities pending: ${acts.join('; ')}` : '') +
          `, ${timedOut} workflow tasks timed out, ${failedTasks.length} failed` +
          (lastFailure ? ` (last: ${lastFailure.slice(0, 160)})` : ''),
      );
    } catch (err) {
      lines.push(`${id}: could not describe (${(err as Error).message})`);
    }
  }
  return lines;
}

async function startSweeps(schoolIds: string[], asOf: string, tag: string) {
  return Promise.all(
    schoolIds.map((schoolId) =>
      client!.workflow.start<typeof schoolSweep>('schoolSweep', {
        taskQueue: loadedConfig!.TEMPORAL_TASK_QUEUE,
        workflowId: `bench-sweep-${tag}-${schoolId}`,
        args: [{ schoolId, asOf }],
      }),
    ),
  );
}

/**
 * Waits for every sweep; the time from `startedAtMs` (epoch) to the last one's close on the server.
 * A sweep that failed (its activity timed out five times, say) is reported, not thrown.
 */
async function finishSweeps(handles: WorkflowHandle<typeof schoolSweep>[], startedAtMs: number) {
  const settled = await Promise.race([Promise.allSettled(handles.map((h) => h.result())), aborted]);
  const results: SweepResult[] = [];
  const failures: string[] = [];
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') results.push(s.value);
    else {
      const err = s.reason as Error & { cause?: Error & { cause?: Error } };
      const why = [err.message, err.cause?.message, err.cause?.cause?.message].filter(Boolean).join(': ');
      failures.push(`${handles[i]!.workflowId}: ${why}`);
    }
  });
  const described = await Promise.all(handles.map((h) => h.describe()));
  const lastClose = Math.max(...described.map((d) => d.closeTime?.getTime() ?? Date.now()));
  for (const f of failures) say(`  sweep failed: ${f}`);
  return { results, failures, sweepMs: lastClose - startedAtMs };
}

/** The sweep activity's attempts, per sweep (more than 1: it timed out or failed and was retried). */
async function activityAttempts(handles: WorkflowHandle<typeof schoolSweep>[]): Promise<number[]> {
  return Promise.all(
    handles.map(async (h) => {
      const history = await h.fetchHistory();
      const started = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
      return Math.max(0, ...started.map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1));
    }),
  );
}

async function openSchools(schoolIds: string[], asOf: string, expectedTotal: number): Promise<OpenBatch> {
  const startedAtMs = Date.now();
  const t0 = performance.now();
  const handles = await startSweeps(schoolIds, asOf, 'open');
  const projecting = waitForCount('cases projected', () => countCases(), expectedTotal, t0, 500);
  projecting.catch(() => undefined); // awaited below; a failure meanwhile is not unhandled
  const { results, failures, sweepMs } = await finishSweeps(handles, startedAtMs);
  const attempts = await activityAttempts(handles);
  const retried = attempts.filter((a) => a > 1).length;
  if (retried)
    report.notes.push(
      `opening ${schoolIds.length} schools: ${retried} sweeps' activity ran more than once (attempts: ${attempts.join(', ')})`,
    );
  for (const f of failures) report.notes.push(`opening ${schoolIds.length} schools: sweep failed: ${f}`);
  const reported = results.reduce((n, r) => n + r.opened, 0);
  const failed = results.reduce((n, r) => n + r.failed.length, 0);
  const evaluated = results.reduce((n, r) => n + r.evaluated, 0);
  say(`  sweeps done in ${secs(sweepMs)}: ${fmt(reported)} opened (as the sweeps report), ${failed} failed`);
  const projected = await projecting;
  if (!projected.reached) {
    report.notes.push(
      `opening ${schoolIds.length} schools: the read model stopped at ${projected.n} of ${expectedTotal} cases`,
    );
    const why = await diagnoseUnprojected().catch((err: Error) => [`no diagnosis: ${err.message}`]);
    for (const line of why) say(`  ${line}`);
    report.notes.push(...why.map((l) => `not projected: ${l}`));
  } else say(`  every case in the read model after ${secs(projected.ms)}`);
  // The cases the sweeps opened are the ones in the read model (a retried sweep reports a case again).
  const opened = await countCases('c.school_id = ANY($1::text[])', [schoolIds]);
  if (opened !== schoolIds.length * PUPILS || reported !== opened)
    report.notes.push(
      `opening ${schoolIds.length} schools: ${opened} cases in the read model for ${schoolIds.length * PUPILS} pupils; the sweeps reported ${reported} opened`,
    );
  const settled = await waitForCount('cases settled', () => countCases(SETTLED), expectedTotal, t0, 2000);
  say(`  ${fmt(settled.n)} cases have sent Letter 1 or wait for its approval after ${secs(settled.ms)}`);
  return {
    schools: schoolIds.length,
    pupils: schoolIds.length * PUPILS,
    evaluated,
    opened,
    failed,
    failedSweeps: failures.length,
    attempts,
    sweepMs,
    openedPerSecond: opened / (sweepMs / 1000),
    projectedMs: projected.ms,
    settledMs: settled.ms,
  };
}

// ---------------------------------------------------------------------------------------------
// 3. Pages

interface Visitors {
  manager: Page[];
  admin: Page[];
}

async function pagesFor(base: string, manager: Session, admin: Session, asOf: string): Promise<Visitors> {
  const school = benchSchoolId(1);
  const lastPage = async (s: Session) => {
    const first = await getJson<{ total: number; pageSize: number }>(base, s, '/api/cases');
    return Math.max(1, Math.ceil(first.total / first.pageSize));
  };
  const caseIds = async (s: Session, schoolId: string) =>
    (
      await getJson<{ cases: { caseId: string }[] }>(base, s, `/api/cases?schoolId=${schoolId}&pageSize=200`)
    ).cases
      .filter((_, i) => i % 20 === 0)
      .map((c) => `/api/cases/${encodeURIComponent(c.caseId)}`);
  const mLast = await lastPage(manager);
  const aLast = await lastPage(admin);
  const ofOne = '(manager, 1 school)';
  const ofAll = `(administrator, ${SCHOOLS} schools)`;
  const page = (label: string, session: Session, paths: string[], goal = true): Page => ({
    label,
    goal,
    session,
    paths,
  });
  return {
    manager: [
      page(`approvals queue ${ofOne}`, manager, ['/api/approvals']),
      page(`approvals queue, overdue ${ofOne}`, manager, ['/api/approvals?overdue=true']),
      page(`case list, default (page 1) ${ofOne}`, manager, ['/api/cases']),
      page(`case list, stage letter-one ${ofOne}`, manager, ['/api/cases?stage=letter-one']),
      page(`case list, waiting for approval ${ofOne}`, manager, ['/api/cases?pending=true']),
      page(`case list, next action due by today ${ofOne}`, manager, [`/api/cases?nextTo=${asOf}`]),
      page(`case list, page ${Math.min(10, mLast)} ${ofOne}`, manager, [
        `/api/cases?page=${Math.min(10, mLast)}`,
      ]),
      page(`case list, last page (${mLast}) ${ofOne}`, manager, [`/api/cases?page=${mLast}`]),
      page(`case page ${ofOne}`, manager, await caseIds(manager, school), false),
    ],
    admin: [
      page(`approvals queue ${ofAll}`, admin, ['/api/approvals']),
      page(`approvals queue, overdue ${ofAll}`, admin, ['/api/approvals?overdue=true']),
      page(`case list, default (page 1) ${ofAll}`, admin, ['/api/cases']),
      page(`case list, stage letter-one ${ofAll}`, admin, ['/api/cases?stage=letter-one']),
      page(`case list, page ${Math.min(10, aLast)} ${ofAll}`, admin, [
        `/api/cases?page=${Math.min(10, aLast)}`,
      ]),
      page(`case list, last page (${aLast}) ${ofAll}`, admin, [`/api/cases?page=${aLast}`]),
      page(`case page ${ofAll}`, admin, await caseIds(admin, benchSchoolId(SCHOOLS)), false),
    ],
  };
}

/** Both visitors at once, each one request at a time, until `stop`. */
async function browseBoth(base: string, v: Visitors, stop: (rounds: number) => boolean): Promise<Sample[]> {
  const [m, a] = await Promise.all([browse(base, v.manager, stop), browse(base, v.admin, stop)]);
  return [...m, ...a];
}

// ---------------------------------------------------------------------------------------------
// The run

let loadedConfig: AppConfig | null = null;

async function main(): Promise<void> {
  if (!(SCHOOLS >= 1 && PUPILS >= 1 && FIRST >= 1 && WORKERS >= 1))
    throw new Error('bad --schools/--pupils/--first');
  if (SECOND_SWEEP !== 'next-day' && SECOND_SWEEP !== 'same-day')
    throw new Error(`--second-sweep is next-day or same-day, not ${SECOND_SWEEP}`);
  if (!(SETTLE_LOAD >= 0)) throw new Error('--settle-load is a load average, 0 for no wait');
  const nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  report.machine = {
    nproc,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    ramGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    loadAtStart: loadAverage(),
  };
  say(
    `cluster benchmark: ${SCHOOLS} schools x ${PUPILS} pupils (first ${FIRST}, then ${SCHOOLS - FIRST}); nproc ${nproc}, ${report.machine.ramGiB} GiB, Node ${process.version}, load ${report.machine.loadAtStart}`,
  );

  // The empty workflow's worker says only what is wrong (not its bundle's webpack report).
  Runtime.install({ logger: new DefaultLogger('WARN') });
  dir = await mkdtemp(join(os.tmpdir(), 'bench-cluster-'));
  // As root, PostgreSQL runs as `postgres`, which must be able to reach its data directory.
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'logs'));

  await phase('start the cluster', async () => {
    cluster = await startLocalCluster({
      dataDir: join(dir, 'cluster'),
      ports: await freeClusterPorts(),
      postgresPort: await freePort(),
      logLevel: 'error',
      onUnexpectedExit: (name, code, signal) =>
        fail(`the Temporal ${name} service stopped (${signal ?? `exit ${code}`})`),
    });
  });
  const c = cluster!;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dir,
    DATABASE_URL: c.appDatabaseUrl,
    TEMPORAL_ADDRESS: c.address,
    TEMPORAL_NAMESPACE: c.namespace,
    EMBEDDED_WORKER: 'false',
    DEMO_SCHOOL: 'false',
    LOG_LEVEL: 'warn',
    ...(opts['max-cached'] ? { WORKER_MAX_CACHED_WORKFLOWS: opts['max-cached'] } : {}),
  };
  report.options.maxCachedPerWorker = opts['max-cached'] ?? "the SDK's default";
  // No SMTP server: every letter stays in the outbox. No staff address: no staff e-mails either.
  delete env.SMTP_URL;
  delete env.ADMIN_EMAIL;
  delete env.ADMIN_PASSWORD;
  const config = (loadedConfig = loadConfig(env));
  db = await openDb({ databaseUrl: c.appDatabaseUrl, poolSize: 4 });
  // Creates the payload and actor-signing keys in DATA_DIR before the workers read them.
  client = await connectClient(config, { signActors: true });
  const { rows: pgVersion } = await db.query<{ v: string }>('SELECT version() AS v');
  const sys = await client.workflowService.getSystemInfo({});
  report.machine.postgres = pgVersion[0]!.v.split(' on ')[0]!;
  const git = (args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  const changed = git(['status', '--short', '--untracked-files=no']).split('\n').filter(Boolean).length;
  report.machine.code = `${git(['rev-parse', '--short', 'HEAD'])}, ${changed} tracked files changed in the working tree`;
  report.machine.temporal = `Temporal server ${sys.serverVersion ?? '?'}, 4 history shards, persistence postgres12`;

  // The workers start before any school exists, so they set up no daily sweep schedule that could
  // fire during the run.
  await phase(`start ${WORKERS} worker processes`, async () => {
    for (let i = 1; i <= WORKERS; i++) {
      workers.push(
        await startWorkerProcess(
          `worker-${i}`,
          env,
          join(dir, 'logs'),
          (name, code, signal) => fail(`${name} stopped (${signal ?? `exit ${code}`})`),
          opts['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'profiles')}`] : [],
        ),
      );
    }
  });

  // 1. Raw start rate.
  await sampleResources(SAMPLE_AT.beforeRaw);
  await phase('raw start rate', async () => {
    const connection = await NativeConnection.connect({ address: c.address });
    const worker = await Worker.create({
      connection,
      namespace: c.namespace,
      taskQueue: EMPTY_QUEUE,
      workflowsPath: EMPTY_WORKFLOWS,
      dataConverter: await loadDataConverter(config),
    });
    emptyWorker = { worker, connection, running: worker.run() };
    report.raw.push(await rawStarts('start', SCHOOLS, RAW_PER_STARTER, 'start'));
    report.raw.push(await rawStarts('signalWithStart', SCHOOLS, RAW_PER_STARTER, 'sws'));
    if (FIRST !== SCHOOLS) report.raw.push(await rawStarts('start', FIRST, RAW_PER_STARTER, 'first'));
    await stopEmptyWorker();
  });
  await sampleResources(SAMPLE_AT.afterRaw);
  report.workflowsBetween[SAMPLE_AT.afterRaw] = report.raw.reduce((n, r) => n + r.starts, 0);

  // Schools, users, the API.
  const today = schoolDateAt(Date.now(), 'Europe/London');
  const calendar = buildCalendar(benchCalendarFile(benchSchoolId(1), today));
  const asOf = benchAsOf(calendar, today);
  const secondAsOf = SECOND_SWEEP === 'next-day' ? calendar.addSchoolDays(asOf, 1) : asOf;
  report.options.asOf = asOf;
  report.options.secondSweep = `${SECOND_SWEEP}, as of ${secondAsOf}`;
  report.options.policy = `${BENCH_POLICY.id} v${BENCH_POLICY.version}`;
  report.options.flagged = `every ${FLAGGED_EVERY}th pupil has a child-in-need flag, so their Letter 1 waits for approval`;
  await phase(`import ${SCHOOLS} schools through runImport`, async () => {
    const t0 = performance.now();
    for (let n = 1; n <= SCHOOLS; n++) {
      const s = await importBenchSchool(db!, n, PUPILS, today, asOf);
      report.imports.schools++;
      report.imports.markRows += s.markRows;
      report.imports.slowestSchoolMs = Math.max(report.imports.slowestSchoolMs, s.importMs);
      if (n === 1 || n % 5 === 0) say(`  school ${n}: ${fmt(s.markRows)} mark rows in ${secs(s.importMs)}`);
    }
    report.imports.ms = performance.now() - t0;
  });
  const schoolIds = Array.from({ length: SCHOOLS }, (_, i) => benchSchoolId(i + 1));
  const hash = await hashPassword(PASSWORD);
  await createUser(db, {
    email: 'manager@bench.example.org',
    displayName: 'Bench manager',
    role: 'manager',
    schoolIds: [schoolIds[0]!],
    passwordHash: hash,
  });
  await createUser(db, {
    email: 'admin@bench.example.org',
    displayName: 'Bench administrator',
    role: 'admin',
    schoolIds: [],
    allSchools: true,
    passwordHash: hash,
  });
  apiDb = await openDb({ databaseUrl: c.appDatabaseUrl });
  app = await buildApp({
    temporal: client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    db: apiDb,
    config,
    webDist: null,
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const base = address.replace('localhost', '127.0.0.1');

  // 2. Opening cases; 4. resources at the first schools' cases and at all.
  const firstTotal = FIRST * PUPILS;
  await sampleResources(SAMPLE_AT.beforeOpen);
  report.opening.push(
    await phase(`open cases: ${FIRST} schools`, () =>
      openSchools(schoolIds.slice(0, FIRST), asOf, firstTotal),
    ),
  );
  await sampleResources(SAMPLE_AT.first);
  report.workflowsBetween[SAMPLE_AT.first] = report.opening[0]!.opened;
  if (FIRST < SCHOOLS) {
    report.opening.push(
      await phase(`open cases: ${SCHOOLS - FIRST} schools`, () =>
        openSchools(schoolIds.slice(FIRST), asOf, SCHOOLS * PUPILS),
      ),
    );
    await sampleResources(SAMPLE_AT.all);
    report.workflowsBetween[SAMPLE_AT.all] = report.opening[1]!.opened;
  }

  // 3. Pages: at rest, then while a second sweep runs (see the head of this file).
  if (SETTLE_LOAD > 0) await phase(`wait for the load to fall to ${SETTLE_LOAD}`, settleLoad);
  const manager = await signInOverHttp(base, 'manager', 'manager@bench.example.org', PASSWORD);
  const admin = await signInOverHttp(base, 'administrator', 'admin@bench.example.org', PASSWORD);
  const visitors = await pagesFor(base, manager, admin, asOf);
  const rest = await phase('pages at rest', () =>
    browseBoth(base, visitors, (rounds) => rounds >= REST_ROUNDS),
  );
  await phase(`import ${asOf}'s registers`, async () => {
    for (let n = 1; n <= SCHOOLS; n++) await importDayMarks(db!, n, PUPILS, asOf);
  });
  let underLoad = true;
  const load = await phase(`pages during the second sweep of every school (${SECOND_SWEEP})`, async () => {
    const { rows } = await db!.query<{ now: string }>('SELECT now()::text AS now');
    const sinceDb = rows[0]!.now;
    const startedAtMs = Date.now();
    const t0 = performance.now();
    const handles = await startSweeps(schoolIds, secondAsOf, 'again');
    const browsing = browseBoth(base, visitors, () => !underLoad || failure !== null);
    browsing.catch(() => undefined); // awaited below
    const { results, failures, sweepMs } = await finishSweeps(handles, startedAtMs);
    for (const f of failures) report.notes.push(`second sweep failed: ${f}`);
    const attempts = await activityAttempts(handles);
    if (attempts.some((a) => a > 1))
      report.notes.push(`second sweep: activity attempts per school ${attempts.join(', ')}`);
    say(`  second sweep done in ${secs(sweepMs)}; waiting for the cases to project the new figures`);
    // Under load until the cases have taken the new figures: every case reprojected, or none for 20 s.
    const updated = () => countCases('c.updated_at >= $1::timestamptz', [sinceDb]);
    let last = -1;
    let lastChange = performance.now();
    for (;;) {
      assertRunning();
      const n = await updated();
      if (n !== last) {
        last = n;
        lastChange = performance.now();
      }
      if (n >= SCHOOLS * PUPILS || performance.now() - lastChange > 20_000) break;
      await sleep(1000);
    }
    const drainedMs = (last >= SCHOOLS * PUPILS ? performance.now() : lastChange) - t0;
    underLoad = false;
    report.secondSweep = {
      asOf: secondAsOf,
      kind: SECOND_SWEEP,
      updated: results.reduce((n, r) => n + r.updated, 0),
      unchanged: results.reduce((n, r) => n + r.unchanged, 0),
      checked: results.reduce((n, r) => n + (r.checked ?? 0), 0),
      failed: results.reduce((n, r) => n + r.failed.length, 0),
      sweepMs,
      reprojected: last,
      drainedMs,
    };
    say(`  ${fmt(last)} cases reprojected after ${secs(drainedMs)}`);
    return browsing;
  });
  const labels = [...visitors.manager, ...visitors.admin];
  report.pages = labels.map((p) => ({
    label: p.label,
    goal: p.goal,
    rest: latencyOf(rest.filter((s) => s.label === p.label)),
    load: latencyOf(load.filter((s) => s.label === p.label)),
  }));
  await sampleResources(SAMPLE_AT.end);
  report.machine.loadAtEnd = loadAverage();
  report.workerWarnings = workers.reduce((n, w) => n + w.warnings.length, 0);
}

/**
 * Waits until the 1-minute load average is at most --settle-load (another job on the machine has
 * finished), or 45 minutes; either way the pages are measured next, and the load is recorded.
 */
async function settleLoad(): Promise<void> {
  const t0 = performance.now();
  const oneMinute = () => Number(loadAverage().split(' ')[0]);
  while (!(oneMinute() <= SETTLE_LOAD)) {
    assertRunning();
    if (performance.now() - t0 > SETTLE_MAX_MS) {
      report.notes.push(
        `the load stayed above ${SETTLE_LOAD} for 45 minutes; pages measured at ${loadAverage()}`,
      );
      return;
    }
    await sleep(5000);
  }
}

// ---------------------------------------------------------------------------------------------
// The Markdown

function markdown(r: Report): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(
    `Machine: nproc ${m.nproc} (${m.cpu}), ${m.ramGiB} GiB RAM, Node ${m.node}; ${m.postgres}; ${m.temporal}. Code: ${m.code}.`,
    `Load average (1/5/15 min) at start ${m.loadAtStart}, at end ${m.loadAtEnd ?? '?'}. ${r.options.schools} schools x ${r.options.pupils} pupils, policy ${r.options.policy} (${r.options.flagged}), sweeps as of ${r.options.asOf}; ${r.options.workers} worker processes.`,
    '',
    '| phase | load at start | load at end | wall time |',
    '| ----- | ------------- | ----------- | --------- |',
    ...r.phases.map((p) => `| ${p.name} | ${p.loadAtStart} | ${p.loadAtEnd} | ${secs(p.ms)} |`),
    '',
  );
  const raw = r.raw[0];
  out.push('| measure | result |', '| ------- | ------ |');
  for (const x of r.raw)
    out.push(
      `| raw: empty workflow, \`${x.mode}\`, ${x.concurrency} concurrent sequential starters | ${fmt(x.starts)} in ${secs(x.startMs)}: **${fmt(x.perSecond, 1)}/s** (one call p50 ${fmt(x.callP50Ms, 1)} ms, p95 ${fmt(x.callP95Ms, 1)} ms; all completed after ${secs(x.allCompletedMs)}) |`,
    );
  out.push(
    `| import through runImport (calendar, roster, marks) | ${r.imports.schools} schools, ${fmt(r.imports.markRows)} mark rows in ${secs(r.imports.ms)} (slowest school ${secs(r.imports.slowestSchoolMs)}) |`,
  );
  for (const b of r.opening) {
    const rawSame = r.raw.find((x) => x.mode === 'start' && x.concurrency === b.schools) ?? raw;
    const ratio = rawSame ? b.openedPerSecond / rawSame.perSecond : NaN;
    out.push(
      `| opening: ${b.schools} school sweeps at once (${fmt(b.pupils)} pupils) | ${fmt(b.opened)} opened${b.failed ? `, ${b.failed} failed` : ''} in ${secs(b.sweepMs)}: **${fmt(b.openedPerSecond, 1)}/s**, **${fmt(100 * ratio)}%** of the raw \`start\` rate with ${rawSame?.concurrency} starters (goal ≥ ${100 * GOAL_RATIO}%) |`,
      `| opening: ${b.schools} schools, every case in the read model | ${secs(b.projectedMs)} after the first sweep started |`,
      `| opening: ${b.schools} schools, every case has sent Letter 1 or waits for approval | ${secs(b.settledMs)} |`,
    );
  }
  if (r.opening.length > 1) {
    const opened = r.opening.reduce((n, b) => n + b.opened, 0);
    const ms = r.opening.reduce((n, b) => n + b.sweepMs, 0);
    out.push(
      `| opening, both batches | ${fmt(opened)} cases in ${secs(ms)} of sweeping: ${fmt(opened / (ms / 1000), 1)}/s |`,
    );
  }
  if (r.secondSweep) {
    const s = r.secondSweep;
    out.push(
      `| second sweep of every school: ${s.kind === 'next-day' ? `the next school day's (${s.asOf}), today's registers imported` : `the same day again (${s.asOf}), its registers imported`} | ${fmt(s.updated)} cases sent figures, ${fmt(s.checked ?? 0)} checked by the sweep itself, ${fmt(s.unchanged)} unchanged${s.failed ? `, ${s.failed} failed` : ''}, in ${secs(s.sweepMs)}; ${fmt(s.reprojected)} cases reprojected after ${secs(s.drainedMs)} |`,
    );
  }
  out.push('');
  const ms = (x: number) => (Number.isFinite(x) ? fmt(x, x < 10 ? 1 : 0) : '-');
  const lat = (l: Latency) => `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)} (${l.n})`;
  out.push(
    `| page (p50 / p95 / p99 ms, (samples)) | at rest | during the second sweep | answer | goal p95 ≤ ${GOAL_P95_MS} ms under load |`,
    '| ---- | ------- | ----------------------- | ------ | ------------------------ |',
    ...r.pages.map(
      (p) =>
        `| ${p.label} | ${lat(p.rest)} | ${lat(p.load)} | ${fmt(p.rest.kib, 1)} KiB | ${p.goal ? (p.load.p95 <= GOAL_P95_MS ? 'met' : '**missed**') : '(not a list)'} |`,
    ),
    '',
  );
  const firstCases = Number(r.options.first) * Number(r.options.pupils);
  const allCases = Number(r.options.schools) * Number(r.options.pupils);
  const [a, b] = [SAMPLE_AT.first, SAMPLE_AT.all];
  const [la, lb] = [`${fmt(firstCases)} cases`, `${fmt(allCases)} cases`];
  const both = r.resources.filter((x) => x.at[a] && x.at[b]);
  if (both.length) {
    out.push(
      `| process | RSS at ${la} | RSS at ${lb} | RSS growth | CPU s at ${la} | CPU s at ${lb} | CPU s from ${la} to ${lb} |`,
      '| ------- | ---- | ---- | ---- | ---- | ---- | ---- |',
    );
    let sum = { ra: 0, rb: 0, ca: 0, cb: 0 };
    for (const x of both) {
      const sa = x.at[a]!;
      const sb = x.at[b]!;
      sum = {
        ra: sum.ra + sa.rssMiB,
        rb: sum.rb + sb.rssMiB,
        ca: sum.ca + sa.cpuSeconds,
        cb: sum.cb + sb.cpuSeconds,
      };
      const pss = x.name.startsWith('PostgreSQL')
        ? ` (PSS ${fmt(sa.pssMiB)} → ${fmt(sb.pssMiB)} MiB; ${sb.processes} processes)`
        : '';
      out.push(
        `| ${x.name}${pss} | ${fmt(sa.rssMiB)} MiB | ${fmt(sb.rssMiB)} MiB | ${fmt(sb.rssMiB / sa.rssMiB, 2)}x | ${fmt(sa.cpuSeconds, 1)} | ${fmt(sb.cpuSeconds, 1)} | ${fmt(sb.cpuSeconds - sa.cpuSeconds, 1)} |`,
      );
    }
    out.push(
      `| all (RSS summed) | ${fmt(sum.ra)} MiB | ${fmt(sum.rb)} MiB | ${fmt(sum.rb / sum.ra, 2)}x | ${fmt(sum.ca, 1)} | ${fmt(sum.cb, 1)} | ${fmt(sum.cb - sum.ca, 1)} |`,
      '',
    );
  }
  // CPU per workflow: each interval's CPU seconds over the workflows it ran.
  const intervals: [string, string, string][] = [
    [SAMPLE_AT.beforeRaw, SAMPLE_AT.afterRaw, 'empty workflow (raw starts)'],
    [
      SAMPLE_AT.beforeOpen,
      SAMPLE_AT.first,
      `case opened, first ${r.options.first} schools (to Letter 1 held or proposed)`,
    ],
    [
      SAMPLE_AT.first,
      SAMPLE_AT.all,
      `case opened, other ${Number(r.options.schools) - Number(r.options.first)} schools`,
    ],
  ];
  const usable = intervals.filter(([, to]) => r.workflowsBetween[to]);
  if (usable.length) {
    out.push(
      `| CPU ms per workflow | ${usable.map(([, to, what]) => `${what} (${fmt(r.workflowsBetween[to]!)})`).join(' | ')} |`,
      `| --- | ${usable.map(() => '---').join(' | ')} |`,
    );
    const per = (x: Report['resources'][number], from: string, to: string) => {
      const s0 = x.at[from];
      const s1 = x.at[to];
      return s0 && s1 ? (1000 * (s1.cpuSeconds - s0.cpuSeconds)) / r.workflowsBetween[to]! : NaN;
    };
    const total = usable.map(() => 0);
    for (const x of r.resources) {
      const cells = usable.map(([from, to], i) => {
        const v = per(x, from, to);
        if (Number.isFinite(v)) total[i]! += v;
        return fmt(v, 1);
      });
      out.push(`| ${x.name} | ${cells.join(' | ')} |`);
    }
    out.push(`| **all** | ${total.map((v) => `**${fmt(v, 1)}**`).join(' | ')} |`, '');
  }
  if (r.notes.length) out.push(...r.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // Stop what the run started (workers, services, PostgreSQL) before going. `on`, not `once`: Ctrl-C
  // reaches this process twice (from the terminal and relayed by tsx), and a second signal with no
  // handler would kill it before it had stopped anything.
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    fail(`interrupted (${signal})`);
  });
}

main()
  .catch((err: unknown) => {
    failure ??= err instanceof Error ? err : new Error(String(err));
  })
  .finally(async () => {
    await cleanUp();
    const outPath = opts.out!;
    await mkdir(join(outPath, '..'), { recursive: true });
    await writeFile(outPath, JSON.stringify({ ...report, failed: failure?.message ?? null }, null, 2) + '\n');
    say(`wrote ${outPath}`);
    console.log(markdown(report));
    if (failure) {
      console.error(failure.stack ?? failure.message);
      process.exit(interrupted ? 130 : 1);
    }
    process.exit(0);
  });
