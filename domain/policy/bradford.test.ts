// Scenarios from seed 000: Bradford Council's staged-intervention model.
import { describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../../policies/index';
import { decide, emptyCaseState } from './decide';
import { autumn2026, CaseSim, factsWith, skippedIds, stepIds } from './test/helpers';

const policy = loadPolicyFile('bradford-staged-intervention');
const open = (attendance: number, extra: Parameters<typeof factsWith>[0] = {}) =>
  decide(policy, emptyCaseState(), factsWith({ attendance, ...extra }), '2026-11-20', autumn2026);

describe('Bradford: which stage a sweep opens a case at (rolling 10 school weeks)', () => {
  it.each([
    [100, null],
    [96, null], // 96% is "fantastic": no case
    [95.99, 'early-reminder'], // the seed's gap: "dropping towards 95%" gets a message
    [95, 'early-reminder'], // exactly 95% is not "below 95%"
    [94.99, 'stage-one'],
    [90, 'stage-one'], // "below 90%" is Stage Two, so exactly 90% stays at Stage One
    [89.99, 'stage-two'],
    [80, 'stage-two'],
    [79.99, 'stage-two'], // Stage Three is the council's: entered only after the school's Stage Two
    [50, 'stage-two'],
    [10, 'stage-two'],
  ])('attendance %s → stage %s', (pct, stage) => {
    const d = open(pct);
    expect(d.stageId).toBe(stage);
    expect(d.change).toBe(stage === null ? 'none' : 'open');
  });

  it('explains the stage with the figures, the window and the days missed from the calendar', () => {
    const d = open(87.9);
    expect(d.reasons[0]?.text).toBe(
      'Stage Two (mandatory): attendance 87.90% over the 10 school weeks to 2026-11-20 is below 90% (6 days and 30 lessons missed)',
    );
    expect(d.reasons[0]?.rule).toBe('stage-two.entry[0].attendance');
  });

  it('sends an automatic message when attendance is dropping towards 95%', () => {
    const d = open(95.5);
    expect(d.stepsDue).toMatchObject([
      { stepId: 'dropping-towards-95-message', kind: 'message', approval: 'auto' },
    ]);
    expect(d.monitoringUntil).toBe('2026-12-04');
  });
});

describe('Bradford Stage Two: Warning Letter 1, and the special route', () => {
  it('below 90%: Warning Letter 1 alone, then 3 school weeks of monitoring', () => {
    const d = open(85);
    expect(stepIds(d)).toEqual(['warning-letter-1']);
    expect(d.stepsDue[0]).toMatchObject({
      startsMonitoring: true,
      waitAfter: { schoolWeeks: 3 },
      approval: 'team',
    });
  });

  it.each([
    ['attendance below 50%', 49.99, [] as ('cp' | 'cin')[]],
    ['a Child Protection plan', 85, ['cp'] as ('cp' | 'cin')[]],
    ['a Child in Need plan', 85, ['cin'] as ('cp' | 'cin')[]],
  ])(
    '%s: an announced home visit by the lead professional, proposed ahead of Warning Letter 1',
    (_, pct, flags) => {
      const d = open(pct, { flags });
      // Safeguarding first: the visit is booked, and the family told, with or before the letter.
      expect(stepIds(d)).toEqual(['announced-home-visit', 'warning-letter-1']);
      const visit = d.stepsDue[0]!;
      expect(visit).toMatchObject({ kind: 'homeVisit', noticeSchoolDays: 2 });
      expect(visit.title).toMatch(/lead professional/);
    },
  );

  it('exactly 50% is not "below 50%": no home visit without a CIN/CP plan', () => {
    expect(stepIds(open(50))).toEqual(['warning-letter-1']);
  });
});

describe('Bradford Stage One, told as a case over the autumn term', () => {
  const ytd = (unauthorised: number, unexplained: number) => ({ ytd: { unauthorised, unexplained } });

  it('no improvement through letters 1 and 2 and the support meeting escalates to Stage Two', () => {
    const sim = new CaseSim(policy);
    // Monday 14 September: 93% over the 10 weeks → Stage One, parents made aware, 2 weeks' monitoring.
    let day = sim.day('2026-09-14', factsWith({ asOf: '2026-09-14', attendance: 93, ...ytd(1, 1) }));
    expect(day.decisions[0]).toMatchObject({ change: 'open', stageId: 'stage-one' });
    expect(day.done).toEqual(['make-parents-aware']);
    expect(sim.state.monitoringUntil).toBe('2026-09-28');
    expect(day.last.nextCheckOn).toBe('2026-09-21'); // weekly check

    // A week later, within the window: nothing new is due.
    day = sim.day('2026-09-21', factsWith({ asOf: '2026-09-21', attendance: 92.5, ...ytd(1, 1) }));
    expect(day.last.change).toBe('none');
    expect(day.done).toEqual([]);
    expect(day.last.pending?.[0]).toMatchObject({ stepId: 'school-letter-1', readyOn: '2026-09-28' });

    // End of the window: no improvement and a missing mark outstanding → school letter 1.
    day = sim.day(
      '2026-09-28',
      factsWith({ asOf: '2026-09-28', attendance: 92, rolling10: { unexplained: 2 }, ...ytd(2, 2) }),
    );
    expect(day.done).toEqual(['school-letter-1']);
    const letter1 = day.decisions[0]!.stepsDue[0]!;
    expect(letter1.reasons.map((r) => r.text).join(' ')).toMatch(
      /no improvement by the end of the monitoring window/,
    );
    expect(letter1.reasons.map((r) => r.text).join(' ')).toMatch(/93\.00% on 2026-09-14 → 92\.00% now/);

    // Further unauthorised absence → school letter 2 and the invitation to an Attendance Support Meeting.
    day = sim.day('2026-10-12', factsWith({ asOf: '2026-10-12', attendance: 91.5, ...ytd(4, 2) }));
    expect(day.done).toEqual(['school-letter-2', 'attendance-support-meeting']);
    // Two school weeks from 12 October cross half term (26–30 October): the window ends 2 November.
    expect(sim.state.monitoringUntil).toBe('2026-11-02');

    // Still no improvement when that window ends → Stage Two, Warning Letter 1.
    day = sim.day('2026-11-02', factsWith({ asOf: '2026-11-02', attendance: 91, ...ytd(5, 2) }));
    expect(day.decisions[0]).toMatchObject({ change: 'escalate', stageId: 'stage-two' });
    expect(day.decisions[0]!.reasons[0]!.rule).toBe('stage-two.entry[1].noImprovement');
    expect(day.done).toEqual(['warning-letter-1']);
    expect(sim.state.highestStageId).toBe('stage-two');
  });

  it('attendance that keeps falling escalates at once when it goes below 90%', () => {
    const sim = new CaseSim(policy);
    sim.day('2026-09-14', factsWith({ asOf: '2026-09-14', attendance: 93 }));
    const day = sim.day('2026-09-21', factsWith({ asOf: '2026-09-21', attendance: 89.5 }));
    expect(day.decisions[0]).toMatchObject({ change: 'escalate', stageId: 'stage-two' });
  });

  it('improvement back into the top band closes the case at the end of the window — not before', () => {
    const sim = new CaseSim(policy);
    sim.day('2026-09-14', factsWith({ asOf: '2026-09-14', attendance: 94 }));
    // One good week is not enough: the window runs to 28 September.
    let day = sim.day('2026-09-21', factsWith({ asOf: '2026-09-21', attendance: 97 }));
    expect(day.last).toMatchObject({ change: 'none', stageId: 'stage-one' });
    day = sim.day('2026-09-28', factsWith({ asOf: '2026-09-28', attendance: 96.5 }));
    expect(day.last.change).toBe('close');
    expect(day.last.closeReason).toBe('attendance back in the top band (96%+) and improved');
    expect(sim.stage).toBeNull();
  });

  it('improvement to 95–96% steps down to the "dropping towards 95%" message', () => {
    const sim = new CaseSim(policy);
    sim.day('2026-09-14', factsWith({ asOf: '2026-09-14', attendance: 94 }));
    const day = sim.day('2026-09-28', factsWith({ asOf: '2026-09-28', attendance: 95.5 }));
    expect(day.decisions[0]).toMatchObject({ change: 'deescalate', stageId: 'early-reminder' });
    expect(day.done).toEqual(['dropping-towards-95-message']);
  });

  it('improvement without outstanding missing marks skips the letters and keeps monitoring', () => {
    const sim = new CaseSim(policy);
    sim.day('2026-09-14', factsWith({ asOf: '2026-09-14', attendance: 91 }));
    const day = sim.day('2026-09-28', factsWith({ asOf: '2026-09-28', attendance: 92.5 }));
    expect(skippedIds(day.decisions[0]!)).toEqual([
      'school-letter-1',
      'school-letter-2',
      'attendance-support-meeting',
    ]);
    expect(day.last).toMatchObject({ change: 'none', windowStarted: true, monitoringUntil: '2026-10-12' });
  });
});

describe('Bradford "Med" letter: a pattern of illness with no explanation', () => {
  it('sends the Med letter whenever the illness pattern appears, and no medical evidence escalates to Stage Two', () => {
    const sim = new CaseSim(policy);
    const ill = {
      illness: { illnessSessions: 6, clustered: true, mondayFridayShare: 0.8, besideHolidayShare: 0.2 },
    };
    sim.day('2026-09-14', factsWith({ asOf: '2026-09-14', attendance: 93 }));
    const day = sim.day('2026-09-21', factsWith({ asOf: '2026-09-21', attendance: 93, ...ill }));
    expect(day.done).toEqual(['med-letter']);
    const reason = day.decisions[0]!.stepsDue[0]!.reasons[0]!.text;
    expect(reason).toMatch(
      /pattern of illness: 6 illness\/medical sessions \(I\/M\), clustered \(80% on Mondays\/Fridays/,
    );

    sim.outcome('noMedicalEvidence', '2026-09-25', 'med-letter');
    const next = sim.day('2026-09-25', factsWith({ asOf: '2026-09-25', attendance: 93, ...ill }));
    expect(next.decisions[0]).toMatchObject({ change: 'escalate', stageId: 'stage-two' });
    expect(next.decisions[0]!.reasons[0]!.text).toMatch(/outcome noMedicalEvidence recorded on 2026-09-25/);
  });

  it('frequent illness counts even when not clustered; occasional illness does not', () => {
    const d1 = open(93, { illness: { illnessSessions: 10 } });
    expect(stepIds(d1)).toContain('med-letter');
    const d2 = open(93, { illness: { illnessSessions: 6 } });
    expect(stepIds(d2)).not.toContain('med-letter');
  });
});

describe('Bradford Stage Two: the panel meeting and the attendance contract', () => {
  function atPanelMeeting(): CaseSim {
    const sim = new CaseSim(policy);
    sim.day('2026-09-14', factsWith({ asOf: '2026-09-14', attendance: 88 }));
    // Three school weeks after Warning Letter 1, no improvement: the panel meeting is due.
    const day = sim.day('2026-10-05', factsWith({ asOf: '2026-10-05', attendance: 87.5 }));
    expect(day.done).toEqual(['attendance-panel-meeting']);
    return sim;
  }

  it('a missed meeting brings a home visit to agree the contract; then the contract', () => {
    const sim = atPanelMeeting();
    let day = sim.day('2026-10-07', factsWith({ asOf: '2026-10-07', attendance: 87.5 }));
    expect(day.last.pending?.find((p) => p.stepId === 'contract-home-visit')?.waitingFor).toBe(
      'outcome meetingMissed recorded at this stage',
    );
    sim.outcome('meetingMissed', '2026-10-08');
    day = sim.day('2026-10-08', factsWith({ asOf: '2026-10-08', attendance: 87.5 }));
    expect(day.done).toEqual(['contract-home-visit']);
    expect(day.decisions[0]!.stepsDue[0]!.reasons.map((r) => r.text)).toContain(
      'Stage Two (mandatory), "Home visit (announced or unannounced) to agree the attendance contract — parent did not attend": outcome meetingMissed recorded on 2026-10-08',
    );
    sim.outcome('homeVisitCompleted', '2026-10-09');
    day = sim.day('2026-10-09', factsWith({ asOf: '2026-10-09', attendance: 87.5 }));
    expect(day.done).toEqual(['attendance-contract']);
    expect(sim.state.monitoringUntil).toBe('2026-11-06');
  });

  it('an attended meeting skips the home visit and goes to the contract', () => {
    const sim = atPanelMeeting();
    sim.outcome('meetingAttended', '2026-10-08');
    const day = sim.day('2026-10-08', factsWith({ asOf: '2026-10-08', attendance: 87.5 }));
    expect(skippedIds(day.decisions[0]!)).toEqual(['contract-home-visit']);
    expect(day.done).toEqual(['attendance-contract']);
  });

  it('no access at the home visit: the contract cannot be agreed without the parent, so it is recorded', () => {
    const sim = atPanelMeeting();
    sim.outcome('meetingMissed', '2026-10-08');
    sim.day('2026-10-08', factsWith({ asOf: '2026-10-08', attendance: 87.5 }));
    sim.outcome('homeVisitNoAccess', '2026-10-12');
    const day = sim.day('2026-10-12', factsWith({ asOf: '2026-10-12', attendance: 87.5 }));
    expect(skippedIds(day.decisions[0]!)).toEqual(['attendance-contract']);
    expect(day.done).toEqual(['contract-not-agreed']);
  });

  it('no improvement after the contract: penalty notice considered (manager), then Stage Three', () => {
    const sim = atPanelMeeting();
    sim.outcome('meetingAttended', '2026-10-08');
    sim.day('2026-10-08', factsWith({ asOf: '2026-10-08', attendance: 87.5 }));
    sim.outcome('contractSigned', '2026-10-08');
    const day = sim.day('2026-11-06', factsWith({ asOf: '2026-11-06', attendance: 86 }));
    expect(skippedIds(day.decisions[0]!)).toEqual(['contract-not-agreed']);
    const pn = day.decisions[0]!.stepsDue[0]!;
    expect(pn).toMatchObject({
      stepId: 'stage-two-penalty-notice',
      kind: 'penaltyNoticeConsideration',
      approval: 'manager',
    });
    expect(pn.reasons.map((r) => r.text).join(' ')).toMatch(
      /no improvement by the end of the monitoring window/,
    );
    const escalation = day.decisions[1]!;
    expect(escalation.reasons[0]!.text).toMatch(
      /^Stage Three \(council investigation\): no improvement by the end of the monitoring window after "Attendance contract.*" \(to 2026-11-05\): attendance 87\.50% on 2026-10-08 → 86\.00% now \(−1\.50 points; improvement needs \+1 point or 90% or above\)/,
    );
    expect(escalation).toMatchObject({ change: 'escalate', stageId: 'stage-three' });
    expect(stepIds(escalation)).toEqual([
      'final-warning-letter',
      'statutory-intervention-request',
      'continue-support',
    ]);
    expect(escalation.stepsDue.slice(0, 2).every((s) => s.approval === 'manager')).toBe(true);
  });

  it('below 80% at the end of a Stage Two window after the panel meeting goes to Stage Three; exactly 80% does not', () => {
    const run = (pct: number) => {
      const sim = atPanelMeeting();
      sim.outcome('meetingAttended', '2026-10-08');
      sim.day('2026-10-08', factsWith({ asOf: '2026-10-08', attendance: 87.5 }));
      return sim.decide(
        '2026-11-06',
        factsWith({ asOf: '2026-11-06', attendance: pct, ytd: { attendancePct: pct } }),
      );
    };
    expect(run(79.99)).toMatchObject({ change: 'escalate', stageId: 'stage-three' });
    expect(run(80).stageId).toBe('stage-two');
  });

  it('one good day during the window does not step the case down; improvement at its end does', () => {
    const sim = new CaseSim(policy);
    sim.day('2026-09-14', factsWith({ asOf: '2026-09-14', attendance: 88 }));
    expect(sim.day('2026-09-21', factsWith({ asOf: '2026-09-21', attendance: 97 })).last).toMatchObject({
      change: 'none',
      stageId: 'stage-two',
    });
    const day = sim.day('2026-10-05', factsWith({ asOf: '2026-10-05', attendance: 91 }));
    expect(day.decisions[0]).toMatchObject({ change: 'deescalate', stageId: 'stage-one' });
  });

  it('a pupil who leaves the roll closes the case', () => {
    const sim = new CaseSim(policy);
    sim.day('2026-09-14', factsWith({ asOf: '2026-09-14', attendance: 88 }));
    const d = sim.decide('2026-09-15', factsWith({ asOf: '2026-09-15', attendance: 88, onRoll: false }));
    expect(d).toMatchObject({ change: 'close', closeReason: 'pupil off roll', stageId: null });
  });
});

describe('Bradford: steps the attendance team rejects', () => {
  it('a rejected Warning Letter 1 is not proposed again and starts no window; the safeguarding visit stands on its own', () => {
    const sim = new CaseSim(policy);
    const f = factsWith({ attendance: 85, flags: ['cp'] });
    // With a Child Protection plan the announced home visit comes first, then the letter.
    expect(stepIds(sim.decide('2026-11-20', f))).toEqual(['announced-home-visit', 'warning-letter-1']);
    sim.complete('announced-home-visit', '2026-11-20', f, 'done');
    sim.complete('warning-letter-1', '2026-11-20', f, 'rejected');

    const after = sim.decide('2026-11-20', f);
    expect(sim.state.monitoringUntil).toBeNull();
    // The sequence moves on to the panel meeting at once (no three-week wait follows a letter that
    // never went), and the visit, done once, is not due again at this stage.
    expect(stepIds(after)).toEqual(['attendance-panel-meeting']);
    const weekLater = sim.decide('2026-11-27', f);
    expect(stepIds(weekLater)).not.toContain('warning-letter-1');
    expect(stepIds(weekLater)).not.toContain('announced-home-visit');
  });

  it('a rejected first step at Stage One starts no window of its own and is not proposed again; the sequence moves on', () => {
    const sim = new CaseSim(policy);
    const f = factsWith({ attendance: 92 });
    expect(stepIds(sim.decide('2026-11-20', f))).toEqual(['make-parents-aware']);
    sim.complete('make-parents-aware', '2026-11-20', f, 'rejected');
    const same = sim.decide('2026-11-20', f);
    expect(stepIds(same)).toEqual([]);
    expect(sim.state.monitoringUntil).toBeNull();
    // With no window after the awareness step, the letters that judge that window cannot apply.
    expect(sim.state.completedSteps.map((c) => [c.stepId, c.result])).toEqual([
      ['make-parents-aware', 'rejected'],
      ['school-letter-1', 'skipped'],
      ['school-letter-2', 'skipped'],
      ['attendance-support-meeting', 'skipped'],
    ]);
    for (const day of ['2026-11-27', '2026-12-04']) {
      expect(stepIds(sim.decide(day, f)), day).not.toContain('make-parents-aware');
    }
  });
});
