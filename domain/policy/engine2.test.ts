// Engine 2: escalation an attendance officer would agree with (docs/policies.md, "Engine 2"). Each
// scenario runs on engine 2 and, where the rule is new, on engine 1 too, which must decide as before.
import { describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../../policies/index';
import type { CaseState } from '../caseTypes';
import type { PupilFacts, WindowStats } from '../types';
import { decide, emptyCaseState, type DecideOptions } from './decide';
import { computePupilFacts } from '../stats';
import { calendar2024, markDays, presentGrid } from '../testFixtures';
import { figureOptionsFor, type Improvement, type Policy } from './schema';
import { parsePolicy, validatePolicy } from './validate';
import {
  autumn2026,
  CaseSim,
  engine2Figures as figures,
  skippedIds,
  stepIds,
  type FactsOverrides,
} from './test/helpers';

const bradford = loadPolicyFile('bradford-staged-intervention');
const fiveStage = loadPolicyFile('five-stage-escalation');
const ENGINE_1: DecideOptions = {};
const ENGINE_2: DecideOptions = { engine: 2 };

const reasonTexts = (sim: CaseSim) => sim.log.flatMap((l) => l.decision.reasons.map((r) => r.text));

describe('improvement is judged on the monitoring window itself', () => {
  // Stage One opened on 14 September at 93% over the rolling 10 school weeks, with one unauthorised
  // session outstanding; the parents are made aware and the window runs to 28 September.
  const opened = { possible: 100, present: 93, authorised: 6, unauthorised: 1, attendancePct: 93 };
  function atWindowEnd(options: DecideOptions, ytd: Partial<WindowStats>) {
    const sim = new CaseSim(bradford, autumn2026, emptyCaseState(), options);
    sim.day('2026-09-14', figures({ asOf: '2026-09-14', rolling10: opened, ytd: opened }));
    expect(sim.state.monitoringUntil).toBe('2026-09-28');
    // The rolling figure has not moved (+0.00): it still holds the absences from before the window.
    const day = sim.day('2026-09-28', figures({ asOf: '2026-09-28', rolling10: opened, ytd }));
    return { sim, day };
  }

  it('a pupil who attends every session of the window is improved on engine 2; engine 1 still sees +0.00', () => {
    const perfect = { possible: 120, present: 113, authorised: 6, unauthorised: 1, attendancePct: 94.17 };
    const two = atWindowEnd(ENGINE_2, perfect);
    expect(two.day.done).toEqual([]);
    expect(skippedIds(two.day.decisions[0]!)).toContain('school-letter-1');
    expect(reasonTexts(two.sim).join('\n')).toContain(
      'the monitoring window ended on 2026-09-28 (improved: attendance 100.00% during the window since 2026-09-14 (20 of 20 sessions; improvement needs 95% or above)',
    );

    const one = atWindowEnd(ENGINE_1, perfect);
    expect(one.day.done).toEqual(['school-letter-1']);
    expect(one.day.decisions[0]!.stepsDue[0]!.reasons.map((r) => r.text).join(' ')).toMatch(
      /no improvement .*93\.00% on 2026-09-14 → 93\.00% now \(\+0\.00 points; improvement needs \+1 point or 95% or above\)/,
    );
  });

  it.each([
    ['every session attended', true, { possible: 120, present: 113, unauthorised: 1 }],
    [
      'one session off sick: 95% is the expectation, met',
      true,
      { possible: 120, present: 112, unauthorised: 1 },
    ],
    ['a day off sick: 90% in the window', false, { possible: 120, present: 111, unauthorised: 1 }],
    [
      'one new unauthorised session (O), 95% otherwise',
      false,
      { possible: 120, present: 112, unauthorised: 2 },
    ],
  ])('%s → improved: %s', (_name, improved, ytd) => {
    const { day } = atWindowEnd(ENGINE_2, ytd);
    expect(day.done.includes('school-letter-1')).toBe(!improved);
  });

  it('a baseline from before this school year counts this year’s figures whole', () => {
    const july: CaseState = {
      ...emptyCaseState(),
      stageId: 'stage-one',
      stageEnteredOn: '2026-07-06',
      highestStageId: 'stage-one',
      completedSteps: [
        { stageId: 'stage-one', stepId: 'make-parents-aware', on: '2026-07-06', result: 'done' },
      ],
      monitoringUntil: '2026-09-14',
      monitoringStartedBy: 'make-parents-aware',
      baseline: {
        on: '2026-07-06',
        attendancePct: 93,
        unauthorised: 1,
        unexplained: 0,
        lates: 0,
        possible: 370,
        attended: 340,
        illness: 0,
        unexplainedSpells: 0,
      },
    };
    // This year so far (2 September to 14 September): 18 of 18 sessions; the July O still sits in
    // the rolling 10 school weeks.
    const now = (present: number) =>
      figures({
        asOf: '2026-09-14',
        rolling10: { possible: 100, present: 93, authorised: 6, unauthorised: 1, attendancePct: 93 },
        ytd: { possible: 18, present, authorised: 18 - present, unauthorised: 0 },
      });
    expect(stepIds(decide(bradford, july, now(18), '2026-09-14', autumn2026, ENGINE_2))).toEqual([]);
    expect(stepIds(decide(bradford, july, now(16), '2026-09-14', autumn2026, ENGINE_2))).toEqual([
      'school-letter-1',
    ]);
  });
});

describe('illness and medical absence take their own route', () => {
  // An illness-only pupil at Stage One: every absence is I or M.
  const ill = (pct: number, illness: number): FactsOverrides => ({
    rolling10: { possible: 100, present: pct, authorised: 100 - pct, attendancePct: pct, illness },
    ytd: { possible: 100, present: pct, authorised: 100 - pct, attendancePct: pct, illness },
  });
  function stageOneThen(
    options: DecideOptions,
    evidence: ('medicalEvidenceReceived' | 'noMedicalEvidence')[],
  ) {
    const sim = new CaseSim(bradford, autumn2026, emptyCaseState(), options);
    sim.day('2026-09-14', figures({ asOf: '2026-09-14', ...ill(92, 8) }));
    evidence.forEach((kind, i) => sim.outcome(kind, `2026-09-1${5 + i}`));
    // More illness: 88% over the rolling 10 school weeks, below Stage Two's 90%.
    return sim.decide('2026-09-21', figures({ asOf: '2026-09-21', ...ill(88, 12) }));
  }

  it.each([
    ['engine 2, medical evidence received', 'stage-one', ENGINE_2, ['medicalEvidenceReceived']],
    ['engine 2, no evidence recorded', 'stage-two', ENGINE_2, []],
    ['engine 1, medical evidence received', 'stage-two', ENGINE_1, ['medicalEvidenceReceived']],
  ] as const)('an illness-only pupil dropping to 88 per cent, %s → %s', (_name, stage, options, evidence) => {
    const d = stageOneThen(options, [...evidence]);
    expect(d.stageId).toBe(stage);
  });

  it.each([
    ['medical evidence received', 'stage-three', ['medicalEvidenceReceived']],
    [
      'evidence, then the team records none for a new spell',
      'stage-four',
      ['medicalEvidenceReceived', 'noMedicalEvidence'],
    ],
  ] as const)('five-stage plan, illness only, 92 then 88 per cent: %s → %s', (_name, stage, evidence) => {
    // The plan has no "no medical evidence" trigger of its own: only the attendance band escalates.
    const sim = new CaseSim(fiveStage, autumn2026, emptyCaseState(), ENGINE_2);
    sim.day('2026-09-14', figures({ asOf: '2026-09-14', ...ill(92, 8) }));
    expect(sim.stage).toBe('stage-three');
    evidence.forEach((kind, i) => sim.outcome(kind, `2026-09-1${5 + i}`));
    expect(sim.decide('2026-09-21', figures({ asOf: '2026-09-21', ...ill(88, 12) })).stageId).toBe(stage);
  });

  it('evidence sets aside only the illness: unauthorised absence still escalates', () => {
    const sim = new CaseSim(bradford, autumn2026, emptyCaseState(), ENGINE_2);
    sim.day('2026-09-14', figures({ asOf: '2026-09-14', ...ill(92, 8) }));
    sim.outcome('medicalEvidenceReceived', '2026-09-15');
    // 84 of 100 attended; 6 illness sessions and 10 unauthorised: 84 of 94 = 89.36%, below 90%.
    const mixed = {
      possible: 100,
      present: 84,
      authorised: 6,
      unauthorised: 10,
      illness: 6,
      attendancePct: 84,
    };
    const d = sim.decide('2026-09-21', figures({ asOf: '2026-09-21', rolling10: mixed, ytd: mixed }));
    expect(d).toMatchObject({ change: 'escalate', stageId: 'stage-two' });
    expect(d.reasons[0]!.text).toBe(
      'Stage Two (mandatory): attendance 89.36% over the 10 school weeks to 2026-09-21 with its 6 illness/medical sessions set aside (medical evidence received) is below 90% (8 days and 40 lessons missed in all)',
    );
  });

  it('with evidence, a window whose only absence is illness is judged improved', () => {
    const sim = new CaseSim(bradford, autumn2026, emptyCaseState(), ENGINE_2);
    sim.day('2026-09-14', figures({ asOf: '2026-09-14', ...ill(92, 8) }));
    sim.outcome('medicalEvidenceReceived', '2026-09-15');
    // Four more days ill in the window: 12 of 20 sessions attended, 8 illness.
    const day = sim.day(
      '2026-09-28',
      figures({
        asOf: '2026-09-28',
        rolling10: { possible: 100, present: 88, authorised: 12, attendancePct: 88, illness: 12 },
        ytd: { possible: 120, present: 104, authorised: 16, attendancePct: 86.67, illness: 16 },
      }),
    );
    expect(day.last.stageId).toBe('stage-one');
    expect(reasonTexts(sim).join('\n')).toContain(
      'improved: attendance 100.00% during the window since 2026-09-14 (12 of 12 sessions; 8 illness/medical sessions set aside, medical evidence received',
    );
  });

  it.each([
    ['engine 1 reads all absence: a holiday on Mondays makes a "pattern of illness"', ENGINE_1, true],
    ['engine 2 reads the illness sessions themselves', ENGINE_2, false],
  ])('the Med letter: %s', (_name, options, sent) => {
    const f = figures({
      rolling10: { possible: 100, present: 92, authorised: 6, unauthorised: 2, attendancePct: 92 },
      illness: {
        illnessSessions: 6,
        clustered: true, // all absence: the G sessions fall on Mondays and Fridays
        mondayFridayShare: 0.75,
        illnessClustered: false, // the illness itself is midweek
        illnessMondayFridayShare: 0,
        illnessBesideHolidayShare: 0,
      },
    });
    const d = decide(bradford, emptyCaseState(), f, '2026-11-20', autumn2026, options);
    expect(stepIds(d).includes('med-letter')).toBe(sent);
  });

  it('the Med letter is not sent once medical evidence is in', () => {
    const sim = new CaseSim(bradford, autumn2026, emptyCaseState(), ENGINE_2);
    sim.day('2026-09-14', figures({ asOf: '2026-09-14', ...ill(92, 8) }));
    sim.outcome('medicalEvidenceReceived', '2026-09-15');
    const pattern = { illnessSessions: 8, illnessClustered: true, illnessMondayFridayShare: 1 };
    const day = sim.day('2026-09-21', figures({ asOf: '2026-09-21', ...ill(92, 8), illness: pattern }));
    expect(day.done).not.toContain('med-letter');
  });
});

describe('an N counts once unresolved for 5 school days, and one spell counts once', () => {
  // Five-stage plan, 98% attendance: Stage Two opens on "an unexplained or unauthorised absence".
  const open = (halfTerm: Partial<WindowStats>, options: DecideOptions) =>
    decide(
      fiveStage,
      emptyCaseState(),
      figures({ attendance: 98, halfTerm, ytd: halfTerm }),
      '2026-11-20',
      autumn2026,
      options,
    ).stageId;

  it.each([
    // engine 1, engine 2, the half term's figures
    ['N on Monday and Tuesday, 3 school days ago', 'stage-two', null, { unauthorised: 4, unexplained: 4 }],
    ['the same days re-coded to illness within the grace', null, null, { authorised: 4, illness: 4 }],
    [
      'N on Monday and Tuesday, unresolved for 5 school days: one spell',
      'stage-two',
      'stage-two',
      { unauthorised: 4, unexplained: 4, unexplainedPastGrace: 4, unexplainedSpells: 1 },
    ],
    ['an unagreed holiday (G) counts at once', 'stage-two', 'stage-two', { unauthorised: 2 }],
  ] as const)('%s → engine 1 %s, engine 2 %s', (_name, one, two, halfTerm) => {
    expect(open(halfTerm, ENGINE_1)).toBe(one);
    expect(open(halfTerm, ENGINE_2)).toBe(two);
  });

  it('says what it counted', () => {
    const d = decide(
      fiveStage,
      emptyCaseState(),
      figures({
        attendance: 98,
        halfTerm: { unauthorised: 4, unexplained: 4, unexplainedPastGrace: 4, unexplainedSpells: 1 },
      }),
      '2026-11-20',
      autumn2026,
      ENGINE_2,
    );
    expect(d.reasons[0]!.text).toBe(
      'Stage Two: 1 unexplained absence in the half term from 2026-11-02 to 2026-11-20 (a spell of absence with an N still unresolved after 5 school days counts once)',
    );
  });

  it('a spell that goes on is not a "subsequent" absence; a second spell is', () => {
    const spells = (n: number, pastGrace: number, unexplained: number, asOf: string) => {
      const w = {
        unauthorised: unexplained,
        unexplained,
        unexplainedPastGrace: pastGrace,
        unexplainedSpells: n,
      };
      return figures({ asOf, attendance: 97, halfTerm: w, ytd: w });
    };
    const sim = new CaseSim(fiveStage, autumn2026, emptyCaseState(), ENGINE_2);
    // Monday 9 November: the N from Monday 2 November has had its 5 school days.
    sim.day('2026-11-09', spells(1, 2, 10, '2026-11-09'));
    expect(sim.stage).toBe('stage-two');
    // The same absence goes on, still unexplained: more N sessions pass their grace, one spell.
    expect(sim.decide('2026-11-13', spells(1, 10, 18, '2026-11-13')).change).toBe('none');
    // After a day back in school, a new unexplained absence passes its grace: subsequent.
    const d = sim.decide('2026-11-27', spells(2, 20, 20, '2026-11-27'));
    expect(d).toMatchObject({ change: 'escalate', stageId: 'stage-three' });
    expect(d.reasons[0]!.text).toMatch(/1 new unexplained absences \(spells of absence with an N unresolved/);
  });

  it('N sessions within their grace do not make the penalty threshold', () => {
    // 6 sessions of G and 4 of N from this week: 10 in the penalty window, 6 that count yet.
    const week = { unauthorised: 10, unexplained: 4 };
    const f = figures({
      attendance: 97,
      halfTerm: week,
      ytd: week,
      penalty: { met: true, sessions: 10, unexplainedInGrace: 4 },
    });
    expect(decide(fiveStage, emptyCaseState(), f, '2026-11-20', autumn2026, ENGINE_1).stageId).toBe(
      'stage-five',
    );
    const d = decide(fiveStage, emptyCaseState(), f, '2026-11-20', autumn2026, ENGINE_2);
    expect(d.stageId).toBe('stage-two');
    expect(d.reasons[0]!.text).toBe(
      'Stage Two: 6 unauthorised absence sessions in the half term from 2026-11-02 to 2026-11-20 (not counting 4 N sessions still within 5 school days)',
    );
  });
});

describe('the policy’s counting codes and grace reach the figures', () => {
  const council = parsePolicy(
    `
id: quick-council
name: Quick council
version: 1
description: Invented for tests. Counts G, O and U; gives an N 3 school days.
penaltyNotice: { countingCodes: [G, O, U] }
unexplainedAbsence: { graceSchoolDays: 3 }
stages:
  - id: concern
    name: Concern
    summary: Any unexplained absence this half term.
    entry:
      - unexplained: { atLeast: 1, window: halfTerm }
`,
    'inline.yaml',
  );

  it.each([
    [
      'bradford-staged-intervention',
      bradford,
      { penaltyCodes: ['G', 'N', 'O', 'U'], unexplainedGraceDays: 5 },
    ],
    ['an invented council', council, { penaltyCodes: ['G', 'O', 'U'], unexplainedGraceDays: 3 }],
  ] as const)('%s', (_name, policy, options) => {
    expect(figureOptionsFor(policy)).toEqual(options);
  });

  it('an N on Monday and Tuesday counts by Friday under a 3-day grace, and not in the penalty count', () => {
    const cal = calendar2024();
    const grid = markDays(presentGrid(cal, '2024-09-04', '2024-11-15'), ['2024-11-11', '2024-11-12'], 'N');
    const pupil = { pupilId: 'p1', upn: 'A123456789012' };
    const facts = computePupilFacts({
      pupil,
      grid,
      calendar: cal,
      asOf: '2024-11-15',
      ...figureOptionsFor(council),
    });
    expect(facts.penaltyThreshold).toMatchObject({ sessions: 0, countingCodes: ['G', 'O', 'U'] });
    const d = decide(council, emptyCaseState(), facts, '2024-11-15', cal, ENGINE_2);
    expect(d.stageId).toBe('concern');
    // With the statistics' default grace (5 school days), Friday is too soon.
    const early = computePupilFacts({ pupil, grid, calendar: cal, asOf: '2024-11-15' });
    expect(decide(council, emptyCaseState(), early, '2024-11-15', cal, ENGINE_2).stageId).toBeNull();
  });

  it('a policy pinned before the grace leaves the statistics’ default', () => {
    const { unexplainedAbsence: _dropped, ...old } = bradford;
    expect(figureOptionsFor(old as Policy)).toEqual({ penaltyCodes: ['G', 'N', 'O', 'U'] });
  });
});

describe('no stage on a few days’ marks', () => {
  it.each([
    // possible sessions over the rolling 10 school weeks, attendance, engine 1, engine 2
    [6, 50, 'stage-two', null], // a new joiner off for a day and a half in their first three days
    [19, 84.21, 'stage-two', null],
    [20, 85, 'stage-two', 'stage-two'], // two school weeks: the policy's minimum
  ] as const)('%i possible sessions at %s per cent → engine 1 %s, engine 2 %s', (possible, pct, one, two) => {
    const f = figures({ rolling10: { possible, attendancePct: pct } });
    expect(decide(bradford, emptyCaseState(), f, '2026-09-08', autumn2026, ENGINE_1).stageId).toBe(one);
    expect(decide(bradford, emptyCaseState(), f, '2026-09-08', autumn2026, ENGINE_2).stageId).toBe(two);
  });

  it('says why no case opened', () => {
    const f = figures({ asOf: '2026-09-08', rolling10: { possible: 8, attendancePct: 75 } });
    const d = decide(bradford, emptyCaseState(), f, '2026-09-08', autumn2026, ENGINE_2);
    expect(d.reasons).toEqual([
      {
        rule: 'policy.entryMinimumSessions',
        text: 'Stage Two (mandatory) is not entered yet: 8 possible sessions over the 10 school weeks to 2026-09-08, and no stage is entered on fewer than 20',
      },
    ]);
  });
});

describe('no "dropping towards 95%" message to a family that has just improved', () => {
  function stepDown(options: DecideOptions) {
    const sim = new CaseSim(bradford, autumn2026, emptyCaseState(), options);
    sim.day(
      '2026-09-14',
      figures({ asOf: '2026-09-14', attendance: 94, ytd: { possible: 100, present: 94 } }),
    );
    return sim.day(
      '2026-09-28',
      figures({ asOf: '2026-09-28', attendance: 95.5, ytd: { possible: 120, present: 114 } }),
    );
  }

  it('engine 2: stepping down from Stage One skips the message; the watch goes on', () => {
    const day = stepDown(ENGINE_2);
    expect(day.decisions[0]).toMatchObject({ change: 'deescalate', stageId: 'early-reminder' });
    expect(day.done).toEqual([]);
    expect(day.decisions[0]!.stepsSkipped?.[0]).toMatchObject({
      stepId: 'dropping-towards-95-message',
      reasons: [
        {
          rule: 'early-reminder.steps.dropping-towards-95-message.skipWhen[0].steppedDown',
          text: 'Dropping towards 95%, "Message to parents: attendance is dropping towards 95%": skipped: the case stepped down to Dropping towards 95% on 2026-09-28',
        },
      ],
    });
    expect(day.last.monitoringUntil).toBe('2026-10-12');
  });

  it('engine 1 still sends it, as it always has', () => {
    expect(stepDown(ENGINE_1).done).toEqual(['dropping-towards-95-message']);
  });

  it('a family whose attendance is dropping into 95–96% still gets it', () => {
    const d = decide(
      bradford,
      emptyCaseState(),
      figures({ attendance: 95.5 }),
      '2026-11-20',
      autumn2026,
      ENGINE_2,
    );
    expect(stepIds(d)).toEqual(['dropping-towards-95-message']);
  });
});

describe('a policy pinned before engine 2’s settings decides on engine 2 exactly as on engine 1', () => {
  // Running engine-2 cases carry their policy in their recorded input, without these settings: their
  // histories must replay, so nothing may change for them (docs/workflow-versioning.md).
  function pinnedBefore(p: Policy): Policy {
    type Settings = 'unexplainedAbsence' | 'entryMinimumSessions' | 'medicalEvidence';
    const old: Omit<Policy, Settings> & Partial<Pick<Policy, Settings>> = structuredClone(p);
    delete old.unexplainedAbsence;
    delete old.entryMinimumSessions;
    delete old.medicalEvidence;
    for (const stage of old.stages) {
      const imp = stage.improvement as Partial<Improvement>;
      delete imp.measure;
      delete imp.windowAttendanceAtLeast;
      delete imp.maxNewUnauthorised;
      delete imp.maxNewUnexplained;
      for (const step of stage.steps) {
        const kept = step.skipWhen?.filter((c) => c.steppedDown === undefined);
        if (kept?.length) step.skipWhen = kept;
        else delete step.skipWhen;
      }
    }
    return old as Policy;
  }

  const days: [string, PupilFacts, string?][] = [
    [
      '2026-09-14',
      figures({ asOf: '2026-09-14', attendance: 94, rolling10: { possible: 12 }, ytd: { possible: 12 } }),
    ],
    [
      '2026-09-21',
      figures({ asOf: '2026-09-21', attendance: 93, ytd: { possible: 100, present: 93, illness: 7 } }),
      'medicalEvidenceReceived',
    ],
    ['2026-09-28', figures({ asOf: '2026-09-28', attendance: 93, ytd: { possible: 120, present: 113 } })],
    [
      '2026-10-05',
      figures({
        asOf: '2026-10-05',
        attendance: 95.5,
        halfTerm: { unauthorised: 4, unexplained: 4 },
        ytd: { possible: 130, present: 123, unauthorised: 4, unexplained: 4 },
        penalty: { met: true, sessions: 10, unexplainedInGrace: 4 },
      }),
    ],
    ['2026-10-19', figures({ asOf: '2026-10-19', attendance: 88, rolling10: { illness: 12 } })],
  ];

  it.each([
    ['bradford-staged-intervention', bradford],
    ['five-stage-escalation', fiveStage],
    ['three-letter-system', loadPolicyFile('three-letter-system')],
  ])('%s', (_name, policy) => {
    const old = pinnedBefore(policy);
    const one = new CaseSim(old, autumn2026, emptyCaseState(), ENGINE_1);
    const two = new CaseSim(old, autumn2026, emptyCaseState(), ENGINE_2);
    for (const [today, facts, outcome] of days) {
      for (const sim of [one, two]) {
        if (outcome) sim.outcome(outcome as 'medicalEvidenceReceived', today);
        sim.day(today, facts);
      }
    }
    expect(two.log).toEqual(one.log);
    expect(two.state).toEqual(one.state);
    expect(one.log.some((l) => l.decision.change !== 'none')).toBe(true);
    expect(two.state.baseline).not.toHaveProperty('possible');
    expect(two.state).not.toHaveProperty('stageEnteredBy');
  });
});

describe('steppedDown says how the case came to its stage, so an entry trigger cannot use it', () => {
  it('is refused in an entry trigger, naming the rule', () => {
    const r = validatePolicy(
      `
id: wrong-place
name: Wrong place
version: 1
description: Invented for tests.
stages:
  - id: watch
    name: Watch
    summary: Watch.
    entry:
      - attendance: { window: rolling10, below: 90, inclusive: false }
  - id: letter
    name: Letter
    summary: Letter.
    entry:
      - steppedDown: true
        noImprovement: { stage: watch }
`,
      'policies/wrong-place.yaml',
    );
    expect(r.ok).toBe(false);
    expect(r.issues.map((i) => [i.rule, i.line])).toEqual([['entry.stepped-down', 16]]);
  });
});
