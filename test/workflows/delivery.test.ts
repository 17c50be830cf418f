// Records claim only what happened. With no SMTP server configured a letter waits in the outbox, and
// the timeline says "held", never "sent", until someone sends it from the outbox. A parent's address
// that the mail server refuses is tried a bounded number of times, then the step goes to a person.
import { signingClient } from '../support/actorKeys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpMailer } from '../../messaging/smtpMailer';
import { sendHeldMail } from '../../messaging/heldMail';
import { listStaffTasks } from '../../store/caseServices';
import { MANAGER, SCHOOL_ID, SCENARIO_TIMEOUT_MS, markPattern, startHarness, type Harness } from './harness';

const START = '2025-11-17';
const stageTwo = markPattern((_d, s, i) => (i % 7 === 0 ? 'O' : i % 11 === 0 && s === 'PM' ? 'O' : null));

describe('a letter held in the outbox is never called sent', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      policy: 'bradford-staged-intervention',
      start: START,
      scenario: 'delivery-held',
      mailer: 'outbox', // no SMTP server configured
      pupils: [
        {
          key: 'eve',
          givenName: 'Eve',
          familyName: 'Hart',
          contacts: [
            { name: 'Jo Hart', email: 'jo.hart@example.org' },
            { name: 'Sam Hart', phone: '07700 900456' },
          ],
          mark: stageTwo,
        },
      ],
    });
    await h.sweep();
    await h.approveAll();
  }, 120_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it('says the letter is held for the parent with an email, and to be posted to the other', async () => {
    const v = await h.view('eve');
    const lines = v.timeline.filter((t) => t.stepId === 'warning-letter-1' && t.type !== 'proposed');
    expect(lines.map((t) => t.type)).toEqual(['approved', 'letterHeld', 'toPost']);
    expect(lines[1]!.text).toBe(
      'Warning Letter 1 held in the outbox, not yet sent, for 1 parent/carer: no SMTP server configured',
    );
    expect(v.timeline.some((t) => t.type === 'letterSent')).toBe(false);
    expect(h.smtp.messages).toEqual([]);
    const post = v.tasks!.find((t) => t.purpose === 'post')!;
    expect(post).toMatchObject({ status: 'open', kind: 'postLetter' });
  });

  it('records it as sent when a manager sends the held mail from the outbox', async () => {
    const mailer = new SmtpMailer({ url: h.smtp.url, from: 'attendance@harbour.example' });
    const client = signingClient({ connection: h.env.connection, namespace: h.env.namespace });
    const res = await sendHeldMail(h.db, mailer, client, {
      schoolId: SCHOOL_ID,
      actor: MANAGER,
      today: h.today(),
    });
    expect(res).toMatchObject({ sent: 1, casesTold: 1 });
    await h.waitForQuietCases();
    const v = await h.view('eve');
    expect(v.timeline.at(-1)).toMatchObject({
      type: 'deliveryCompleted',
      text: 'Warning Letter 1: sent from the outbox to 1 parent/carer',
      actor: MANAGER,
    });
    expect(h.smtp.messages.map((m) => (m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : ''))).toEqual([
      'jo.hart@example.org',
    ]);
  });
});

describe('an address the mail server refuses', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      policy: 'bradford-staged-intervention',
      start: START,
      scenario: 'delivery-refused',
      settings: { sendAttempts: 3 },
      pupils: [
        {
          key: 'max',
          givenName: 'Max',
          familyName: 'Lowe',
          contacts: [{ name: 'Pat Lowe', email: 'nobody@refused.example' }],
          mark: stageTwo,
        },
      ],
    });
    h.smtp.refuse('nobody@refused.example');
    await h.sweep();
  }, 120_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it(
    'is tried three times, then becomes a task for a person naming what failed',
    async () => {
      await h.approveAll();
      const v = await h.view('max');
      const failed = v.timeline.find((t) => t.type === 'stepFailed')!;
      expect(failed.text).toMatch(
        /^Warning Letter 1 could not be done automatically \(.*nobody@refused\.example/,
      );
      expect(v.timeline.some((t) => t.type === 'letterSent')).toBe(false);
      const tasks = await listStaffTasks(h.db, SCHOOL_ID, { caseId: v.caseId });
      expect(tasks.map((t) => t.title)).toEqual([expect.stringMatching(/^Do by hand: Warning Letter 1/)]);
      expect(h.smtp.refusals('nobody@refused.example')).toBe(3);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
