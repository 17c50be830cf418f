// `npm run bench:what-if`: issue 16's two goals, measured in one run (docs/benchmarks.md).
//
// 1. A school of 600 pupils (the demo school's shape) over a whole term, as `attendance what-if`
//    runs it (in process, its store held in memory), against the full-fidelity run of the same school
//    on Temporal's time-skipping server (the real workflows, PGlite). The ratio is the speed-up; every
//    pupil's events must be the same both ways (the differential check), or the run fails. The
//    in-process run is timed three times (its median reported), the server's once: it takes minutes.
// 2. A council: 100,000 pupils (100 schools of 1,000) over the 2024-25 school year, in process, every
//    school in the store, as `attendance what-if` with no --school does (a school per core at a time);
//    with the process's peak memory (every thread's), sampled every simulated day.
//
//   tsx scripts/bench/whatIf.ts [--pupils 600] [--from 2025-01-06] [--to 2025-04-04]
//       [--policy bradford-staged-intervention] [--council 100000] [--school-size 1000]
//       [--year-from 2024-09-04] [--year-to 2025-07-21] [--skip-server] [--skip-council]
import { randomUUID } from 'node:crypto';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import {
  markPlan,
  syntheticCalendarFile,
  syntheticMarks,
  syntheticPupil,
  syntheticSchoolFiles,
} from '../../api/demo/synthetic';
import { buildCalendar, toDayNumber } from '../../domain/calendar';
import { BYTES_PER_BLOB } from '../../domain/marks';
import type { Policy } from '../../domain/policy/schema';
import { loadPolicyFile } from '../../policies';
import { memoryDb, openDb, type Db } from '../../store/db';
import { parseMarksCsv, parseRosterCsv, runImport } from '../../store/imports';
import { MemoryStore, type SchoolCopy } from '../../store/memory/memoryStore';
import { runInProcess } from '../simulation/inProcess/runInProcess';
import { runSimulation, type SimulationResult } from '../simulation/runSimulation';
import { comparable, differingEvents } from '../simulation/whatIf/comparable';
import { runWhatIf } from '../simulation/whatIf/run';

const { values } = parseArgs({
  options: {
    pupils: { type: 'string', default: '600' },
    from: { type: 'string', default: '2025-01-06' },
    to: { type: 'string', default: '2025-04-04' },
    policy: { type: 'string', default: 'bradford-staged-intervention' },
    council: { type: 'string', default: '100000' },
    'school-size': { type: 'string', default: '1000' },
    'year-from': { type: 'string', default: '2024-09-04' },
    'year-to': { type: 'string', default: '2025-07-21' },
    'skip-server': { type: 'boolean', default: false },
    'skip-council': { type: 'boolean', default: false },
  },
});

const policy = loadPolicyFile(values.policy);
const machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
const load = () => loadavg()[0]!.toFixed(2);

function counts(r: SimulationResult) {
  const events = r.cases.reduce((n, c) => n + c.events.length, 0);
  const letters = r.cases.reduce((n, c) => n + c.events.filter((e) => e.type === 'letterSent').length, 0);
  return { pupils: r.pupils, schoolDays: r.schoolDays, cases: r.cases.length, events, letters };
}

// ---------------------------------------------------------------------------------------------
// 1. One school over a term, both ways

async function syntheticSchoolStore(pupils: number): Promise<{ db: Db; schoolId: string }> {
  const schoolId = '100777';
  const files = syntheticSchoolFiles({ school: schoolId, pupils, until: values.to });
  const db = await openDb({ inMemory: true });
  await runImport(db, {
    schoolId,
    calendar: files.calendar,
    roster: await parseRosterCsv(files.rosterCsv),
    marks: await parseMarksCsv(files.marksCsv),
  });
  // The N marks chased and re-coded, as the school's office does.
  await runImport(db, { schoolId, marks: await parseMarksCsv(files.recodesCsv) });
  return { db, schoolId };
}

