// Scenarios from seed 003: a school's five-stage escalation plan.
import { describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../../policies/index';
import { applyDecision, decide, emptyCaseState } from './decide';
import { autumn2026, CaseSim, factsWith, stepIds, type FactsOverrides } from './test/helpers';

const policy = loadPolicyFile('five-stage-escalation');
const sweep = (o: FactsOverrides) => decide(policy, emptyCaseState(), factsWith(o), '2026-11-20', autumn2026);

describe('Five-stage plan: bands meet at their edges; each edge belongs to the better band', () => {
  it.each([
    [100, null],
    [96, null], // 96–100 is Stage One (universal): no case
    [95.99, 'stage-two'],
    [95, 'stage-two'],
    [93, 'stage-two'], // 93 is in "93–96", not "90–93"
    [92.99, 'stage-three'],
    [90, 'stage-three'], // "below 90%" is Stage Four, so exactly 90% is Stage Three
    [89.99, 'stage-four'],
    [80, 'stage-four'],
    [50, 'stage-four'],
  ])('attendance %s → stage %s', (attendance, stage) => {
    expect(sweep({ attendance }).stageId).toBe(stage);
  });
});

describe('Five-stage plan: late arrivals and unexplained absence', () => {
  it.each([
    [2, null],
    [3, 'stage-two'], // three or more late arrivals over a half term
    [4, 'stage-two'],
    [5, 'stage-three'], // five or more
    [9, 'stage-three'],
  ])('%s late arrivals (L) this half term at 98%% attendance → %s', (lates, stage) => {
    expect(sweep({ attendance: 98, halfTerm: { lateBeforeClose: lates } }).stageId).toBe(stage);
  });

  it('arrivals after the register closed (U) are unauthorised absences, not lates', () => {
    const d = sweep({ attendance: 98, halfTerm: { lateBeforeClose: 2, lateAfterClose: 1, unauthorised: 1 } });
    expect(d.stageId).toBe('stage-two');
    expect(d.reasons.map((r) => r.rule)).toEqual(['stage-two.entry[3].unauthorised', 'stage-two.monitoring']);
  });

  it('any unexplained absence (N) this half term → Stage Two, with the figures', () => {
    const d = sweep({ attendance: 99, halfTerm: { unexplained: 1, unauthorised: 1 } });
    expect(d).toMatchObject({ change: 'open', stageId: 'stage-two' });
    expect(d.reasons.map((r) => r.text)).toContain(
      'Stage Two: 1 unexplained absence sessions (N, no reason given) in the half term from 2026-11-02 to 2026-11-20',
    );
    expect(stepIds(d)).toEqual(['class-teacher-discussion', 'attendance-reminder-letter']);
  });

  it('subsequent unexplained absence while at Stage Two → Stage Three', () => {
    const sim = new CaseSim(policy);
    sim.day(
      '2026-11-09',
      factsWith({
        asOf: '2026-11-09',
        attendance: 99,
        halfTerm: { unexplained: 2 },
        ytd: { unexplained: 2 },
      }),
    );
    expect(sim.stage).toBe('stage-two');
    // The same marks a week later: no change.
    expect(
      sim.decide(
        '2026-11-16',
        factsWith({
          asOf: '2026-11-16',
          attendance: 99,
          halfTerm: { unexplained: 2 },
          ytd: { unexplained: 2 },
        }),
      ).change,
    ).toBe('none');
    // A new, unexplained absence: no contact from the parents → Stage Three.
    const d = sim.decide(
      '2026-11-17',
      factsWith({
        asOf: '2026-11-17',
        attendance: 98,
        halfTerm: { unexplained: 4 },
        ytd: { unexplained: 4 },
      }),
    );
    expect(d).toMatchObject({ change: 'escalate', stageId: 'stage-three' });
    expect(d.reasons[0]!.text).toBe(
      'Stage Three: 2 new unexplained absence sessions (N) since 2026-11-09 and the case is at Stage Two',
    );
  });

  it("a closed case reopens on the same half term's marks only when something new happens", () => {
    const sim = new CaseSim(policy);
    const marks = { halfTerm: { unexplained: 1 }, ytd: { unexplained: 1 } };
    sim.day('2026-11-02', factsWith({ asOf: '2026-11-02', attendance: 97, ...marks }));
    const closed = sim.day('2026-11-30', factsWith({ asOf: '2026-11-30', attendance: 97, ...marks }));
    expect(closed.last.change).toBe('close');
    expect(sim.decide('2026-12-01', factsWith({ asOf: '2026-12-01', attendance: 97, ...marks })).change).toBe(
      'none',
    );
    const again = { halfTerm: { unexplained: 2 }, ytd: { unexplained: 2 } };
    const d = sim.decide('2026-12-02', factsWith({ asOf: '2026-12-02', attendance: 97, ...again }));
    expect(d).toMatchObject({ change: 'open', stageId: 'stage-two' });
    expect(d.reasons[0]!.text).toMatch(/\(1 new since the case closed on 2026-11-30\)$/);
  });
});

describe('Five-stage plan: checks and the four-week plan review', () => {
  it('checks weekly at Stages Two and Three, daily at Stages Four and Five', () => {
    const next = (attendance: number, extra: FactsOverrides = {}) =>
      sweep({ attendance, ...extra }).nextCheckOn;
    expect(next(94)).toBe('2026-11-27'); // Friday → the next Friday
    expect(next(91)).toBe('2026-11-27');
    expect(next(85)).toBe('2026-11-23'); // the next school day
    expect(next(97, { penalty: { met: true, sessions: 10 } })).toBe('2026-11-23');
  });

  function stageThreeWithPlan(): CaseSim {
    const sim = new CaseSim(policy);
    let day = sim.day('2026-09-14', factsWith({ asOf: '2026-09-14', attendance: 91.5 }));
    expect(day.done).toEqual(['class-teacher-monitoring', 'attendance-meeting']);
    expect(day.last.pending?.[0]).toMatchObject({ stepId: 'attendance-plan' });
    sim.outcome('meetingAttended', '2026-09-17', 'attendance-meeting');
    day = sim.day('2026-09-17', factsWith({ asOf: '2026-09-17', attendance: 91.5 }));
    expect(day.done).toEqual(['attendance-plan', 'partner-referral']);
    expect(sim.state.monitoringUntil).toBe('2026-10-15'); // four school weeks
    return sim;
  }

  it('improved at the review → phone call to parents, then back to Stage Two', () => {
    const sim = stageThreeWithPlan();
    const day = sim.day('2026-10-15', factsWith({ asOf: '2026-10-15', attendance: 93.5 }));
    // Back at Stage Two the class teacher keeps an eye; no reminder letter after improvement.
    expect(day.done).toEqual(['plan-review-call', 'class-teacher-discussion']);
    expect(day.decisions.flatMap((d) => d.stepsSkipped ?? []).map((s) => s.stepId)).toEqual([
      'attendance-reminder-letter',
    ]);
    expect(day.decisions[0]!.stepsDue[0]!.reasons.map((r) => r.text).join(' ')).toMatch(
      /improvement by the end of the monitoring window after "Individual attendance plan/,
    );
    expect(day.decisions[1]).toMatchObject({ change: 'deescalate', stageId: 'stage-two' });
  });

  it('not improved at the review → Stage Four, daily checks', () => {
    const sim = stageThreeWithPlan();
    const d = sim.decide('2026-10-15', factsWith({ asOf: '2026-10-15', attendance: 91 }));
    expect(d).toMatchObject({ change: 'escalate', stageId: 'stage-four', nextCheckOn: '2026-10-16' });
    expect(d.reasons[0]!.rule).toBe('stage-four.entry[1].noImprovement');
    expect(stepIds(d)).toEqual(['class-teacher-direct-support']);
  });

  it('the team can record the review outcome themselves: "not improved" moves to Stage Four', () => {
    const sim = stageThreeWithPlan();
    sim.outcome('planReviewedNotImproved', '2026-10-01');
    expect(sim.decide('2026-10-01', factsWith({ asOf: '2026-10-01', attendance: 92 }))).toMatchObject({
      change: 'escalate',
      stageId: 'stage-four',
    });
  });

  it('Stage Four → Stage Five when the plan review meeting brings no improvement', () => {
    const sim = new CaseSim(policy);
    sim.day('2026-09-14', factsWith({ asOf: '2026-09-14', attendance: 85 }));
    let day = sim.day('2026-10-12', factsWith({ asOf: '2026-10-12', attendance: 84 }));
    expect(day.done).toEqual(['plan-review-meeting', 'additional-support']);
    day = sim.day('2026-11-16', factsWith({ asOf: '2026-11-16', attendance: 84.5 }));
    expect(day.decisions[0]).toMatchObject({ change: 'escalate', stageId: 'stage-five' });
    expect(day.done).toEqual(['notify-local-authority', 'liaise-with-la']);
    expect(day.decisions[0]!.stepsDue[0]).toMatchObject({ kind: 'councilNotification', approval: 'manager' });
  });

  it('a legal threshold opens Stage Five: the penalty notice is only ever considered, by a manager', () => {
    const d = sweep({ attendance: 95, penalty: { met: true, sessions: 10 } });
    expect(d.stageId).toBe('stage-five');
    const pn = d.stepsDue.find((s) => s.kind === 'penaltyNoticeConsideration')!;
    expect(pn.approval).toBe('manager');
    expect(pn.reasons[0]!.text).toMatch(
      /10 sessions of G\/N\/O\/U .* meet the penalty-notice threshold of 10: a notice must be considered, never issued automatically/,
    );
  });

  it('applyDecision records skipped steps and the new window so the workflow need not interpret them', () => {
    const f = factsWith({ attendance: 94 });
    const d = decide(policy, emptyCaseState(), f, '2026-11-20', autumn2026);
    const s = applyDecision(policy, emptyCaseState(), d, f, '2026-11-20');
    expect(s).toMatchObject({
      stageId: 'stage-two',
      stageEnteredOn: '2026-11-20',
      monitoringUntil: '2026-12-18',
      baseline: { on: '2026-11-20', attendancePct: 94 },
      highestStageId: 'stage-two',
    });
  });
});
