// Letters a family can trust, read as the family reads them: the mail that reached each parent on a
// real SMTP server, sent by the real case workflows on the time-skipping server. Every letter must be
// written for a parent (no engine text, plain English, the school's own council), quote the pupil's
// figures as the register gives them, name only dates the family can place, and mention penalty
// notices only where the pupil's unauthorised absence makes one possible. Escalation must agree with
// an attendance officer: a good window is improvement, illness with medical evidence is not escalated,
// an N put right within the grace period sends nothing.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedMail } from 'mailparser';
import type { IsoDate } from '../../domain/types';
import { formatPercent } from '../../letters/format';
import { problemsForParents } from '../../letters/forParents';
import { runImport } from '../../store/imports';
import { listMeetingsForCase } from '../../store/caseServices';
import { rowsFromObjects } from '../../store/rows';
import type { CaseView } from '../../workflows/caseMessages';
import { CALENDAR, SCHOOL_ID, markPattern, startHarness, type Harness } from './harness';
import {
  datesALetterMayName,
  figuresOn,
  formatLongDate,
  letterDate,
  mailTo,
  parentOf,
  recipientOf,
  unplaceableDates,
} from './letterReading';

const START = '2025-11-17'; // ten school weeks into the year: rolling figures are meaningful
const COUNCIL = 'Harbourside Council';

/** About 86%, all unauthorised (O): straight into Stage Two. */
const belowNinety = (code: string) =>
  markPattern((_date, s, i) => (i % 7 === 0 ? code : i % 11 === 0 && s === 'PM' ? code : null));

/**
 * About 93% in the ten weeks before START, but every absence fell between 22 September and 14
 * November: the weeks that drop out of the rolling window over the next fortnight were clean, so the
 * rolling figure cannot rise however well the pupil does. Full attendance from START.
 */
const cleanEdges = markPattern((date, s, i) =>
  date >= '2025-09-22' && date <= '2025-11-14' && s === 'AM' && i % 5 === 0 ? 'O' : null,
);

/** About 92%, every absence illness (I) on a Friday or a Monday: a pattern of illness, no other absence. */
const mondaysAndFridays = markPattern((date, s) => {
  const day = new Date(`${date}T12:00:00Z`).getUTCDay();
  const week = Math.floor(Date.parse(date) / (7 * 86_400_000));
  if (day === 5 && week % 3 === 0) return 'I';
  if (day === 1 && week % 3 === 1 && s === 'AM') return 'I';
  return null;
});

/** What a parent would notice in a letter: engine text, hard English, another council, dates they cannot place. */
async function readAsParent(
  h: Harness,
  key: string,
  m: ParsedMail,
  opts: { penaltyPossible?: boolean } = {},
): Promise<string[]> {
  const text = m.text ?? '';
  const date = letterDate(text);
  const problems = [
    ...problemsForParents(text, { localAuthority: COUNCIL, ...opts }),
    ...problemsForParents(m.subject ?? '', { localAuthority: COUNCIL, ...opts }).map((p) => `subject: ${p}`),
    ...unplaceableDates(text, await datesALetterMayName(h, key, date, receivedBefore(h, m))).map(
      (d) => `names ${d}, which is no letter, meeting or period of this case`,
    ),
  ];
  return problems.map((p) => `${m.subject}: ${p}`);
}

/** The mail that reached the same parent before this one. */
function receivedBefore(h: Harness, m: ParsedMail): ParsedMail[] {
  const to = recipientOf(m);
  return h.smtp.messages.slice(0, h.smtp.messages.indexOf(m)).filter((x) => recipientOf(x) === to);
}

const stagesOf = (v: CaseView) =>
  v.timeline.filter((t) => t.type === 'opened' || t.type === 'stageChanged').map((t) => t.stageId);

