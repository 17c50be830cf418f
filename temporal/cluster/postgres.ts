// A PostgreSQL server of our own on loopback, for the cluster on one machine: Debian's binaries
// (the ones .ci/run installs), a data directory that is kept, so a restart finds every case where it
// was. With DATABASE_URL set the cluster uses that server instead and this is not started.
//
// PostgreSQL refuses to run as root: as root, it runs as the `postgres` account Debian's package
// creates, and the data directory belongs to that account.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { ProvisioningError } from '../provision';

export interface LocalPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust authentication on loopback only). */
  url: string;
  port: number;
  dataDir: string;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same data (after stop, or after a crash). */
  start(): Promise<void>;
}

export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(a) - Number(b))
    : [];
  const latest = versions.at(-1);
  if (!latest)
    throw new ProvisioningError(
      'PostgreSQL server binaries were not found under /usr/lib/postgresql (apt-get install postgresql), ' +
        'or set DATABASE_URL to a PostgreSQL server the cluster may use.',
    );
  return join(root, latest, 'bin');
}

const asRoot = () => userInfo().uid === 0;

function pgRun(bin: string, args: string[], timeoutMs = 120_000): Promise<string> {
  const [cmd, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return new Promise((res, rej) => {
    execFile(cmd, argv, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err)
        rej(new Error(`${bin.split('/').pop()} ${args[0] ?? ''}: ${String(stderr).trim() || err.message}`));
      else res(String(stdout));
    });
  });
}

/** Starts (creating on first use) a PostgreSQL server in `dataDir` on `port`. */
export async function startLocalPostgres(dataDir: string, port: number): Promise<LocalPostgres> {
  const bin = postgresBinDir();
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await mkdir(dataDir, { recursive: true });
    if (asRoot()) await chownToPostgres(dataDir);
    await pgRun(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  }
  const start = async () => {
    // A server killed outright leaves its pid file: pg_ctl start copes with a stale one.
    await pgRun(join(bin, 'pg_ctl'), [
      '-D',
      dataDir,
      '-l',
      join(dataDir, 'server.log'),
      '-w',
      '-t',
      '120',
      '-o',
      // Loopback only; the socket in the data directory (not /var/run, which may not exist).
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dataDir} -c max_connections=300`,
      'start',
    ]);
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    await pgRun(join(bin, 'pg_ctl'), ['-D', dataDir, 'stop', '-m', mode]).catch(() => undefined);
  };
  await stop('fast'); // one left running by an earlier run that did not stop cleanly
  await start();
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, dataDir, stop, start };
}

async function chownToPostgres(dir: string): Promise<void> {
  const id = await new Promise<string>((res, rej) =>
    execFile('id', ['-u', 'postgres'], (err, out) => (err ? rej(err) : res(String(out).trim()))),
  ).catch(() => {
    throw new ProvisioningError('Running as root needs the `postgres` account (apt-get install postgresql).');
  });
  const gid = await new Promise<string>((res) =>
    execFile('id', ['-g', 'postgres'], (_e, out) => res(String(out).trim())),
  );
  await chown(dir, Number(id), Number(gid));
}