async function schoolOverTerm() {
  const { db, schoolId } = await syntheticSchoolStore(Number(values.pupils));
  try {
    const opts = { source: db, schoolId, policy, from: values.from, to: values.to, approve: 'all' as const };
    const inProcess: { seconds: number; load: string; result: SimulationResult }[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await runInProcess(opts);
      inProcess.push({ seconds: result.wallSeconds, load: load(), result });
      process.stderr.write(
        `  in process, run ${i + 1}: ${result.wallSeconds.toFixed(2)} s (load ${load()})\n`,
      );
    }
    const median = [...inProcess].sort((a, b) => a.seconds - b.seconds)[1]!;
    const row = {
      ...counts(median.result),
      inProcessSeconds: inProcess.map((r) => Number(r.seconds.toFixed(2))),
      inProcessMedianSeconds: Number(median.seconds.toFixed(2)),
      loadDuringInProcess: inProcess.map((r) => r.load),
    };
    if (values['skip-server']) return row;
    process.stderr.write('  on the time-skipping server (the real workflows): minutes...\n');
    const onServer = await runSimulation(opts);
    const differing = differingEvents(comparable(onServer), comparable(median.result));
    return {
      ...row,
      serverSeconds: Number(onServer.wallSeconds.toFixed(1)),
      loadAfterServer: load(),
      speedUp: Number((onServer.wallSeconds / median.seconds).toFixed(1)),
      differingEvents: differing,
      serverCounts: counts(onServer),
    };
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. A council over a year, in process

/** A synthetic school as plain data, straight into the store in memory (no CSV, no SQL). */
function syntheticSchoolCopy(schoolNumber: number, pupils: number): SchoolCopy {
  const id = String(200_000 + schoolNumber);
  const calendar = syntheticCalendarFile(id);
  const plan = markPlan(buildCalendar(calendar));
  const yearStart = '2024-08-01';
  const offsets = Int32Array.from(plan.days, (d) => (toDayNumber(d) - toDayNumber(yearStart)) * 2);
  const copy: SchoolCopy = {
    school: {
      id,
      name: calendar.name,
      calendar,
      lessonsPerDay: calendar.lessonsPerDay,
      policyId: null,
      policyVersion: null,
      contactChangesNeedApproval: false,
      createdAt: '2024-08-01 00:00:00+00',
      updatedAt: '2024-08-01 00:00:00+00',
    },
    pupils: [],
    marks: [],
  };
  for (let i = 0; i < pupils; i++) {
    const p = syntheticPupil(1, schoolNumber, i);
    const pupilId = randomUUID();
    copy.pupils.push({
      id: pupilId,
      schoolId: id,
      upn: p.upn,
      givenName: p.givenName,
      familyName: p.familyName,
      yearGroup: p.yearGroup,
      dateOfBirth: p.dateOfBirth,
      startDate: null,
      leftOn: null,
      flags: p.flags,
      contacts: p.contacts,
      sex: p.sex,
      sen: p.sen,
      pupilPremium: p.pupilPremium,
    });
    const final = syntheticMarks(1, p, plan).final;
    const codes = new Uint8Array(BYTES_PER_BLOB);
    for (let d = 0; d < offsets.length; d++) {
      codes[offsets[d]!] = final[2 * d]!;
      codes[offsets[d]! + 1] = final[2 * d + 1]!;
    }
    copy.marks.push({ pupilId, yearStart, codes });
  }
  return copy;
}

async function councilOverYear(p: Policy) {
  const size = Number(values['school-size']);
  const schools = Math.ceil(Number(values.council) / size);
  const store = new MemoryStore();
  for (let s = 1; s <= schools; s++) store.loadSchool(syntheticSchoolCopy(s, size));
  const source = memoryDb(store);
  let peakRss = process.memoryUsage.rss();
  let peakHeap = process.memoryUsage().heapUsed;
  let done = 0;
  const started = Date.now();
  const result = await runWhatIf({
    source,
    policy: p,
    from: values['year-from'],
    to: values['year-to'],
    approve: 'all',
    // As `attendance what-if` runs a council: one school per core at a time.
    threads: availableParallelism(),
    onProgress: ({ index, total }) => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      if (index % 20 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      if (index === total - 1) {
        done++;
        const s = (Date.now() - started) / 1000;
        process.stderr.write(
          `\r  council: ${done}/${schools} schools in ${s.toFixed(0)} s (load ${load()}, rss ${mib(peakRss)} MiB)   `,
        );
      }
    },
  });
  process.stderr.write('\n');
  const seconds = (Date.now() - started) / 1000;
  const report = result.reports[0];
  const total = report.total;
  const schoolDays = buildCalendar(syntheticCalendarFile('1')).schoolDaysBetween(
    values['year-from'],
    values['year-to'],
  ).length;
  const pupilDays = schools * size * schoolDays;
  return {
    schools,
    pupils: schools * size,
    schoolDays,
    seconds: Number(seconds.toFixed(1)),
    microsecondsPerPupilDay: Number(((seconds * 1e6) / pupilDays).toFixed(1)),
    load: load(),
    peakRssMiB: mib(peakRss),
    peakHeapMiB: mib(peakHeap),
    casesOpened: Object.values(total.casesOpened).reduce((a, b) => a + b, 0),
    letters: Object.values(total.letters).reduce((a, b) => a + b, 0),
    meetings: total.meetings,
    homeVisits: total.homeVisits,
    referrals: total.referrals,
    familiesReached: total.familiesReached,
  };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  process.stderr.write(
    `${values.pupils} pupils, ${values.from} to ${values.to}, ${policy.name} (load ${load()})\n`,
  );
  const school = await schoolOverTerm();
  let council: Awaited<ReturnType<typeof councilOverYear>> | null = null;
  if (!values['skip-council']) {
    process.stderr.write(
      `${Number(values.council).toLocaleString('en-GB')} pupils in schools of ${values['school-size']}, ${values['year-from']} to ${values['year-to']}\n`,
    );
    council = await councilOverYear(policy);
  }
  console.log(JSON.stringify({ machine, policy: values.policy, school, council }, null, 2));
  const s = school as typeof school & { serverSeconds?: number; speedUp?: number; differingEvents?: number };
  console.log(
    `\nA school of ${s.pupils} pupils over ${s.schoolDays} school days: in process ${s.inProcessMedianSeconds} s (median of 3)` +
      (s.serverSeconds !== undefined
        ? `, time-skipping server ${s.serverSeconds} s: ${s.speedUp}x faster; ${s.differingEvents} differing events`
        : '') +
      `; ${s.cases} cases, ${s.events} events, ${s.letters} letters.`,
  );
  if (council)
    console.log(
      `A council of ${council.pupils.toLocaleString('en-GB')} pupils (${council.schools} schools) over ${council.schoolDays} school days: ` +
        `${council.seconds} s (${council.microsecondsPerPupilDay} µs per pupil per school day), peak memory ${council.peakRssMiB} MiB; ` +
        `${council.casesOpened} cases opened, ${council.letters} letters, ${council.meetings} meetings.`,
    );
  const failed = s.differingEvents !== undefined && s.differingEvents > 0;
  if (failed) console.error('The two runs differ: the in-process driver is not faithful to the workflows.');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exit(1);
  },
);
