// Waiting for a workflow to finish what it is doing, read from its history, never from the clock.
//
// Tests and simulations move a school day by day and then look at the cases. A case is "quiet"
// when its latest run has no workflow task and no activity outstanding and no Update half done:
// everything it was going to do about the last timer, signal or decision has been done and
// recorded. Waiting for that (instead of sleeping for a while) makes a loaded machine slower, not
// wrong; and a case that cannot get quiet (a workflow task failing, an activity retrying) is a
// failure with its reason, not a silent skip.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface QuietCase {
  workflowId: string;
  /** Running (waiting on a timer or a person), or finished for good. */
  status: 'running' | 'completed';
}

/** Thrown when a workflow cannot get quiet: names what it was doing and why it is stuck. */
export class NotQuietError extends Error {
  constructor(
    readonly workflowId: string,
    message: string,
  ) {
    super(`workflow ${workflowId}: ${message}`);
    this.name = 'NotQuietError';
  }
}

/** What the history of one run says is still outstanding; null when the run is quiet. */
export function outstandingWork(events: HistoryEvent[]): string | null {
  const last = events.at(-1);
  if (!last) return 'no history yet';
  if (last.workflowExecutionContinuedAsNewEventAttributes) return 'continuing as new';
  const key = (id: unknown) => String(id);
  const activities = new Map<string, string>();
  const updates = new Set<string>();
  let workflowTask: 'none' | 'pending' | 'failed' = 'none';
  let workflowTaskFailure = '';
  for (const e of events) {
    if (e.workflowTaskScheduledEventAttributes) workflowTask = 'pending';
    if (e.workflowTaskCompletedEventAttributes) workflowTask = 'none';
    if (e.workflowTaskTimedOutEventAttributes) workflowTask = 'pending'; // rescheduled by the server
    if (e.workflowTaskFailedEventAttributes) {
      workflowTask = 'failed';
      workflowTaskFailure = e.workflowTaskFailedEventAttributes.failure?.message ?? 'no message';
    }
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) activities.set(key(e.eventId), scheduled.activityType?.name ?? 'activity');
    const closedActivity =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskCanceledEventAttributes;
    if (closedActivity) activities.delete(key(closedActivity.scheduledEventId));
    const accepted = e.workflowExecutionUpdateAcceptedEventAttributes;
    if (accepted) updates.add(accepted.protocolInstanceId ?? '');
    const completed = e.workflowExecutionUpdateCompletedEventAttributes;
    if (completed) updates.delete(completed.meta?.updateId ?? '');
  }
  if (last.workflowExecutionCompletedEventAttributes) return null;
  const ended =
    last.workflowExecutionFailedEventAttributes?.failure?.message ??
    (last.workflowExecutionTerminatedEventAttributes ? 'terminated' : undefined) ??
    (last.workflowExecutionTimedOutEventAttributes ? 'timed out' : undefined) ??
    (last.workflowExecutionCanceledEventAttributes ? 'cancelled' : undefined);
  if (ended !== undefined) return `ended without completing: ${ended}`;
  if (workflowTask === 'failed') return `its workflow task fails: ${workflowTaskFailure}`;
  const busy: string[] = [];
  if (workflowTask === 'pending') busy.push('a workflow task');
  if (activities.size) busy.push(`activities ${[...activities.values()].join(', ')}`);
  if (updates.size) busy.push(`${updates.size} update(s) in progress`);
  return busy.length ? busy.join(' and ') : null;
}

/**
 * Waits until the workflow's latest run is quiet (following continue-as-new to the new run), and
 * says whether it is still running. Fails fast when the workflow has failed or its workflow task
 * keeps failing, and after `timeoutMs` names what was still outstanding (with each pending
 * activity's attempt and last failure).
 */
export async function waitUntilQuiet(
  client: Client,
  workflowId: string,
  opts: { timeoutMs: number; pollMs?: number },
): Promise<QuietCase> {
  const deadline = Date.now() + opts.timeoutMs;
  const pollMs = opts.pollMs ?? 50;
  const handle = client.workflow.getHandle(workflowId);
  for (;;) {
    const history = await handle.fetchHistory(); // the latest run when no run id is given
    const events = history.events ?? [];
    const outstanding = outstandingWork(events);
    if (outstanding === null) {
      const completed = Boolean(events.at(-1)?.workflowExecutionCompletedEventAttributes);
      return { workflowId, status: completed ? 'completed' : 'running' };
    }
    if (outstanding.startsWith('ended without completing')) throw new NotQuietError(workflowId, outstanding);
    // A failing workflow task is retried by the server; give it the same bound, then report it.
    if (Date.now() > deadline) {
      throw new NotQuietError(
        workflowId,
        `not quiet after ${Math.round(opts.timeoutMs / 1000)} s: ${outstanding}${await pendingActivityDetail(client, workflowId)}`,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function pendingActivityDetail(client: Client, workflowId: string): Promise<string> {
  try {
    const { raw } = await client.workflow.getHandle(workflowId).describe();
    const pending = raw.pendingActivities ?? [];
    return pending
      .map(
        (a) =>
          `; ${a.activityType?.name ?? 'activity'} attempt ${a.attempt ?? '?'}` +
          (a.lastFailure?.message ? ` (last failure: ${a.lastFailure.message})` : ''),
      )
      .join('');
  } catch (err) {
    return `; (describe failed: ${err instanceof Error ? err.message : String(err)})`;
  }
}

/** The promise's result, or an error naming `what` if it has not settled within `ms`. */
export async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(ms / 1000)} s: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
