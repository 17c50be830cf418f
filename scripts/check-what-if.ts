// `npm run check:what-if [-- --from DATE --to DATE --policies a,b,c]`: the differential test on the
// 600-pupil demo school. Each policy runs over the same weeks of the demo's marks on Temporal's
// time-skipping server (the real workflows) and in process (the what-if driver); every event of
// every pupil must be the same (scripts/simulation/whatIf/comparable.ts). Prints, per policy, the
// cases, events and letters, the events that differ, and both runs' times; exits 1 if any differ.
import { parseArgs } from 'node:util';
import { seedDemoSchool } from '../api/demo/seed';
import { DEMO_SCHOOL_ID } from '../api/demo/demoSchool';
import { loadPolicyFile } from '../policies';
import { openDb } from '../store/db';
import { runInProcess } from './simulation/inProcess/runInProcess';
import { runSimulation } from './simulation/runSimulation';
import { comparable, differingEvents } from './simulation/whatIf/comparable';

const { values } = parseArgs({
  options: {
    // The demo's marks run from September to the day before `today`: the autumn term's last weeks.
    today: { type: 'string', default: '2025-12-20' },
    from: { type: 'string', default: '2025-11-24' },
    to: { type: 'string', default: '2025-12-19' },
    policies: {
      type: 'string',
      default: 'three-letter-system,bradford-staged-intervention,five-stage-escalation',
    },
  },
});

async function main(): Promise<number> {
  const source = await openDb({ inMemory: true });
  let failed = 0;
  try {
    const seeded = await seedDemoSchool(source, { today: values.today, accounts: false });
    console.error(`demo school: ${seeded.summary.roster?.rows ?? 0} pupils; ${values.from} to ${values.to}`);
    for (const name of values.policies.split(',')) {
      const opts = {
        source,
        schoolId: DEMO_SCHOOL_ID,
        policy: loadPolicyFile(name.trim()),
        from: values.from,
        to: values.to,
        approve: 'all' as const,
        onDay: (d: string, i: number, n: number) =>
          process.stderr.write(`\r  ${name}: ${d} (${i + 1}/${n})   `),
      };
      const onTemporal = await runSimulation(opts);
      const inProcess = await runInProcess(opts);
      process.stderr.write('\n');
      const a = comparable(onTemporal);
      const b = comparable(inProcess);
      const differing = differingEvents(a, b);
      const events = a.reduce((n, c) => n + c.events.length, 0);
      const letters = a.reduce((n, c) => n + c.events.filter((e) => e.letter).length, 0);
      console.log(
        `${name}: ${a.length} cases, ${events} events, ${letters} letters; ${differing} differing events ` +
          `(time-skipping server ${onTemporal.wallSeconds.toFixed(1)} s, in process ${inProcess.wallSeconds.toFixed(1)} s)`,
      );
      if (differing > 0 || a.length === 0) failed++;
    }
  } finally {
    await source.close();
  }
  return failed;
}

main().then(
  (failed) => {
    if (failed) console.error(`${failed} polic${failed === 1 ? 'y' : 'ies'} differ (or opened no case)`);
    process.exit(failed ? 1 : 0);
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exit(1);
  },
);
