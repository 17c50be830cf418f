// npm run bench:stats [-- --pupils N] [--skip-baseline] [--csv-pupils N]
//
// A council-sized synthetic set (default 100,000 pupils, one school year, ~38 million marks) in
// the same PostgreSQL (a server when DATABASE_URL is set, else PGlite in a temporary directory):
//   (a) import into the compact layout (one 732-byte blob per pupil per year);
//   (b) every pupil's rolling-10-week figures and flags: load the blobs, then compute;
//   (c) the same figures from a plain SQL GROUP BY over a one-row-per-mark table with an index;
// and checks (b) and (c) agree for every pupil. Results go to stdout as markdown for docs/benchmarks.md.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildCalendar, toDayNumber } from '../../domain/calendar';
import { BYTES_PER_BLOB, MarkGrid } from '../../domain/marks';
import { REGISTER_CODES } from '../../domain/registerCodes';
import {
  BATCH_PENALTY_MET,
  BATCH_PERSISTENT,
  BATCH_SEVERE,
  computeRolling10ForMany,
  evaluatePupil,
  prepareEvaluation,
} from '../../domain/stats';
import { openDb, type Db } from '../../store/db';
import { parseMarksCsv, runImport } from '../../store/imports';
import { loadMarkGrids, saveYearBlobs, type BlobWrite } from '../../store/marks';
import { upsertPupils } from '../../store/pupils';
import { upsertSchool } from '../../store/schools';
import type { RosterRecord } from '../../store/validate';
import {
  markPlan,
  syntheticCalendarFile,
  syntheticMarks,
  syntheticPupil,
  syntheticSchoolFiles,
} from './synthetic';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const PUPILS = Number(arg('pupils', '100000'));
const CSV_PUPILS = Number(arg('csv-pupils', '1000'));
const SEED = Number(arg('seed', '1'));
const AS_OF = arg('on', '2025-07-18');
const SKIP_BASELINE = argv.includes('--skip-baseline');
const SCHOOL = 'BENCH';
const SCHEMA = 'bench_stats';

