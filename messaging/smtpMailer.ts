// Email over SMTP with nodemailer. The Message-ID is derived from the outbox idempotency key, so a
// message delivered twice (a crash between "sent" and "recorded") carries the same id both times.
import nodemailer, { type Transporter } from 'nodemailer';
import type { Mailer, OutgoingMail } from './types';

export interface SmtpMailerOptions {
  /** e.g. smtp://user:pass@host:587 or smtps://host:465 (nodemailer connection URL). */
  url: string;
  /** The From header, e.g. `Attendance Team <attendance@school.example>`. */
  from: string;
  /** Domain part of generated Message-IDs (defaults to the From address's domain). */
  messageIdDomain?: string;
}

export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;
  private readonly from: string;
  private readonly domain: string;

  constructor(options: SmtpMailerOptions) {
    this.transport = nodemailer.createTransport({
      url: options.url,
      // A stuck server must fail the attempt well inside the outbox lease (see messaging/outbox.ts).
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    });
    this.from = options.from;
    this.domain = options.messageIdDomain ?? domainOf(options.from);
  }

  async deliver(msg: OutgoingMail): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: msg.to,
      subject: msg.subject,
      text: msg.text,
      ...(msg.html ? { html: msg.html } : {}),
      messageId: messageIdFor(msg.messageId, this.domain),
      attachments: (msg.attachments ?? []).map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        content: a.content,
      })),
    });
  }

  close(): void {
    this.transport.close();
  }
}

/** `<key@domain>` with the key reduced to characters every mail system accepts. */
export function messageIdFor(key: string, domain: string): string {
  const local = key.replace(/[^A-Za-z0-9._-]/g, '.');
  return `<${local}@${domain}>`;
}

function domainOf(from: string): string {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
  return m?.[1] ?? 'attendance.invalid';
}

/** An SmtpMailer when SMTP_URL is configured, otherwise null (messages are then held in the outbox). */
export function mailerFromConfig(config: { SMTP_URL?: string; MAIL_FROM: string }): SmtpMailer | null {
  return config.SMTP_URL ? new SmtpMailer({ url: config.SMTP_URL, from: config.MAIL_FROM }) : null;
}
