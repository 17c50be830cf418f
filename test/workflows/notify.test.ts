// Warning Letter 1 goes to Eve Hart's parents through GOV.UK Notify (issue 17): emailed to her
// mother, a text to her father that it is on its way, and a printed copy posted by Notify to each
// (a formal warning goes by post too, first class). The worker dies just after Notify took the first
// copy; the copy is found by its reference and never posted twice. What Notify later says of each
// (printed and posted, not delivered, came back) reaches the case's timeline, and a copy that did not
// reach the family becomes a task for the team. Real time-skipping server, real worker, real embedded
// PostgreSQL, the official Notify client against a stand-in of Notify's documented API, and the API's
// own callback endpoint on a real port.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenHash, type NotifySettings } from '../../integrations/connections';
import { SecretBox, secretHint } from '../../integrations/secretBox';
import { integrationServices, type IntegrationServices } from '../../integrations/services';
import type { NotifyTransport } from '../../messaging/notify';
import { putIntegration } from '../../store/integrations';
import { listPostedLetters } from '../../store/letterPost';
import { NOTIFY_AREAS_MM } from '../../letters/pdf';
import { linesOf, wordsOf, type PdfWord } from '../support/pdfWords';
import { makeTestApp, type TestApp } from '../api/helpers';
import { startNotifyStandIn, type NotifyStandIn, type StandInNotification } from '../support/notifyStandIn';
import {
  markPattern,
  SCENARIO_TIMEOUT_MS,
  SCHOOL_ID,
  sendAttempts,
  startHarness,
  type Harness,
} from './harness';

const START = '2025-11-17';
const stageTwo = markPattern((_d, s, i) => (i % 7 === 0 ? 'O' : i % 11 === 0 && s === 'PM' ? 'O' : null));
/** The deployment's key that seals schools' secrets: the worker's and the API's. */
const SEALING_KEY = randomBytes(32);
const box = new SecretBox(SEALING_KEY);
const CALLBACK_TOKEN = randomBytes(24).toString('base64url');

/** The first worker's Notify "dies" just after Notify has taken the first posted copy. */
function dyingNotify() {
  let died!: () => void;
  const diedPromise = new Promise<void>((r) => (died = r));
  let first = true;
  const wrapped = new Map<NotifyTransport, NotifyTransport>();
  const wrap = (real: NotifyTransport): NotifyTransport => {
    const kept = wrapped.get(real);
    if (kept) return kept;
    const dying = Object.create(real) as NotifyTransport;
    dying.post = async (letter) => {
      const receipt = await real.post(letter);
      if (!first) return receipt;
      first = false;
      died();
      return new Promise(() => {}); // the worker is gone before it can record the answer
    };
    wrapped.set(real, dying);
    return dying;
  };
  return { wrap, died: diedPromise };
}

/** A posted letter as the family reads it (poppler's pdftotext, in reading order). */
function saved(n: StandInNotification): string {
  const file = join(mkdtempSync(join(tmpdir(), 'notify-letter-')), 'letter.pdf');
  writeFileSync(file, n.pdf!);
  return file;
}

/** A posted letter as the family reads it (poppler's pdftotext, in reading order). */
function readLetter(n: StandInNotification): string {
  return execFileSync('pdftotext', ['-layout', saved(n), '-'], { encoding: 'utf8' });
}

const MM = 72 / 25.4;
type Area = { left: number; right: number; top: number; bottom: number };
const inside = (w: PdfWord, a: Area) =>
  w.xMin >= a.left * MM && w.xMax <= a.right * MM && w.yMin >= a.top * MM && w.yMax <= a.bottom * MM;

/**
 * A copy as GOV.UK Notify checks it before printing (its letter specification): the lines in its
 * address area, and any word on the first page outside the areas Notify prints (or on a later page,
 * outside the body's margins), which would have it refused.
 */
