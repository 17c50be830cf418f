// Loading policy files (data) from disk. domain/ stays free of I/O; this is the one place that reads
// policies/*.yaml, for the CLI, the worker and tests.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePolicy, validatePolicy, type PolicyValidation } from '../domain/policy/validate';
import type { Policy } from '../domain/policy/schema';

export const POLICIES_DIR = dirname(fileURLToPath(import.meta.url));

/** A policy NAME (policies/NAME.yaml) or a path to a YAML file. */
export function resolvePolicyPath(nameOrPath: string): string {
  const looksLikePath = /[/\\]/.test(nameOrPath) || /\.ya?ml$/i.test(nameOrPath);
  if (looksLikePath) return resolve(nameOrPath);
  for (const ext of ['.yaml', '.yml']) {
    const candidate = join(POLICIES_DIR, `${nameOrPath}${ext}`);
    if (existsSync(candidate)) return candidate;
  }
  const known = listPolicies().map((p) => p.name);
  throw new Error(
    `no policy named "${nameOrPath}" in ${POLICIES_DIR} (known: ${known.join(', ') || 'none'})`,
  );
}

/** Read and validate without throwing: for `attendance policy check`. */
export function checkPolicyFile(nameOrPath: string): { file: string; result: PolicyValidation } {
  const file = resolvePolicyPath(nameOrPath);
  const text = readFileSync(file, 'utf8');
  return { file, result: validatePolicy(text, displayName(file)) };
}

/** Read, validate and return a policy; throws PolicyValidationError naming rule and line:column. */
export function loadPolicyFile(nameOrPath: string): Policy {
  const file = resolvePolicyPath(nameOrPath);
  return parsePolicy(readFileSync(file, 'utf8'), displayName(file));
}

/** The policy files shipped in policies/. */
export function listPolicies(): { name: string; file: string }[] {
  return readdirSync(POLICIES_DIR)
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort()
    .map((f) => ({ name: basename(f).replace(/\.ya?ml$/i, ''), file: join(POLICIES_DIR, f) }));
}

function displayName(file: string): string {
  const rel = file.startsWith(process.cwd()) ? file.slice(process.cwd().length + 1) : file;
  return rel || file;
}