describe('Bradford: the letters each family received over three school weeks', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      scenario: 'letters-bradford',
      policy: 'bradford-staged-intervention',
      start: START,
      pupils: [
        { key: 'cleo', givenName: 'Cleo', familyName: 'Morris', mark: belowNinety('O') },
        { key: 'ivy', givenName: 'Ivy', familyName: 'Hart', mark: belowNinety('I') },
        { key: 'dan', givenName: 'Dan', familyName: 'Price', flags: ['cp'], mark: belowNinety('O') },
        { key: 'pia', givenName: 'Pia', familyName: 'Nowak', mark: cleanEdges },
        { key: 'mia', givenName: 'Mia', familyName: 'Reid', mark: mondaysAndFridays },
      ],
    });
    // The school's settings name its council: letters must name it, never the seed's.
    await runImport(h.db, { schoolId: SCHOOL_ID, calendar: { ...CALENDAR, localAuthority: COUNCIL } });

    expect((await h.sweep()).opened).toBe(5);
    let evidenceRecorded = false;
    for (let day = 0; day < 16; day++) {
      await h.approveAll();
      await h.doTasks();
      // Mia's mother brings a letter from the GP the day after the "Med" letter arrives.
      if (!evidenceRecorded && mailTo(h, parentOf('mia')).length > 0) {
        const v = await h.view('mia');
        if (v.timeline.some((t) => t.type === 'letterSent' && t.stepId === 'med-letter')) {
          await h.advanceSchoolDays(1);
          await h.record('mia', {
            event: { type: 'outcome', outcome: 'medicalEvidenceReceived', stepId: 'med-letter' },
          });
          evidenceRecorded = true;
          continue;
        }
      }
      await h.advanceSchoolDays(1);
    }
    expect(evidenceRecorded).toBe(true);
  }, 480_000);

  afterAll(async () => {
    await h?.shutdown();
  });

  it('every letter reads as written for a parent: no engine text, plain English, our council, dates they can place', async () => {
    const all: string[] = [];
    let read = 0;
    for (const key of ['cleo', 'ivy', 'dan', 'pia', 'mia']) {
      const illnessOnly = key === 'ivy' || key === 'mia';
      for (const m of mailTo(h, parentOf(key))) {
        all.push(...(await readAsParent(h, key, m, illnessOnly ? { penaltyPossible: false } : {})));
        read++;
      }
    }
    expect(all).toEqual([]);
    expect(read).toBeGreaterThanOrEqual(5);
  });

  it('a case opened at Stage Two says so, quotes the register’s figures for the day it was written, and names our council', async () => {
    const [letter, ...more] = mailTo(h, parentOf('cleo'));
    expect(letter?.subject).toBe("Cleo Morris's attendance at Harbour Lane Primary: Warning Letter 1");
    // Three school weeks on, the panel meeting follows, as Stage Two's sequence says.
    expect(more.map((m) => m.subject)).toEqual(['Invitation: an Attendance Panel Meeting about Cleo Morris']);
    const text = letter!.text!;
    const date = letterDate(text);
    const f = (await figuresOn(h, 'cleo', date)).windows.rolling10;
    expect(text).toContain(`In the 10 school weeks from`);
    expect(text).toContain(`Cleo's attendance was ${formatPercent(f.attendancePct!)}.`);
    expect(text).toContain(`Cleo was absent for ${f.authorised + f.unauthorised} sessions.`);
    expect(text).toContain(`${f.unauthorised} unauthorised sessions`);
    expect(text).toContain(COUNCIL);
    // This is the school's first word on the case: no history is claimed.
    expect(text).not.toMatch(/working with you|we wrote to you|Stage One|Stages One and Two|again/i);
    // The pupil's unauthorised absence makes a penalty notice possible, so the warning is there.
    expect(text).toMatch(/penalty notice/i);
  });

  it('a family whose every absence is illness hears about health, never about penalty notices', () => {
    const [letter] = mailTo(h, parentOf('ivy'));
    expect(letter?.subject).toBe("Ivy Hart's attendance and health at Harbour Lane Primary");
    expect(letter!.text).toMatch(/illness or medical appointments/);
    expect(letter!.text).not.toMatch(/penalty|fine|court|prosecut/i);
  });

  it('a pupil on a Child Protection plan: the announced home visit is booked with a date and a named professional, and the family hears of it before Warning Letter 1', async () => {
    const mail = mailTo(h, parentOf('dan'));
    const visitAt = mail.findIndex((m) => m.subject === 'We would like to visit you at home about Dan Price');
    const warningAt = mail.findIndex(
      (m) => m.subject === "Dan Price's attendance at Harbour Lane Primary: Warning Letter 1",
    );
    expect(visitAt).toBeGreaterThanOrEqual(0);
    expect(warningAt).toBeGreaterThan(visitAt);

    const caseId = (await h.caseIdOf('dan'))!;
    const visits = (await listMeetingsForCase(h.db, caseId)).filter((m) => m.kind === 'homeVisit');
    expect(visits).toHaveLength(1);
    const visit = visits[0]!;
    const invitation = mail[visitAt]!.text!;
    const visitDay = visit.startsAt.slice(0, 10) as IsoDate;
    expect(visitDay > letterDate(invitation)).toBe(true); // notice given, in the future
    expect(invitation).toContain(formatLongDate(visitDay));
    expect(invitation).toContain(visit.staffName);
    // Nothing went to Dan's family without a person's approval.
    const v = await h.view('dan');
    const sent = v.timeline.filter((t) => t.type === 'letterSent' || t.type === 'meetingBooked');
    for (const s of sent)
      expect(v.timeline.some((t) => t.type === 'approved' && t.stepId === s.stepId)).toBe(true);
  });

  it('perfect attendance through the monitoring window is improvement, though the rolling figure has not moved', async () => {
    const v = await h.view('pia');
    expect(stagesOf(v)).toEqual(['stage-one']);
    // The window ended and the team's next step, School letter 1 for "no improvement", was not needed.
    expect(v.caseState.completedSteps).toContainEqual(
      expect.objectContaining({ stepId: 'school-letter-1', result: 'skipped' }),
    );
    expect(mailTo(h, parentOf('pia'))).toEqual([]);
    // The weeks that left the rolling window were as clean as the weeks that joined it.
    const before = (await figuresOn(h, 'pia', START)).windows.rolling10.attendancePct!;
    const after = (await figuresOn(h, 'pia', v.caseState.completedSteps.at(-1)!.on)).windows.rolling10
      .attendancePct!;
    expect(after - before).toBeLessThan(1);
  });

  it('illness with medical evidence recorded is not escalated: no warning letter, no Stage Two', async () => {
    const v = await h.view('mia');
    expect(v.caseState.outcomes.map((o) => o.kind)).toContain('medicalEvidenceReceived');
    expect(stagesOf(v)).not.toContain('stage-two');
    expect(v.stageId === 'stage-one' || v.status === 'closed').toBe(true);
    // The "Med" letter, before the evidence came; nothing since.
    expect(mailTo(h, parentOf('mia')).map((m) => m.subject)).toEqual(["Mia Reid's absences for illness"]);
    expect(v.timeline.some((t) => t.stepId === 'warning-letter-1')).toBe(false);
  });
});

