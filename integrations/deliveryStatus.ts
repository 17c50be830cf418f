// What became of what GOV.UK Notify was given: read back by the scheduled check (every school with
// Notify, its rows of the last week) and by Notify's callbacks (delivery receipts, returned
// letters). Each change is kept on the outbox row; one that says something a family's record needs
// (delivered, printed and posted, failed, returned) goes to the case's timeline as evidence, and a
// failure or a return becomes a task for the team to reach the family another way.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { IsoDate } from '../domain/types';
import { getLetter, insertStaffTask } from '../store/caseServices';
import { getCaseRow } from '../store/cases';
import type { Db } from '../store/db';
import { markProviderTold, rowsToCheck, setProviderStatus, type ProviderRow } from '../store/outboxProviders';
import { deliveryStatusChanged, type DeliveryStatusUpdate } from '../workflows/caseMessages';
import { NOTIFY, NotifyError, type NotifyTransport } from '../messaging/notify';

type Outcome = DeliveryStatusUpdate['outcome'];

/** Notify's statuses after which nothing more happens (a return still may, by callback). */
export const FINAL_STATUSES = [
  'delivered',
  'sent',
  'permanent-failure',
  'temporary-failure',
  'technical-failure',
  'received',
  'cancelled',
  'validation-failed',
  'virus-scan-failed',
  'returned-letter',
  // Ours: Notify no longer knows it (403/404), so it is not asked again.
  'not-found',
] as const;

/** What a status means for the family's record; null for one on the way (created, sending, ...). */
export function outcomeOf(channel: ProviderRow['channel'], status: string): Outcome | null {
  if (status === 'returned-letter') return 'returned';
  if (channel === 'post') {
    if (status === 'received') return 'posted';
    if (
      [
        'permanent-failure',
        'technical-failure',
        'validation-failed',
        'virus-scan-failed',
        'cancelled',
      ].includes(status)
    )
      return 'failed';
    return null;
  }
  if (status === 'delivered') return 'delivered';
  if (['permanent-failure', 'temporary-failure', 'technical-failure', 'cancelled'].includes(status))
    return 'failed';
  return null;
}

/** Notify's reason, said for the team. */
export function failureDetail(channel: ProviderRow['channel'], status: string): string | undefined {
  switch (status) {
    case 'permanent-failure':
      return channel === 'sms'
        ? 'the number does not exist or cannot take texts'
        : channel === 'post'
          ? 'Notify could not print or post it'
          : 'the email address does not exist or refused it';
    case 'temporary-failure':
      return channel === 'sms'
        ? 'the phone was off or unreachable for 72 hours'
        : 'the inbox was full for 72 hours';
    case 'technical-failure':
      return 'a fault at GOV.UK Notify: it was not sent';
    case 'validation-failed':
      return 'the letter did not meet Notify’s printing rules (the address must sit in the window)';
    case 'virus-scan-failed':
      return 'Notify’s virus check refused the PDF';
    case 'cancelled':
      return 'cancelled at GOV.UK Notify';
    default:
      return undefined;
  }
}

export interface StatusReportDeps {
  db: Db;
  temporal: Client;
  /** Today in the school's time zone. */
  today: () => IsoDate;
}

/**
 * Keeps a row's new status and tells its case what it means, once. Returns whether the case was told
 * (false: nothing to tell, or the case has finished; its outbox row still says what happened).
 */
