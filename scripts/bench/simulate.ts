// `npm run bench:simulate`: how fast a school can preview a policy on a past term. A synthetic
// school of 600 pupils (the demo school's shape) over the spring term, every proposal approved,
// the real case workflows on the time-skipping server. The baseline in the same run is a school of
// 60 pupils over the same term, to show how the cost grows with the school.
//
// With `--engine fast`, the same schools run in this process (scripts/simulation/inProcess: the
// case's own code on a simulated clock) and on the time-skipping server, side by side: the ratio is
// the in-process run's speed-up, and both runs' counts must agree.
//
//   tsx scripts/bench/simulate.ts [--pupils 600] [--baseline 60] [--from 2025-01-06] [--to 2025-04-04]
//                                 [--engine temporal|fast]
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { loadPolicyFile } from '../../policies';
import { openDb } from '../../store/db';
import { parseMarksCsv, parseRosterCsv, runImport } from '../../store/imports';
import { runInProcess } from '../simulation/inProcess/runInProcess';
import { runSimulation, type SimulationResult } from '../simulation/runSimulation';
import { syntheticSchoolFiles } from '../../api/demo/synthetic';

const { values } = parseArgs({
  options: {
    pupils: { type: 'string', default: '600' },
    baseline: { type: 'string', default: '60' },
    from: { type: 'string', default: '2025-01-06' },
    to: { type: 'string', default: '2025-04-04' },
    policy: { type: 'string', default: 'bradford-staged-intervention' },
    engine: { type: 'string', default: 'temporal' },
  },
});
const machine = { cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
if (values.engine !== 'temporal' && values.engine !== 'fast') throw new Error('--engine is temporal or fast');

async function simulate(pupils: number, engine: 'temporal' | 'fast' = 'temporal'): Promise<SimulationResult> {
  const school = '100777';
  const files = syntheticSchoolFiles({ school, pupils, until: values.to });
  const db = await openDb({ inMemory: true });
  try {
    await runImport(db, {
      schoolId: school,
      calendar: files.calendar,
      roster: await parseRosterCsv(files.rosterCsv),
      marks: await parseMarksCsv(files.marksCsv),
    });
    await runImport(db, { schoolId: school, marks: await parseMarksCsv(files.recodesCsv) });
    return await (engine === 'fast' ? runInProcess : runSimulation)({
      source: db,
      schoolId: school,
      policy: loadPolicyFile(values.policy),
      from: values.from,
      to: values.to,
      approve: 'all',
    });
  } finally {
    await db.close();
  }
}

function summary(r: SimulationResult) {
  const events = r.cases.reduce((n, c) => n + c.events.length, 0);
  const letters = r.cases.reduce((n, c) => n + c.events.filter((e) => e.type === 'letterSent').length, 0);
  return {
    pupils: r.pupils,
    schoolDays: r.schoolDays,
    cases: r.cases.length,
    events,
    letters,
    wallSeconds: Number(r.wallSeconds.toFixed(1)),
  };
}

if (values.engine === 'fast') {
  // Each school both ways, in the same run: the in-process driver, then the time-skipping server.
  const rows = [];
  for (const pupils of [Number(values.baseline), Number(values.pupils)]) {
    const fast = summary(await simulate(pupils, 'fast'));
    const temporal = summary(await simulate(pupils, 'temporal'));
    const same = (['cases', 'events', 'letters'] as const).every((k) => fast[k] === temporal[k]);
    rows.push({
      pupils,
      fast,
      temporal,
      speedUp: Number((temporal.wallSeconds / fast.wallSeconds).toFixed(1)),
      same,
    });
  }
  console.log(
    JSON.stringify(
      {
        machine,
        policy: values.policy,
        from: values.from,
        to: values.to,
        rows,
      },
      null,
      2,
    ),
  );
  for (const r of rows)
    console.log(
      `${r.pupils} pupils, ${r.fast.schoolDays} school days: in process ${r.fast.wallSeconds} s, time-skipping server ${r.temporal.wallSeconds} s: ${r.speedUp}x; ` +
        `${r.fast.cases} cases, ${r.fast.events} events, ${r.fast.letters} letters${r.same ? ' (the same both ways)' : ' (DIFFERENT counts: see the JSON)'}`,
    );
} else {
  const base = summary(await simulate(Number(values.baseline)));
  const main = summary(await simulate(Number(values.pupils)));
  const simulatedDays = Math.round((Date.parse(values.to) - Date.parse(values.from)) / 86_400_000) + 1;
  console.log(
    JSON.stringify(
      {
        machine,
        policy: values.policy,
        from: values.from,
        to: values.to,
        baseline: base,
        main,
      },
      null,
      2,
    ),
  );
  console.log(
    `\n${main.pupils} pupils, ${main.schoolDays} school days: ${main.cases} cases, ${main.letters} letters in ${main.wallSeconds} s ` +
      `(${(main.wallSeconds / main.schoolDays).toFixed(2)} s per school day; ${Math.round((simulatedDays * 86_400) / main.wallSeconds)}x faster than real time).` +
      `\nBaseline ${base.pupils} pupils: ${base.cases} cases in ${base.wallSeconds} s. Ratio ${(main.wallSeconds / base.wallSeconds).toFixed(1)}x the time for ` +
      `${(main.cases / Math.max(1, base.cases)).toFixed(1)}x the cases.`,
  );
}
