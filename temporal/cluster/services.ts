// The Temporal server as a production cluster runs it: four services (frontend, history, matching,
// worker), each its own process, from one configuration file (the server's config/docker.yaml
// template, see provision.ts) with one set of environment variables. The services find each other
// through the membership table in PostgreSQL, so any one of them can be killed and started again
// on its own, which is what the fault tests do to the history service.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import proto from '@temporalio/proto';
import { createServer } from 'node:net';
import { waitForPort } from '../provision';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../searchAttributes';
import type { ClusterBinaries } from './provision';
import type { TemporalDatabases } from './schema';

export const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

/** Shards split workflows across history hosts; fixed when the database is first set up. */
export const HISTORY_SHARDS = 4;

export interface ClusterPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/** The server's own defaults (7233 for clients); a test takes free ports instead. */
export const DEFAULT_PORTS: ClusterPorts = {
  frontend: 7233,
  frontendHttp: 7243,
  frontendMembership: 6933,
  history: 7234,
  historyMembership: 6934,
  matching: 7235,
  matchingMembership: 6935,
  worker: 7239,
  workerMembership: 6939,
};

/**
 * Free ports for a cluster of its own (tests). Below 32768: Temporal keeps membership ports in a
 * PostgreSQL smallint, and the kernel's ephemeral ports (what port 0 gives) are above it.
 */
