// Bradford's three-stage model run by the real case workflows on the time-skipping server, with
// letters caught by a real SMTP server. One simulated autumn and spring, five families.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schoolDateAt } from '../../domain/time';
import { getMeeting } from '../../store/caseServices';
import type { CaseView, TimelineEvent } from '../../workflows/caseMessages';
import { MANAGER, markPattern, startHarness, type Harness } from './harness';

const START = '2025-11-17'; // ten school weeks into the year: rolling figures are meaningful

/** A pupil absent (unauthorised, O) on every sixth day before START and every third day after. */
const falling = markPattern((date, s, i) =>
  date < START ? (i % 6 === 0 && s === 'AM' ? 'O' : null) : i % 3 === 0 ? 'O' : null,
);
/** About 92% before START, then full attendance. */
const recovering = markPattern((date, s, i) => (date < START && i % 6 === 0 && s === 'AM' ? 'O' : null));
/** About 86%: straight into Stage Two, then steady. */
const belowNinety = markPattern((_date, s, i) =>
  i % 7 === 0 ? 'O' : i % 11 === 0 && s === 'PM' ? 'O' : null,
);
/** Below 50%: absent three days in four. */
const severe = markPattern((_date, _s, i) => (i % 4 !== 0 ? 'O' : null));

const types = (v: CaseView) => v.timeline.map((t) => t.type);
const find = (v: CaseView, pred: (t: TimelineEvent) => boolean) => v.timeline.find(pred);

