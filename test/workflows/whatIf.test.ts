// A what-if run in this process gives the same cases as the real workflows on Temporal: one school's
// families, the same weeks of marks, each policy run both ways; every pupil's timeline (each event's
// day, kind, stage and words) and every letter (its subject, its text as the family reads it, who it
// went to) must be the same. Only what cannot be the same is set aside: the instant a server ran a
// task, and ids made fresh in each run (compared by the order they first appear).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../../policies';
import { openDb, type Db } from '../../store/db';
import { runInProcess } from '../../scripts/simulation/inProcess/runInProcess';
import { runSimulation } from '../../scripts/simulation/runSimulation';
import { comparable } from '../../scripts/simulation/whatIf/comparable';
import { SCHOOL_ID } from './harness';
import { FROM, seedSchool, TO } from './whatIfSchool';

describe('a what-if run in this process gives the cases the workflows give', () => {
  let source: Db;
  beforeAll(async () => {
    source = await openDb({ inMemory: true });
    await seedSchool(source);
  });
  afterAll(async () => {
    await source?.close();
  });

  for (const policyName of ['three-letter-system', 'bradford-staged-intervention', 'five-stage-escalation']) {
    it(`${policyName}: the same timelines and letters for every family, every event`, async () => {
      const policy = loadPolicyFile(policyName);
      const opts = { source, schoolId: SCHOOL_ID, policy, from: FROM, to: TO, approve: 'all' as const };
      const onTemporal = await runSimulation(opts);
      const inProcess = await runInProcess(opts);
      const expected = comparable(onTemporal);
      // The comparison means something only if the policy did things worth comparing: cases on
      // several routes, letters among their events.
      expect(expected.length).toBeGreaterThanOrEqual(5);
      expect(new Set(expected.map((c) => c.events.map((e) => e.type).join())).size).toBeGreaterThanOrEqual(2);
      expect(expected.flatMap((c) => c.events).filter((e) => e.letter).length).toBeGreaterThanOrEqual(2);
      expect(comparable(inProcess)).toEqual(expected);
    }, 600_000);
  }
});