describe('Five-stage policy: an N gets five school days before it counts', () => {
  let h: Harness;
  const absentOn = ['2025-11-18']; // a Tuesday

  beforeAll(async () => {
    h = await startHarness({
      scenario: 'letters-n-grace',
      policy: 'five-stage-escalation',
      start: START,
      pupils: [
        // Nia is off on Tuesday 18 November; the office hears on Thursday that she was ill.
        {
          key: 'nia',
          givenName: 'Nia',
          familyName: 'Obi',
          mark: markPattern((d) => (d === absentOn[0] ? 'N' : null)),
        },
        // Ned is off the same Tuesday, and no reason ever comes. (Two days would take his attendance
        // under 96%, and the policy's attendance band would open a case on its own.)
        {
          key: 'ned',
          givenName: 'Ned',
          familyName: 'Ward',
          mark: markPattern((d) => (d === absentOn[0] ? 'N' : null)),
        },
      ],
    });
    await h.sweep();
    while (h.today() < '2025-11-20') await h.advanceSchoolDays(1);
    const { rows } = await h.db.query<{ upn: string }>('SELECT upn FROM pupils WHERE id = $1', [
      h.pupilIds.get('nia'),
    ]);
    await runImport(h.db, {
      schoolId: SCHOOL_ID,
      marks: rowsFromObjects(
        (['AM', 'PM'] as const).map((session) => ({
          upn: rows[0]!.upn,
          date: absentOn[0]!,
          session,
          code: 'I',
        })),
      ),
    });
    while (h.today() < '2025-12-01') {
      await h.approveAll();
      await h.doTasks();
      await h.advanceSchoolDays(1);
    }
  }, 480_000);

  afterAll(async () => {
    await h?.shutdown();
  });

  it('an N put right within the grace period sends nothing and opens no case', async () => {
    expect(await h.caseIdOf('nia')).toBeNull();
    expect(mailTo(h, parentOf('nia'))).toEqual([]);
  });

  it('an N still unresolved after five school days opens Stage Two on that day, and the spell counts once', async () => {
    const v = await h.view('ned');
    expect(v.openedOn).toBe(h.calendar.addSchoolDays(absentOn[0]!, 5));
    // The day's two sessions are one unexplained absence: no "subsequent" absence, no Stage Three.
    expect(stagesOf(v)).toEqual(['stage-two']);
    const [reminder, ...more] = mailTo(h, parentOf('ned'));
    expect(more).toEqual([]);
    expect(letterDate(reminder!.text!)).toBe(v.openedOn);
    expect(await readAsParent(h, 'ned', reminder!)).toEqual([]);
    expect(reminder!.text).toMatch(/2 sessions we do not have a reason for yet/);
  });
});

