// A third policy, a local authority's three-letter system (policies/three-letter-system.yaml), run
// the way the workflow runs engine 2: nothing in the engine is Bradford-shaped. Letter 1, Letter 2
// with an attendance meeting, Letter 3 the penalty-notice warning only where a notice is possible,
// then a referral to the local authority.
import { describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../../policies/index';
import type { PupilFacts } from '../types';
import { applyDecision, completeStep, decide, emptyCaseState } from './decide';
import {
  autumn2026,
  CaseSim,
  engine2Figures as figures,
  skippedIds,
  stepIds,
  type FactsOverrides,
} from './test/helpers';

const policy = loadPolicyFile('three-letter-system');
const ENGINE_2 = { engine: 2 };

/** A day's figures: rolling 10 weeks at `pct`, and the year so far (possible, attended, unauthorised). */
function on(asOf: string, pct: number, ytd: [number, number, number], penaltyMet = false): PupilFacts {
  const [possible, present, unauthorised] = ytd;
  return figures({
    asOf,
    attendance: pct,
    ytd: { possible, present, unauthorised, authorised: possible - present - unauthorised },
    penalty: penaltyMet ? { met: true, sessions: 12 } : {},
  });
}

const sweep = (o: FactsOverrides) =>
  decide(policy, emptyCaseState(), figures(o), '2026-11-20', autumn2026, ENGINE_2);

describe('three-letter system: who gets Letter 1', () => {
  it.each([
    [100, null],
    [90, null], // the authority's "below 90%": exactly 90% gets no letter
    [89.99, 'letter-one'],
    [50, 'letter-one'], // the letters go in order: Letter 1 first, however low
  ])('attendance %s over the rolling 10 school weeks → %s', (attendance, stage) => {
    expect(sweep({ attendance }).stageId).toBe(stage);
  });

  it.each([
    ['two separate unexplained absences this term', 'letter-one', 2],
    ['one week of unexplained absence: one spell, however many sessions', null, 1],
  ])('%s → %s', (_name, stage, spells) => {
    const term = { unauthorised: 10, unexplained: 10, unexplainedPastGrace: 10, unexplainedSpells: spells };
    expect(sweep({ attendance: 95, term }).stageId).toBe(stage);
  });

  it.each([
    [29, null],
    [30, 'letter-one'], // the authority judges no family on less than three school weeks
  ])('%i possible sessions at 80 per cent → %s', (possible, stage) => {
    expect(sweep({ rolling10: { possible, attendancePct: 80 } }).stageId).toBe(stage);
  });

  it('Letter 1 goes by itself, and its 20 school days of monitoring start the day it is sent', () => {
    const d = sweep({ asOf: '2026-09-14', attendance: 85 });
    expect(d.stepsDue).toMatchObject([
      { stepId: 'letter-1', kind: 'letter', template: 'three-letter/letter-1', approval: 'auto' },
    ]);
    // Opening the case starts no window (version 3): a Letter 1 held for a person must not let
    // the 20 days run out before the family has it.
    expect(d.monitoringUntil).toBeNull();
    const opened = applyDecision(policy, emptyCaseState(), d, figures({ attendance: 85 }), '2026-11-20');
    expect(opened.monitoringUntil).toBeNull();
    const sent = completeStep(
      policy,
      opened,
      { stepId: 'letter-1', result: 'done', on: '2026-11-23' },
      figures({ attendance: 85 }),
      autumn2026,
    );
    // 20 school days from Monday 23 November: the 19th is the last day of term (18 December), the
    // 20th the first day back after Christmas.
    expect(sent.monitoringUntil).toBe('2027-01-04');
  });
});

describe('three-letter system, told as a case over the autumn term', () => {
  /** Letter 1 on 14 September; no improvement by 12 October; Letter 2 and the meeting. */
  function toTheMeeting(): CaseSim {
    const sim = new CaseSim(policy, autumn2026, emptyCaseState(), ENGINE_2);
    let day = sim.day('2026-09-14', on('2026-09-14', 85, [100, 85, 0]));
    expect(day.done).toEqual(['letter-1']);
    expect(sim.state.monitoringUntil).toBe('2026-10-12');
    // 34 of the window's 40 sessions: 85%, under the authority's 90%.
    day = sim.day('2026-10-12', on('2026-10-12', 85, [140, 119, 0]));
    expect(day.decisions[0]).toMatchObject({ change: 'escalate', stageId: 'letter-two' });
    expect(day.decisions[0]!.reasons[0]!.text).toMatch(
      /no improvement .*attendance 85\.00% during the window since 2026-09-14 \(34 of 40 sessions; improvement needs 90% or above\)/,
    );
    // Letter 2 is the invitation to the meeting booked for it.
    expect(day.done).toEqual(['letter-2']);
    expect(
      day.decisions[0]!.stepsDue.map((s) => [s.kind, s.approval, s.template, s.noticeSchoolDays]),
    ).toEqual([['meeting', 'team', 'three-letter/letter-2', 5]]);
    // 20 school days from the meeting, over half term (26–30 October).
    expect(sim.state.monitoringUntil).toBe('2026-11-16');
    return sim;
  }

  it('no improvement after the meeting, and a notice is possible: Letter 3, then a penalty notice considered and the referral', () => {
    const sim = toTheMeeting();
    let day = sim.day('2026-11-16', on('2026-11-16', 82, [180, 151, 6], true));
    expect(day.decisions[0]).toMatchObject({ change: 'escalate', stageId: 'penalty-warning' });
    expect(day.decisions[0]!.stepsDue).toMatchObject([
      { stepId: 'letter-3', template: 'three-letter/letter-3', approval: 'manager', startsMonitoring: true },
    ]);
    expect(sim.state.monitoringUntil).toBe('2026-12-07'); // the 15-school-day improvement period

    day = sim.day('2026-12-07', on('2026-12-07', 81, [210, 175, 9], true));
    expect(day.done).toEqual([
      'penalty-notice-consideration',
      'la-referral',
      'referral-notice',
      'support-during-referral',
    ]);
    expect(day.decisions[0]!.stepsDue[0]).toMatchObject({
      kind: 'penaltyNoticeConsideration',
      approval: 'manager',
    });
    expect(day.decisions[1]).toMatchObject({ change: 'escalate', stageId: 'la-referral' });
    expect(day.decisions[1]!.stepsDue.map((s) => [s.kind, s.approval, s.template])).toEqual([
      ['referral', 'manager', undefined],
      ['letter', 'team', 'three-letter/referral-notice'],
      ['staffTask', 'auto', undefined],
    ]);
  });

  it('no improvement after the meeting and no notice possible: no Letter 3, straight to the referral', () => {
    const sim = toTheMeeting();
    const day = sim.day('2026-11-16', on('2026-11-16', 86, [180, 151, 0]));
    expect(day.decisions[0]).toMatchObject({ change: 'escalate', stageId: 'la-referral' });
    expect(day.decisions[0]!.reasons[0]!.rule).toBe('la-referral.entry[1].penaltyThreshold+noImprovement');
    expect(day.done).not.toContain('letter-3');
  });

  it('improvement after the meeting steps down to Letter 1’s watch, without Letter 1 again', () => {
    const sim = toTheMeeting();
    const day = sim.day('2026-11-16', on('2026-11-16', 88, [180, 159, 0]));
    expect(day.decisions[0]).toMatchObject({ change: 'deescalate', stageId: 'letter-one' });
    expect(skippedIds(day.decisions[0]!)).toEqual(['letter-1']);
    expect(day.done).toEqual([]);
    expect(sim.state.monitoringUntil).toBe('2026-12-14');
  });

  it.each([
    ['one late after the register closed (U) is within the allowance', 'letter-one', 1],
    ['two unauthorised sessions are not', 'letter-two', 2],
  ])('a good window (38 of 40) with new unauthorised sessions: %s → %s', (_name, stage, unauthorised) => {
    const sim = new CaseSim(policy, autumn2026, emptyCaseState(), ENGINE_2);
    sim.day('2026-09-14', on('2026-09-14', 85, [100, 85, 0]));
    const d = sim.decide('2026-10-12', on('2026-10-12', 87, [140, 123, unauthorised]));
    expect(d.stageId).toBe(stage);
    expect(stepIds(d)).toEqual(stage === 'letter-one' ? [] : ['letter-2']);
  });
});
