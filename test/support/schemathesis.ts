// Provisions Schemathesis (from PyPI) for the fuzzed API test (test/api/fuzz.test.ts): a virtualenv
// of its own holding exactly the versions pinned in test/api/fuzz/requirements.txt, cached beside the
// Temporal binaries (~/.cache/attendance-intervention/schemathesis/<version>-<hash of the pins>;
// SCHEMATHESIS_CACHE_DIR overrides the folder). Needs Python 3.11+ with its venv module (Debian:
// python3 and python3-venv; .ci/run installs them where missing). SCHEMATHESIS_PYTHON names a
// Python to build it with; SCHEMATHESIS_VENV names a ready virtualenv to use instead.
//
// The virtualenv is built under a temporary name and renamed into place when Schemathesis answers,
// so a half-built one is never used; it is always run as `<venv>/bin/python -m schemathesis.cli`,
// which works wherever the folder lies (the console scripts carry the path they were built at).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REQUIREMENTS = fileURLToPath(new URL('../api/fuzz/requirements.txt', import.meta.url));

/** The Schemathesis version pinned in the requirements file. */
export const SCHEMATHESIS_VERSION = (/^schemathesis==(\S+)$/m.exec(readFileSync(REQUIREMENTS, 'utf8')) ?? [
  '',
  'unpinned',
])[1]!;

const VENV_TIMEOUT_MS = 2 * 60_000;
const PIP_TIMEOUT_MS = 10 * 60_000;

export interface Schemathesis {
  /** The virtualenv's Python; run Schemathesis as `<python> -m schemathesis.cli run ...`. */
  python: string;
  version: string;
}

export function schemathesisCacheRoot(): string {
  if (process.env.SCHEMATHESIS_CACHE_DIR) return resolve(process.env.SCHEMATHESIS_CACHE_DIR);
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'attendance-intervention', 'schemathesis');
}

function venvDir(): string {
  const pins = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex').slice(0, 12);
  return join(schemathesisCacheRoot(), `${SCHEMATHESIS_VERSION}-${pins}`);
}

export async function provisionSchemathesis(options: { quiet?: boolean } = {}): Promise<Schemathesis> {
  const log = options.quiet ? () => {} : (msg: string) => console.error(`[provision] ${msg}`);
  if (process.env.SCHEMATHESIS_VENV) {
    const python = join(resolve(process.env.SCHEMATHESIS_VENV), 'bin', 'python');
    return { python, version: await answeringVersion(python, 'SCHEMATHESIS_VENV') };
  }
  const dir = venvDir();
  const python = join(dir, 'bin', 'python');
  if (existsSync(python)) return { python, version: await answeringVersion(python, dir) };

  const base = await basePython();
  log(`Schemathesis ${SCHEMATHESIS_VERSION} not cached; installing it from PyPI into ${dir}`);
  const building = `${dir}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  await mkdir(dirname(dir), { recursive: true });
  try {
    await run(base, ['-m', 'venv', building], VENV_TIMEOUT_MS, 'creating the virtualenv');
    await run(
      join(building, 'bin', 'python'),
      ['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', '-q', '-r', REQUIREMENTS],
      PIP_TIMEOUT_MS,
      `pip install -r ${REQUIREMENTS}`,
    );
    const version = await answeringVersion(join(building, 'bin', 'python'), building);
    try {
      await rename(building, dir);
    } catch (err) {
      // Another run finished first: use its copy.
      if (!existsSync(python)) throw err;
      await rm(building, { recursive: true, force: true });
    }
    return { python, version };
  } catch (err) {
    await rm(building, { recursive: true, force: true });
    throw err;
  }
}

/** A Python 3.11+ with venv and ensurepip (Schemathesis needs 3.11). */
async function basePython(): Promise<string> {
  const python = process.env.SCHEMATHESIS_PYTHON || 'python3';
  let answer: string;
  try {
    answer = await run(
      python,
      ['-c', 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])'],
      30_000,
      'checking Python',
    );
  } catch (err) {
    throw new Error(
      `Schemathesis needs Python 3.11 or later with its venv module (Debian: apt-get install python3 python3-venv), ` +
        `or SCHEMATHESIS_PYTHON=/path/to/python3. ${(err as Error).message}`,
      { cause: err },
    );
  }
  const [major, minor] = answer.trim().split('.').map(Number);
  if (major! < 3 || (major === 3 && minor! < 11))
    throw new Error(
      `Schemathesis ${SCHEMATHESIS_VERSION} needs Python 3.11 or later; ${python} is ${answer.trim()}.`,
    );
  return python;
}

async function answeringVersion(python: string, where: string): Promise<string> {
  const out = await run(python, ['-m', 'schemathesis.cli', '--version'], 60_000, `schemathesis in ${where}`);
  const version = /version (\S+)/.exec(out)?.[1];
  if (!version) throw new Error(`schemathesis in ${where} did not say its version: ${out.slice(0, 200)}`);
  return version;
}

function run(cmd: string, args: string[], timeoutMs: number, what: string): Promise<string> {
  return new Promise((res, rej) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return res(String(stdout));
      const killed = (err as { killed?: boolean }).killed;
      const tail = String(stderr).trim().split('\n').slice(-5).join(' | ');
      rej(
        new Error(
          `${what}: ${killed ? `timed out after ${timeoutMs / 1000} s` : `failed: ${tail || err.message}`}`,
        ),
      );
    });
  });
}
