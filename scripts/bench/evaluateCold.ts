// One cold evaluation, in a fresh process (spawned by scripts/bench/stats.ts): open the store, load
// the school's rolling window from mark_chunks, compute every pupil's rolling-10-week figures and
// flags. Prints one JSON line: the timings and a digest of every figure (compared by the parent).
//   tsx scripts/bench/evaluateCold.ts <school> <asOf>   (DATABASE_URL + BENCH_SCHEMA, or DATA_DIR)
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { buildCalendar } from '../../domain/calendar';
import { computeRolling10ForChunks, prepareEvaluation, type Rolling10Batch } from '../../domain/stats';
import { openDb } from '../../store/db';
import { loadMarkWindow } from '../../store/marks';
import { getSchool } from '../../store/schools';

export function batchDigest(ids: readonly string[], b: Rolling10Batch): string {
  const h = createHash('sha256');
  const order = ids.map((id, i) => [id, i] as const).sort((x, y) => (x[0] < y[0] ? -1 : 1));
  for (const [id, i] of order) {
    h.update(
      `${id}:${b.possible[i]},${b.attendanceHundredths[i]},${b.absenceHundredths[i]},${b.unauthorised[i]},${b.unexplained[i]},${b.penaltySessions[i]},${b.flags[i]};`,
    );
  }
  return h.digest('hex');
}

async function main(): Promise<void> {
  const [school, asOf] = process.argv.slice(2) as [string, string];
  const databaseUrl = process.env.DATABASE_URL?.trim();
  const t0 = performance.now();
  const db = databaseUrl
    ? await openDb({ databaseUrl, schema: process.env.BENCH_SCHEMA, migrate: false })
    : await openDb({ dataDir: process.env.DATA_DIR!, migrate: false });
  await db.query('SELECT 1');
  const t1 = performance.now();
  const row = await getSchool(db, school);
  const calendar = buildCalendar(row!.calendar);
  const prepared = prepareEvaluation(calendar, asOf);
  const { rolling10, penalty } = prepared.ranges;
  const from = rolling10.from < penalty.from ? rolling10.from : penalty.from;
  const to = rolling10.to > penalty.to ? rolling10.to : penalty.to;
  const window = await loadMarkWindow(db, school, from, to);
  const t2 = performance.now();
  const batch = computeRolling10ForChunks(prepared, window.pupilIds.length, window.chunks, window.bounds);
  const t3 = performance.now();
  await db.close();
  console.log(
    JSON.stringify({
      openMs: t1 - t0,
      loadMs: t2 - t1,
      computeMs: t3 - t2,
      pupils: window.pupilIds.length,
      bytes: window.chunks.reduce((n, c) => n + c.codes.length, 0),
      digest: batchDigest(window.pupilIds, batch),
    }),
  );
}

if (process.argv[1]?.endsWith('evaluateCold.ts')) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
