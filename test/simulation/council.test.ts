// A council asks what a policy would do across its schools. Run side by side, a school per thread,
// the schools must come out exactly as they do one after the other: the same cases opened, letters,
// meetings and routes for every pupil, in the same report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticSchoolFiles } from '../../api/demo/synthetic';
import { loadPolicyFile } from '../../policies';
import { openDb, type Db } from '../../store/db';
import { parseMarksCsv, parseRosterCsv, runImport } from '../../store/imports';
import { runWhatIf } from '../../scripts/simulation/whatIf/run';

const SCHOOLS = ['100777', '100778', '100779'];

describe('a council’s what-if, its schools run side by side', () => {
  let source: Db;
  beforeAll(async () => {
    source = await openDb({ inMemory: true });
    for (const [i, school] of SCHOOLS.entries()) {
      const files = syntheticSchoolFiles({ school, pupils: 30 + 10 * i, until: '2025-01-31' });
      await runImport(source, {
        schoolId: school,
        calendar: files.calendar,
        roster: await parseRosterCsv(files.rosterCsv),
        marks: await parseMarksCsv(files.marksCsv),
      });
    }
  });
  afterAll(async () => {
    await source?.close();
  });

  it('counts the same letters, meetings and routes as running the schools one by one', async () => {
    const opts = {
      source,
      policy: loadPolicyFile('bradford-staged-intervention'),
      from: '2025-01-07',
      to: '2025-01-31',
      approve: 'all' as const,
    };
    const days = new Map<string, number>();
    const oneByOne = await runWhatIf({ ...opts, threads: 1 });
    const sideBySide = await runWhatIf({
      ...opts,
      threads: 2,
      onProgress: (p) => days.set(p.school, p.index + 1),
    });
    const [a] = oneByOne.reports;
    const [b] = sideBySide.reports;
    expect(b.schools).toEqual(SCHOOLS);
    expect(b.pupils).toBe(30 + 40 + 50);
    expect(Object.values(a.total.casesOpened).reduce((x, y) => x + y, 0)).toBeGreaterThan(10);
    expect(a.total.meetings).toBeGreaterThan(0);
    const { wallSeconds: _a, ...first } = a;
    const { wallSeconds: _b, ...second } = b;
    expect(second).toEqual(first);
    // Every school's progress was heard, to its last day.
    expect([...days.values()]).toEqual([19, 19, 19]);
  }, 300_000);
});
