// "Letters and messages this week", counted honestly: a letter written is not a letter received.
// Every message the cases (and the system's own reminders to staff) wrote this week is counted by
// what became of it in the outbox: sent, held (not sent: with no mail server set up, every email
// waits there), failed, or still queued. Letters are counted once each, by the worst that happened
// to any of their email and text copies; those with a paper copy to post are counted apart.
//
// `heldForNoServer` drives the web app's banner "Mail is only being held: no mail server is set
// up": it is set when SMTP_URL is not configured (config/env.ts) and some email is waiting in the
// outbox because of it (messaging/outbox.ts holds email with "no SMTP server configured").
import { addDays } from '../../../domain/calendar';
import type { IsoDate } from '../../../domain/types';
import {
  countHeldEmailWithAddress,
  countOutboxWritten,
  listLettersDelivery,
  type OutboxCategory,
  type OutboxStatus,
} from '../../../store/caseServices';
import type { Db } from '../../../store/db';

export interface StatusCounts {
  sent: number;
  held: number;
  failed: number;
  queued: number;
}

export interface DashboardMail {
  weekStart: IsoDate;
  weekEnd: IsoDate;
  /** How mail leaves: an SMTP server, GOV.UK Notify (the school's), or none (email waits in the outbox). */
  transport: 'smtp' | 'notify' | 'none';
  letters: {
    /** Letters dated this week. */
    written: number;
    /** By their email and text copies: every copy went. */
    sent: number;
    /** At least one copy held, not sent (and none failed). */
    held: number;
    /** At least one copy failed. */
    failed: number;
    /** No email or text copy at all: on paper only. sent + held + failed + paperOnly = written. */
    paperOnly: number;
    /** Letters with a paper copy for the office to print and post (some also went by email). */
    withPaperCopy: number;
  };
  /** Outbox messages written this week, by what they are. */
  messages: Record<OutboxCategory, StatusCounts>;
  /** Of this week's held messages, why: no mail server, no address, no text/app gateway. */
  heldBecause: { noMailServer: number; noAddress: number; noGateway: number };
  /** Every email held in the outbox now because no mail server is set up (any week). */
  heldForNoServer: number;
  /** Show "Mail is only being held: no mail server is set up". */
  showHeldBanner: boolean;
  rule: string;
}

const empty = (): StatusCounts => ({ sent: 0, held: 0, failed: 0, queued: 0 });

/** Monday of the week holding the date. */
export function mondayOf(date: IsoDate): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  return addDays(date, -((d.getUTCDay() + 6) % 7));
}

export async function mailThisWeek(
  db: Db,
  schoolId: string,
  today: IsoDate,
  config: { SMTP_URL?: string; SCHOOL_TIMEZONE: string },
  /** The school's email goes through GOV.UK Notify (docs/integrations.md). */
  notifyEmail = false,
): Promise<DashboardMail> {
  const weekStart = mondayOf(today);
  const weekEnd = addDays(weekStart, 6);
  const messages: Record<OutboxCategory, StatusCounts> = {
    letter: empty(),
    message: empty(),
    invitation: empty(),
    staff: empty(),
  };
  const heldBecause = { noMailServer: 0, noAddress: 0, noGateway: 0 };
  for (const r of await countOutboxWritten(db, schoolId, weekStart, weekEnd, config.SCHOOL_TIMEZONE)) {
    messages[r.category][r.status] += r.n;
    // Why held (messaging/outbox.ts): no address first; else email waits for a mail server, and a
    // text or app message for its gateway.
    if (r.status !== 'held') continue;
    if (!r.hasAddress) heldBecause.noAddress += r.n;
    else if (r.channel === 'email') heldBecause.noMailServer += r.n;
    else heldBecause.noGateway += r.n;
  }

  const letters = { written: 0, sent: 0, held: 0, failed: 0, paperOnly: 0, withPaperCopy: 0 };
  for (const l of await listLettersDelivery(db, schoolId, weekStart, weekEnd)) {
    letters.written++;
    const c: Record<OutboxStatus, number> = l.copies;
    if (c.failed > 0) letters.failed++;
    else if (c.held + c.queued > 0) letters.held++;
    else if (c.sent > 0) letters.sent++;
    else letters.paperOnly++;
    if (l.recipients.some((r) => r.byPost || r.channel === 'none')) letters.withPaperCopy++;
  }

  const transport = notifyEmail ? 'notify' : config.SMTP_URL ? 'smtp' : 'none';
  // Held email now, of any week: the banner is about the state of the outbox, not just this week.
  const heldForNoServer = transport === 'none' ? await countHeldEmailWithAddress(db, schoolId) : 0;
  return {
    weekStart,
    weekEnd,
    transport,
    letters,
    messages,
    heldBecause,
    heldForNoServer,
    showHeldBanner: transport === 'none' && heldForNoServer > 0,
    rule: 'Written this week (Monday to Sunday). Sent: handed to the mail server or gateway. Held: kept in the outbox, not sent (no mail server, no address, or no text gateway). A letter counts once, by the worst that happened to any of its email or text copies; paper only: none by email or text. With a paper copy: for the office to print and post.',
  };
}
