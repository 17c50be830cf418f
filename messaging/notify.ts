// GOV.UK Notify as a transport (issue 17), through its official client: emails and texts from the
// school's Notify templates (subject ((subject)), body ((body))), and letters as precompiled PDFs
// that Notify prints and posts. Every send carries the outbox key as Notify's `reference`, so a send
// whose answer was lost is found by reference (findSent) instead of being sent a second time.
// The API key stays inside the client; errors name Notify's error type and message, never the key.
import axios from 'axios';
import notifyClient from 'notifications-node-client';
import type { NotifyConnection } from '../integrations/connections';
import type {
  DeliveryReceipt,
  LetterPoster,
  Mailer,
  OutgoingMail,
  PostedLetterRequest,
  SentLookup,
  SmsGateway,
} from './types';

const { NotifyClient } = notifyClient;

export const NOTIFY = 'notify';

/** Notify refused or failed a request; `retryable` when trying again later may succeed (429, 5xx, network). */
export class NotifyError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'NotifyError';
  }
}

export class NotifyTransport implements Mailer, SmsGateway, LetterPoster, SentLookup {
  private readonly client: InstanceType<typeof NotifyClient>;

  constructor(
    private readonly conn: NotifyConnection,
    /** A request Notify has not answered by then fails (and is retried): no send waits forever. */
    timeoutMs = 30_000,
  ) {
    this.client = conn.baseUrl
      ? new NotifyClient(conn.baseUrl.replace(/\/+$/, ''), conn.apiKey)
      : new NotifyClient(conn.apiKey);
    this.client.setClient(axios.create({ timeout: timeoutMs }));
  }

  /** Which of a school's channels go through Notify (email and texts need their template set). */
  carries(channel: 'email' | 'sms' | 'app' | 'post'): boolean {
    if (channel === 'email') return this.conn.emailTemplateId !== null;
    if (channel === 'sms') return this.conn.smsTemplateId !== null;
    if (channel === 'post') return this.conn.postLetters;
    return false;
  }

  get defaultPostage(): 'first' | 'second' {
    return this.conn.postage;
  }

  async deliver(msg: OutgoingMail): Promise<DeliveryReceipt> {
    const res = await this.call(() =>
      this.client.sendEmail(this.conn.emailTemplateId!, msg.to, {
        personalisation: { subject: msg.subject, body: msg.text },
        reference: msg.messageId,
      }),
    );
    return receipt(res.data.id, 'created');
  }

  async send(to: string, text: string, options: { reference?: string } = {}): Promise<DeliveryReceipt> {
    const res = await this.call(() =>
      this.client.sendSms(this.conn.smsTemplateId!, to, {
        personalisation: { body: text },
        ...(options.reference ? { reference: options.reference } : {}),
      }),
    );
    return receipt(res.data.id, 'created');
  }

  async post(letter: PostedLetterRequest): Promise<DeliveryReceipt> {
    const res = await this.call(() =>
      this.client.sendPrecompiledLetter(letter.reference, letter.pdf, letter.postage),
    );
    return receipt(res.data.id, 'pending-virus-check');
  }

  async findSent(
    reference: string,
    channel: 'email' | 'sms' | 'app' | 'post',
  ): Promise<DeliveryReceipt | null> {
    if (!this.carries(channel)) return null;
    const res = await this.call(() => this.client.getNotifications(undefined, undefined, reference));
    const found = (res.data.notifications ?? []).find((n) => n.reference === reference);
    return found ? receipt(found.id, found.status) : null;
  }

  /** The notification's status now (Notify's words: delivered, permanent-failure, received, ...). */
  async status(providerId: string): Promise<string> {
    const res = await this.call(() => this.client.getNotificationById(providerId));
    return res.data.status;
  }

  /** "Test connection": Notify answers a list request only to a valid key. */
  async check(): Promise<void> {
    await this.call(() => this.client.getNotifications('letter'));
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw asNotifyError(err);
    }
  }
}

function receipt(providerId: string, status: string): DeliveryReceipt {
  return { provider: NOTIFY, providerId, status };
}

interface AxiosLikeError {
  response?: { status?: number; data?: { errors?: { error?: string; message?: string }[] } };
  message?: string;
}

function asNotifyError(err: unknown): NotifyError {
  if (typeof err === 'string') return new NotifyError(`Notify refused the request: ${err}`, null, false);
  const e = err as AxiosLikeError;
  const status = e.response?.status ?? null;
  const first = e.response?.data?.errors?.[0];
  const said = first
    ? `${first.error ?? 'Error'}: ${first.message ?? ''}`.trim()
    : (e.message ?? 'no answer');
  const retryable = status === null || status === 429 || status >= 500;
  return new NotifyError(
    status === null ? `Notify could not be reached (${said})` : `Notify answered ${status} (${said})`,
    status,
    retryable,
  );
}
