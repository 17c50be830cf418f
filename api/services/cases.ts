// Reading cases: lists and a case's page come from the read model (store/cases.ts), which answers
// at once whatever the workers are doing; the live view asks the workflow itself (getCaseView, fresh
// to the second) within a short timeout, for whoever wants to refresh. Writing to a case
// (decisions, human events) goes through updateCase.
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { getCaseRow, getCaseStatus, type CaseRecord } from '../../store/cases';
import type { Db } from '../../store/db';
import {
  getCaseView,
  type CaseTask,
  type CaseView,
  type PendingProposal,
} from '../../workflows/caseMessages';
import type { User } from '../auth/users';
import { inScope } from '../auth/scope';
import { conflict, notFound, type HttpError } from '../errors';

/** The case as the read model holds it; 404 for an unknown case or one outside the user's scope. */
export async function loadCaseRow(db: Db, user: User, caseId: string): Promise<CaseRecord> {
  const row = await getCaseRow(db, caseId);
  if (!row || !inScope(user, row.schoolId)) throw notFound('No such case');
  return row;
}

/** What anyone who tries to act on a closed case is told. */
export function caseClosed(): HttpError {
  return conflict('This case is closed; nothing more can be recorded on it.');
}

/**
 * Sends a decision or a human event to a case (`send` runs the Update). A case the read model says
 * is closed answers 409 with a reason. The case may also close between that read and the Update:
 * then the workflow refuses it while it finishes, or has completed and Temporal only says it is not
 * found. Either way the read model is asked again, so a closed case gets the same answer, and only
 * a case that is not running and not closed is a 404. A case that fails while checking the Update
 * (a fault, not a refusal) changed nothing: the answer is a 503 that does not show its internals.
 */
export async function updateCase<T>(db: Db, row: CaseRecord, send: () => Promise<T>): Promise<T> {
  if (row.status === 'closed') throw caseClosed();
  try {
    return await send();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || err instanceof WorkflowUpdateFailedError) {
      if ((await getCaseStatus(db, row.caseId)) === 'closed') throw caseClosed();
    }
    throw err;
  }
}

/**
 * The case as its workflow holds it now, or null when the workflow does not answer within
 * `timeoutMs` (a busy or stopped worker) or cannot answer at all. The query is cancelled at the
 * timeout, so an unanswered one does not linger.
 */
export async function liveCaseView(
  temporal: Client,
  caseId: string,
  timeoutMs: number,
): Promise<CaseView | null> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      temporal.withAbortSignal(abort.signal, () => temporal.workflow.getHandle(caseId).query(getCaseView)),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), timeoutMs);
      }),
    ]);
  } catch {
    return null;
  } finally {
    if (timer) clearTimeout(timer);
    abort.abort();
  }
}

/**
 * The freshest view within `timeoutMs`: the workflow's, else the read model's. For deciding and
 * previewing a step, where acting on a view a moment old would be wrong; pages use the read model.
 */
export async function caseView(
  temporal: Client,
  row: CaseRecord,
  timeoutMs: number,
): Promise<{ view: CaseView; source: 'workflow' | 'projection' }> {
  if (row.status !== 'closed') {
    const live = await liveCaseView(temporal, row.caseId, timeoutMs);
    if (live) return { view: live, source: 'workflow' };
  }
  return { view: row.view, source: 'projection' };
}

export function findPending(view: CaseView, proposalId: string): PendingProposal | undefined {
  return view.pending.find((p) => p.proposalId === proposalId);
}

/** Who may decide a proposal: the team's steps officers and managers; the steps a policy reserves for managers, managers. */
export function mayDecide(user: User, p: Pick<PendingProposal, 'approver'>): boolean {
  if (user.role === 'manager') return true;
  if (user.role === 'officer') return p.approver === 'team';
  return false;
}

/**
 * Who may record a task's outcome: officers and managers, except that a task the case made for
 * managers (e.g. importing next year's calendar) is a manager's. Administrators record nothing.
 */
export function mayCompleteTask(user: User, task: Pick<CaseTask, 'owner'>): boolean {
  if (user.role === 'manager') return true;
  if (user.role === 'officer') return task.owner !== 'manager';
  return false;
}

/** A task of the case, by id. */
export function findTask(view: CaseView, taskId: string): CaseTask | undefined {
  return view.tasks?.find((t) => t.taskId === taskId);
}