describe('Bradford staged intervention, case by case', () => {
  let h: Harness;
  const views = new Map<string, CaseView>();

  beforeAll(async () => {
    h = await startHarness({
      scenario: 'bradford',
      policy: 'bradford-staged-intervention',
      start: START,
      pupils: [
        {
          key: 'amira',
          givenName: 'Amira',
          familyName: 'Khan',
          contacts: [
            { name: 'Sara Khan', email: 'sara.khan@example.org' },
            { name: 'Omar Khan', email: 'omar.khan@example.org' },
          ],
          mark: falling,
        },
        { key: 'ben', givenName: 'Ben', familyName: 'Lewis', mark: recovering },
        { key: 'cleo', givenName: 'Cleo', familyName: 'Morris', mark: belowNinety },
        { key: 'dan', givenName: 'Dan', familyName: 'Price', flags: ['cp'], mark: belowNinety },
        { key: 'evie', givenName: 'Evie', familyName: 'Shaw', mark: severe },
      ],
    });

    // The attendance team's part: approve what is proposed, except that Cleo's parents miss the
    // panel meeting (recorded the day after it was booked).
    const opened = await h.sweep();
    expect(opened.opened).toBe(5);
    let cleoMissed = false;
    for (let day = 0; day < 45; day++) {
      await h.approveAll();
      await h.doTasks();
      if (!cleoMissed) {
        const cleo = await h.view('cleo');
        const booked = find(
          cleo,
          (t) => t.type === 'meetingBooked' && t.stepId === 'attendance-panel-meeting',
        );
        const meeting = booked && (await getMeeting(h.db, booked.ref!));
        // Recorded as missed on the day of the meeting: an outcome is recorded once it has happened.
        if (meeting && schoolDateAt(Date.parse(meeting.startsAt), 'Europe/London') <= h.today()) {
          await h.record('cleo', {
            event: { type: 'outcome', outcome: 'meetingMissed', stepId: 'attendance-panel-meeting' },
          });
          cleoMissed = true;
        }
      }
      await h.advanceSchoolDays(1);
    }
    for (const key of ['amira', 'ben', 'cleo', 'dan', 'evie']) views.set(key, await h.view(key));
  }, 480_000);

  afterAll(async () => {
    await h?.shutdown();
  });

  it('takes a falling pupil from Stage One through Stage Two to the Stage Three request', () => {
    const v = views.get('amira')!;
    const stages = v.timeline
      .filter((t) => t.type === 'opened' || t.type === 'stageChanged')
      .map((t) => t.stageId);
    expect(stages).toEqual(['stage-one', 'stage-two', 'stage-three']);
    const opened = find(v, (t) => t.type === 'opened')!;
    expect(opened.reasons?.[0]?.text).toMatch(/attendance \d+\.\d\d% over the 10 school weeks to 2025-11-17/);

    // Warning Letter 1, then the Final Warning Letter and the Statutory Intervention Request.
    const sent = v.timeline.filter((t) => t.type === 'letterSent').map((t) => t.stepId);
    expect(sent).toEqual(expect.arrayContaining(['warning-letter-1', 'final-warning-letter']));
    expect(
      find(v, (t) => t.type === 'councilNotified' && t.stepId === 'statutory-intervention-request'),
    ).toBeTruthy();
    expect(v.stageId).toBe('stage-three');
  });

  it('sends each letter to both parents, with the letter attached as a PDF', () => {
    const warning = h.smtp.messages.filter(
      (m) => m.subject === "Amira Khan's attendance at Harbour Lane Primary: Warning Letter 1",
    );
    const to = warning.map((m) => (m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : undefined)).sort();
    expect(to).toEqual(['omar.khan@example.org', 'sara.khan@example.org']);
    for (const m of warning) {
      expect(m.attachments.some((a) => a.contentType === 'application/pdf' && a.content.length > 1000)).toBe(
        true,
      );
      expect(m.text).toContain('Amira');
    }
  });

  it('keeps every letter as evidence with the date it was sent', async () => {
    const { rows } = await h.db.query<{ step_id: string; sent_on: string; has_pdf: boolean }>(
      `SELECT step_id, sent_on::text AS sent_on, pdf IS NOT NULL AS has_pdf FROM letters WHERE pupil_id = $1 ORDER BY sent_on`,
      [h.pupilIds.get('amira')],
    );
    const v = views.get('amira')!;
    const letterEvents = v.timeline.filter((t) => t.type === 'letterSent');
    // Amira's route sends exactly these letters, each kept with its PDF on the day it went.
    expect(rows.map((r) => r.step_id)).toEqual(['warning-letter-1', 'final-warning-letter']);
    expect(letterEvents.map((t) => t.stepId)).toEqual(rows.map((r) => r.step_id));
    expect(rows.map((r) => r.sent_on)).toEqual(letterEvents.map((t) => t.date));
    expect(rows.map((r) => r.has_pdf)).toEqual([true, true]);
  });

  it('closes the case of a pupil whose attendance recovers', () => {
    const v = views.get('ben')!;
    expect(types(v)[0]).toBe('opened');
    expect(v.status).toBe('closed');
    expect(find(v, (t) => t.type === 'closed')?.text).toMatch(/96%/);
  });

  it('offers a home visit when the parent does not attend the panel meeting', () => {
    const v = views.get('cleo')!;
    expect(v.timeline[0]?.stageId).toBe('stage-two');
    const missed = find(v, (t) => t.type === 'outcomeRecorded')!;
    expect(missed.text).toMatch(/did not attend/);
    const visit = find(
      v,
      (t) => t.stepId === 'contract-home-visit' && (t.type === 'proposed' || t.type === 'taskCreated'),
    );
    expect(visit).toBeTruthy();
    expect(visit!.date >= missed.date).toBe(true);
  });

  it('books the announced home visit for a pupil with a Child Protection plan before Warning Letter 1 goes', () => {
    const v = views.get('dan')!;
    const letter = find(v, (t) => t.type === 'letterSent' && t.stepId === 'warning-letter-1')!;
    const visit = find(v, (t) => t.stepId === 'announced-home-visit' && t.type === 'meetingBooked')!;
    expect(letter).toBeTruthy();
    expect(visit).toBeTruthy();
    expect(v.timeline.indexOf(visit)).toBeLessThan(v.timeline.indexOf(letter));
    // The visit's outcome is a task for the lead professional, done when it is recorded.
    expect(v.tasks!.find((t) => t.stepId === 'announced-home-visit')?.kind).toBe('homeVisit');
    // Cleo (same figures, no plan) gets no announced visit.
    expect(find(views.get('cleo')!, (t) => t.stepId === 'announced-home-visit')).toBeUndefined();
  });

  it('takes the same route for attendance below 50%', () => {
    const v = views.get('evie')!;
    expect(v.latestFacts!.attendancePct!).toBeLessThan(50);
    expect(find(v, (t) => t.stepId === 'announced-home-visit' && t.type === 'meetingBooked')).toBeTruthy();
  });

  it('reserves the Final Warning Letter for a manager', () => {
    const v = views.get('amira')!;
    const approval = find(v, (t) => t.type === 'approved' && t.stepId === 'final-warning-letter')!;
    expect(approval.actor).toEqual(MANAGER);
  });
});
