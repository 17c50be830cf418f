// What the case-service activities (letters, messages, meetings, staff tasks) need from the outside.
import { asyncLocalStorage } from '@temporalio/activity';
import type { renderLetterPdf } from '../letters/pdf';
import type { Db } from '../store/db';
import type { NotifyTransport } from './notify';
import type { AppMessenger, Mailer, SmsGateway, Transports } from './types';

export interface ServiceLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

export interface CaseServicesDeps {
  db: Db;
  /** null: no SMTP configured, emails are held in the outbox for the web app. */
  mailer: Mailer | null;
  /** Absent: texts are held in the outbox. */
  sms?: SmsGateway | null;
  /** Absent: app messages go by email instead (see docs/letters-and-messaging.md). */
  app?: AppMessenger | null;
  /**
   * The clock outside an activity (tests that call activities directly pin it). Used for "not in
   * the past" when booking meetings; inside an activity the workflow's clock is used (activities/clock.ts).
   */
  now?: () => Date;
  /** The letter signature when the school has no officer in school_contacts. */
  signature?: { name: string; role: string };
  /** The From address; its email is the ORGANIZER of meeting invitations. */
  mailFrom?: string;
  /** Where staff notifications go when the school has no contact for the audience (e.g. ADMIN_EMAIL). */
  staffEmail?: string;
  /** How long one delivery attempt holds an outbox row before a retry may take it over (default 120 s). */
  outboxLeaseSeconds?: number;
  /** The default templates folder (tests may point elsewhere). */
  templatesDir?: string;
  /** Used outside an activity context (tests, scripts); inside one, the activity logger is used. */
  logger?: ServiceLogger;
  /**
   * How a letter's printed copy is made (default letters/pdf.ts). A what-if, which prints nothing
   * and keeps only the letters' words, gives a cheaper one (scripts/simulation/inProcess).
   */
  renderLetterPdf?: typeof renderLetterPdf;
  /**
   * The school's GOV.UK Notify, when it has one (Integrations, or the environment): its emails, texts
   * and posted letters go through Notify instead of SMTP and the office's printer.
   */
  notifyFor?: (schoolId: string) => Promise<NotifyTransport | null>;
}

export function transportsOf(deps: CaseServicesDeps): Transports {
  return {
    mailer: deps.mailer,
    sms: deps.sms ?? null,
    app: deps.app ?? null,
    leaseSeconds: deps.outboxLeaseSeconds,
  };
}

/**
 * The transports for one school's messages: GOV.UK Notify for the channels the school has set it up
 * for, the deployment's own (SMTP, ...) for the rest.
 */
export async function transportsFor(deps: CaseServicesDeps, schoolId: string): Promise<Transports> {
  const base = transportsOf(deps);
  const notify = (await deps.notifyFor?.(schoolId)) ?? null;
  if (!notify) return base;
  return {
    ...base,
    mailer: notify.carries('email') ? notify : base.mailer,
    sms: notify.carries('sms') ? notify : (base.sms ?? null),
    poster: notify.carries('post') ? notify : null,
    lookup: notify,
  };
}

const silent: ServiceLogger = { info: () => undefined, warn: () => undefined };

/** The activity's logger when running as an activity, else the injected one. Log ids only, never names. */
export function serviceLog(deps: CaseServicesDeps): ServiceLogger {
  const ctx = asyncLocalStorage.getStore();
  return ctx ? ctx.log : (deps.logger ?? silent);
}