function asNotifyReadsIt(n: StandInNotification): { address: string[]; outside: string[] } {
  const words = wordsOf(saved(n));
  const a = NOTIFY_AREAS_MM;
  const later = { left: 15, right: 195, top: 5, bottom: 292 };
  const outside = words.filter((w) =>
    w.page === 0 ? ![a.logo, a.address, a.sender, a.body].some((area) => inside(w, area)) : !inside(w, later),
  );
  return {
    address: linesOf(words.filter((w) => w.page === 0 && inside(w, a.address))),
    outside: outside.map((w) => `${w.text}@${Math.round(w.xMin / MM)},${Math.round(w.yMin / MM)}mm`),
  };
}

describe('a letter posted, emailed and texted through GOV.UK Notify', () => {
  let h: Harness;
  let notify: NotifyStandIn;
  let api: TestApp;
  const dying = dyingNotify();

  beforeAll(async () => {
    notify = await startNotifyStandIn();
    h = await startHarness({
      scenario: 'notify',
      policy: 'bradford-staged-intervention',
      start: START,
      noStickyCache: true,
      // A lost attempt is presumed dead after 5 s here (2 minutes in production).
      settings: { sendAttemptTimeout: '5 seconds' },
      integrations: (db, worker): IntegrationServices => {
        const services = integrationServices(db, undefined, async () => box);
        if (worker > 0) return services;
        return {
          ...services,
          notifyFor: async (id) => {
            const real = await services.notifyFor(id);
            return real ? dying.wrap(real) : null;
          },
        };
      },
      pupils: [
        {
          key: 'eve',
          givenName: 'Eve',
          familyName: 'Hart',
          contacts: [
            {
              name: 'Jo Hart',
              email: 'jo.hart@example.org',
              address: '4 Mill Road|Seaton',
              postcode: 'EX12 2AB',
            },
            {
              name: 'Sam Hart',
              phone: '07700 900456',
              address: '9 Quay Street|Seaton',
              postcode: 'EX12 2AD',
            },
          ],
          mark: stageTwo,
        },
      ],
    });
    // The administrator connected the school's Notify service, with a token for its callbacks.
    const settings: NotifySettings = {
      baseUrl: notify.baseUrl,
      emailTemplateId: notify.emailTemplateId,
      smsTemplateId: notify.smsTemplateId,
      postage: 'second',
      postLetters: true,
      callbackTokenHash: tokenHash(CALLBACK_TOKEN),
    };
    await putIntegration(
      h.db,
      SCHOOL_ID,
      'notify',
      settings,
      { sealed: box.seal(notify.apiKey), hint: secretHint(notify.apiKey) },
      null,
    );
    // The API, on a real port, takes Notify's callbacks.
    api = await makeTestApp({
      db: h.db,
      temporal: h.client,
      taskQueue: h.taskQueue,
      env: { INTEGRATION_SECRET_KEY: SEALING_KEY.toString('base64') },
    });
    const address = await api.app.listen({ port: 0, host: '127.0.0.1' });
    notify.setCallbacks({
      deliveryStatusUrl: `${address}/api/integrations/notify/callbacks/delivery-status`,
      returnedLetterUrl: `${address}/api/integrations/notify/callbacks/returned-letter`,
      bearerToken: CALLBACK_TOKEN,
    });
    await h.sweep();
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await h?.shutdown();
    await notify?.close();
  });

  it(
    'posts each copy of the approved letter exactly once, though the worker died mid-send',
    async () => {
      const [proposal] = await h.pending('eve');
      expect(proposal?.step.stepId).toBe('warning-letter-1');
      await h.decide(
        'eve',
        { proposalId: proposal!.proposalId, decision: 'approve' },
        { waitForQuiet: false },
      );
      await dying.died;
      await h.restartWorker();
      await h.waitForQuietCases();

      // The first attempt really was lost: the letter went on the second, which found the copy Notify
      // already had by its reference instead of posting it again.
      expect(sendAttempts(await h.histories('eve'))).toEqual([2]);
      const letters = notify.letters();
      expect(letters).toHaveLength(2);
      const { rows: posted } = await h.db.query<{
        idempotency_key: string;
        provider_id: string;
        status: string;
        postage: string;
      }>(
        `SELECT idempotency_key, provider_id, status, postage FROM outbox WHERE channel = 'post' ORDER BY idempotency_key`,
      );
      expect(posted.map((r) => r.status)).toEqual(['sent', 'sent']);
      expect(posted.map((r) => r.provider_id).sort()).toEqual(letters.map((l) => l.id).sort());
      expect(letters.map((l) => l.reference).sort()).toEqual(posted.map((r) => r.idempotency_key));
      // A formal warning goes first class, so it arrives when the letter says.
      expect(letters.map((l) => l.postage)).toEqual(['first', 'first']);

      // Each copy read as its parent reads it: their own name and address in the window, the letter
      // as approved, and nothing from the engine.
      const [{ rows: stored }] = [
        await h.db.query<{ subject: string; body_text: string }>(`SELECT subject, body_text FROM letters`),
      ];
      // Each copy is laid out as Notify's letter specification asks: the parent's name and address
      // alone in Notify's address area, nothing where Notify does not print.
      const copyFor = (i: number) => letters.find((l) => l.reference!.endsWith(`:${i}:post`))!;
      expect(asNotifyReadsIt(copyFor(0))).toEqual({
        address: ['Jo Hart', '4 Mill Road', 'Seaton', 'EX12 2AB'],
        outside: [],
      });
      expect(asNotifyReadsIt(copyFor(1))).toEqual({
        address: ['Sam Hart', '9 Quay Street', 'Seaton', 'EX12 2AD'],
        outside: [],
      });
      const byRef = new Map(letters.map((l) => [l.reference!.split(':')[1], readLetter(l)]));
      for (const text of byRef.values()) {
        expect(text).toContain('Dear Jo Hart and Sam Hart,');
        expect(text).toContain('This is Warning Letter 1. It is the first formal warning about Eve');
        expect(text).not.toMatch(/Stage Two|step \d of|\d{4}-\d\d-\d\d|\brule\b|mandatory/i);
      }
      // The email is the approved letter, word for word; the text says a letter is on its way.
      const email = notify.notifications.filter((n) => n.type === 'email');
      expect(email.map((n) => [n.emailAddress, n.personalisation])).toEqual([
        ['jo.hart@example.org', { subject: stored[0]!.subject, body: stored[0]!.body_text }],
      ]);
      const texts = notify.notifications.filter((n) => n.type === 'sms');
      expect(texts.map((n) => n.phoneNumber)).toEqual(['07700 900456']);
      expect(texts[0]!.personalisation.body).toMatch(/is on its way to you by post/);
      expect(h.smtp.messages).toEqual([]); // nothing went by the school's own mail server

      const v = await h.view('eve');
      expect(v.timeline.filter((t) => t.type === 'letterSent').map((t) => t.text)).toEqual([
        'Warning Letter 1 sent by email to 1 parent/carer',
        // Notify has them now; it says later when they were printed and posted.
        'Warning Letter 1: given to GOV.UK Notify to print and post to 2 parents/carers',
      ]);
      // Notify posts them: the office has nothing to print, and no task to post them.
      expect(v.tasks?.filter((t) => t.kind === 'postLetter') ?? []).toEqual([]);
      expect(await listPostedLetters(h.db, SCHOOL_ID, START, START)).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'records what Notify later says of each copy on the case’s timeline',
    async () => {
      for (const l of notify.letters()) await notify.setStatus(l.id, 'received');
      const email = notify.notifications.find((n) => n.type === 'email')!;
      await notify.setStatus(email.id, 'delivered'); // the receipt comes by callback too
      await h.waitForQuietCases();
      // A row Notify no longer knows (sent under a key since replaced) must not stop the others.
      await h.db.query(
        `INSERT INTO outbox (idempotency_key, school_id, case_id, channel, to_address, body_text, ref, status,
                             sent_at, provider, provider_id, provider_status)
         VALUES ('old-key-row:0', $1, NULL, 'email', 'someone@example.org', 'x', 'old', 'sent', now(), 'notify',
                 '0b7d2f6e-8f43-4d0c-9a53-6a6f1d2f0c11', 'sending')`,
        [SCHOOL_ID],
      );
      // The scheduled check reads the letters' status back (Notify sends no callback for a letter).
      await h.client.workflow.execute('deliveryCheck', {
        taskQueue: h.taskQueue,
        workflowId: `delivery-check-${Date.now()}`,
      });
      await h.waitForQuietCases();

      const v = await h.view('eve');
      expect(
        v.timeline
          .filter((t) => t.type === 'deliveryStatus')
          .map((t) => t.text)
          .sort(),
      ).toEqual([
        'Warning Letter 1: the copy for 1 parent/carer was printed and posted by GOV.UK Notify',
        'Warning Letter 1: the copy for 1 parent/carer was printed and posted by GOV.UK Notify',
        'Warning Letter 1: the email was delivered to 1 parent/carer (GOV.UK Notify)',
      ]);
      const { rows: unknown } = await h.db.query<{ provider_status: string }>(
        `SELECT provider_status FROM outbox WHERE idempotency_key = 'old-key-row:0'`,
      );
      expect(unknown).toEqual([{ provider_status: 'not-found' }]);
      // Checking again tells the case nothing twice.
      await h.client.workflow.execute('deliveryCheck', {
        taskQueue: h.taskQueue,
        workflowId: `delivery-check-again-${Date.now()}`,
      });
      await h.waitForQuietCases();
      expect((await h.view('eve')).timeline.filter((t) => t.type === 'deliveryStatus')).toHaveLength(3);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'turns a returned letter and an undelivered text into tasks for the team',
    async () => {
      const samsLetter = notify.letters().find((l) => l.reference!.endsWith(':1:post'))!;
      await notify.returnLetter(samsLetter.id);
      const text = notify.notifications.find((n) => n.type === 'sms')!;
      await notify.setStatus(text.id, 'permanent-failure');
      await h.waitForQuietCases();

      const v = await h.view('eve');
      const lines = v.timeline.filter((t) => t.type === 'deliveryStatus').map((t) => t.text);
      expect(lines).toContain(
        'Warning Letter 1: the posted copy to 1 parent/carer came back undelivered; a task for the team to check the address',
      );
      expect(lines).toContain(
        'Warning Letter 1: the text message to 1 parent/carer could not be delivered (the number does not exist or cannot take texts); a task for the team to reach them another way',
      );
      const tasks = (v.tasks ?? []).filter((t) => t.purpose === 'delivery');
      expect(tasks.map((t) => [t.kind, t.status, t.title])).toEqual([
        [
          'deliveryProblem',
          'open',
          expect.stringMatching(/^Letter came back: check the address \(Eve Hart.s attendance/),
        ],
        ['deliveryProblem', 'open', expect.stringMatching(/^Not delivered: reach the family another way/)],
      ]);
      // They are on the Tasks page (the read model), and so in the store beside the case's other tasks.
      const { rows } = await h.db.query<{ kind: string; status: string }>(
        `SELECT kind, status FROM staff_tasks WHERE kind = 'deliveryProblem'`,
      );
      expect(rows).toHaveLength(2);

      // The officer reaches Sam by phone and records it: the task is done, and no step is done by it.
      const stepsBefore = (await h.view('eve')).caseState;
      await h.completeTask('eve', 'warning-letter-1', 'reached', {
        note: 'Spoke to Sam: new address in the MIS',
      });
      const after = await h.view('eve');
      const done = (after.tasks ?? []).filter((t) => t.purpose === 'delivery' && t.status === 'done');
      expect(done.map((t) => [t.outcome, t.note])).toEqual([
        ['reached', 'Spoke to Sam: new address in the MIS'],
      ]);
      expect(after.caseState.completedSteps).toEqual(stepsBefore.completedSteps);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
