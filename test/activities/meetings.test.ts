// Booking meetings against the school's staff availability and calendar, with invitations received
// by a real SMTP server (each with an iCalendar REQUEST).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMeetingActivities, type BookMeetingInput } from '../../activities/meetings';
import { problemsForParents } from '../../letters/forParents';
import type { CaseServicesDeps } from '../../messaging/deps';
import { RecordingSmsGateway } from '../../messaging/fakes';
import { SmtpMailer } from '../../messaging/smtpMailer';
import { getMeeting, listAvailability, seedDefaultAvailability } from '../../store/caseServices';
import type { Db } from '../../store/db';
import { availableEngines } from '../store/engines';
import { startTogether } from '../store/together';
import {
  addPupil,
  FIGURES,
  mailTo,
  openStore,
  openStoreOn,
  SCHOOL_ID,
  startSmtp,
  type LocalSmtp,
} from './support';

let db: Db;
let smtp: LocalSmtp;
let mailer: SmtpMailer;
let pupilId: string;

// Monday 21 October 2024, 11:00 in London (BST).
const NOW = new Date('2024-10-21T10:00:00Z');

beforeAll(async () => {
  [db, smtp] = await Promise.all([openStore(), startSmtp()]);
  mailer = new SmtpMailer({ url: smtp.url, from: 'Oakfield Attendance <attendance@oakfield.example>' });
  pupilId = await addPupil(db, {
    givenName: 'Amira',
    familyName: 'Khan',
    yearGroup: 4,
    contacts: [
      { name: 'Sara Khan', email: 'sara.khan@example.org', phone: null },
      { name: 'Imran Khan', email: 'imran.khan@example.org', phone: null },
      { name: 'Nadia Khan', email: null, phone: '07700 900009' },
    ],
  });
});

afterAll(async () => {
  mailer.close();
  await smtp.close();
  await db.close();
});

let mailsBefore = 0;
beforeEach(() => {
  mailsBefore = smtp.received.length;
});
const newMails = () => smtp.received.slice(mailsBefore);

function deps(over: Partial<CaseServicesDeps> = {}): CaseServicesDeps {
  return {
    db,
    mailer,
    now: () => NOW,
    mailFrom: 'Oakfield Attendance <attendance@oakfield.example>',
    ...over,
  };
}

function bookingInput(overrides: Partial<BookMeetingInput> = {}): BookMeetingInput {
  return {
    bookingId: randomUUID(),
    caseId: `case-${SCHOOL_ID}-${pupilId}-20241014`,
    schoolId: SCHOOL_ID,
    pupilId,
    stageId: 'stage-one',
    stepId: 'attendance-support-meeting',
    kind: 'meeting',
    title: 'Attendance Support Meeting with parents/carers',
    template: 'bradford/attendance-support-meeting',
    earliestDate: '2024-10-28',
    ...overrides,
  };
}

