// What the fault tests share on top of test/cluster/support.ts: the prebuilt workflow bundle, case
// workers as processes of their own (so they can be SIGKILLed), an in-process worker with a short
// outbox lease, the mail server's tally per parent, and the figures each scenario reports.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ParsedMail } from 'mailparser';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import type { IsoDate } from '../../domain/types';
import { loadPolicyFile } from '../../policies';
import { FAILURE_CONVERTER_PATH } from '../../temporal/connection';
import { buildActivities } from '../../worker/activityDeps';
import { WORKFLOWS_PATH } from '../../worker/createWorker';
import type { CaseSettings } from '../../workflows/caseInput';
import { testActorKeys } from '../support/actorKeys';
import type { TestCluster } from '../cluster/support';

const require = createRequire(import.meta.url);
/**
 * `node --import tsx`, with tsx's loader resolved as scripts/start.ts resolves tsx/cli. Not tsx/cli
 * itself: it runs the script in a child process, so a SIGKILL would reach tsx and leave the child
 * running. With the loader the process killed is the process that works.
 */
export const TSX_IMPORT = ['--import', pathToFileURL(require.resolve('tsx')).href];
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKER_ENTRY = fileURLToPath(new URL('./caseWorkerProcess.ts', import.meta.url));
export const MAIL_FROM = 'Harbour Lane Attendance <attendance@harbour.example>';

/**
 * The workflow code bundled once, as production does (`npm run build:workflows`): a worker started
 * from it is polling within seconds instead of running webpack at every start. `production` builds
 * it with the failure converter the app's processes load (temporal/connection.ts).
 */
export async function buildWorkflowBundle(dir: string, opts: { production?: boolean } = {}): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    ...(opts.production ? { failureConverterPath: FAILURE_CONVERTER_PATH } : {}),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (m) => console.error(m), log() {} },
  });
  const path = join(dir, `workflow-bundle-${randomUUID()}.js`);
  await writeFile(path, code);
  return path;
}

/** The school's clock, shared by every worker of a test (the workflows carry it in their settings). */
export interface SchoolClock {
  simStart: IsoDate;
  realStartMs: number;
  /** Simulated milliseconds per real one: 1 is real time (nothing falls due during a test). */
  rate: number;
}

export function caseSettings(clock: SchoolClock, extra: Partial<CaseSettings> = {}): CaseSettings {
  return {
    timeZone: 'Europe/London',
    checkTime: '01:00',
    remindAfterSchoolDays: 2,
    escalateAfterSchoolDays: 3,
    searchAttributes: true,
    simulation: { realStartMs: clock.realStartMs, simStart: clock.simStart, rate: clock.rate },
    ...extra,
  };
}

export interface WorkerProcess {
  name: string;
  proc: ChildProcess;
  /** Its stdout and stderr. */
  logFile: string;
  /** Resolves once the worker polls; rejects if it exits first. */
  ready: Promise<void>;
  isReady(): boolean;
  /** How long it took from spawn to polling (null until it polls). */
  startupMs(): number | null;
  alive(): boolean;
  /** SIGKILL, as a crash: no shutdown, in-flight activities and workflow tasks abandoned. */
  kill(): Promise<void>;
  /** SIGTERM: the worker finishes what it is doing and exits. */
  stop(): Promise<void>;
}

export interface WorkerProcessOptions {
  t: TestCluster;
  name: string;
  taskQueue: string;
  policy: string;
  clock: SchoolClock;
  bundlePath: string;
  logDir: string;
  outboxLeaseSeconds?: number;
  sendAttemptTimeout?: string;
  /** As production: PAYLOAD_ENCRYPTION_KEY, ACTOR_SIGNING_KEY (and SIGNED_DECISIONS=true). */
  env?: NodeJS.ProcessEnv;
}

