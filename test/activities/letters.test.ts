// Scenarios for letters and messages, against a real SMTP server and an in-memory PostgreSQL (PGlite);
// the outbox's guarantees also on a PostgreSQL server when TEST_DATABASE_URL is set.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLetterActivities, type SendLetterInput } from '../../activities/letters';
import { createMessagingActivities } from '../../activities/messaging';
import { createStaffTaskActivities } from '../../activities/staffTasks';
import { letterFigures } from '../../domain/letterFigures';
import type { LetterStory } from '../../domain/letterStory';
import { composeLetter } from '../../letters/compose';
import { problemsForParents } from '../../letters/forParents';
import { buildLetterPlan } from '../../letters/plan';
import { templateProblems } from '../../letters/render';
import type { CaseServicesDeps } from '../../messaging/deps';
import { RecordingAppMessenger, RecordingSmsGateway } from '../../messaging/fakes';
import { enqueueAndDeliver, flushOutbox, OutboxBusyError } from '../../messaging/outbox';
import { SmtpMailer } from '../../messaging/smtpMailer';
import type { Mailer, OutgoingMail } from '../../messaging/types';
import {
  claimOutbox,
  getLetter,
  getOutboxByKey,
  getLetterPdf,
  insertOutbox,
  listOutbox,
  listStaffTasks,
  setSchoolContact,
  upsertLetterTemplate,
} from '../../store/caseServices';
import type { Db } from '../../store/db';
import { availableEngines } from '../store/engines';
import { startTogether } from '../store/together';
import { upsertSchool } from '../../store/schools';
import {
  addPupil,
  CALENDAR,
  factsWith,
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
let twoCarers: string;
let phoneOnly: string;

beforeAll(async () => {
  [db, smtp] = await Promise.all([openStore(), startSmtp()]);
  mailer = new SmtpMailer({ url: smtp.url, from: 'Oakfield Attendance <attendance@oakfield.example>' });
  twoCarers = await addPupil(db, {
    givenName: 'Amira',
    familyName: 'Khan',
    yearGroup: 4,
    contacts: [
      { name: 'Sara Khan', email: 'sara.khan@example.org', phone: '07700 900001' },
      { name: 'Imran Khan', email: 'imran.khan@example.org', phone: null },
    ],
  });
  phoneOnly = await addPupil(db, {
    givenName: 'Ben',
    familyName: 'Lewis',
    yearGroup: 0,
    contacts: [
      { name: 'Tom Lewis', email: 'tom@example.org', phone: null },
      { name: 'Jo Lewis', email: null, phone: '01632 960001' },
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

/** What the engine tells staff (engine 1 still passes it to the send activity): never shown to a family. */
const ENGINE_REASON =
  'Stage One (advisory): step 2 of 6; attendance 88.33% over the 6 school weeks to 2024-10-11';

function letterInput(pupilId: string, overrides: Partial<SendLetterInput> = {}): SendLetterInput {
  return {
    sendId: randomUUID(),
    caseId: `case-${SCHOOL_ID}-${pupilId}-20241014`,
    schoolId: SCHOOL_ID,
    pupilId,
    stageId: 'stage-one',
    stepId: 'school-letter-1',
    template: 'bradford/school-letter-1',
    channel: 'letter',
    date: '2024-10-14',
    figures: FIGURES,
    reasons: [ENGINE_REASON],
    ...overrides,
  };
}

function deps(over: Partial<CaseServicesDeps> = {}): CaseServicesDeps {
  return { db, mailer, ...over };
}

describe('sendLetter', () => {
  it('sends a letter to both carers with the PDF attached and keeps it as evidence with its date', async () => {
    const { sendLetter } = createLetterActivities(deps());
    const input = letterInput(twoCarers);
    const res = await sendLetter(input);
    expect(res).toMatchObject({
      letterId: input.sendId,
      recipients: 2,
      alreadySent: false,
      held: 0,
      fellBack: false,
    });

    await smtp.waitFor(mailsBefore + 2);
    const mails = newMails();
    expect(mails.map(mailTo).sort()).toEqual(['imran.khan@example.org', 'sara.khan@example.org']);
    for (const mail of mails) {
      expect(mail.subject).toBe("Amira Khan's attendance at Oakfield Primary: School letter 1");
      expect(mail.text?.startsWith('14 October 2024\n\nDear Sara Khan and Imran Khan,')).toBe(true);
      // The figures as the family reads them, from letterFigures (FIGURES): the period as dates.
      expect(mail.text).toContain(
        "In the 6 school weeks from 2 September to 11 October 2024, Amira's attendance was 88.3%. " +
          'Amira was absent for 7 sessions. That is three and a half days of school, or about 17 lessons. ' +
          'A school day has two sessions, morning and afternoon.',
      );
      expect(mail.text).toContain('- 3 unauthorised sessions: absence the school did not agree to');
      expect(mail.text).toContain('We do not yet have a reason for 2 sessions of absence.');
      expect(mail.html).toContain('<strong>88.3%</strong>');
      // Engine 1 passes its reasons at send time: the letter never shows them.
      expect(mail.text).not.toContain('Stage One (advisory)');
      expect(mail.text).not.toContain('2024-10-11');
      expect(problemsForParents(mail.text ?? '')).toEqual([]);
      expect(mail.messageId).toContain(input.sendId);
      expect(mail.attachments).toHaveLength(1);
      const pdf = mail.attachments[0]!;
      expect(pdf.contentType).toBe('application/pdf');
      expect(pdf.content.subarray(0, 5).toString()).toBe('%PDF-');
    }

    const letter = await getLetter(db, input.sendId);
    expect(letter).toMatchObject({
      sentOn: '2024-10-14',
      caseId: input.caseId,
      templateId: 'bradford/school-letter-1',
      amended: false,
    });
    expect(letter!.recipients.map((r) => [r.name, r.channel])).toEqual([
      ['Sara Khan', 'email'],
      ['Imran Khan', 'email'],
    ]);
    const stored = await getLetterPdf(db, input.sendId);
    expect(stored!.equals(mails[0]!.attachments[0]!.content)).toBe(true);

    // The preview (what the API shows the team) is exactly the letter that was sent.
    const { rendered } = await composeLetter(db, input);
    expect(rendered.text).toBe(letter!.bodyText);
    expect(rendered.html).toBe(letter!.html);
  });

  it('sends nothing more when the same sendId comes again', async () => {
    const { sendLetter } = createLetterActivities(deps());
    const input = letterInput(twoCarers);
    await sendLetter(input);
    await smtp.waitFor(mailsBefore + 2);
    const again = await sendLetter(input);
    expect(again).toMatchObject({ letterId: input.sendId, recipients: 2, alreadySent: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(newMails()).toHaveLength(2);
    const rows = await listOutbox(db, SCHOOL_ID, { caseId: input.caseId });
    expect(rows.filter((r) => r.ref === input.sendId)).toHaveLength(2);
  });

  it('holds the messages in the outbox when no SMTP server is configured, and delivers them later', async () => {
    const { sendLetter } = createLetterActivities(deps({ mailer: null }));
    const input = letterInput(twoCarers);
    const res = await sendLetter(input);
    expect(res).toMatchObject({ recipients: 2, held: 2 });
    const held = (await listOutbox(db, SCHOOL_ID, { caseId: input.caseId })).filter(
      (r) => r.ref === input.sendId,
    );
    expect(held.map((r) => [r.status, r.error])).toEqual([
      ['held', 'no SMTP server configured'],
      ['held', 'no SMTP server configured'],
    ]);
    expect(await getLetter(db, input.sendId)).not.toBeNull();
    expect(newMails()).toHaveLength(0);

    // Once SMTP is configured the team (or a job) flushes the outbox: each held message goes once.
    const flushed = await flushOutbox(db, mailer, { schoolId: SCHOOL_ID });
    expect(flushed.sent).toBeGreaterThanOrEqual(2);
    await smtp.waitFor(mailsBefore + 2);
    expect(newMails().map(mailTo).sort()).toEqual(['imran.khan@example.org', 'sara.khan@example.org']);
    expect(await flushOutbox(db, mailer, { schoolId: SCHOOL_ID })).toEqual({ sent: 0, held: 0, failed: 0 });
  });

  it('delivers exactly once when the first attempt dies after the outbox row was written', async () => {
    let calls = 0;
    const flaky: Mailer = {
      async deliver(msg: OutgoingMail) {
        calls++;
        if (calls === 1) throw new Error('connection reset (simulated crash before delivery)');
        await mailer.deliver(msg);
      },
    };
    const { sendLetter } = createLetterActivities(deps({ mailer: flaky }));
    const input = letterInput(twoCarers);
    await expect(sendLetter(input)).rejects.toThrow('simulated crash');
    const afterFirst = (await listOutbox(db, SCHOOL_ID, { caseId: input.caseId })).filter(
      (r) => r.ref === input.sendId,
    );
    expect(afterFirst.map((r) => r.status).sort()).toEqual(['failed', 'sent']);

    // Temporal retries the activity with the same input.
    const retry = await sendLetter(input);
    expect(retry.recipients).toBe(2);
    await smtp.waitFor(mailsBefore + 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(newMails().map(mailTo).sort()).toEqual(['imran.khan@example.org', 'sara.khan@example.org']);
    const rows = (await listOutbox(db, SCHOOL_ID, { caseId: input.caseId })).filter(
      (r) => r.ref === input.sendId,
    );
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
  });

  it('sends the amended text when the team amended the letter', async () => {
    const { sendLetter } = createLetterActivities(deps());
    const amendedText =
      'We spoke on the phone on Friday. As agreed, Amira will attend the breakfast club from Monday.\n\n- Breakfast club from 8:00am\n- A check-in with Mrs Patel each morning';
    const input = letterInput(twoCarers, { amendedText });
    await sendLetter(input);
    await smtp.waitFor(mailsBefore + 2);
    for (const mail of newMails()) {
      expect(mail.text).toContain('As agreed, Amira will attend the breakfast club from Monday.');
      expect(mail.text).toContain('- A check-in with Mrs Patel each morning');
      expect(mail.text).not.toContain('We are writing about the attendance of');
      expect(mail.html).toContain('<li>Breakfast club from 8:00am</li>');
    }
    expect(await getLetter(db, input.sendId)).toMatchObject({ amended: true });
  });

  it('falls back to the generic letter for an unknown template, and records which', async () => {
    const warnings: unknown[] = [];
    const { sendLetter } = createLetterActivities(
      deps({ logger: { info: () => undefined, warn: (m, meta) => warnings.push({ m, meta }) } }),
    );
    const input = letterInput(twoCarers, { template: 'new-council/letter-we-have-not-written' });
    const res = await sendLetter(input);
    expect(res).toMatchObject({ fellBack: true, templateId: 'generic-letter', recipients: 2 });
    await smtp.waitFor(mailsBefore + 2);
    expect(newMails()[0]!.subject).toBe("Amira Khan's attendance at Oakfield Primary");
    expect(await getLetter(db, input.sendId)).toMatchObject({
      templateId: 'generic-letter',
      requestedTemplateId: 'new-council/letter-we-have-not-written',
    });
    expect(JSON.stringify(warnings)).toContain('new-council/letter-we-have-not-written');
    expect(JSON.stringify(warnings)).not.toContain('Amira'); // ids only in logs
  });

  it("uses the school's own wording when it has overridden a template", async () => {
    await upsertLetterTemplate(db, {
      schoolId: SCHOOL_ID,
      templateId: 'bradford/med-letter',
      subject: 'About {{pupil.givenName}} and illness',
      body: 'Our own words for {{carerNames}}.',
    });
    const { sendLetter } = createLetterActivities(deps());
    await sendLetter(letterInput(twoCarers, { template: 'bradford/med-letter', stepId: 'med-letter' }));
    await smtp.waitFor(mailsBefore + 2);
    expect(newMails()[0]!.subject).toBe('About Amira and illness');
    expect(newMails()[0]!.text).toContain('Our own words for Sara Khan and Imran Khan.');
  });

  it("fails the step (no endless retries) when a school's own wording cannot be rendered", async () => {
    const broken = { subject: 'Plan', body: '{{#pupil}}never closed' };
    expect(templateProblems(broken)).toEqual([expect.stringContaining('body: Unclosed section "pupil"')]);
    await upsertLetterTemplate(db, {
      schoolId: SCHOOL_ID,
      templateId: 'five-stage/attendance-plan',
      ...broken,
    });
    const { sendLetter } = createLetterActivities(deps());
    await expect(
      sendLetter(
        letterInput(twoCarers, { template: 'five-stage/attendance-plan', stepId: 'attendance-plan' }),
      ),
    ).rejects.toMatchObject({ type: 'TemplateError', nonRetryable: true });
    expect(newMails()).toHaveLength(0);
  });

  it('texts a carer with only a phone that a letter is on its way, and asks the office to post it', async () => {
    const sms = new RecordingSmsGateway();
    const { sendLetter } = createLetterActivities(deps({ sms }));
    const input = letterInput(phoneOnly);
    const res = await sendLetter(input);
    expect(res.recipients).toBe(2);
    await smtp.waitFor(mailsBefore + 1);
    expect(newMails().map(mailTo)).toEqual(['tom@example.org']);
    expect(sms.sent).toHaveLength(1);
    expect(sms.sent[0]).toMatchObject({ to: '01632 960001', reference: `${input.sendId}:1` });
    expect(sms.sent[0]!.text).toContain('is on its way to you');
    const rows = (await listOutbox(db, SCHOOL_ID, { caseId: input.caseId })).filter(
      (r) => r.ref === input.sendId,
    );
    expect(rows.map((r) => [r.channel, r.status]).sort()).toEqual([
      ['email', 'sent'],
      ['sms', 'sent'],
    ]);
    const tasks = await listStaffTasks(db, SCHOOL_ID, { caseId: input.caseId });
    expect(tasks.find((t) => t.id === `${input.sendId}:post`)).toMatchObject({
      kind: 'postLetter',
      status: 'open',
    });
  });
});

// A send retried while its first attempt is still running (a worker that stalled or was killed,
// then Temporal's retry, perhaps on another worker) meets the same outbox row. On a PostgreSQL
// server the attempts below really run at the same time (test/store/together.ts).
describe.each(availableEngines())('the outbox on $name', (engine) => {
  let store: Db;
  beforeAll(async () => {
    store = await openStoreOn(engine);
  });
  afterAll(async () => {
    await engine.dispose(store);
  });

  const message = (key: string) => ({
    idempotencyKey: key,
    schoolId: SCHOOL_ID,
    channel: 'email' as const,
    to: 'sara.khan@example.org',
    subject: "Amira's attendance: school letter 1",
    text: 'Dear Sara Khan, ...',
  });

  it('waits out a worker killed mid-delivery (lease) and then delivers once', async () => {
    const key = `lease-test:${randomUUID()}`;
    await insertOutbox(store, message(key));
    expect(await claimOutbox(store, key, 120)).toBe(true); // the killed worker's claim
    await expect(enqueueAndDeliver(store, mailer, message(key))).rejects.toBeInstanceOf(OutboxBusyError);
    await store.query(
      `UPDATE outbox SET claimed_until = now() - interval '1 second' WHERE idempotency_key = $1`,
      [key],
    );
    const res = await enqueueAndDeliver(store, mailer, message(key));
    expect(res).toMatchObject({ status: 'sent', alreadySent: false });
    await smtp.waitFor(mailsBefore + 1);
    expect(newMails()).toHaveLength(1);
  });

  it('delivers once when two attempts send the same message at the same moment', async () => {
    const key = `twice:${randomUUID()}`;
    await insertOutbox(store, message(key)); // written by the first attempt
    const attempt = () =>
      enqueueAndDeliver(store, mailer, message(key)).then(
        (r) => (r.alreadySent ? 'found it sent' : 'delivered'),
        (err: unknown) => {
          if (err instanceof OutboxBusyError) return 'stood back';
          throw err;
        },
      );
    // Both attempts held at the row until both are on their way, then let go together.
    const outcomes = await startTogether(
      store,
      {
        what: 'the outbox row',
        hold: (tx) => tx.query('SELECT id FROM outbox WHERE idempotency_key = $1 FOR UPDATE', [key]),
      },
      [attempt, attempt],
    );
    // One delivers; the other finds the row taken (or already sent) and leaves it alone.
    expect(outcomes.filter((o) => o === 'delivered')).toHaveLength(1);
    expect(await getOutboxByKey(store, key)).toMatchObject({ status: 'sent', attempts: 1 });
    // Both attempts have returned, so every delivery made has reached the SMTP server.
    await smtp.waitFor(mailsBefore + 1);
    expect(newMails().map(mailTo)).toEqual(['sara.khan@example.org']);
  });
});

describe('a letter planned with its story (engine 2)', () => {
  const story = (over: Partial<LetterStory> = {}): LetterStory => ({
    route: 'escalated',
    earlier: [
      { kind: 'letter', title: 'a letter', date: '2024-09-23' },
      { kind: 'meeting', title: 'an Attendance Support Meeting', date: '2024-10-01', attended: true },
    ],
    absence: {
      illnessOnly: false,
      illnessSessions: 2,
      unauthorisedSessions: 5,
      unexplainedSessions: 2,
      penaltyPossible: true,
    },
    localAuthority: null,
    ...over,
  });
  const plan = (pupilId: string, template: string, s: LetterStory, figures = FIGURES) =>
    buildLetterPlan(db, {
      schoolId: SCHOOL_ID,
      pupilId,
      kind: 'letter',
      channel: 'letter',
      recipe: { template, date: '2024-10-14', figures, reasons: [], story: s },
    });

  it("tells the family what already happened, with its dates, and not the engine's reasons", async () => {
    const { content } = await plan(twoCarers, 'bradford/warning-letter-1', story());
    expect(content.subject).toBe("Amira Khan's attendance at Oakfield Primary: Warning Letter 1");
    expect(content.text).toContain(
      'We have already been in touch with you about it:\n\n' +
        '- a letter dated 23 September 2024\n' +
        '- an Attendance Support Meeting on 1 October 2024, which you came to\n\n' +
        "Sadly, Amira's attendance has not improved enough since then.",
    );
    expect(content.text).toContain('the school must consider asking the local authority for one');
    expect(problemsForParents(content.text, { penaltyPossible: true })).toEqual([]);
  });

  it('names the local authority the school set in its calendar file', async () => {
    const elm = { ...CALENDAR, school: '100002', name: 'Elm Primary', localAuthority: 'Northshire Council' };
    await upsertSchool(db, elm);
    const pupilId = await addPupil(
      db,
      {
        givenName: 'Rio',
        familyName: 'Dale',
        yearGroup: 6,
        contacts: [{ name: 'Ana Dale', email: 'ana@example.org', phone: null }],
      },
      elm.school,
    );
    const { content } = await buildLetterPlan(db, {
      schoolId: elm.school,
      pupilId,
      kind: 'letter',
      channel: 'letter',
      recipe: {
        template: 'bradford/final-warning-letter',
        date: '2024-10-14',
        figures: FIGURES,
        reasons: [],
        story: story(),
      },
    });
    expect(content.text).toContain("The school is now asking Northshire Council to look at Rio's attendance");
    expect(content.text).not.toMatch(/Bradford/);
  });

  it('writes to a family whose absence is all illness about health, never about penalties', async () => {
    const { content } = await plan(
      twoCarers,
      'bradford/warning-letter-1',
      story({
        route: 'opened',
        earlier: [],
        absence: {
          illnessOnly: true,
          illnessSessions: 6,
          unauthorisedSessions: 0,
          unexplainedSessions: 0,
          penaltyPossible: false,
        },
      }),
      letterFigures(factsWith([{ code: 'I', days: [3, 4, 5], both: true }])),
    );
    expect(content.text).toContain('Amira was absent for 6 sessions.');
    expect(content.text).toContain('All of these absences were for illness or medical appointments.');
    expect(content.subject).toBe("Amira Khan's attendance and health at Oakfield Primary");
    expect(content.text).toContain('We know Amira has been unwell, and we hope Amira is feeling better.');
    expect(content.text).not.toMatch(/penalty|fine|warning|legal/i);
  });
});

describe('sendMessage', () => {
  it("sends Bradford's app message to each carer once", async () => {
    const app = new RecordingAppMessenger();
    const { sendMessage } = createMessagingActivities(deps({ app }));
    const input = {
      ...letterInput(twoCarers),
      stepId: 'dropping-towards-95-message',
      template: 'bradford/dropping-towards-95',
      channel: 'app' as const,
    };
    const res = await sendMessage(input);
    expect(res).toMatchObject({ recipients: 2, delivery: 'outbox', alreadySent: false });
    expect(app.sent.map((m) => m.to).sort()).toEqual(['imran.khan@example.org', 'sara.khan@example.org']);
    expect(app.sent[0]!.text).toContain(
      "Hello from Oakfield Primary. In the 6 school weeks from 2 September to 11 October 2024, Amira's attendance was 88.3%.",
    );
    expect(problemsForParents(app.sent[0]!.text)).toEqual([]);
    expect(await sendMessage(input)).toMatchObject({ alreadySent: true });
    expect(app.sent).toHaveLength(2);
  });

  it('turns a phone step into a task for the team with the call script', async () => {
    const { sendMessage } = createMessagingActivities(deps());
    const input = {
      ...letterInput(twoCarers),
      stepId: 'make-parents-aware',
      template: 'bradford/stage-one-awareness',
      channel: 'phone' as const,
    };
    const res = await sendMessage(input);
    expect(res).toMatchObject({ delivery: 'staffTask', recipients: 1 });
    const tasks = await listStaffTasks(db, SCHOOL_ID, { caseId: input.caseId });
    const task = tasks.find((t) => t.id === `${input.sendId}:call`)!;
    expect(task.kind).toBe('phoneCall');
    expect(task.notes).toContain('Ask about each missing mark');
    expect(task.notes).toContain('Sara Khan: 07700 900001');
    expect(newMails()).toHaveLength(0);
  });
});

describe('notifyStaff and createStaffTask', () => {
  it("holds a notification when the school has no staff address, and emails the officer's once set", async () => {
    const { notifyStaff } = createMessagingActivities(deps());
    const first = await notifyStaff({
      notificationId: randomUUID(),
      schoolId: SCHOOL_ID,
      caseId: 'case-x',
      audience: 'officer',
      subject: 'Reminder: a step is waiting for approval',
      text: 'Case case-x has a step waiting.',
    });
    expect(first.status).toBe('held');

    await setSchoolContact(db, SCHOOL_ID, 'officer', {
      name: 'Mrs Patel',
      email: 'attendance@oakfield.example',
    });
    const input = {
      notificationId: randomUUID(),
      schoolId: SCHOOL_ID,
      caseId: 'case-x',
      audience: 'manager' as const, // no manager set: falls back to the officer
      subject: 'Overdue approval',
      text: 'Case case-x needs a manager.',
    };
    expect(await notifyStaff(input)).toMatchObject({ status: 'sent', alreadySent: false });
    expect(await notifyStaff(input)).toMatchObject({ status: 'sent', alreadySent: true });
    await smtp.waitFor(mailsBefore + 1);
    expect(newMails().map(mailTo)).toEqual(['attendance@oakfield.example']);
  });

  it('creates a staff task once per taskId', async () => {
    const { createStaffTask } = createStaffTaskActivities({ db });
    const input = {
      taskId: randomUUID(),
      caseId: 'case-y',
      schoolId: SCHOOL_ID,
      pupilId: twoCarers,
      stageId: 'stage-two',
      stepId: 'announced-home-visit',
      kind: 'homeVisit',
      title: 'Announced home visit',
      dueOn: '2024-10-16',
    };
    expect(await createStaffTask(input)).toEqual({ taskId: input.taskId, created: true });
    expect(await createStaffTask(input)).toEqual({ taskId: input.taskId, created: false });
    expect(await listStaffTasks(db, SCHOOL_ID, { caseId: 'case-y' })).toHaveLength(1);
  });
});
