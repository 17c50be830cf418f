// Reading cases: lists come from the `cases` projection; a case's detail asks the workflow itself
// (getCaseView, fresh to the second) and falls back to the projection when the worker is slow or the
// workflow has finished. Writing to a case (decisions, human events) goes through updateCase.
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Db } from '../../store/db';
import { getCaseView, type CaseView, type PendingProposal } from '../../workflows/caseMessages';
import type { User } from '../auth/users';
import { inScope } from '../auth/scope';
import { conflict, notFound, type HttpError } from '../errors';

export interface CaseRow {
  case_id: string;
  school_id: string;
  pupil_id: string;
  policy_id: string;
  policy_version: string;
  status: 'open' | 'paused' | 'closed';
  stage_id: string | null;
  stage_name: string | null;
  stage_rank: number | null;
  opened_on: string;
  closed_on: string | null;
  pending_approvals: number;
  next_action_on: string | null;
  next_action: string | null;
  attendance_pct: string | null;
  view: CaseView;
  updated_at: string;
}

export async function loadCaseRow(db: Db, user: User, caseId: string): Promise<CaseRow> {
  const { rows } = await db.query<CaseRow>(
    `SELECT case_id, school_id, pupil_id::text AS pupil_id, policy_id, policy_version, status, stage_id, stage_name, stage_rank,
            opened_on::text AS opened_on, closed_on::text AS closed_on, pending_approvals, next_action_on::text AS next_action_on,
            next_action, attendance_pct::text AS attendance_pct, view, updated_at::text AS updated_at
     FROM cases WHERE case_id = $1`,
    [caseId],
  );
  const row = rows[0];
  if (!row || !inScope(user, row.school_id)) throw notFound('No such case');
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
 * a case that is not running and not closed is a 404.
 */
export async function updateCase<T>(db: Db, row: CaseRow, send: () => Promise<T>): Promise<T> {
  if (row.status === 'closed') throw caseClosed();
  try {
    return await send();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || err instanceof WorkflowUpdateFailedError) {
      const { rows } = await db.query<{ status: string }>('SELECT status FROM cases WHERE case_id = $1', [
        row.case_id,
      ]);
      if (rows[0]?.status === 'closed') throw caseClosed();
    }
    throw err;
  }
}

export async function liveCaseView(
  temporal: Client,
  caseId: string,
  timeoutMs: number,
): Promise<CaseView | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      temporal.workflow.getHandle(caseId).query(getCaseView),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), timeoutMs);
      }),
    ]);
  } catch {
    return null;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** The freshest view we can get: the workflow's, else the projection's. */
export async function caseView(
  temporal: Client,
  row: CaseRow,
  timeoutMs: number,
): Promise<{ view: CaseView; source: 'workflow' | 'projection' }> {
  if (row.status !== 'closed') {
    const live = await liveCaseView(temporal, row.case_id, timeoutMs);
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
