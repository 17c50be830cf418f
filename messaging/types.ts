// The transports a case's messages travel by. Each is an interface so a real adapter (SMTP, an SMS
// gateway, a school app such as Class Dojo) and a local fake are interchangeable, and tests can
// pass a real local server. Transports know nothing about idempotency: the outbox does that.

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  attachments?: MailAttachment[];
  /** A deterministic Message-ID (from the idempotency key), so receivers can spot a duplicate. */
  messageId: string;
}

export interface Mailer {
  deliver(msg: OutgoingMail): Promise<void>;
}

export interface SmsGateway {
  /** `reference` is the outbox idempotency key: real gateways accept a client reference for dedupe. */
  send(to: string, text: string, options?: { reference?: string }): Promise<void>;
}

export interface AppMessage {
  /** The app's address for the family (e.g. a parent account id); the contact's email when the app has none. */
  to: string;
  subject: string;
  text: string;
  reference: string;
}

export interface AppMessenger {
  send(msg: AppMessage): Promise<void>;
}

/** The transports an outbox row may be delivered by; a missing one means "hold the message". */
export interface Transports {
  mailer: Mailer | null;
  /** Seconds a delivery attempt holds its row (see OUTBOX_LEASE_SECONDS). */
  leaseSeconds?: number;
  sms?: SmsGateway | null;
  app?: AppMessenger | null;
}
