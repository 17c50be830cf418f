// Provisions the two Temporal servers the project runs on, without relying on the SDK's own
// download (which cannot reach its host on our build machines):
//
//   * the Temporal CLI, used as the dev server (`temporal server start-dev`);
//   * the time-skipping test server (Java), wrapped in a small executable.
//
// Each is looked for in this order: an explicit path from the environment, the cache, the SDK's
// own download (where the network allows), then a build from a package registry (the Go module
// proxy for the CLI, Maven Central for the test server). The result is cached, so the second run
// is instant. Every external step has a time limit, so this never hangs.
// `npm run provision` (scripts/provision-temporal.ts) runs it from the command line.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, chmod, constants, copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const TEMPORAL_CLI_VERSION = '1.5.1';
export const TEST_SERVER_VERSION = '1.38.0';

const SDK_DOWNLOAD_TIMEOUT_MS = 30_000;
const GO_BUILD_TIMEOUT_MS = 25 * 60_000;
const MAVEN_TIMEOUT_MS = 10 * 60_000;

export interface TemporalPaths {
  cli: string;
  testServer: string;
}

interface Options {
  quiet?: boolean;
  /** Which binaries to provision; both by default. */
  only?: 'cli' | 'testServer';
}

export function cacheRoot(): string {
  if (process.env.TEMPORAL_CACHE_DIR) return resolve(process.env.TEMPORAL_CACHE_DIR);
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'attendance-intervention', 'temporal');
}

export class ProvisioningError extends Error {}

export async function provisionTemporal(options: Options = {}): Promise<TemporalPaths> {
  const log = options.quiet ? () => {} : (msg: string) => console.error(`[provision] ${msg}`);
  const cli = options.only === 'testServer' ? '' : await provisionCli(log);
  const testServer = options.only === 'cli' ? '' : await provisionTestServer(log);
  return { cli, testServer };
}

// ---------------------------------------------------------------------------------------------
// The Temporal CLI (dev server)

