// The school's five-stage escalation plan, run by the real case workflows: a pupil whose late
// arrivals and unexplained absences keep growing goes through every stage to the council.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseView } from '../../workflows/caseMessages';
import { listStaffTasks } from '../../store/caseServices';
import { SCHOOL_ID, markPattern, startHarness, type Harness } from './harness';

const START = '2025-11-17';
// From the second half of the autumn term: late every third day, then every other day with an
// unexplained absence (N) every sixth day.
const lateAndLater = markPattern((date, s, i) => {
  if (date < '2025-11-03') return null;
  if (date < START) return i % 3 === 0 && s === 'AM' ? 'L' : null;
  if (i % 6 === 0 && s === 'PM') return 'N';
  return i % 2 === 0 && s === 'AM' ? 'L' : null;
});

describe('the five-stage escalation plan, from first lates to the local authority', () => {
  let h: Harness;
  let v: CaseView;
  const nextChecks = new Map<string, { today: string; next: string | null }[]>();

  beforeAll(async () => {
    h = await startHarness({
      scenario: 'five-stage',
      policy: 'five-stage-escalation',
      start: START,
      pupils: [
        {
          key: 'kai',
          givenName: 'Kai',
          familyName: 'Ward',
          contacts: [{ name: 'Lee Ward', email: 'lee.ward@example.org' }],
          mark: lateAndLater,
        },
      ],
    });
    await h.sweep();
    for (let day = 0; day < 70; day++) {
      await h.approveAll();
      await h.doTasks();
      await h.advanceSchoolDays(1);
      const now = await h.view('kai');
      if (now.stageId) {
        const list = nextChecks.get(now.stageId) ?? [];
        list.push({ today: h.today(), next: now.next.on });
        nextChecks.set(now.stageId, list);
      }
      if (now.stageId === 'stage-five' && now.pending.length === 0) break;
    }
    v = await h.view('kai');
  }, 480_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it('climbs through the stages in order', () => {
    const stages = v.timeline
      .filter((t) => t.type === 'opened' || t.type === 'stageChanged')
      .map((t) => t.stageId);
    expect(stages).toEqual(['stage-two', 'stage-three', 'stage-four', 'stage-five']);
    const opened = v.timeline.find((t) => t.type === 'opened')!;
    expect(opened.reasons!.map((r) => r.text).join(' ')).toMatch(/late/i);
  });

  it('sends the reminder letter by itself, and books the meeting in school', () => {
    const letter = v.timeline.find((t) => t.stepId === 'attendance-reminder-letter')!;
    expect(letter.type).toBe('letterSent');
    expect(v.timeline.some((t) => t.type === 'proposed' && t.stepId === 'attendance-reminder-letter')).toBe(
      false,
    );
    const meeting = v.timeline.find((t) => t.type === 'meetingBooked' && t.stepId === 'attendance-meeting')!;
    expect(meeting).toBeTruthy();
    const invite = h.smtp.messages.find((m) =>
      m.attachments.some((a) => a.contentType.startsWith('text/calendar')),
    );
    expect(invite).toBeTruthy();
  });

  it('checks weekly at Stages Two and Three, and daily at Stages Four and Five', () => {
    const gap = (stage: string) =>
      (nextChecks.get(stage) ?? [])
        .filter((c) => c.next && c.next > c.today)
        .map((c) => h.calendar.schoolDaysBetween(c.today, c.next!).length - 1);
    expect(Math.max(...gap('stage-three'))).toBeGreaterThanOrEqual(4);
    expect(Math.max(...gap('stage-four'))).toBe(1);
  });

  it('notifies the local authority, approved by a manager', async () => {
    const at = (type: string) =>
      v.timeline.findIndex((t) => t.type === type && t.stepId === 'notify-local-authority');
    expect(at('proposed')).toBeGreaterThan(-1);
    expect(v.timeline[at('approved')]?.actor?.role).toBe('manager');
    expect(at('councilNotified')).toBeGreaterThan(at('approved'));
    // The notification is work for the team, kept with the case as evidence.
    const tasks = await listStaffTasks(h.db, SCHOOL_ID, { caseId: v.caseId });
    expect(tasks.filter((t) => t.stepId === 'notify-local-authority')).toEqual([
      expect.objectContaining({ kind: 'councilNotification', stageId: 'stage-five' }),
    ]);
  });

  it('never schedules a check outside the school calendar', () => {
    const checks = [...nextChecks.values()].flat().filter((c) => c.next);
    expect(checks.length).toBeGreaterThan(20);
    for (const c of checks) expect(h.calendar.isSchoolDay(c.next!)).toBe(true);
  });
});

// Stage Four checks daily and watches a four-week window. A pupil who attends every session from
// the day the case opens has improved by its end, and the case steps down to Stage Three.
describe('the five-stage plan steps a case down from Stage Four when attendance improves', () => {
  let h: Harness;
  let v: CaseView;
  /**
   * About 86% before START (Stage Four), mostly illness with a few unauthorised afternoons (too
   * few for the penalty-notice threshold, which would be Stage Five), then every session.
   */
  const recovers = markPattern((date, s, i) => {
    if (date >= START) return null;
    if (i % 7 === 0) return 'I';
    return i % 11 === 0 && s === 'PM' ? 'O' : null;
  });

  beforeAll(async () => {
    h = await startHarness({
      scenario: 'five-stage-step-down',
      policy: 'five-stage-escalation',
      start: START,
      pupils: [{ key: 'ivy', givenName: 'Ivy', familyName: 'Ross', mark: recovers }],
    });
    await h.sweep();
    expect((await h.view('ivy')).stageId).toBe('stage-four');
    for (let day = 0; day < 30 && (await h.view('ivy')).stageId === 'stage-four'; day++) {
      await h.approveAll();
      await h.doTasks();
      await h.advanceSchoolDays(1);
    }
    v = await h.view('ivy');
  }, 480_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it('steps down to Stage Three at the end of the four-week window, with the improvement as its reason', () => {
    const changes = v.timeline.filter((t) => t.type === 'opened' || t.type === 'stageChanged');
    expect(changes.map((t) => [t.stageId, t.text])).toEqual([
      ['stage-four', 'Case opened at Stage Four'],
      ['stage-three', 'Stepped down to Stage Three'],
    ]);
    const opened = changes[0]!;
    const steppedDown = changes[1]!;
    // Four school weeks after the day it opened.
    expect(steppedDown.date).toBe(h.calendar.addSchoolWeeks(opened.date, 4));
    expect(steppedDown.reasons!.map((r) => r.text).join(' ')).toMatch(/improv/i);
    expect(v.stageId).toBe('stage-three');
    expect(v.latestFacts!.attendancePct!).toBeGreaterThanOrEqual(90);
  });

  it('asks for no plan review meeting while attendance is improving', () => {
    expect(v.timeline.some((t) => t.stepId === 'plan-review-meeting')).toBe(false);
  });
});