export async function freeClusterPorts(): Promise<ClusterPorts> {
  const ports = {} as ClusterPorts;
  const taken = new Set<number>();
  for (const key of Object.keys(DEFAULT_PORTS) as (keyof ClusterPorts)[]) {
    for (;;) {
      const candidate = 20_000 + Math.floor(Math.random() * 12_000);
      if (!taken.has(candidate) && (await portIsFree(candidate))) {
        taken.add(candidate);
        ports[key] = candidate;
        break;
      }
    }
  }
  return ports;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

/**
 * The environment the configuration template reads: the same variable names the official server
 * image and docker-compose.yml use (DB, POSTGRES_SEEDS, DB_PORT, ...).
 */
export function serverEnvironment(
  dbs: TemporalDatabases,
  ports: ClusterPorts,
  dynamicConfigFile: string,
  logLevel = 'warn',
): NodeJS.ProcessEnv {
  return {
    DB: 'postgres12',
    POSTGRES_SEEDS: dbs.host,
    DB_PORT: String(dbs.port),
    POSTGRES_PORT: String(dbs.port), // the visibility store reads this name
    POSTGRES_USER: dbs.user,
    POSTGRES_PWD: dbs.password,
    DBNAME: dbs.persistence,
    VISIBILITY_DBNAME: dbs.visibility,
    NUM_HISTORY_SHARDS: String(HISTORY_SHARDS),
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    FRONTEND_GRPC_PORT: String(ports.frontend),
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
    HISTORY_GRPC_PORT: String(ports.history),
    HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
    MATCHING_GRPC_PORT: String(ports.matching),
    MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
    WORKER_GRPC_PORT: String(ports.worker),
    WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
    DYNAMIC_CONFIG_FILE_PATH: dynamicConfigFile,
    LOG_LEVEL: logLevel,
    // No authorizer: here every service listens on loopback only; docker-compose.yml puts mTLS in front.
    TEMPORAL_ALLOW_NO_AUTH: 'true',
  };
}

export interface ServiceProcess {
  name: TemporalService;
  proc: ChildProcess;
}

export interface TemporalServices {
  address: string;
  ports: ClusterPorts;
  processes: Map<TemporalService, ChildProcess>;
  /** Starts one service (again): after a kill, or the first time. Resolves once its port is open. */
  start(name: TemporalService): Promise<ChildProcess>;
  /** SIGKILL, as a crash would: no goodbye to the membership ring, no flushed state. */
  kill(name: TemporalService): Promise<void>;
  stop(): Promise<void>;
}

export interface StartServicesOptions {
  bins: ClusterBinaries;
  dbs: TemporalDatabases;
  ports: ClusterPorts;
  /** Each service's output goes to `${logDir}/<service>.log`. */
  logDir: string;
  dynamicConfigFile: string;
  logLevel?: string;
  /** Called when a service exits without being asked to. */
  onUnexpectedExit?: (name: TemporalService, code: number | null, signal: string | null) => void;
}

/** The port that opens once a service is up: its gRPC port, or (the worker service serves no gRPC) its membership port. */
const readyPortOf = (ports: ClusterPorts, name: TemporalService) =>
  name === 'worker' ? ports.workerMembership : ports[name];

export async function startTemporalServices(opts: StartServicesOptions): Promise<TemporalServices> {
  await mkdir(opts.logDir, { recursive: true });
  const env = {
    ...process.env,
    ...serverEnvironment(opts.dbs, opts.ports, opts.dynamicConfigFile, opts.logLevel),
  };
  const processes = new Map<TemporalService, ChildProcess>();
  const expectedExit = new Set<ChildProcess>();
  const logs = new Map<TemporalService, WriteStream>();

  const start = async (name: TemporalService): Promise<ChildProcess> => {
    const log = logs.get(name) ?? createWriteStream(join(opts.logDir, `${name}.log`), { flags: 'a' });
    logs.set(name, log);
    // --config is joined to --root by the server, so run from the config's parent directory.
    const proc = spawn(
      opts.bins.server,
      ['--root', '.', '--config', 'config', '--env', 'docker', 'start', '--service', name],
      { cwd: dirname(opts.bins.configDir), env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc.stdout?.pipe(log, { end: false });
    proc.stderr?.pipe(log, { end: false });
    proc.on('exit', (code, signal) => {
      if (!expectedExit.has(proc)) opts.onUnexpectedExit?.(name, code, signal);
    });
    processes.set(name, proc);
    const logFile = join(opts.logDir, `${name}.log`);
    const exited = new Promise<'exited'>((r) => proc.once('exit', () => r('exited')));
    const port = readyPortOf(opts.ports, name);
    const outcome = await Promise.race([waitForPort(port, 120_000), exited]);
    if (outcome === 'exited')
      throw new Error(`the Temporal ${name} service stopped as it started; see ${logFile}`);
    if (!outcome)
      throw new Error(`the Temporal ${name} service did not open port ${port} within 120 s; see ${logFile}`);
    return proc;
  };

  const kill = async (name: TemporalService) => {
    const proc = processes.get(name);
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    expectedExit.add(proc);
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGKILL');
    await exited;
  };

  const stop = async () => {
    // Frontend first (no new work), history last (it owns the shards).
    for (const name of ['frontend', 'worker', 'matching', 'history'] as const) {
      const proc = processes.get(name);
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) continue;
      expectedExit.add(proc);
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    }
    for (const log of logs.values()) log.end();
  };

  try {
    // History first: the frontend answers only once shards have owners.
    for (const name of ['history', 'matching', 'frontend', 'worker'] as const) await start(name);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address: `127.0.0.1:${opts.ports.frontend}`, ports: opts.ports, processes, start, kill, stop };
}

/**
 * Waits for the frontend to serve, then registers the namespace and our search attributes if they
 * are not there yet (the full server, unlike the dev server, starts with neither). Idempotent.
 */
export async function prepareNamespace(
  address: string,
  namespace: string,
  timeoutMs = 180_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const connection = await retryUntil(deadline, 'the frontend to accept a connection', () =>
    Connection.connect({ address, connectTimeout: 5_000 }),
  );
  try {
    const svc = connection.workflowService;
    await retryUntil(deadline, 'the cluster to answer', () => svc.getSystemInfo({}));
    const exists = await svc.describeNamespace({ namespace }).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await retryUntil(deadline, `namespace ${namespace} to be registered`, () =>
        svc
          .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('30 days') })
          .catch((err: { code?: number }) => {
            if (err.code !== 6) throw err; // ALREADY_EXISTS: another starter won
          }),
      );
    }
    await retryUntil(deadline, `namespace ${namespace} to be served`, () =>
      svc.describeNamespace({ namespace }),
    );
    const { IndexedValueType } = proto.temporal.api.enums.v1;
    const have = await retryUntil(deadline, 'the search attributes to be listed', () =>
      connection.operatorService.listSearchAttributes({ namespace }),
    );
    const missing = CUSTOM_SEARCH_ATTRIBUTES.filter((k) => !have.customAttributes?.[k.name]);
    if (missing.length) {
      const typeOf = (t: string) =>
        IndexedValueType[`INDEXED_VALUE_TYPE_${t}` as keyof typeof IndexedValueType];
      await retryUntil(deadline, 'the search attributes to be added', () =>
        connection.operatorService.addSearchAttributes({
          namespace,
          searchAttributes: Object.fromEntries(missing.map((k) => [k.name, typeOf(k.type)])),
        }),
      );
    }
    // The frontend caches search attributes: a query naming them works once it has them.
    await retryUntil(deadline, 'the search attributes to be usable', () =>
      svc.countWorkflowExecutions({ namespace, query: `SchoolId = 'none' AND CaseStage = 'none'` }),
    );
  } finally {
    await connection.close();
  }
}

async function retryUntil<T>(deadline: number, what: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${what}: ${err instanceof Error ? err.message : String(err)}`,
          {
            cause: err,
          },
        );
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
