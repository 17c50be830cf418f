// A third, invented policy (inline) proves nothing about the seeds is hard-coded: a two-stage council
// model on term attendance, with different thresholds, windows, step kinds and a daily cadence.
import { describe, expect, it } from 'vitest';
import { decide, emptyCaseState } from './decide';
import { evaluatePupils } from './evaluateSchool';
import { parsePolicy } from './validate';
import { CaseSim, factsWith, schoolDays, stepIds } from './test/helpers';

const policy = parsePolicy(
  `
id: shire-council-two-stage
name: Shire Council two-stage model
version: "2025.1"
description: Invented for tests. Notice to improve, then legal planning.
penaltyNotice: { countingCodes: [G, O, U] }
baselineWindow: term
stages:
  - id: notice-to-improve
    name: Notice to improve
    summary: Term attendance at or below 85%, or 6+ unauthorised sessions this term.
    entry:
      - attendance: { window: term, band: { from: 70, to: 85, fromInclusive: false, toInclusive: true } }
      - unauthorised: { atLeast: 6, window: term }
    cadence: daily
    monitoring: { schoolDays: 15 }
    improvement:
      attendance: { upBy: 5, orAtLeast: 92 }
    steps:
      - id: notice-letter
        kind: letter
        title: Notice to improve (3-week improvement period)
        template: shire/notice-to-improve
        channel: email
        approval: manager
      - id: tell-council
        kind: councilNotification
        title: Tell the council a notice to improve was issued
        channel: email
        approval: auto
    exits:
      - close: true
        when: [{ improved: {} }]
        reason: sufficient improvement over the notice period
  - id: legal-planning
    name: Legal planning
    summary: Term attendance 70% or below, or no improvement by the end of the notice period.
    entry:
      - attendance: { window: term, below: 70, inclusive: true }
      - noImprovement: { stage: notice-to-improve }
    cadence: none
    steps:
      - id: legal-planning-meeting
        kind: meeting
        title: Legal planning meeting
        channel: inPerson
        approval: manager
        noticeSchoolDays: 10
      - id: consider-pn
        kind: penaltyNoticeConsideration
        title: Consider a penalty notice
        channel: none
        approval: manager
        when: [{ penaltyThreshold: true }]
        otherwise: skip
`,
  'inline-council.yaml',
);

const calendar = schoolDays([['2026-10-26', '2026-10-30']]);
const term = (pct: number, extra: Parameters<typeof factsWith>[0] = {}) =>
  factsWith({ term: { attendancePct: pct }, ...extra });

describe('an invented two-stage council policy', () => {
  it.each([
    [85.01, null],
    [85, 'notice-to-improve'], // inclusive upper edge
    [70.01, 'notice-to-improve'],
    [70, 'legal-planning'], // "70% or below"
  ])('term attendance %s → %s (the rolling 10 weeks are ignored)', (pct, stage) => {
    const d = decide(policy, emptyCaseState(), term(pct, { attendance: 50 }), '2026-11-20', calendar);
    expect(d.stageId).toBe(stage);
  });

  it('opens on unauthorised sessions this term with its own step kinds, daily checks, day-based window', () => {
    const d = decide(
      policy,
      emptyCaseState(),
      term(95, { term: { unauthorised: 6 } }),
      '2026-11-20',
      calendar,
    );
    expect(d.stageId).toBe('notice-to-improve');
    expect(d.stepsDue.map((s) => [s.kind, s.approval])).toEqual([
      ['letter', 'manager'],
      ['councilNotification', 'auto'],
    ]);
    expect(d.nextCheckOn).toBe('2026-11-23');
    expect(d.monitoringUntil).toBe('2026-12-11'); // 15 school days
  });

  it('no improvement by the end of the notice period → legal planning; the penalty notice is skipped under threshold', () => {
    const sim = new CaseSim(policy, calendar);
    sim.day('2026-11-02', term(80, { asOf: '2026-11-02' }));
    const day = sim.day('2026-11-23', term(83, { asOf: '2026-11-23' }));
    expect(day.decisions[0]).toMatchObject({
      change: 'escalate',
      stageId: 'legal-planning',
      nextCheckOn: null,
    });
    expect(day.decisions[0]!.reasons[0]!.text).toMatch(
      /80\.00% on 2026-11-02 → 83\.00% now \(\+3\.00 points; improvement needs \+5 points or 92% or above\)/,
    );
    expect(day.done).toEqual(['legal-planning-meeting']);
    expect(day.decisions[1]!.stepsSkipped?.map((s) => s.stepId)).toEqual(['consider-pn']);
  });

  it('improvement by 5 points closes the case', () => {
    const sim = new CaseSim(policy, calendar);
    sim.day('2026-11-02', term(80, { asOf: '2026-11-02' }));
    expect(sim.decide('2026-11-23', term(85, { asOf: '2026-11-23' }))).toMatchObject({
      change: 'close',
      closeReason: 'sufficient improvement over the notice period',
    });
  });

  it('evaluatePupils gives one row per pupil for `attendance evaluate --json`', () => {
    const rows = evaluatePupils(
      policy,
      [term(99, { upn: 'U1', pupilId: 'p1' }), term(60, { upn: 'U2', pupilId: 'p2', attendance: 61.5 })],
      '2026-11-20',
      calendar,
    );
    expect(rows.map((r) => [r.upn, r.stage, r.attendance])).toEqual([
      ['U1', null, 100],
      ['U2', 'legal-planning', 61.5],
    ]);
    expect(rows[1]!.nextSteps).toEqual([
      { stepId: 'legal-planning-meeting', kind: 'meeting', title: 'Legal planning meeting' },
    ]);
    expect(rows[1]!.reasons[0]).toBe(
      'Legal planning: attendance 60.00% in the term from 2026-09-02 to 2026-11-20 is 70% or below (20 days and 100 lessons missed)',
    );
    expect(rows[1]!.figures).toMatchObject({ termPct: 60, rolling10Pct: 61.5 });
    expect(stepIds(decide(policy, emptyCaseState(), term(99), '2026-11-20', calendar))).toEqual([]);
  });
});