describe('Three-letter system: Letter 1, Letter 2 with its meeting, Letter 3', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      scenario: 'letters-three-letter',
      policy: 'three-letter-system',
      start: START,
      pupils: [
        {
          key: 'sam',
          givenName: 'Sam',
          familyName: 'Rivers',
          contacts: [{ name: 'Jordan Rivers', email: parentOf('sam') }],
          mark: belowNinety('O'),
        },
      ],
    });
    await runImport(h.db, { schoolId: SCHOOL_ID, calendar: { ...CALENDAR, localAuthority: COUNCIL } });
    await h.sweep();
    let attended = false;
    while (h.today() < '2026-02-13' && mailTo(h, parentOf('sam')).length < 3) {
      await h.approveAll();
      await h.doTasks();
      const caseId = await h.caseIdOf('sam');
      const meeting = caseId ? (await listMeetingsForCase(h.db, caseId))[0] : undefined;
      if (meeting && !attended && meeting.startsAt.slice(0, 10) <= h.today()) {
        await h.record('sam', { event: { type: 'outcome', outcome: 'meetingAttended', stepId: 'letter-2' } });
        attended = true;
      }
      await h.advanceSchoolDays(1);
    }
    await h.approveAll();
    await h.waitForQuietCases();
    if (process.env.DUMP_LETTERS)
      writeFileSync(
        process.env.DUMP_LETTERS,
        mailTo(h, parentOf('sam'))
          .map((m) => `${m.subject}\n${m.text}`)
          .join('\n-----\n'),
      );
  }, 480_000);

  afterAll(async () => {
    await h?.shutdown();
  });

  it('three letters, each read as a parent would, each naming only what happened', async () => {
    const mail = mailTo(h, parentOf('sam'));
    expect(mail.map((m) => m.subject)).toEqual([
      expect.stringMatching(/^Sam Rivers's attendance at Harbour Lane Primary/),
      "Sam Rivers's attendance at Harbour Lane Primary: our second letter, and an invitation to a meeting",
      "Sam Rivers's attendance at Harbour Lane Primary: a warning about a penalty notice",
    ]);
    for (const m of mail) expect(await readAsParent(h, 'sam', m)).toEqual([]);
  });

  it('Letter 2 names the meeting booked for it, in the future, and Letter 3 names the earlier letters and the meeting with their dates', async () => {
    const [first, second, third] = mailTo(h, parentOf('sam')).map((m) => m.text!);
    const meetings = await listMeetingsForCase(h.db, (await h.caseIdOf('sam'))!);
    expect(meetings).toHaveLength(1);
    const meetingDay = meetings[0]!.startsAt.slice(0, 10) as IsoDate;
    expect(meetingDay > letterDate(second!)).toBe(true);
    expect(second).toContain(formatLongDate(meetingDay));
    expect(second).toContain(`We wrote to you on ${formatLongDate(letterDate(first!))}`);
    expect(third).toContain(`- a letter dated ${formatLongDate(letterDate(first!))}`);
    expect(third).toContain(`- a letter dated ${formatLongDate(letterDate(second!))}`);
    expect(third).toMatch(
      new RegExp(`- an? [A-Za-z ]*meeting on ${formatLongDate(meetingDay)}, which you came to`, 'i'),
    );
    expect(third).toContain(COUNCIL);
  });
});
