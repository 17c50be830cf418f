// What a policy would do, as a head teacher asks it before adopting one: how many letters, which
// weeks, how many meetings to staff, which families it reaches, and how it differs from another
// policy. The school is the what-if differential test's eight families (whatIfSchool.ts), run by the
// in-process driver (whose cases the differential test holds to the workflows'), over the autumn
// term's last five weeks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../domain/policy/schema';
import { loadPolicyFile } from '../../policies';
import { openDb, type Db } from '../../store/db';
import { runInProcess } from '../../scripts/simulation/inProcess/runInProcess';
import type { ApproveRule, SimulationResult } from '../../scripts/simulation/runSimulation';
import { differingRoutes } from '../../scripts/simulation/whatIf/compare';
import { whatIfCsv, whatIfText } from '../../scripts/simulation/whatIf/format';
import { forReport, whatIfReport, type WhatIfReport } from '../../scripts/simulation/whatIf/report';
import { SCHOOL_ID } from './harness';
import { FAMILIES, FROM, seedSchool, TO, upn } from './whatIfSchool';

const pupil = (given: string) => upn(FAMILIES.findIndex((f) => f.given === given) + 1);
const route = (r: WhatIfReport, given: string) =>
  r.routes.find((x) => x.upn === pupil(given))?.milestones.map((m) => `${m.date} ${m.kind} ${m.name}`) ?? [];