export async function reportStatus(
  deps: StatusReportDeps,
  row: ProviderRow,
  status: string,
): Promise<boolean> {
  await setProviderStatus(deps.db, row.idempotencyKey, status);
  const outcome = outcomeOf(row.channel, status);
  // Staff notifications are not the family's record; a status with nothing to say ends the checking
  // once it is final (an international text's `sent`).
  const forTheFamily = !row.idempotencyKey.startsWith('notify:');
  if (!outcome || !forTheFamily || row.told === status || !row.caseId || !row.ref) {
    if (outcome || (FINAL_STATUSES as readonly string[]).includes(status))
      await markProviderTold(deps.db, row.idempotencyKey, status);
    return false;
  }
  const on = deps.today();
  const detail = outcome === 'failed' ? failureDetail(row.channel, status) : undefined;
  const task =
    outcome === 'failed' || outcome === 'returned' ? await taskFor(deps.db, row, status, on) : undefined;
  const update: DeliveryStatusUpdate = {
    ref: row.ref,
    outboxKey: row.idempotencyKey,
    channel: row.channel,
    outcome,
    on,
    ...(detail ? { detail } : {}),
    ...(task ? { task } : {}),
  };
  let told = true;
  try {
    await deps.temporal.workflow.getHandle(row.caseId).signal(deliveryStatusChanged, update);
  } catch (err) {
    // A case that has finished keeps its record; the outbox row keeps the status. Anything else
    // (Temporal briefly away) is not swallowed: the row stays untold and the next check tells it.
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    told = false;
  }
  await markProviderTold(deps.db, row.idempotencyKey, status);
  return told;
}

/** The team's task for a copy that did not reach the family, kept in the store as the case's tasks are. */
async function taskFor(
  db: Db,
  row: ProviderRow,
  status: string,
  on: IsoDate,
): Promise<{ taskId: string; title: string }> {
  const outcome = outcomeOf(row.channel, status);
  const letter = row.ref ? await getLetter(db, row.ref) : null;
  const what =
    letter?.subject ??
    (row.idempotencyKey.includes(':invite:') ? 'a meeting invitation' : 'a message from school');
  const title =
    outcome === 'returned'
      ? `Letter came back: check the address (${what})`
      : `Not delivered: reach the family another way (${what})`;
  const taskId = `${row.idempotencyKey}:undelivered`;
  const where = letter ?? (row.caseId ? await caseOf(db, row.caseId) : null);
  if (where) {
    await insertStaffTask(db, {
      id: taskId,
      caseId: where.caseId,
      schoolId: where.schoolId,
      pupilId: where.pupilId,
      stageId: where.stageId,
      stepId: where.stepId,
      kind: 'deliveryProblem',
      title,
      dueOn: on,
      owner: 'team',
      notes: `${failureDetail(row.channel, status) ?? 'Royal Mail returned the letter to GOV.UK Notify.'} Check the parent's details in the MIS (the next sync brings them here), then give them the letter another way.`,
    });
  }
  return { taskId, title };
}

/** Where a message that is not a letter belongs: its case, the pupil, and the case's stage now. */
async function caseOf(
  db: Db,
  caseId: string,
): Promise<{ caseId: string; schoolId: string; pupilId: string; stageId: string; stepId: string } | null> {
  const c = await getCaseRow(db, caseId);
  return c
    ? { caseId, schoolId: c.schoolId, pupilId: c.pupilId, stageId: c.stageId ?? '', stepId: '' }
    : null;
}

export interface DeliveryCheckResult {
  checked: number;
  changed: number;
  casesTold: number;
  /** Rows Notify did not answer for this time. */
  errors: number;
}

/** The scheduled check of one school's rows still on their way. */
export async function checkSchoolDeliveries(
  deps: StatusReportDeps & { notify: NotifyTransport },
  schoolId: string,
): Promise<DeliveryCheckResult> {
  const result: DeliveryCheckResult = { checked: 0, changed: 0, casesTold: 0, errors: 0 };
  for (const row of await rowsToCheck(deps.db, schoolId, NOTIFY, FINAL_STATUSES)) {
    let status: string;
    try {
      status = await deps.notify.status(row.providerId);
    } catch (err) {
      // One row Notify cannot answer for (a key changed since, a notification past its retention)
      // must not stop the others: a 404 or 403 ends its checking, anything else waits for next time.
      if (err instanceof NotifyError && (err.status === 404 || err.status === 403)) {
        await setProviderStatus(deps.db, row.idempotencyKey, 'not-found');
        await markProviderTold(deps.db, row.idempotencyKey, 'not-found');
      }
      result.errors++;
      continue;
    }
    result.checked++;
    if (status === row.status && row.told === status) continue;
    if (status !== row.status) result.changed++;
    if (await reportStatus(deps, row, status)) result.casesTold++;
  }
  return result;
}
