// What the case writes on its timeline, for staff: what happened, to whom, and how. Records claim
// only what happened: "sent" is said only of mail that left, "held" of mail waiting in the outbox.
import type { OutcomeKind } from '../../domain/caseTypes';
import type { PlannedChannel } from '../../domain/stepPlan';

const people = (n: number) => (n === 1 ? '1 parent/carer' : `${n} parents/carers`);

const CHANNEL: Record<PlannedChannel, string> = {
  email: 'by email',
  sms: 'by text message',
  app: 'through the school app',
  post: 'by post',
};

export interface DeliveryCounts {
  sent: { channel: PlannedChannel; count: number }[];
  held: number;
  heldReason: string | null;
  toPost: number;
  /** Copies GOV.UK Notify took to print and post (absent before issue 17). */
  givenToNotify?: number;
}

/** "Warning Letter 1 sent by email to 2 parents/carers" and friends; one line per kind of outcome. */
export function deliveryLines(
  title: string,
  d: DeliveryCounts,
): { kind: 'sent' | 'held' | 'toPost'; text: string }[] {
  const lines: { kind: 'sent' | 'held' | 'toPost'; text: string }[] = [];
  const sent = d.sent.filter((s) => s.count > 0);
  if (sent.length) {
    lines.push({
      kind: 'sent',
      text: `${title} sent ${sent.map((s) => `${CHANNEL[s.channel]} to ${people(s.count)}`).join(' and ')}`,
    });
  }
  if (d.held > 0) {
    lines.push({
      kind: 'held',
      text: `${title} held in the outbox, not yet sent, for ${people(d.held)}${d.heldReason ? `: ${d.heldReason}` : ''}`,
    });
  }
  if (d.givenToNotify) lines.push({ kind: 'sent', text: givenToNotifyLine(title, d.givenToNotify) });
  if (d.toPost > 0) {
    lines.push({
      kind: 'toPost',
      text: `${title}: to be printed and posted to ${people(d.toPost)} with no email address (a task for the office)`,
    });
  }
  if (lines.length === 0)
    lines.push({ kind: 'held', text: `${title} kept on file: no parent/carer has contact details` });
  return lines;
}

/**
 * Copies GOV.UK Notify took to print and post: said as what happened now (Notify has them), not as
 * posted; Notify's later report says when they were printed and posted.
 */
export function givenToNotifyLine(title: string, copies: number): string {
  return `${title}: given to GOV.UK Notify to print and post to ${people(copies)}`;
}

/** A delivery service's report on one parent/carer's copy, for the case's timeline. */
export function deliveryStatusText(
  title: string,
  u: { channel: PlannedChannel; outcome: 'delivered' | 'posted' | 'failed' | 'returned'; detail?: string },
): string {
  const how =
    u.channel === 'post'
      ? 'the posted copy'
      : `the ${u.channel === 'sms' ? 'text message' : u.channel === 'app' ? 'app message' : 'email'}`;
  const why = u.detail ? ` (${u.detail})` : '';
  switch (u.outcome) {
    case 'delivered':
      return `${title}: ${how} was delivered to 1 parent/carer (GOV.UK Notify)`;
    case 'posted':
      return `${title}: the copy for 1 parent/carer was printed and posted by GOV.UK Notify`;
    case 'failed':
      return `${title}: ${how} to 1 parent/carer could not be delivered${why}; a task for the team to reach them another way`;
    case 'returned':
      return `${title}: the posted copy to 1 parent/carer came back undelivered; a task for the team to check the address`;
  }
}

export function outcomeText(outcome: OutcomeKind, note?: string): string {
  const texts: Record<OutcomeKind, string> = {
    meetingAttended: 'Parent/carer attended the meeting',
    meetingMissed: 'Parent/carer did not attend the meeting',
    contractSigned: 'Attendance contract signed',
    contractDeclined: 'Attendance contract declined',
    medicalEvidenceReceived: 'Medical evidence received',
    noMedicalEvidence: 'No medical evidence received',
    homeVisitCompleted: 'Home visit completed',
    homeVisitNoAccess: 'Home visit: no access',
    planReviewedImproved: 'Attendance plan reviewed: improved',
    planReviewedNotImproved: 'Attendance plan reviewed: not improved',
  };
  return note ? `${texts[outcome]} — ${note}` : texts[outcome];
}
