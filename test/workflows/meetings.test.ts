// Meetings that families attend: the team books them, records that the parents came, and the case
// moves on to what the policy asks next: Bradford's attendance contract after the panel meeting,
// the five-stage plan's individual attendance plan after the meeting in school.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schoolDateAt } from '../../domain/time';
import { getMeeting } from '../../store/caseServices';
import type { CaseView, TimelineEvent } from '../../workflows/caseMessages';
import { markPattern, startHarness, type Harness } from './harness';

const START = '2025-11-17';
/** About 86%: Bradford Stage Two. */
const belowNinety = markPattern((_date, s, i) =>
  i % 7 === 0 ? 'O' : i % 11 === 0 && s === 'PM' ? 'O' : null,
);
/** About 92%, an unauthorised absence every sixth morning: five-stage Stage Three. */
const stageThree = markPattern((_d, s, i) => (i % 6 === 0 && s === 'AM' ? 'O' : null));

const find = (v: CaseView, type: TimelineEvent['type'], stepId: string) =>
  v.timeline.find((t) => t.type === type && t.stepId === stepId);

/** The pupils whose "attended" was refused before their meeting's day. */
const refusedEarly = new Set<string>();

/** The school day a booked meeting takes place. */
async function meetingDay(h: Harness, booked: TimelineEvent): Promise<string> {
  const meeting = await getMeeting(h.db, booked.ref!);
  return schoolDateAt(Date.parse(meeting!.startsAt), 'Europe/London');
}

/**
 * Approves what is proposed each day, and records that the family attended `meetingStep` (and then
 * `after`, when given) on the day of the meeting: an outcome is recorded once it has happened.
 * Stops when `done` holds.
 */
async function runUntil(
  h: Harness,
  key: string,
  meetingStep: string,
  done: (v: CaseView) => boolean,
  after?: { outcome: string; stepId: string },
): Promise<CaseView> {
  let attended = false;
  let followed = false;
  for (let day = 0; day < 60; day++) {
    const v = await h.view(key);
    if (done(v)) return v;
    const booked = find(v, 'meetingBooked', meetingStep);
    const day = booked && (await meetingDay(h, booked));
    if (!attended && day && day > h.today() && !refusedEarly.has(key)) {
      // Booked for a day ahead: "attended" cannot be recorded before the meeting takes place.
      const early = await h
        .record(key, { event: { type: 'outcome', outcome: 'meetingAttended', stepId: meetingStep } })
        .then(
          () => 'recorded',
          (err: { cause?: Error }) => err.cause?.message,
        );
      expect(early).toBe(`that meeting is on ${day}: record what happened once it has taken place`);
      refusedEarly.add(key);
    }
    if (!attended && day && day <= h.today()) {
      await h.record(key, { event: { type: 'outcome', outcome: 'meetingAttended', stepId: meetingStep } });
      attended = true;
    } else if (after && !followed && attended && find(v, 'taskCreated', after.stepId)) {
      await h.completeTask(key, after.stepId, after.outcome);
      followed = true;
    }
    await h.approveAll();
    await h.advanceSchoolDays(1);
  }
  throw new Error(`${key}'s case did not get there in 60 school days`);
}

describe('Bradford: the parents attend the panel meeting and sign an attendance contract', () => {
  let h: Harness;
  let v: CaseView;
  beforeAll(async () => {
    h = await startHarness({
      scenario: 'bradford-meeting-attended',
      policy: 'bradford-staged-intervention',
      start: START,
      pupils: [{ key: 'gus', givenName: 'Gus', familyName: 'Hale', mark: belowNinety }],
    });
    await h.sweep();
    v = await runUntil(
      h,
      'gus',
      'attendance-panel-meeting',
      (view) => view.timeline.some((t) => t.type === 'taskCompleted' && t.stepId === 'attendance-contract'),
      { outcome: 'signed', stepId: 'attendance-contract' },
    );
  }, 480_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it('books the panel meeting, records the attendance, and marks the meeting attended', async () => {
    const booked = find(v, 'meetingBooked', 'attendance-panel-meeting')!;
    expect(booked).toBeDefined();
    const attended = v.timeline.find(
      (t) => t.type === 'outcomeRecorded' && /attended the meeting/.test(t.text),
    )!;
    expect(attended.stepId).toBe('attendance-panel-meeting');
    expect(await getMeeting(h.db, booked.ref!)).toMatchObject({ status: 'attended' });
  });

  it('refused "attended" while the meeting was still ahead, and recorded it on the day', async () => {
    const booked = find(v, 'meetingBooked', 'attendance-panel-meeting')!;
    const attended = v.timeline.find((t) => t.type === 'outcomeRecorded')!;
    const day = await meetingDay(h, booked);
    expect(day > booked.date).toBe(true); // booked into the diary for a later day
    expect(refusedEarly.has('gus')).toBe(true);
    expect(attended.date).toBe(day);
  });

  it('goes to the attendance contract, with no home visit, once the parents came', () => {
    expect(v.timeline.some((t) => t.stepId === 'contract-home-visit')).toBe(false);
    const types = v.timeline.map((t) => `${t.type}:${t.stepId ?? ''}`);
    const attendedAt = v.timeline.findIndex((t) => t.type === 'outcomeRecorded');
    expect(types.indexOf('taskCreated:attendance-contract')).toBeGreaterThan(attendedAt);
    expect(types.indexOf('taskCompleted:attendance-contract')).toBeGreaterThan(
      types.indexOf('taskCreated:attendance-contract'),
    );
    expect(v.caseState.outcomes.map((o) => o.kind)).toContain('contractSigned');
    // Three school weeks of monitoring from the day the contract was signed.
    const signed = v.timeline.find((t) => t.type === 'taskCompleted' && t.stepId === 'attendance-contract')!;
    expect(v.monitoringUntil).toBe(h.calendar.addSchoolWeeks(signed.date, 3));
    expect(v.stageId).toBe('stage-two');
  });
});

describe('Five-stage plan: the parents attend the meeting in school and an attendance plan follows', () => {
  let h: Harness;
  let v: CaseView;
  beforeAll(async () => {
    h = await startHarness({
      scenario: 'five-stage-meeting-attended',
      policy: 'five-stage-escalation',
      start: START,
      pupils: [{ key: 'hal', givenName: 'Hal', familyName: 'Dunn', mark: stageThree }],
    });
    await h.sweep();
    v = await runUntil(
      h,
      'hal',
      'attendance-meeting',
      (view) => view.timeline.some((t) => t.type === 'taskCompleted' && t.stepId === 'attendance-plan'),
      { outcome: 'agreed', stepId: 'attendance-plan' },
    );
  }, 480_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it('books the meeting in school and, once the parents attended, proposes the individual plan', () => {
    const booked = v.timeline.findIndex(
      (t) => t.type === 'meetingBooked' && t.stepId === 'attendance-meeting',
    );
    const attended = v.timeline.findIndex(
      (t) => t.type === 'outcomeRecorded' && t.stepId === 'attendance-meeting',
    );
    const plan = v.timeline.findIndex((t) => t.type === 'proposed' && t.stepId === 'attendance-plan');
    expect(booked).toBeGreaterThan(-1);
    expect(attended).toBeGreaterThan(booked);
    expect(plan).toBeGreaterThan(attended);
    expect(v.stageId).toBe('stage-three');
    // The plan is reviewed four school weeks after it was agreed.
    const agreed = v.timeline.find((t) => t.type === 'taskCompleted' && t.stepId === 'attendance-plan')!;
    expect(v.monitoringUntil).toBe(h.calendar.addSchoolWeeks(agreed.date, 4));
  });
});
