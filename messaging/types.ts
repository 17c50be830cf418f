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

/** A delivery service's own id for what it accepted (GOV.UK Notify's notification id), and its status. */
export interface DeliveryReceipt {
  provider: string;
  providerId: string;
  status: string;
}

export interface Mailer {
  /** A provider that tracks delivery returns its receipt; SMTP returns nothing. */
  deliver(msg: OutgoingMail): Promise<void | DeliveryReceipt>;
}

export interface SmsGateway {
  /** `reference` is the outbox idempotency key: real gateways accept a client reference for dedupe. */
  send(to: string, text: string, options?: { reference?: string }): Promise<void | DeliveryReceipt>;
}

/** A letter printed and posted by a service (GOV.UK Notify's precompiled letters). */
export interface PostedLetterRequest {
  /** The outbox idempotency key: no personal data. */
  reference: string;
  /** The letter, addressed for a window envelope. */
  pdf: Buffer;
  postage: 'first' | 'second';
}

export interface LetterPoster {
  post(letter: PostedLetterRequest): Promise<DeliveryReceipt>;
}

/**
 * Finds what a service already accepted under a reference. A send whose answer was lost (the worker
 * died, the connection dropped) is looked up before it is sent again, so it is never sent twice.
 */
export interface SentLookup {
  findSent(reference: string, channel: 'email' | 'sms' | 'app' | 'post'): Promise<DeliveryReceipt | null>;
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
  /** Prints and posts letters (GOV.UK Notify); without it the office prints and posts them. */
  poster?: LetterPoster | null;
  /** Asked before a row that was tried before is sent again. */
  lookup?: SentLookup | null;
}
