// A worker dies in the middle of sending a letter. The case resumes on a new worker and each
// parent receives the letter exactly once; the evidence holds one letter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpMailer } from '../../messaging/smtpMailer';
import type { Mailer } from '../../messaging/types';
import { markPattern, startHarness, type Harness } from './harness';

const START = '2025-11-17';
const stageTwo = markPattern((_d, s, i) => (i % 7 === 0 ? 'O' : i % 11 === 0 && s === 'PM' ? 'O' : null));

describe('a worker killed in the middle of a send', () => {
  let h: Harness;
  let hangStarted!: Promise<void>;

  beforeAll(async () => {
    // The first worker's mailer never finishes its first delivery: the process "dies" there,
    // after the letter and its outbox rows were written and before any mail left.
    let signal!: () => void;
    hangStarted = new Promise((r) => (signal = r));
    let real: Mailer | null = null;
    let first = true;
    const dying: Mailer = {
      deliver(msg) {
        if (first) {
          first = false;
          signal();
          return new Promise<void>(() => {});
        }
        return real!.deliver(msg);
      },
    };
    h = await startHarness({
      policy: 'bradford-staged-intervention',
      start: START,
      workerMailer: dying,
      noStickyCache: true,
      // A lost attempt is presumed dead after 5 s here (2 minutes in production).
      settings: { sendAttemptTimeout: '5 seconds' },
      pupils: [
        {
          key: 'noah',
          givenName: 'Noah',
          familyName: 'Grant',
          contacts: [
            { name: 'Asha Grant', email: 'asha.grant@example.org' },
            { name: 'Rob Grant', email: 'rob.grant@example.org' },
          ],
          mark: stageTwo,
        },
      ],
    });
    real = new SmtpMailer({ url: h.smtp.url, from: 'attendance@harbour.example' });
    await h.sweep();
  }, 120_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it('sends Warning Letter 1 to each parent once after the worker is replaced', async () => {
    const [proposal] = await h.pending('noah');
    expect(proposal?.step.stepId).toBe('warning-letter-1');
    const approval = h.decide('noah', { proposalId: proposal!.proposalId, decision: 'approve' });
    await hangStarted;
    await approval;
    expect(h.smtp.messages).toHaveLength(0);

    // The crash: the worker goes away mid-send. A new worker (with a working mailer) takes over
    // once the lost attempt times out.
    await h.restartWorker(new SmtpMailer({ url: h.smtp.url, from: 'attendance@harbour.example' }));
    await h.smtp.waitFor(2, 30_000);
    let v = await h.view('noah');
    for (let i = 0; i < 100 && !v.timeline.some((t) => t.type === 'letterSent'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      v = await h.view('noah');
    }
    await new Promise((r) => setTimeout(r, 1000)); // room for a duplicate to arrive, were there one

    const recipients = h.smtp.messages
      .map((m) => (m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : ''))
      .sort();
    expect(recipients).toEqual(['asha.grant@example.org', 'rob.grant@example.org']);
    const { rows: letters } = await h.db.query(`SELECT id FROM letters WHERE step_id = 'warning-letter-1'`);
    expect(letters).toHaveLength(1);
    const { rows: outbox } = await h.db.query<{ status: string }>(
      `SELECT status FROM outbox WHERE channel = 'email' ORDER BY id`,
    );
    expect(outbox.map((r) => r.status)).toEqual(['sent', 'sent']);
    expect(v.timeline.filter((t) => t.type === 'letterSent')).toHaveLength(1);
  });
});
