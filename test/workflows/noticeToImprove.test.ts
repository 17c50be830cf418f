// The statutory route on the time-skipping server: a notice to improve first, then a penalty notice
// considered, per parent, per child. Three pupils each have 10 sessions away without permission (O)
// in the 10 school weeks to Friday 20 March 2026, the national threshold. A manager approves each
// family's notice to improve: three school weeks to improve, across the Easter holiday, in a letter
// that says what sufficient improvement means and the support offered. At the end of the period each
// case judges it. Ava came every day: sufficient improvement, and her case closes. Ben and Cal kept
// missing mornings: not sufficient, so a penalty notice is considered, by a manager. Ben's mother
// gets a first notice and his father, who had one for Ben last June, a second at £160; Cal's father
// has had two in the last 3 years, so a third is refused with its reason and the case proposes the
// next legal option instead. Dan's notice, approved a school day after it was dated, is proposed
// again with new dates rather than sent with a period already begun.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideConsideration } from '../../api/services/penaltyNotices';
import { buildCalendar } from '../../domain/calendar';
import { parsePolicy } from '../../domain/policy/validate';
import { formatLongDateWithWeekday } from '../../letters/format';
import { problemsForParents } from '../../letters/forParents';
import { getCaseRow } from '../../store/cases';
import { listStaffTasks } from '../../store/caseServices';
import { getEvidencePackZip, listEvidencePacks } from '../../store/evidencePacks';
import {
  insertPenaltyNotice,
  penaltyNoticesForPupil,
  setPenaltyNoticeOutcome,
} from '../../store/penaltyNotices';
import type { CaseView } from '../../workflows/caseMessages';
import { CALENDAR, MANAGER, SCHOOL_ID, markPattern, startHarness, type Harness } from './harness';
import { mailTo } from './letterReading';

const START = '2026-03-20'; // a Friday, the last week before the Easter holiday
const PERIOD_END = '2026-04-24'; // three school weeks later: 23–27 March, then 13–24 April
const calendar = buildCalendar(CALENDAR);
const windowDays = calendar.schoolDaysBetween('2026-01-05', START);

/** Away without permission (O) on the morning of every fifth school day of the spring term: 10 in 10 weeks. */
const spring = (date: string) => date >= '2026-01-05' && windowDays.indexOf(date) % 5 === 0;
/** Then every school day present: the notice worked. */
const cameEveryDay = markPattern((date, s) => (s === 'AM' && date <= START && spring(date) ? 'O' : null));
/** Still away on Monday and Thursday mornings after the notice. */
const keptMissing = markPattern((date, s) => {
  if (s !== 'AM') return null;
  if (date <= START) return spring(date) ? 'O' : null;
  const day = new Date(`${date}T12:00:00Z`).getUTCDay();
  return day === 1 || day === 4 ? 'O' : null;
});

const policy = parsePolicy(
  `
id: notice-first
name: Notice to improve before a penalty notice
version: 1
description: Invented for tests. The threshold met brings a notice to improve; no improvement, a penalty notice considered.
penaltyNotice: { countingCodes: [G, O, U] }
baselineWindow: rolling10
unexplainedAbsence: { graceSchoolDays: 5 }
entryMinimumSessions: 20
stages:
  - id: notice
    name: Notice to improve
    summary: The national penalty-notice threshold is met.
    entry:
      - penaltyThreshold: true
    cadence: weekly
    improvement:
      measure: window
      windowAttendanceAtLeast: 90
      noNewUnauthorised: true
      noNewUnexplained: true
    steps:
      - id: notice-to-improve
        kind: noticeToImprove
        title: Notice to improve (three school weeks)
        template: notice-to-improve
        channel: letter
        approval: manager
        waitAfter: { schoolWeeks: 3 }
        monitor: true
        support:
          - a meeting with our attendance lead to agree what will help
          - a place at our breakfast club, free of charge
      - id: consider-penalty-notice
        kind: penaltyNoticeConsideration
        title: Consider a penalty notice (no improvement over the notice to improve)
        channel: none
        approval: manager
        when:
          - noImprovement: { afterStep: notice-to-improve }
            penaltyThreshold: true
        otherwise: skip
    exits:
      - close: true
        when:
          - improved: { afterStep: notice-to-improve }
        reason: sufficient improvement over the notice to improve's period
`,
  'notice-first.yaml',
);

const judged = (v: CaseView) => v.timeline.filter((t) => t.type === 'periodJudged');