describe('bookMeeting', () => {
  it('seeds the default availability for a school that has none', async () => {
    expect(await seedDefaultAvailability(db, SCHOOL_ID)).toBe(10);
    expect(await seedDefaultAvailability(db, SCHOOL_ID)).toBe(0);
    const monday = (await listAvailability(db, SCHOOL_ID)).filter((w) => w.weekday === 1);
    expect(monday.map((w) => `${w.startTime}-${w.endTime}`)).toEqual(['09:00-12:00', '13:30-15:00']);
  });

  it('books the next free slot after the notice period, skipping holidays, an INSET day and a taken slot', async () => {
    const sms = new RecordingSmsGateway();
    const { bookMeeting } = createMeetingActivities(deps({ sms }));
    // Another case already holds Tuesday 5 November at 9:00 (the first slot after half term and the INSET day).
    const other = await bookMeeting(
      bookingInput({ caseId: 'case-other', requestedStart: '2024-11-05T09:00', template: undefined }),
    );
    expect(other).toMatchObject({ startsAt: '2024-11-05T09:00:00.000Z', staffName: 'Attendance Officer' });
    await smtp.waitFor(mailsBefore + 2);
    mailsBefore = smtp.received.length;

    const input = bookingInput({
      figures: FIGURES,
      reasons: ['Stage One (advisory): step 4 of 6, after School letter 2'],
      date: '2024-10-21',
    });
    const res = await bookMeeting(input);
    // 28 Oct - 1 Nov is half term, Monday 4 Nov an INSET day; 9:00 is taken: 9:30 GMT on Tuesday 5 Nov.
    expect(res).toMatchObject({
      meetingId: input.bookingId,
      startsAt: '2024-11-05T09:30:00.000Z',
      endsAt: '2024-11-05T10:00:00.000Z',
      staffName: 'Attendance Officer',
      location: 'Oakfield Primary',
      invited: 3,
      held: 0,
      alreadyBooked: false,
    });

    await smtp.waitFor(mailsBefore + 2);
    const mails = newMails();
    expect(mails.map(mailTo).sort()).toEqual(['imran.khan@example.org', 'sara.khan@example.org']);
    for (const mail of mails) {
      expect(mail.subject).toBe('Invitation: an Attendance Support Meeting about Amira Khan');
      expect(mail.text).toContain('When: Tuesday 5 November 2024 at 9:30am\n\nWhere: Oakfield Primary');
      expect(mail.text?.startsWith('21 October 2024')).toBe(true);
      expect(mail.text).toContain(
        "In the 6 school weeks from 2 September to 11 October 2024, Amira's attendance was 88.3%.",
      );
      expect(mail.text).not.toContain('Stage One'); // the engine's reasons stay with staff
      expect(problemsForParents(mail.text ?? '')).toEqual([]);
      const ics = mail.attachments.find((a) => a.contentType.startsWith('text/calendar'));
      expect(ics).toBeDefined();
      const body = ics!.content.toString('utf8').replace(/\r\n[ \t]/g, ''); // unfold long lines
      expect(body).toContain('METHOD:REQUEST');
      expect(body).toContain('DTSTART:20241105T093000Z');
      expect(body).toContain('DTEND:20241105T100000Z');
      expect(body).toContain(`UID:${input.bookingId}@attendance-intervention`);
      expect(body).toMatch(/ATTENDEE;[^\r\n]*RSVP=TRUE/);
      expect(body.toLowerCase()).toContain(`mailto:${mailTo(mail)}`);
      expect(body).toMatch(/ORGANIZER;CN="?Oakfield Attendance"?:mailto:attendance@oakfield.example/);
    }
    // The carer with only a phone is told by text.
    const texts = () => sms.sent.filter((t) => t.reference?.startsWith(input.bookingId));
    expect(texts()).toHaveLength(1);
    expect(texts()[0]).toMatchObject({ to: '07700 900009' });
    expect(texts()[0]!.text).toContain('Tuesday 5 November 2024 at 9:30am');

    // A retried activity returns the same booking and invites nobody again.
    const again = await bookMeeting(input);
    expect(again).toMatchObject({ meetingId: input.bookingId, startsAt: res.startsAt, alreadyBooked: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(newMails()).toHaveLength(2);
    expect(texts()).toHaveLength(1);
  });

  it('books in London time: 9:00 in October (BST) is 8:00 UTC', async () => {
    const { bookMeeting } = createMeetingActivities(deps());
    const res = await bookMeeting(bookingInput({ earliestDate: '2024-10-22' }));
    expect(res.startsAt).toBe('2024-10-22T08:00:00.000Z');
    await smtp.waitFor(mailsBefore + 2);
    expect(newMails()[0]!.text).toContain('Tuesday 22 October 2024 at 9:00am');
  });

  it("keeps the team's amended time, and refuses one that is already taken", async () => {
    const { bookMeeting } = createMeetingActivities(deps({ mailer: null }));
    const res = await bookMeeting(bookingInput({ requestedStart: '2024-12-10T14:00' }));
    expect(res.startsAt).toBe('2024-12-10T14:00:00.000Z');
    await expect(bookMeeting(bookingInput({ requestedStart: '2024-12-10T14:00:00Z' }))).rejects.toMatchObject(
      {
        type: 'SlotTaken',
        nonRetryable: true,
      },
    );
  });

  it('records the outcome of a meeting', async () => {
    const { bookMeeting, recordMeetingOutcome } = createMeetingActivities(deps({ mailer: null }));
    const { meetingId } = await bookMeeting(bookingInput({ earliestDate: '2025-01-06' }));
    expect(await recordMeetingOutcome({ meetingId, status: 'missed' })).toEqual({ meetingId, found: true });
    expect(await getMeeting(db, meetingId)).toMatchObject({ status: 'missed' });
    expect(await recordMeetingOutcome({ meetingId: 'nope', status: 'attended' })).toEqual({
      meetingId: 'nope',
      found: false,
    });
  });
});

// Two cases of one school often reach their meeting step on the same afternoon, on workers that run
// side by side: on a PostgreSQL server their bookings really overlap (test/store/together.ts).
describe.each(availableEngines())('booking at the same moment on $name', (engine) => {
  let store: Db;
  let pupil: string;
  beforeAll(async () => {
    store = await openStoreOn(engine);
    pupil = await addPupil(store, {
      givenName: 'Ben',
      familyName: 'Lewis',
      yearGroup: 0,
      contacts: [{ name: 'Tom Lewis', email: 'tom@example.org', phone: null }],
    });
    await seedDefaultAvailability(store, SCHOOL_ID);
  });
  afterAll(async () => {
    await engine.dispose(store);
  });

  it('never gives two cases the same slot, even when they book at the same moment', async () => {
    const { bookMeeting } = createMeetingActivities({ db: store, mailer: null, now: () => NOW });
    const book = () =>
      bookMeeting(
        bookingInput({ earliestDate: '2024-12-02', pupilId: pupil, caseId: `case-${randomUUID()}` }),
      );
    // Three bookers, held at the meetings table until all three are on their way.
    const results = await startTogether(
      store,
      {
        what: 'the meetings table',
        hold: (tx) => tx.query('LOCK TABLE meetings IN ACCESS EXCLUSIVE MODE'),
      },
      [book, book, book],
    );
    const starts = results.map((r) => r.startsAt).sort();
    expect(starts).toEqual([
      '2024-12-02T09:00:00.000Z',
      '2024-12-02T09:30:00.000Z',
      '2024-12-02T10:00:00.000Z',
    ]);
    // No SMTP and no SMS gateway: each invitation waits in the outbox for the team.
    expect(results.every((r) => r.invited === 1 && r.held === 1)).toBe(true);
  });
});
