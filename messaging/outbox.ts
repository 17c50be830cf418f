// The outbox: every message a case sends is first written here under an idempotency key, then
// delivered, then marked sent. So:
// - a retried activity finds the row already `sent` and sends nothing;
// - a worker killed after the row was written but before delivery delivers on the retry, once;
// - with no transport configured the row stays `held`, and the web app shows it to the team.
// The remaining window (delivered, then killed before "sent" was recorded) can repeat a message; the
// Message-ID derived from the key lets mail systems and readers recognise the repeat. A service that
// can be asked what it already accepted under a reference (GOV.UK Notify) closes that window: a row
// tried before is looked up first, and one found is recorded as sent without being sent again.
import {
  getLetterPdf,
  type NewOutboxMessage,
  type OutboxAttachment,
  type OutboxRecord,
} from '../store/caseServices';
import {
  claimOutbox,
  getOutboxByKey,
  insertOutbox,
  listUnsentOutboxKeys,
  markOutboxFailed,
  markOutboxHeld,
  markOutboxSent,
  recordProviderReceipt,
} from '../store/caseServices';
import type { Db } from '../store/db';
import type { DeliveryReceipt, MailAttachment, Mailer, Transports } from './types';

export type { NewOutboxMessage, OutboxAttachment, OutboxRecord };

/** Longer than the slowest delivery (SmtpMailer times out within 60 s), short enough for a retry to win. */
export const OUTBOX_LEASE_SECONDS = 120;

export interface DeliveryResult {
  outboxId: string;
  status: OutboxRecord['status'];
  /** True when the row was already sent before this call (a retry or a repeated send). */
  alreadySent: boolean;
}

/** Another attempt is delivering this row right now; retry later (Temporal does). */
export class OutboxBusyError extends Error {
  constructor(readonly idempotencyKey: string) {
    super(`outbox message ${idempotencyKey} is being delivered by another attempt`);
    this.name = 'OutboxBusyError';
  }
}

function asTransports(t: Mailer | Transports | null): Transports {
  if (t === null) return { mailer: null };
  if ('deliver' in t && typeof t.deliver === 'function') return { mailer: t };
  return t as Transports;
}

/** Writes the message (first write wins) and delivers it unless it was already sent. */
export async function enqueueAndDeliver(
  db: Db,
  transports: Mailer | Transports | null,
  msg: NewOutboxMessage,
): Promise<DeliveryResult> {
  const { row } = await insertOutbox(db, msg);
  return deliverRow(db, asTransports(transports), row);
}

/** Delivers an existing unsent row by key (used by `flushOutbox` and the web app's "send now"). */
export async function deliverByKey(
  db: Db,
  transports: Mailer | Transports | null,
  key: string,
): Promise<DeliveryResult> {
  const row = await getOutboxByKey(db, key);
  if (!row) throw new Error(`no outbox message ${key}`);
  return deliverRow(db, asTransports(transports), row);
}

/** Delivers every held, failed or queued message (e.g. once SMTP has been configured). */
export async function flushOutbox(
  db: Db,
  transports: Mailer | Transports | null,
  filter: { schoolId?: string; limit?: number } = {},
): Promise<{ sent: number; held: number; failed: number }> {
  const counts = { sent: 0, held: 0, failed: 0 };
  for (const key of await listUnsentOutboxKeys(db, filter)) {
    try {
      const r = await deliverByKey(db, transports, key);
      if (r.status === 'sent') counts.sent++;
      else counts.held++;
    } catch {
      counts.failed++;
    }
  }
  return counts;
}

async function deliverRow(db: Db, transports: Transports, row: OutboxRecord): Promise<DeliveryResult> {
  const result = (status: OutboxRecord['status'], alreadySent = false): DeliveryResult => ({
    outboxId: row.id,
    status,
    alreadySent,
  });
  if (row.status === 'sent') return result('sent', true);

  const holdReason = whyHeld(transports, row);
  if (holdReason) {
    await markOutboxHeld(db, row.idempotencyKey, holdReason);
    return result('held');
  }

  if (!(await claimOutbox(db, row.idempotencyKey, transports.leaseSeconds ?? OUTBOX_LEASE_SECONDS))) {
    const now = await getOutboxByKey(db, row.idempotencyKey);
    if (now?.status === 'sent') return result('sent', true);
    throw new OutboxBusyError(row.idempotencyKey);
  }

  try {
    // Tried before: the service may have taken it then, and the answer been lost.
    const earlier =
      row.attempts > 0 ? await transports.lookup?.findSent(row.idempotencyKey, row.channel) : null;
    const receipt = earlier ?? (await deliverVia(db, transports, row));
    if (receipt) await recordProviderReceipt(db, row.idempotencyKey, receipt);
  } catch (err) {
    await markOutboxFailed(db, row.idempotencyKey, errorText(err));
    throw err;
  }
  await markOutboxSent(db, row.idempotencyKey);
  return result('sent');
}

function whyHeld(t: Transports, row: OutboxRecord): string | null {
  if (!row.to) return 'no address for this recipient';
  if (row.channel === 'email' && !t.mailer) return 'no SMTP server configured';
  if (row.channel === 'sms' && !t.sms) return 'no SMS gateway configured';
  if (row.channel === 'app' && !t.app) return 'no app messenger configured';
  if (row.channel === 'post' && !t.poster) return 'no postal service configured';
  return null;
}

async function deliverVia(db: Db, t: Transports, row: OutboxRecord): Promise<DeliveryReceipt | void> {
  const to = row.to!;
  switch (row.channel) {
    case 'email':
      return t.mailer!.deliver({
        to,
        subject: row.subject,
        text: row.text,
        ...(row.html ? { html: row.html } : {}),
        attachments: await loadAttachments(db, row.attachments),
        messageId: row.idempotencyKey,
      });
    case 'sms':
      return t.sms!.send(to, row.text, { reference: row.idempotencyKey });
    case 'app':
      return t.app!.send({ to, subject: row.subject, text: row.text, reference: row.idempotencyKey });
    case 'post': {
      const [pdf] = await loadAttachments(db, row.attachments);
      if (!pdf) throw new Error(`posted copy ${row.idempotencyKey} has no PDF`);
      return t.poster!.post({
        reference: row.idempotencyKey,
        pdf: pdf.content,
        postage: row.postage ?? 'second',
      });
    }
  }
}

async function loadAttachments(db: Db, attachments: OutboxAttachment[]): Promise<MailAttachment[]> {
  const out: MailAttachment[] = [];
  for (const a of attachments) {
    if ('base64' in a) {
      out.push({
        filename: a.filename,
        contentType: a.contentType,
        content: Buffer.from(a.base64, 'base64'),
      });
    } else {
      const pdf = await getLetterPdf(db, a.letterId);
      if (!pdf) throw new Error(`outbox attachment refers to missing letter ${a.letterId}`);
      out.push({ filename: a.filename, contentType: a.contentType, content: pdf });
    }
  }
  return out;
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