/** Starts test/faults/caseWorkerProcess.ts with `node --import tsx`. */
export function spawnCaseWorker(o: WorkerProcessOptions): WorkerProcess {
  const proc = spawn(process.execPath, [...TSX_IMPORT, WORKER_ENTRY], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: o.t.cluster.address,
      TEMPORAL_NAMESPACE: o.t.cluster.namespace,
      TEMPORAL_TASK_QUEUE: o.taskQueue,
      DATABASE_URL: o.t.cluster.appDatabaseUrl,
      SMTP_URL: o.t.smtp.url,
      CASE_POLICY: o.policy,
      SIM_START: o.clock.simStart,
      SIM_REAL_START_MS: String(o.clock.realStartMs),
      SIM_RATE: String(o.clock.rate),
      WORKFLOW_BUNDLE_PATH: o.bundlePath,
      ...(o.outboxLeaseSeconds ? { OUTBOX_LEASE_SECONDS: String(o.outboxLeaseSeconds) } : {}),
      ...(o.sendAttemptTimeout ? { SEND_ATTEMPT_TIMEOUT: o.sendAttemptTimeout } : {}),
      ...o.env,
    },
    // stdin is the worker's lifeline: if the test's process dies, the worker exits too.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const logFile = join(o.logDir, `${o.name}.log`);
  const log = createWriteStream(logFile);
  proc.stderr!.pipe(log);
  let ready = false;
  const spawnedAt = Date.now();
  let readyAt: number | null = null;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const readyPromise = new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      log.write(c);
      out += c.toString();
      if (!ready && /^ready$/m.test(out)) {
        ready = true;
        readyAt = Date.now();
        resolve();
      }
    });
    proc.once('exit', (code, signal) => {
      if (!ready)
        reject(new Error(`worker ${o.name} exited (${signal ?? code}) before it was ready; see its log`));
    });
  });
  readyPromise.catch(() => undefined); // a worker killed while starting is not an unhandled rejection
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  return {
    name: o.name,
    proc,
    logFile,
    ready: readyPromise,
    isReady: () => ready && alive(),
    startupMs: () => (readyAt === null ? null : readyAt - spawnedAt),
    alive,
    kill: async () => {
      if (alive()) proc.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (alive()) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export interface InProcessWorker {
  taskQueue: string;
  stop(): Promise<void>;
}

/**
 * A worker in the test's process polling `pollQueue` with the real activities, whose new cases go
 * to `casesQueue` with `settings`: the same worker as startCaseWorker's, with the outbox lease and
 * the workflow bundle given.
 */
export async function startInProcessWorker(
  t: TestCluster,
  o: {
    pollQueue: string;
    casesQueue: string;
    policy: string;
    settings: CaseSettings;
    bundlePath: string;
    outboxLeaseSeconds?: number;
  },
): Promise<InProcessWorker> {
  const policy = loadPolicyFile(o.policy);
  const connection = await NativeConnection.connect({ address: t.cluster.address });
  const worker = await Worker.create({
    connection,
    namespace: t.cluster.namespace,
    taskQueue: o.pollQueue,
    workflowBundle: { codePath: o.bundlePath },
    activities: buildActivities({
      db: t.db,
      temporal: t.client,
      taskQueue: o.casesQueue,
      caseSettings: o.settings,
      policyForSchool: async () => policy,
      smtpUrl: t.smtp.url,
      mailFrom: MAIL_FROM,
      ...(o.outboxLeaseSeconds ? { outboxLeaseSeconds: o.outboxLeaseSeconds } : {}),
      actorKeys: testActorKeys,
    }),
  });
  const running = worker.run();
  return {
    taskQueue: o.pollQueue,
    stop: async () => {
      worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
    },
  };
}

export const recipientOf = (m: ParsedMail) =>
  (m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : '')?.toLowerCase() ?? '';

export interface MailTally {
  /** Messages the mail server accepted. */
  deliveries: number;
  /** Parents who received at least one message. */
  parents: number;
  /** Distinct Message-IDs. */
  distinctMessages: number;
  /** Copies of a Message-ID already delivered (the known window: accepted, then killed before "sent"). */
  redeliveries: number;
  /** Parents expected who received nothing. */
  lost: string[];
  /** Parents who received two or more different messages (two letters, not one letter twice). */
  duplicates: string[];
  /** Messages to addresses nobody expected. */
  strays: string[];
}

/** Counts at the mail server: what each expected parent received, by Message-ID. */
export function tallyMail(messages: ParsedMail[], expectedParents: Iterable<string>): MailTally {
  const byParent = new Map<string, string[]>();
  for (const m of messages) {
    const to = recipientOf(m);
    byParent.set(to, [...(byParent.get(to) ?? []), m.messageId ?? '(none)']);
  }
  const expected = new Set([...expectedParents].map((a) => a.toLowerCase()));
  const ids = messages.map((m) => m.messageId ?? '(none)');
  const distinct = new Set(ids);
  return {
    deliveries: messages.length,
    parents: byParent.size,
    distinctMessages: distinct.size,
    redeliveries: ids.length - distinct.size,
    lost: [...expected].filter((a) => !byParent.has(a)),
    duplicates: [...byParent].filter(([, ids]) => new Set(ids).size > 1).map(([a]) => a),
    strays: [...byParent.keys()].filter((a) => !expected.has(a)),
  };
}

/** Why a process died, from its log: its first error line, else its last line. */
export async function deathNote(logFile: string): Promise<string> {
  const lines = (await readFile(logFile, 'utf8').catch(() => ''))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const line = lines.find((l) => /error\b|failed:/i.test(l)) ?? lines.at(-1);
  return line?.slice(0, 200) ?? 'its log is empty';
}

export async function loadAverage(): Promise<string> {
  return (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
}

/** Prints a scenario's figures as a block in the test output. */
export function report(title: string, figures: Record<string, string | number>): void {
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  const lines = Object.entries(figures).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  console.log(`\n${title}\n${lines.join('\n')}\n`);
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}

/** Counts the school's case workflows in Temporal's visibility store, per pupil (from the case id). */
export async function caseWorkflowsByPupil(
  client: Client,
  schoolId: string,
): Promise<Map<string, { workflowId: string; runs: number }[]>> {
  const out = new Map<string, Map<string, number>>();
  for await (const wf of client.workflow.list({
    query: `WorkflowType = 'attendanceCase' AND WorkflowId STARTS_WITH 'case-${schoolId}-'`,
  })) {
    // case-<school>-<pupil uuid>-<yyyymmdd>
    const pupilId = wf.workflowId.slice(`case-${schoolId}-`.length, -9);
    const runs = out.get(pupilId) ?? new Map<string, number>();
    runs.set(wf.workflowId, (runs.get(wf.workflowId) ?? 0) + 1);
    out.set(pupilId, runs);
  }
  return new Map(
    [...out].map(([pupil, ids]) => [pupil, [...ids].map(([workflowId, runs]) => ({ workflowId, runs }))]),
  );
}