async function provisionCli(log: (m: string) => void): Promise<string> {
  const override = process.env.TEMPORAL_CLI_PATH;
  if (override) return requireExecutable(override, 'TEMPORAL_CLI_PATH');

  const dir = join(cacheRoot(), `cli-${TEMPORAL_CLI_VERSION}`);
  const cached = join(dir, 'temporal');
  if (await isExecutable(cached)) return cached;
  await mkdir(dir, { recursive: true });

  const attempts: string[] = [];
  log('Temporal CLI not cached; trying the SDK download');
  const downloaded = await trySdkDownload('dev-server', join(dir, 'sdk-download'));
  if (downloaded.ok) {
    await copyFile(downloaded.path, cached);
    await chmod(cached, 0o755);
    return cached;
  }
  attempts.push(`SDK download: ${downloaded.reason}`);

  const go = await which('go');
  if (!go) {
    attempts.push('Go build: `go` is not installed');
  } else {
    log(`building the Temporal CLI v${TEMPORAL_CLI_VERSION} with Go (first run only; a few minutes)`);
    const res = await run(
      go,
      ['install', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`],
      { ...process.env, GOBIN: dir, GOFLAGS: '-trimpath', CGO_ENABLED: '0' },
      GO_BUILD_TIMEOUT_MS,
    );
    if (res.ok && (await isExecutable(cached))) return cached;
    attempts.push(`Go build: ${res.ok ? 'finished, but no binary appeared' : res.reason}`);
  }
  throw new ProvisioningError(
    [
      'Could not provision the Temporal CLI (the dev server).',
      ...attempts.map((a) => `  - ${a}`),
      'Install Go (1.22 or later) with access to the Go module proxy, or download the Temporal CLI',
      `yourself and set TEMPORAL_CLI_PATH=/path/to/temporal.`,
    ].join('\n'),
  );
}

// ---------------------------------------------------------------------------------------------
// The time-skipping test server (Java)

async function provisionTestServer(log: (m: string) => void): Promise<string> {
  const override = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (override) return requireExecutable(override, 'TEMPORAL_TEST_SERVER_PATH');

  const dir = join(cacheRoot(), `test-server-${TEST_SERVER_VERSION}`);
  const wrapper = join(dir, 'temporal-test-server');
  if (await isExecutable(wrapper)) return wrapper;
  await mkdir(dir, { recursive: true });

  const attempts: string[] = [];
  log('time-skipping test server not cached; trying the SDK download');
  const downloaded = await trySdkDownload('time-skipping', join(dir, 'sdk-download'));
  if (downloaded.ok) {
    await copyFile(downloaded.path, wrapper);
    await chmod(wrapper, 0o755);
    return wrapper;
  }
  attempts.push(`SDK download: ${downloaded.reason}`);

  const java = await which('java');
  const mvn = await which('mvn');
  if (!java) attempts.push('Maven Central: `java` (17 or later) is not installed');
  if (!mvn) attempts.push('Maven Central: `mvn` (Apache Maven) is not installed');
  if (java && mvn) {
    log(`fetching io.temporal:temporal-test-server:${TEST_SERVER_VERSION} from Maven Central`);
    const res = await fetchTestServerWithMaven(mvn, dir);
    if (res.ok) {
      await writeWrapper(dir, wrapper, false);
      // A class-data-sharing archive roughly halves the JVM's start on two cores, which keeps
      // it well inside the 5 s the SDK allows the server to start accepting connections.
      log('creating a class-data-sharing archive for faster JVM start');
      if (await createCdsArchive(java, dir)) await writeWrapper(dir, wrapper, true);
      return wrapper;
    }
    attempts.push(`Maven Central: ${res.reason}`);
  }
  throw new ProvisioningError(
    [
      'Could not provision the Temporal time-skipping test server.',
      ...attempts.map((a) => `  - ${a}`),
      'Install Java 17+ and Maven with access to Maven Central, or point TEMPORAL_TEST_SERVER_PATH at an',
      'executable that starts the test server as `<exe> <port>`.',
    ].join('\n'),
  );
}

async function fetchTestServerWithMaven(mvn: string, dir: string): Promise<Result> {
  const pom = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.provision</groupId><artifactId>temporal-test-server-classpath</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>${TEST_SERVER_VERSION}</version></dependency>
  </dependencies>
</project>
`;
  await writeFile(join(dir, 'pom.xml'), pom);
  await rm(join(dir, 'lib'), { recursive: true, force: true });
  const res = await run(
    mvn,
    [
      '-B',
      '-q',
      '-f',
      join(dir, 'pom.xml'),
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${join(dir, 'lib')}`,
    ],
    process.env,
    MAVEN_TIMEOUT_MS,
  );
  if (!res.ok) return res;
  const jars = existsSync(join(dir, 'lib')) ? await readdir(join(dir, 'lib')) : [];
  if (!jars.some((j) => j.startsWith('temporal-test-server')))
    return { ok: false, reason: 'the test server jar did not arrive' };
  return { ok: true };
}

const JVM_FLAGS = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xss512k'];

async function writeWrapper(dir: string, wrapper: string, withCds: boolean): Promise<void> {
  const cds = withCds ? ' -XX:SharedArchiveFile="$DIR/classes.jsa" -Xshare:auto' : '';
  const script = `#!/bin/sh
# Starts Temporal's time-skipping test server as \`<this> <port> [args]\` (the SDK's convention).
DIR="$(cd "$(dirname "$0")" && pwd)"
exec java ${JVM_FLAGS.join(' ')}${cds} -cp "$DIR/lib/*" io.temporal.testserver.TestServer "$@"
`;
  await writeFile(wrapper, script);
  await chmod(wrapper, 0o755);
}

/** Runs the server once with -XX:ArchiveClassesAtExit so later starts map the classes in. */
async function createCdsArchive(java: string, dir: string): Promise<boolean> {
  const port = await freePort();
  const archive = join(dir, 'classes.jsa');
  const child = spawn(
    java,
    [
      ...JVM_FLAGS,
      `-XX:ArchiveClassesAtExit=${archive}`,
      '-cp',
      `${join(dir, 'lib')}/*`,
      'io.temporal.testserver.TestServer',
      String(port),
    ],
    { stdio: 'ignore' },
  );
  const up = await waitForPort(port, 30_000);
  child.kill('SIGTERM');
  await new Promise<void>((res) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      res();
    }, 30_000);
    child.on('exit', () => {
      clearTimeout(t);
      res();
    });
  });
  return up && existsSync(archive);
}

// ---------------------------------------------------------------------------------------------
// The SDK's own download, bounded in time. It downloads and starts the server; we keep the
// downloaded executable and stop the server.

async function trySdkDownload(
  type: 'dev-server' | 'time-skipping',
  downloadDir: string,
): Promise<Result & { path: string }> {
  if (process.env.TEMPORAL_SKIP_SDK_DOWNLOAD === '1')
    return { ok: false, reason: 'skipped (TEMPORAL_SKIP_SDK_DOWNLOAD=1)', path: '' };
  await mkdir(downloadDir, { recursive: true });
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const executable = { type: 'cached-download' as const, downloadDir };
    const start =
      type === 'dev-server'
        ? TestWorkflowEnvironment.createLocal({ server: { executable } })
        : TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
    const env = await withTimeout(start, SDK_DOWNLOAD_TIMEOUT_MS, 'timed out');
    await env.teardown();
    const file = (await listFilesDeep(downloadDir)).find((f) => /temporal(-test-server)?(\.exe)?$/.test(f));
    if (!file) return { ok: false, reason: 'downloaded, but no executable was found', path: '' };
    return { ok: true, path: file };
  } catch (err) {
    const msg = (err instanceof Error ? err.message.split('\n')[0] : String(err)) ?? 'unknown error';
    return { ok: false, reason: `unavailable (${msg.slice(0, 160)})`, path: '' };
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

export type Result = { ok: true } | { ok: false; reason: string };

export async function requireExecutable(path: string, envName: string): Promise<string> {
  const abs = resolve(path);
  if (await isExecutable(abs)) return abs;
  throw new ProvisioningError(`${envName} is set to ${path}, but no executable file is there.`);
}

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function which(cmd: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && (await isExecutable(join(dir, cmd)))) return join(dir, cmd);
  }
  for (const extra of ['/usr/local/go/bin', join(homedir(), 'go', 'bin')]) {
    if (await isExecutable(join(extra, cmd))) return join(extra, cmd);
  }
  return null;
}

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Result> {
  return new Promise((res) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return res({ ok: true });
      const killed = (err as { killed?: boolean }).killed;
      const tail = String(stderr).trim().split('\n').slice(-3).join(' | ');
      res({
        ok: false,
        reason: killed ? `timed out after ${timeoutMs / 1000}s` : `failed: ${tail || err.message}`,
      });
    });
  });
}

async function listFilesDeep(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFilesDeep(p)));
    else out.push(p);
  }
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(message)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        res(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        rej(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs: number, host = '127.0.0.1'): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((res) => {
      const sock = createConnection({ port, host });
      sock.once('connect', () => {
        sock.destroy();
        res(true);
      });
      sock.once('error', () => res(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