const results: [string, string][] = [];
const note = (label: string, value: string): void => {
  results.push([label, value]);
  console.error(`  ${label}: ${value}`);
};
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, performance.now() - t0];
}

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL?.trim();
  let tmpDir: string | null = null;
  let db: Db;
  if (databaseUrl) {
    // A schema of its own, recreated each run, so the benchmark never touches application data.
    const admin = await openDb({ databaseUrl, migrate: false, poolSize: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await admin.close();
    db = await openDb({ databaseUrl, schema: SCHEMA, poolSize: 2 });
  } else {
    tmpDir = mkdtempSync(join(os.tmpdir(), 'bench-stats-'));
    db = await openDb({ dataDir: tmpDir });
  }
  try {
    await run(db, databaseUrl ? 'PostgreSQL server' : 'PGlite (embedded, on disk)');
  } finally {
    if (databaseUrl) await db.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
    await db.close();
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  }
}

async function run(db: Db, engineName: string): Promise<void> {
  const { rows: ver } = await db.query<{ v: string }>('SELECT version() AS v');
  const machine = [
    `nproc ${os.availableParallelism()}`,
    `${os.cpus()[0]?.model ?? 'unknown CPU'}`,
    `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `Node ${process.version}`,
    `load average at start ${os.loadavg()[0]!.toFixed(1)} (other work on the machine)`,
    `${engineName}: ${ver[0]!.v.split(' on ')[0]}`,
  ].join(', ');
  console.error(`stats benchmark: ${PUPILS.toLocaleString('en-GB')} pupils, as of ${AS_OF}`);
  note('machine', machine);

  const calendarFile = syntheticCalendarFile(SCHOOL, 'Synthetic council 2024-25');
  const calendar = buildCalendar(calendarFile);
  const plan = markPlan(calendar);
  await upsertSchool(db, calendarFile);

  // Pupils (not timed as part of the marks import).
  const pupils = Array.from({ length: PUPILS }, (_, i) => syntheticPupil(SEED, 999, i));
  const roster: RosterRecord[] = pupils.map((p) => ({
    line: p.index + 2,
    upn: p.upn,
    givenName: p.givenName,
    familyName: p.familyName,
    yearGroup: p.yearGroup,
    dateOfBirth: p.dateOfBirth,
    startDate: null,
    leftOn: null,
    flags: p.flags,
    contacts: p.contacts,
  }));
  const [, rosterMs] = await timed(() => upsertPupils(db, SCHOOL, roster));
  note('roster insert', `${secs(rosterMs)} for ${PUPILS.toLocaleString('en-GB')} pupils`);
  const { rows: idRows } = await db.query<{ id: string; upn: string }>(
    'SELECT id::text AS id, upn FROM pupils WHERE school_id = $1',
    [SCHOOL],
  );
  const idByUpn = new Map(idRows.map((r) => [r.upn, r.id]));

  // Generate the year of marks as per-school-day code arrays (not timed: stands in for the MIS).
  const [generated, genMs] = await timed(() => pupils.map((p) => syntheticMarks(SEED, p, plan).final));
  let markCount = 0;
  for (const g of generated) for (let i = 0; i < g.length; i++) if (g[i] !== 0) markCount++;
  note(
    'marks generated',
    `${markCount.toLocaleString('en-GB')} marks (${plan.days.length} school days) in ${secs(genMs)}`,
  );

  // (a) Import into the compact layout: place each session in its pupil's year blob, write the blobs.
  const yearStart = '2024-08-01';
  const offsets = Int32Array.from(plan.days, (d) => (toDayNumber(d) - toDayNumber(yearStart)) * 2);
  const [, importMs] = await timed(async () => {
    const writes: BlobWrite[] = pupils.map((p, i) => {
      const codes = new Uint8Array(BYTES_PER_BLOB);
      const g = generated[i]!;
      for (let d = 0; d < offsets.length; d++) {
        codes[offsets[d]!] = g[2 * d]!;
        codes[offsets[d]! + 1] = g[2 * d + 1]!;
      }
      return { pupilId: idByUpn.get(p.upn)!, blob: { yearStart, codes } };
    });
    await saveYearBlobs(db, writes);
  });
  note(
    '(a) import into compact layout',
    `${secs(importMs)} (${Math.round(markCount / (importMs / 1000)).toLocaleString('en-GB')} marks/s; ${PUPILS.toLocaleString('en-GB')} blobs, ${((PUPILS * BYTES_PER_BLOB) / 2 ** 20).toFixed(0)} MiB)`,
  );

  // Drop what only the import needed, so garbage collection in (b) sees the heap a sweep would.
  generated.length = 0;
  roster.length = 0;
  idByUpn.clear();

  // (b) Load + compute, twice (the first run warms the JIT and the engine's caches); the best counts.
  let grids: Map<string, MarkGrid> = new Map();
  let batch: ReturnType<typeof computeRolling10ForMany> | null = null;
  let ids: string[] = [];
  const loads: number[] = [];
  const computes: number[] = [];
  for (let round = 0; round < 3; round++) {
    grids = new Map();
    const [loaded, loadMs] = await timed(() => loadMarkGrids(db, SCHOOL));
    grids = loaded;
    const [b, computeMs] = await timed(() => {
      ids = [...grids.keys()];
      const prepared = prepareEvaluation(calendar, AS_OF);
      return computeRolling10ForMany(
        prepared,
        ids.map((id) => grids.get(id)!),
      );
    });
    batch = b;
    loads.push(loadMs);
    computes.push(computeMs);
  }
  const loadMs = Math.min(...loads);
  const computeMs = Math.min(...computes);
  note(
    '(b) load blobs (one query per 20,000 pupils)',
    `${secs(loadMs)} (runs: ${loads.map(secs).join(', ')})`,
  );
  note('(b) compute rolling 10 weeks + flags', `${secs(computeMs)} (runs: ${computes.map(secs).join(', ')})`);
  note('(b) load + compute', secs(loadMs + computeMs));

  // The full PupilFacts (every window, penalty, runs, illness, trend) for every pupil, for reference.
  const prepared = prepareEvaluation(calendar, AS_OF);
  const pupilById = new Map(idRows.map((r) => [r.id, r.upn]));
  const [, factsMs] = await timed(() => {
    for (const id of ids) evaluatePupil(prepared, { pupilId: id, upn: pupilById.get(id)! }, grids.get(id)!);
  });
  note('full PupilFacts for every pupil (all windows)', secs(factsMs));

  const rolling = prepared.ranges.rolling10;
  const penalty = prepared.ranges.penalty;
  const flagged = { pa: 0, sa: 0, pen: 0 };
  for (let i = 0; i < ids.length; i++) {
    const f = batch!.flags[i]!;
    if (f & BATCH_PERSISTENT) flagged.pa++;
    if (f & BATCH_SEVERE) flagged.sa++;
    if (f & BATCH_PENALTY_MET) flagged.pen++;
  }
  const share = (k: number): string => `${((100 * k) / ids.length).toFixed(1)}%`;
  note(
    'rolling window',
    `${rolling.from} to ${rolling.to} (${rolling.schoolWeeks} school weeks); persistent ${share(flagged.pa)}, severe ${share(flagged.sa)}, penalty threshold met ${share(flagged.pen)}`,
  );

  if (!SKIP_BASELINE) await baseline(db, ids, batch!, rolling, penalty, loadMs, computeMs);

  // A realistic school through the whole CSV path (parse, validate, merge, write) for the import rate.
  if (CSV_PUPILS > 0) {
    const files = syntheticSchoolFiles({ school: 'BENCHCSV', pupils: CSV_PUPILS, seed: SEED });
    await runImport(db, { schoolId: 'BENCHCSV', calendar: files.calendar });
    const { parseRosterCsv } = await import('../../store/imports');
    await runImport(db, { schoolId: 'BENCHCSV', roster: parseRosterCsv(files.rosterCsv) });
    const [summary, csvMs] = await timed(async () =>
      runImport(db, { schoolId: 'BENCHCSV', marks: parseMarksCsv(files.marksCsv) }),
    );
    note(
      `CSV marks import, ${CSV_PUPILS.toLocaleString('en-GB')}-pupil school`,
      `${secs(csvMs)} for ${summary.marks!.rows.toLocaleString('en-GB')} rows (${Math.round(summary.marks!.rows / (csvMs / 1000)).toLocaleString('en-GB')} rows/s)`,
    );
  }

  console.log('\n| measure | result |\n|---|---|');
  for (const [k, v] of results) console.log(`| ${k} | ${v} |`);
}

async function baseline(
  db: Db,
  ids: string[],
  batch: ReturnType<typeof computeRolling10ForMany>,
  rolling: { from: string; to: string },
  penalty: { from: string; to: string },
  loadMs: number,
  computeMs: number,
): Promise<void> {
  // One row per mark, built inside the database from the same blobs so both sides see identical data.
  await db.query('DROP TABLE IF EXISTS bench_marks');
  await db.query(
    `CREATE TABLE bench_marks (pupil_id uuid NOT NULL, date date NOT NULL, session smallint NOT NULL, code text NOT NULL)`,
  );
  const [, fillMs] = await timed(() =>
    db.query(
      `INSERT INTO bench_marks (pupil_id, date, session, code)
       SELECT m.pupil_id, m.year_start + (o.i / 2), o.i % 2, c.code
       FROM pupil_marks m
       CROSS JOIN generate_series(0, ${BYTES_PER_BLOB - 1}) AS o(i)
       JOIN register_code_ids c ON c.id = get_byte(m.codes, o.i)`,
    ),
  );
  const [, indexMs] = await timed(async () => {
    await db.query('CREATE INDEX bench_marks_date_idx ON bench_marks (date, pupil_id)');
    await db.query('ANALYZE bench_marks');
  });
  const { rows: cnt } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM bench_marks');
  note(
    '(c) baseline table bench_marks',
    `${Number(cnt[0]!.n).toLocaleString('en-GB')} rows, filled in ${secs(fillMs)}, indexed (date, pupil_id) in ${secs(indexMs)}`,
  );

  const list = (cls: string[]): string =>
    REGISTER_CODES.filter((c) => cls.includes(c.cls))
      .map((c) => `'${c.code.replace(/'/g, "''")}'`)
      .join(', ');
  const attended = list(['present', 'approvedActivity']);
  const absent = list(['authorised', 'unauthorised']);
  const unauthorised = list(['unauthorised']);
  const sql = `
    WITH w AS (
      SELECT pupil_id,
             count(*) FILTER (WHERE date >= $1 AND code IN (${attended})) AS attended,
             count(*) FILTER (WHERE date >= $1 AND code IN (${absent})) AS absent,
             count(*) FILTER (WHERE date >= $1 AND code IN (${unauthorised})) AS unauthorised,
             count(*) FILTER (WHERE date >= $1 AND code = 'N') AS unexplained,
             count(*) FILTER (WHERE date >= $3 AND code IN ('G', 'N', 'O', 'U')) AS penalty
      FROM bench_marks
      WHERE date >= LEAST($1::date, $3::date) AND date <= $2
      GROUP BY pupil_id)
    SELECT pupil_id::text AS pupil_id, attended + absent AS possible,
           CASE WHEN attended + absent = 0 THEN NULL ELSE round(100.0 * attended / (attended + absent), 2) END AS attendance_pct,
           unauthorised, unexplained, penalty,
           attended + absent > 0 AND absent * 10 >= attended + absent AS persistent,
           attended + absent > 0 AND absent * 2 >= attended + absent AS severe,
           penalty >= 10 AS penalty_met
    FROM w`;
  const params = [rolling.from, rolling.to, penalty.from];
  const runs: number[] = [];
  let rows: {
    pupil_id: string;
    possible: string | number;
    attendance_pct: string | null;
    unauthorised: string | number;
    penalty: string | number;
    persistent: boolean;
    severe: boolean;
    penalty_met: boolean;
  }[] = [];
  for (let round = 0; round < 3; round++) {
    const [r, ms] = await timed(() => db.query<(typeof rows)[number]>(sql, params));
    rows = r.rows;
    runs.push(ms);
  }
  const sqlMs = Math.min(...runs);
  note('(c) SQL GROUP BY, same figures', `${secs(sqlMs)} (runs: ${runs.map(secs).join(', ')})`);
  note(
    'ratio SQL / compact',
    `${(sqlMs / (loadMs + computeMs)).toFixed(1)}x vs load + compute; ${(sqlMs / computeMs).toFixed(0)}x vs compute alone`,
  );

  // Both sides must agree for every pupil.
  const index = new Map(ids.map((id, i) => [id, i]));
  let mismatches = 0;
  for (const r of rows) {
    const i = index.get(r.pupil_id)!;
    const flags =
      (r.persistent ? BATCH_PERSISTENT : 0) |
      (r.severe ? BATCH_SEVERE : 0) |
      (r.penalty_met ? BATCH_PENALTY_MET : 0);
    const pct = r.attendance_pct === null ? -1 : Math.round(Number(r.attendance_pct) * 100);
    if (
      Number(r.possible) !== batch.possible[i] ||
      pct !== batch.attendanceHundredths[i] ||
      Number(r.unauthorised) !== batch.unauthorised[i] ||
      Number(r.penalty) !== batch.penaltySessions[i] ||
      flags !== batch.flags[i]
    ) {
      mismatches++;
    }
  }
  note('agreement', `${rows.length.toLocaleString('en-GB')} pupils compared, ${mismatches} mismatches`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
