// A worker dies in the middle of sending a letter. The case resumes on a new worker and the
// evidence holds one letter. Two moments of death are shown:
// - before the mail server has the message: each parent receives the letter exactly once;
// - after the mail server accepted it but before the outbox recorded "sent": that parent receives
//   it a second time, with the same Message-ID, so mail systems and readers can recognise the
//   repeat (docs/letters-and-messaging.md, "Every send is idempotent").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedMail } from 'mailparser';
import { SmtpMailer } from '../../messaging/smtpMailer';
import type { Mailer } from '../../messaging/types';
import { SCENARIO_TIMEOUT_MS, markPattern, sendAttempts, startHarness, type Harness } from './harness';

const START = '2025-11-17';
const stageTwo = markPattern((_d, s, i) => (i % 7 === 0 ? 'O' : i % 11 === 0 && s === 'PM' ? 'O' : null));
const PARENTS = [
  { name: 'Asha Grant', email: 'asha.grant@example.org' },
  { name: 'Rob Grant', email: 'rob.grant@example.org' },
];

const recipientOf = (m: ParsedMail) => (m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : '');

/**
 * A mailer for the first worker that "dies" on its first delivery: it hangs forever, before or
 * after handing the message to the real SMTP server. `died` resolves when that happens.
 */
function dyingMailer(h: () => Harness, when: 'before' | 'after') {
  let died!: () => void;
  const diedPromise = new Promise<void>((r) => (died = r));
  let first = true;
  const mailer: Mailer = {
    async deliver(msg) {
      const real = new SmtpMailer({ url: h().smtp.url, from: 'attendance@harbour.example' });
      if (!first) return real.deliver(msg);
      first = false;
      if (when === 'after') await real.deliver(msg);
      died();
      return new Promise<void>(() => {});
    },
  };
  return { mailer, died: diedPromise };
}

async function startNoahsCase(mailer: Mailer, when: 'before' | 'after'): Promise<Harness> {
  const h = await startHarness({
    scenario: `crash-${when}`,
    policy: 'bradford-staged-intervention',
    start: START,
    workerMailer: mailer,
    noStickyCache: true,
    // A lost attempt is presumed dead after 5 s here (2 minutes in production).
    settings: { sendAttemptTimeout: '5 seconds' },
    pupils: [{ key: 'noah', givenName: 'Noah', familyName: 'Grant', contacts: PARENTS, mark: stageTwo }],
  });
  await h.sweep();
  return h;
}

/** Approves Warning Letter 1, lets the first worker die mid-send, and replaces it. */
async function approveAndCrash(h: Harness, died: Promise<void>): Promise<void> {
  const [proposal] = await h.pending('noah');
  expect(proposal?.step.stepId).toBe('warning-letter-1');
  await h.decide('noah', { proposalId: proposal!.proposalId, decision: 'approve' }, { waitForQuiet: false });
  await died;
  // The crash: the worker goes away mid-send. A new worker (with a working mailer) takes over
  // once the lost attempt times out.
  await h.restartWorker(new SmtpMailer({ url: h.smtp.url, from: 'attendance@harbour.example' }));
  await h.waitForQuietCases(); // every attempt has ended: nothing more can arrive
}

async function expectOneLetterOnRecord(h: Harness): Promise<void> {
  const { rows: letters } = await h.db.query(`SELECT id FROM letters WHERE step_id = 'warning-letter-1'`);
  expect(letters).toHaveLength(1);
  const { rows: outbox } = await h.db.query<{ to_address: string; status: string }>(
    `SELECT to_address, status FROM outbox WHERE channel = 'email' ORDER BY to_address`,
  );
  expect(outbox).toEqual([
    { to_address: 'asha.grant@example.org', status: 'sent' },
    { to_address: 'rob.grant@example.org', status: 'sent' },
  ]);
  const v = await h.view('noah');
  expect(v.timeline.filter((t) => t.type === 'letterSent').map((t) => t.stepId)).toEqual([
    'warning-letter-1',
  ]);
  // The first attempt really was lost: the letter went out on a later one.
  expect(sendAttempts(await h.histories('noah'))).toEqual([2]);
}

describe('a worker killed in the middle of a send, before the mail server has the letter', () => {
  const DYING = 'before';
  let h: Harness;
  const dying = dyingMailer(() => h, DYING);
  beforeAll(async () => {
    h = await startNoahsCase(dying.mailer, DYING);
  }, 120_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it(
    'sends Warning Letter 1 to each parent exactly once after the worker is replaced',
    async () => {
      await approveAndCrash(h, dying.died);
      expect(h.smtp.messages.map(recipientOf).sort()).toEqual([
        'asha.grant@example.org',
        'rob.grant@example.org',
      ]);
      await expectOneLetterOnRecord(h);
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe('a worker killed after the mail server accepted the letter, before it was recorded as sent', () => {
  const DYING = 'after';
  let h: Harness;
  const dying = dyingMailer(() => h, DYING);
  beforeAll(async () => {
    h = await startNoahsCase(dying.mailer, DYING);
  }, 120_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it(
    'sends that letter again, with the same Message-ID, and keeps one letter on record',
    async () => {
      await approveAndCrash(h, dying.died);
      const byRecipient = new Map<string, ParsedMail[]>();
      for (const m of h.smtp.messages)
        byRecipient.set(recipientOf(m)!, [...(byRecipient.get(recipientOf(m)!) ?? []), m]);
      // The first parent's copy was accepted by the mail server when the worker died; the new
      // worker cannot know that and delivers it again. The second parent's copy goes once.
      const [first, second] = [...byRecipient.entries()].sort((a, b) => b[1].length - a[1].length);
      expect(first![1]).toHaveLength(2);
      expect(second![1]).toHaveLength(1);
      expect(first![1][0]!.messageId).toBeTruthy();
      expect(first![1][1]!.messageId).toBe(first![1][0]!.messageId);
      expect(second![1][0]!.messageId).not.toBe(first![1][0]!.messageId);
      expect(first![1][1]!.subject).toBe(first![1][0]!.subject);
      await expectOneLetterOnRecord(h);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