describe('what-if: a policy counted week by week before a school adopts it', () => {
  let source: Db;
  const threeLetter = loadPolicyFile('three-letter-system');
  const runs = new Map<ApproveRule, SimulationResult>();
  const run = (approve: ApproveRule, policy: Policy = threeLetter) =>
    runInProcess({ source, schoolId: SCHOOL_ID, policy, from: FROM, to: TO, approve });

  beforeAll(async () => {
    source = await openDb({ inMemory: true });
    await seedSchool(source);
    for (const approve of ['none', 'auto-only', 'all'] as const) runs.set(approve, await run(approve));
  }, 600_000);
  afterAll(async () => {
    await source?.close();
  });

  it('with nobody approving anything, Letter 1 goes by itself to five families; the child-protection case waits for a person', () => {
    const r = whatIfReport(threeLetter, [runs.get('none')!]);
    expect(r.weeks.map((w) => w.weekOf)).toEqual([
      '2025-11-17',
      '2025-11-24',
      '2025-12-01',
      '2025-12-08',
      '2025-12-15',
    ]);
    expect(r.total.letters).toEqual({ 'three-letter/letter-1': 5 });
    expect(r.total.familiesReached).toBe(5);
    expect(r.total.meetings).toBe(0);
    // Dan has a child-protection flag: his case opens, and his letter waits for the team; nothing
    // is carried out on his case, and with Letter 1 never sent it never moves on to a Letter 2
    // that would tell his family there had been "no improvement since Letter 1".
    expect(route(r, 'Dan')).toEqual(['2025-11-17 stage Letter 1 (first concern)']);
    // The other five, sent Letter 1 on 17 November, reach Letter 2 twenty school days later.
    expect(r.total.openAtEnd).toEqual({ 'letter-one': 1, 'letter-two': 5 });
    // Harry is there every day: no case, no letter.
    expect(route(r, 'Harry')).toEqual([]);
  });

  it('approving only what the policy sends by itself, Dan’s family gets Letter 1 too, and no meeting is booked', () => {
    const r = whatIfReport(threeLetter, [runs.get('auto-only')!]);
    expect(r.total.letters).toEqual({ 'three-letter/letter-1': 6 });
    expect(r.total.familiesReached).toBe(6);
    expect(route(r, 'Dan').slice(0, 2)).toEqual([
      '2025-11-17 stage Letter 1 (first concern)',
      '2025-11-17 step Letter 1: attendance concern',
    ]);
    // Letter 2 is a meeting the team must approve: it stays proposed.
    expect(r.total.meetings).toBe(0);
    expect(r.total.staffHours).toBe(0);
  });

  it('approving everything, the Letter 2 meetings fall in the last week of term, and the staff hours come from the policy', () => {
    const r = whatIfReport(threeLetter, [runs.get('all')!]);
    const week = (d: string) => r.weeks.find((w) => w.weekOf === d)!;
    expect(week('2025-11-17').letters).toEqual({ 'three-letter/letter-1': 6 });
    // Twenty school days of monitoring from 17 November end on 15 December.
    expect(week('2025-12-15').meetings).toBe(6);
    expect(week('2025-12-01').meetings + week('2025-12-08').meetings).toBe(0);
    // No duration in the policy: an hour a meeting.
    expect(r.total.staffHours).toBe(6);
    // The same run, with the policy saying a Letter 2 meeting takes 45 minutes of staff time.
    const timed = structuredClone(threeLetter);
    timed.stages.find((s) => s.id === 'letter-two')!.steps.find((s) => s.id === 'letter-2')!.staffMinutes =
      45;
    expect(whatIfReport(timed, [runs.get('all')!]).total.staffHours).toBe(4.5);
    expect(r.total.openAtEnd).toEqual({ 'letter-two': 6 });
  });

  it('counts the same from a run without its words, as a council’s schools are kept until the last is done', () => {
    for (const run of runs.values()) {
      expect(whatIfReport(threeLetter, [forReport(run)])).toEqual(whatIfReport(threeLetter, [run]));
    }
    // And the words are gone: no family's letter is held longer than its school's run.
    const lean = forReport(runs.get('all')!);
    expect(lean.cases.flatMap((c) => c.events).filter((e) => e.letter?.text || e.text)).toEqual([]);
  });

  it('against Bradford’s policy: who takes another route, and where the routes part', async () => {
    const bradford = loadPolicyFile('bradford-staged-intervention');
    const a = whatIfReport(threeLetter, [runs.get('all')!]);
    const b = whatIfReport(bradford, [await run('all', bradford)]);
    // Bradford sends for home visits and refers to the council within the term; the three-letter system does neither.
    expect(b.total.homeVisits).toBeGreaterThan(0);
    expect(b.total.staffHours).toBeGreaterThan(b.total.meetings); // home visits take an hour and a half
    expect(b.total.referrals).toBeGreaterThan(0);
    expect(a.total.referrals).toBe(0);

    const differences = differingRoutes(a, b);
    const ben = differences.find((d) => d.upn === pupil('Ben'))!;
    // Ben was at 92%: below Bradford's 95% but not the three-letter system's 90%.
    expect(ben.why).toMatch(
      /^Under Three-letter system \(local authority\) no case is opened; under Bradford staged intervention the case is at Stage One \(advisory\) on 17 November 2025 \(.*below 95%.*\)\.$/,
    );
    expect(ben.a).toEqual([]);
    expect(differences.map((d) => d.upn)).not.toContain(pupil('Harry'));

    const csv = whatIfCsv({ reports: [a, b], differences })
      .trim()
      .split('\n');
    expect(csv[0]).toMatch(
      /^policy,policy_version,week_of,cases_opened,letters,held,meetings,home_visits,staff_hours,referrals,/,
    );
    expect(csv.filter((l) => l.includes(',total,'))).toHaveLength(2);
    // The last week of term under the three-letter system: no case opened, six letters (the invitations).
    expect(csv.some((l) => l.startsWith('three-letter-system,3,2025-12-15,0,6,'))).toBe(true);

    // The same answer in the terminal, as the head teacher reads it: both policies named, one
    // row per week with the first policy's figure before the second's, and the pupils who part.
    const text = whatIfText({ reports: [a, b], differences }, { approve: 'all', listDifferences: 1 });
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'What if: Three-letter system (local authority) (first figure) against Bradford staged intervention (second)',
    );
    expect(lines[1]).toBe(
      `School ${SCHOOL_ID}, ${a.pupils} pupils, ${FROM} to ${TO}; the team approves every proposal`,
    );
    const lastWeek = lines.find((l) => l.startsWith('2025-12-15'))!.split(/\s{2,}/);
    // Cases opened, then letters: none opened and six invitations under the first policy.
    expect(lastWeek[1]).toMatch(/^0 \/ \d+$/);
    expect(lastWeek[2]).toMatch(/^6 \/ \d+$/);
    const total = lines.find((l) => l.startsWith('Total'))!.split(/\s{2,}/);
    const opened = (r: WhatIfReport) => Object.values(r.total.casesOpened).reduce((x, y) => x + y, 0);
    expect(total[1]).toBe(`${opened(a)} / ${opened(b)}`);
    expect(opened(b)).toBeGreaterThan(opened(a)); // Ben, at 92%, has a case under Bradford only
    expect(text).toContain('Letters by template');
    expect(text).toContain(`${differences.length} pupils' routes differ:`);
    expect(text).toContain(`  ${differences[0]!.upn}  ${differences[0]!.why}`);
    expect(text).toContain(`… and ${differences.length - 1} more (--json lists them all)`);
  }, 600_000);
});
