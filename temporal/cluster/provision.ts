// Provisions the production Temporal server (the one a council runs: frontend, history, matching and
// worker services on PostgreSQL) and its SQL schema tool, the way temporal/provision.ts provisions the
// CLI: an explicit path from the environment, then the cache, then a build from the Go module proxy.
//
// Both binaries come from one module, go.temporal.io/server at TEMPORAL_SERVER_VERSION. That module
// also ships the two things the binaries need at run time, and they are copied into the cache beside
// them, from the very version built:
//   * schema/postgresql/v12/{temporal,visibility}: the persistence and visibility schemas the SQL
//     tool applies and migrates;
//   * config/docker.yaml: the server's configuration template, which the official server image runs
//     too. It reads everything from environment variables (POSTGRES_SEEDS, DB_PORT, NUM_HISTORY_SHARDS,
//     ...), so `npm run start:cluster` and docker-compose.yml run the same file with the same names.
import { cp, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { cacheRoot, isExecutable, ProvisioningError, requireExecutable, run, which } from '../provision';

/** The server inside the provisioned CLI (TEMPORAL_CLI_VERSION 1.5.1) is this version too. */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
const MODULE = 'go.temporal.io/server';
const GO_BUILD_TIMEOUT_MS = 30 * 60_000;

export interface ClusterBinaries {
  /** `temporal-server`: every service, chosen with `start --service NAME`. */
  server: string;
  /** `temporal-sql-tool`: creates, sets up and migrates the PostgreSQL schemas. */
  sqlTool: string;
  /** The directory holding `docker.yaml`, the configuration template (`--config DIR --env docker`). */
  configDir: string;
  /** schema/postgresql/v12 of the same module version. */
  schemaDir: string;
}

export async function provisionClusterServer(log: (m: string) => void = () => {}): Promise<ClusterBinaries> {
  const dir = join(cacheRoot(), `server-${TEMPORAL_SERVER_VERSION}`);
  const cached = {
    server: join(dir, 'server'),
    sqlTool: join(dir, 'sql'),
    configDir: join(dir, 'config'),
    schemaDir: join(dir, 'schema', 'postgresql', 'v12'),
  };
  const server = process.env.TEMPORAL_SERVER_PATH
    ? await requireExecutable(process.env.TEMPORAL_SERVER_PATH, 'TEMPORAL_SERVER_PATH')
    : cached.server;
  const sqlTool = process.env.TEMPORAL_SQL_TOOL_PATH
    ? await requireExecutable(process.env.TEMPORAL_SQL_TOOL_PATH, 'TEMPORAL_SQL_TOOL_PATH')
    : cached.sqlTool;
  const haveFiles = existsSync(join(cached.configDir, 'docker.yaml')) && existsSync(cached.schemaDir);
  if ((await isExecutable(server)) && (await isExecutable(sqlTool)) && haveFiles)
    return { server, sqlTool, configDir: cached.configDir, schemaDir: cached.schemaDir };

  await mkdir(dir, { recursive: true });
  const go = await which('go');
  if (!go) {
    throw new ProvisioningError(
      [
        `Could not provision the Temporal server ${TEMPORAL_SERVER_VERSION} (for npm run start:cluster).`,
        '  - Go build: `go` is not installed',
        'Install Go (1.23 or later) with access to the Go module proxy, or build `server` and',
        '`tools/sql` of go.temporal.io/server yourself and set TEMPORAL_SERVER_PATH and',
        `TEMPORAL_SQL_TOOL_PATH (the schemas and config are then still read from the module, so Go is needed once).`,
      ].join('\n'),
    );
  }
  const env = { ...process.env, GOBIN: dir, GOFLAGS: '-trimpath', CGO_ENABLED: '0' };
  if (!(await isExecutable(cached.server)) || !(await isExecutable(cached.sqlTool))) {
    log(
      `building the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool with Go (first run only; about 7 minutes on 2 cores)`,
    );
    const res = await run(
      go,
      [
        'install',
        `${MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
        `${MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
      ],
      env,
      GO_BUILD_TIMEOUT_MS,
    );
    if (!res.ok) {
      throw new ProvisioningError(
        `Could not build the Temporal server ${TEMPORAL_SERVER_VERSION} with Go: ${res.reason}\n` +
          'Check that the Go module proxy is reachable, or set TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH.',
      );
    }
  }
  // The module's source is in Go's module cache now (the build downloaded it): copy what runs beside
  // the binaries, so the cache is whole even if the module cache is cleaned later.
  const moduleDir = await goModuleDir(go, env);
  await rm(cached.configDir, { recursive: true, force: true });
  await rm(join(dir, 'schema'), { recursive: true, force: true });
  await mkdir(cached.configDir, { recursive: true });
  await cp(join(moduleDir, 'config', 'docker.yaml'), join(cached.configDir, 'docker.yaml'));
  await cp(join(moduleDir, 'schema', 'postgresql', 'v12'), cached.schemaDir, { recursive: true });
  if (!(await isExecutable(server)) || !(await isExecutable(sqlTool)))
    throw new ProvisioningError(`The Go build finished, but ${dir} has no server and sql binaries.`);
  return { server, sqlTool, configDir: cached.configDir, schemaDir: cached.schemaDir };
}

/** Where Go keeps go.temporal.io/server at our version (downloading it if need be). */
function goModuleDir(go: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((res, rej) => {
    execFile(
      go,
      ['mod', 'download', '-json', `${MODULE}@v${TEMPORAL_SERVER_VERSION}`],
      { env, timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout) => {
        if (err) return rej(new ProvisioningError(`go mod download ${MODULE}: ${err.message}`));
        try {
          const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
          if (!dir) throw new Error('no Dir in its answer');
          res(dir);
        } catch (e) {
          rej(new ProvisioningError(`go mod download ${MODULE}: ${(e as Error).message}`));
        }
      },
    );
  });
}
