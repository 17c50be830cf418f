// Reading cases: lists come from the `cases` projection; a case's detail asks the workflow itself
// (getCaseView, fresh to the second) and falls back to the projection when the worker is slow or the
// workflow has finished.
import type { Client } from '@temporalio/client';
import type { Db } from '../../store/db';
import { getCaseView, type CaseView, type PendingProposal } from '../../workflows/caseMessages';
import type { User } from '../auth/users';
import { inScope } from '../auth/scope';
import { notFound } from '../errors';

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