describe('A notice to improve, then a penalty notice considered per parent', () => {
  let h: Harness;
  const deps = () => ({ db: h.db, temporal: h.client, caseQueryTimeoutMs: 30_000 });
  const manager = { id: MANAGER.userId, role: MANAGER.role };
  const considerationTask = async (key: string) => {
    const v = await h.view(key);
    const task = v.tasks?.find((t) => t.kind === 'penaltyNoticeConsideration' && t.status === 'open');
    if (!task) throw new Error(`${key}'s case has no consideration waiting`);
    return { row: (await getCaseRow(h.db, v.caseId))!, task };
  };
  /** A notice the local authority issued to this parent for this pupil, on this day. */
  const issuedBefore = async (key: string, parentName: string, on: string) => {
    const n = await insertPenaltyNotice(h.db, {
      schoolId: SCHOOL_ID,
      pupilId: h.pupilIds.get(key)!,
      caseId: null,
      parentName,
      ordinal: 1,
      requestedOn: on,
      by: MANAGER.userId,
    });
    await setPenaltyNoticeOutcome(h.db, n.id, { outcome: 'issued', on, by: MANAGER.userId });
  };

  beforeAll(async () => {
    expect(windowDays).toHaveLength(50);
    h = await startHarness({
      scenario: 'notice-to-improve',
      policy,
      start: START,
      pupils: [
        { key: 'ava', givenName: 'Ava', familyName: 'Hart', mark: cameEveryDay },
        { key: 'dan', givenName: 'Dan', familyName: 'Moor', mark: cameEveryDay },
        {
          key: 'ben',
          givenName: 'Ben',
          familyName: 'Cole',
          contacts: [
            { name: 'Dee Cole', email: 'dee.cole@example.org' },
            { name: 'Sam Cole', email: 'sam.cole@example.org' },
          ],
          mark: keptMissing,
        },
        {
          key: 'cal',
          givenName: 'Cal',
          familyName: 'Reed',
          contacts: [{ name: 'Lee Reed', email: 'lee.reed@example.org' }],
          mark: keptMissing,
        },
      ],
    });
    await issuedBefore('ben', 'Sam Cole', '2025-06-10');
    await issuedBefore('cal', 'Lee Reed', '2024-05-01');
    await issuedBefore('cal', 'Lee Reed', '2025-05-01');
    await h.sweep();
  }, 180_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it('the threshold met: each case proposes a notice to improve to a manager, and sends nothing by itself', async () => {
    for (const key of ['ava', 'ben', 'cal', 'dan']) {
      const pending = await h.pending(key);
      expect(pending.map((p) => [p.step.kind, p.approver])).toEqual([['noticeToImprove', 'manager']]);
    }
    expect(h.smtp.messages).toEqual([]);
  });

  it('the letter says the period, what sufficient improvement means in numbers, and the support offered', async () => {
    for (const key of ['ava', 'ben', 'cal']) {
      const [notice] = await h.pending(key);
      await h.decide(key, { proposalId: notice!.proposalId, decision: 'approve', actor: MANAGER });
    }
    const [letter, ...more] = mailTo(h, 'dee.cole@example.org');
    expect(more).toEqual([]);
    expect(mailTo(h, 'sam.cole@example.org')).toHaveLength(1); // each parent has their own copy
    const text = letter!.text!;
    expect(letter!.subject).toBe("Ben Cole's attendance at Harbour Lane Primary: a notice to improve");
    expect(text).toContain(
      `It gives Ben 15 school days to improve, from ${formatLongDateWithWeekday('2026-03-23')} to ${formatLongDateWithWeekday(PERIOD_END)}.`,
    );
    // 15 school days are 30 sessions; 90% of them allows 3 missed.
    expect(text).toContain(
      '- Ben comes to school for at least 90% of the 30 sessions, so misses no more than 3 sessions for any reason',
    );
    expect(text).toContain('- there is no absence that the school has not agreed to');
    expect(text).toContain('- you tell us the reason for every absence');
    expect(text).toContain('- a place at our breakfast club, free of charge');
    expect(text).toContain(`at the end of ${formatLongDateWithWeekday(PERIOD_END)}`);
    expect(problemsForParents(text, { penaltyPossible: true })).toEqual([]);
    // The case monitors to the end of the period the letter gives.
    const v = await h.view('ben');
    expect(v.monitoringUntil).toBe(PERIOD_END);
  });

  it('a notice approved after the day it is dated is not sent: it is proposed again, with new dates', async () => {
    const [stale] = await h.pending('dan');
    await h.advanceSchoolDays(1); // Monday 23 March: the period it gives would have begun today
    await h.decide('dan', { proposalId: stale!.proposalId, decision: 'approve', actor: MANAGER });
    const v = await h.view('dan');
    expect(v.timeline.find((t) => t.type === 'withdrawn')?.text).toBe(
      'Notice to improve (three school weeks): withdrawn before anything was sent — it is dated 2026-03-20, so the improvement period it gives would already have begun; it is proposed again with new dates',
    );
    expect(mailTo(h, 'parent.dan@example.org')).toEqual([]);
    const [fresh, ...more] = v.pending;
    expect(more).toEqual([]);
    expect(fresh!.proposalId).not.toBe(stale!.proposalId);
    await h.decide('dan', { proposalId: fresh!.proposalId, decision: 'approve', actor: MANAGER });
    const [letter, ...again] = mailTo(h, 'parent.dan@example.org');
    expect(again).toEqual([]);
    expect(letter!.text).toMatch(/^23 March 2026\n/);
    expect(letter!.text).toContain(
      `from ${formatLongDateWithWeekday('2026-03-24')} to ${formatLongDateWithWeekday('2026-04-27')}.`,
    );
    expect((await h.view('dan')).monitoringUntil).toBe('2026-04-27');
  });

  it('at the end of the period each case judges it: Ava improved and her case closes; Ben and Cal did not', async () => {
    while (h.today() < PERIOD_END) await h.advanceSchoolDays(1);
    await h.waitForQuietCases();
    const ava = await h.view('ava');
    expect(judged(ava).map((t) => t.text)).toEqual([
      expect.stringMatching(
        /^Notice to improve \(three school weeks\): the improvement period to 2026-04-24 has ended — sufficient improvement \(attendance 100\.00% during the window since 2026-03-20 \(30 of 30 sessions; improvement needs 90% or above\); 0 new unauthorised absences/,
      ),
    ]);
    expect(ava.status).toBe('closed');
    for (const key of ['ben', 'cal']) {
      const v = await h.view(key);
      expect(judged(v).map((t) => t.text)).toEqual([
        expect.stringMatching(
          /the improvement period to 2026-04-24 has ended — not sufficient improvement \(attendance 80\.00% during the window since 2026-03-20 \(24 of 30 sessions; improvement needs 90% or above\); 6 new unauthorised absences/,
        ),
      ]);
      expect(v.status).toBe('open');
    }
  });

  it('without improvement and with the threshold still met, a penalty notice is considered by a manager, the sessions listed', async () => {
    for (const key of ['ben', 'cal']) {
      const [consider, ...more] = await h.pending(key);
      expect(more).toEqual([]);
      expect(consider).toMatchObject({ approver: 'manager', step: { kind: 'penaltyNoticeConsideration' } });
      const notes = consider!.plan?.kind === 'task' ? (consider!.plan.notes ?? '') : '';
      expect(notes).toMatch(/^\d+ sessions of G, O, U in the 10 school weeks from /);
      expect(notes).toContain(`- ${formatLongDateWithWeekday('2026-04-23')} AM: O`);
    }
    expect(await h.approveAll()).toBe(2);
  });

  it('two parents, two records: Ben’s mother a first notice, his father a second within 3 years at £160', async () => {
    const { row, task } = await considerationTask('ben');
    const result = await decideConsideration(deps(), manager, row, task.taskId, {
      contactIndexes: [0, 1],
      requestedOn: PERIOD_END,
    });
    await h.waitForQuietCases();
    expect(result).toMatchObject({ outcome: 'requested', refused: [], nextLegalOption: false });
    expect(result.notices.map((n) => [n.parentName, n.ordinal, n.outcome, n.caseId])).toEqual([
      ['Dee Cole', 1, 'requested', row.caseId],
      ['Sam Cole', 2, 'requested', row.caseId],
    ]);
    const stored = await penaltyNoticesForPupil(h.db, h.pupilIds.get('ben')!);
    expect(stored).toHaveLength(3); // Sam's notice of last June, and the two requested now

    const v = await h.view('ben');
    const done = v.tasks?.find((t) => t.taskId === task.taskId);
    expect(done).toMatchObject({ status: 'done', outcome: 'requested', completedBy: MANAGER });
    expect(done?.note?.split('\n')).toEqual([
      'Requested for Dee Cole: a first notice: £80 if paid within 21 days, £160 if paid within 28 days.',
      'Requested for Sam Cole: a second notice within 3 years of the first (issued 2025-06-10): £160, with no reduction for early payment.',
    ]);
    expect(v.pending).toEqual([]); // no next legal option: notices were possible
  });

  it('a third notice within 3 years is refused with its reason, and the case proposes the next legal option', async () => {
    const { row, task } = await considerationTask('cal');
    const result = await decideConsideration(deps(), manager, row, task.taskId, {
      contactIndexes: [0],
      requestedOn: PERIOD_END,
    });
    await h.waitForQuietCases();
    expect(result.outcome).toBe('refused');
    expect(result.notices).toEqual([]);
    expect(result.refused).toEqual([
      {
        contactIndex: 0,
        name: 'Lee Reed',
        reason: expect.stringMatching(
          /^no third penalty notice may be issued to the same parent for the same child within 3 years of the first \(issued 2024-05-01; the 3 years end on 2027-04-30\)/,
        ),
      },
    ]);
    expect(await penaltyNoticesForPupil(h.db, h.pupilIds.get('cal')!)).toHaveLength(2); // nothing new

    const v = await h.view('cal');
    expect(v.tasks?.find((t) => t.taskId === task.taskId)).toMatchObject({
      status: 'done',
      outcome: 'refused',
    });
    const [next, ...more] = v.pending;
    expect(more).toEqual([]);
    expect(next).toMatchObject({
      approver: 'manager',
      step: {
        kind: 'referral',
        origin: 'law',
        title:
          'Refer to the local authority for the next legal option (an education supervision order or prosecution)',
      },
    });
    // Why: the refusal first, then the threshold that brought the consideration.
    expect(next!.step.reasons.map((r) => r.text)).toEqual([
      `Lee Reed: ${result.refused[0]!.reason}`,
      expect.stringMatching(
        /^Notice to improve: 13 sessions of G\/O\/U in the 10 school weeks .* meet the penalty-notice threshold/,
      ),
    ]);

    // Approved, it is the referral: a manager's task, with the council's evidence pack drafted.
    await h.decide('cal', { proposalId: next!.proposalId, decision: 'approve', actor: MANAGER });
    const after = await h.view('cal');
    const referral = (await listStaffTasks(h.db, SCHOOL_ID, { caseId: after.caseId })).filter(
      (t) => t.kind === 'referral',
    );
    expect(referral).toEqual([expect.objectContaining({ status: 'open', owner: 'manager' })]);
    expect(after.timeline.some((t) => t.type === 'note' && /^Evidence pack drafted/.test(t.text))).toBe(true);

    // The pack the council gets lists the penalty notices for Cal, per parent, and the judgement.
    const [pack, ...others] = await listEvidencePacks(h.db, after.caseId);
    expect(others).toEqual([]);
    const files = unzipSync(new Uint8Array((await getEvidencePackZip(h.db, pack!.id))!));
    const dir = mkdtempSync(join(tmpdir(), 'pack-'));
    try {
      writeFileSync(join(dir, 'evidence.pdf'), files['evidence.pdf']!);
      const text = execFileSync('pdftotext', [join(dir, 'evidence.pdf'), '-'], { encoding: 'utf8' }).replace(
        /\s+/g,
        ' ',
      );
      expect(text).toContain(
        'Lee Reed: first notice (£80 within 21 days, £160 within 28). Requested 1 May 2024; issued 1 May 2024; now issued (1 May 2024).',
      );
      expect(text).toContain(
        'Lee Reed: first notice (£80 within 21 days, £160 within 28). Requested 1 May 2025;',
      );
      expect(text).toContain('has ended — not sufficient improvement');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends the families nothing by itself: only the notices to improve a manager approved went', () => {
    // Ava's parent, Ben's two parents, Cal's parent: one notice to improve each, and nothing more.
    expect(h.smtp.messages.map((m) => m.subject).sort()).toEqual([
      "Ava Hart's attendance at Harbour Lane Primary: a notice to improve",
      "Ben Cole's attendance at Harbour Lane Primary: a notice to improve",
      "Ben Cole's attendance at Harbour Lane Primary: a notice to improve",
      "Cal Reed's attendance at Harbour Lane Primary: a notice to improve",
      "Dan Moor's attendance at Harbour Lane Primary: a notice to improve",
    ]);
  });
});
