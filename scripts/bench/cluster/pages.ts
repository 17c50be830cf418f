// Pages over real HTTP, as the web app asks for them: sign in (a session cookie and its CSRF token),
// then GET each page in turn and time it to the last byte of the answer.
import { performance } from 'node:perf_hooks';

export interface Session {
  who: string;
  cookie: string;
}

export async function signInOverHttp(base: string, who: string, email: string, password: string) {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in as ${who} failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  await res.arrayBuffer();
  return { who, cookie } satisfies Session;
}

export async function getJson<T>(base: string, s: Session, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: { cookie: s.cookie } });
  if (res.status !== 200) throw new Error(`GET ${path} as ${s.who}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export interface Page {
  /** What the row says: "case list, page 10 (manager, 1 school)". */
  label: string;
  /** Counted against the goal (p95 <= 50 ms): lists and the approvals queue. */
  goal: boolean;
  session: Session;
  /** A path, or one per request in turn (the case page visits several cases). */
  paths: string[];
}

export interface Sample {
  label: string;
  ms: number;
  bytes: number;
}

/** One GET, timed from the request to the last byte; throws on anything but 200. */
async function timedGet(base: string, s: Session, path: string): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const res = await fetch(`${base}${path}`, { headers: { cookie: s.cookie } });
  const body = await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`GET ${path} as ${s.who}: ${res.status} ${Buffer.from(body)}`);
  return { ms, bytes: body.byteLength };
}

/**
 * Visits every page in turn, round after round, until `stop()` says so (checked after each round),
 * and returns a sample per request. One visitor is one person: never two requests at once.
 */
export async function browse(base: string, pages: Page[], stop: (rounds: number) => boolean) {
  const samples: Sample[] = [];
  for (let round = 0; ; round++) {
    for (const p of pages) {
      const path = p.paths[round % p.paths.length]!;
      const { ms, bytes } = await timedGet(base, p.session, path);
      samples.push({ label: p.label, ms, bytes });
    }
    if (stop(round + 1)) return samples;
  }
}

export interface Latency {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Median size of the answer. */
  kib: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function latencyOf(samples: Sample[]): Latency {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const bytes = samples.map((s) => s.bytes).sort((a, b) => a - b);
  return {
    n: ms.length,
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    p99: percentile(ms, 99),
    max: ms.at(-1) ?? NaN,
    kib: percentile(bytes, 50) / 1024,
  };
}
