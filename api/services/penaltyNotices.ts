// Penalty notices per parent, per child (docs/penalty-notices.md): who has parental responsibility
// and what a new notice to each would be, and the manager's decision on a case's consideration step.
// The decision and the per-parent records are one act: the notices requested are stored, and the
// case's consideration task is completed with the outcome "requested" and a note naming each parent,
// in one transaction (if the case refuses the outcome, nothing is stored). When the 3-year rules
// refuse a notice to a parent named (a third within 3 years of the first), the case is told why and
// proposes the next legal option to a manager instead.
import type { Client } from '@temporalio/client';
import { noticeTermsFor, type NoticeTerms } from '../../domain/penaltyNotices';
import type { IsoDate } from '../../domain/types';
import type { CaseRecord } from '../../store/cases';
import type { Db } from '../../store/db';
import {
  deletePenaltyNotices,
  insertPenaltyNotice,
  parentKey,
  penaltyNoticesForPupil,
  type PenaltyNoticeRecord,
} from '../../store/penaltyNotices';
import { getPupil } from '../../store/pupils';
import { completeTask, type CaseTask, type TaskOutcome } from '../../workflows/caseMessages';
import type { User } from '../auth/users';
import { badRequest, conflict, notFound } from '../errors';
import { caseClosed, caseView, findTask, updateCase } from './cases';

/** One parent with parental responsibility, their notices for this child, and what a new one would be. */
export interface ParentNotices {
  /** The parent's place in the pupil's contacts (the roster's contact 1, 2, ...), from 0. */
  contactIndex: number;
  name: string;
  notices: PenaltyNoticeRecord[];
  /** A new notice requested on the day asked: first (£80/£160), second (£160), or refused with the reason. */
  terms: NoticeTerms;
}

/** The pupil's parents on the roster with their notices for this child, and notices to former ones. */
export async function parentsOf(db: Db, pupilId: string, on: IsoDate) {
  const pupil = await getPupil(db, pupilId);
  if (!pupil) throw notFound('No such case');
  const all = await penaltyNoticesForPupil(db, pupil.id);
  const parents: ParentNotices[] = pupil.contacts
    .map((c, contactIndex) => ({ c, contactIndex }))
    .filter(({ c }) => c.name.trim() !== '')
    .map(({ c, contactIndex }) => {
      const notices = all.filter((n) => parentKey(n.parentName) === parentKey(c.name));
      return { contactIndex, name: c.name, notices, terms: noticeTermsFor(notices, on) };
    });
  const known = new Set(parents.map((p) => parentKey(p.name)));
  return { pupil, parents, formerParents: all.filter((n) => !known.has(parentKey(n.parentName))) };
}

/** The parents named, each once, or a 400 naming a contact the pupil does not have. */
export function chosenParents(parents: ParentNotices[], contactIndexes: number[]): ParentNotices[] {
  return [...new Set(contactIndexes)].map((i) => {
    const p = parents.find((x) => x.contactIndex === i);
    if (!p) throw badRequest(`The pupil has no parent/carer number ${i} on the roster.`);
    return p;
  });
}

/** One request per parent (each on the terms the rules allow them), in one transaction. */
export async function storeRequests(
  db: Db,
  r: {
    schoolId: string;
    pupilId: string;
    caseId: string;
    parents: ParentNotices[];
    requestedOn: IsoDate;
    by: string;
  },
): Promise<PenaltyNoticeRecord[]> {
  return db.transaction(async (tx) => {
    const made: PenaltyNoticeRecord[] = [];
    for (const p of r.parents)
      made.push(
        await insertPenaltyNotice(tx, {
          schoolId: r.schoolId,
          pupilId: r.pupilId,
          caseId: r.caseId,
          parentName: p.name,
          ordinal: p.terms.allowed ? p.terms.ordinal : 1,
          requestedOn: r.requestedOn,
          by: r.by,
        }),
      );
    return made;
  });
}

/** What the manager decided on a consideration step, as the case recorded it. */
export interface ConsiderationResult {
  /** The consideration task's outcome: notices requested, or none possible (the next legal option). */
  outcome: 'requested' | 'refused' | 'notRequested';
  /** The notices requested, one per parent allowed one. */
  notices: PenaltyNoticeRecord[];
  /** The parents the 3-year rules refused, each with the reason. */
  refused: { contactIndex: number; name: string; reason: string }[];
  /** The case proposes the next legal option to a manager (a notice was refused). */
  nextLegalOption: boolean;
  timelineIndex: number;
}

export interface ConsiderationDeps {
  db: Db;
  temporal: Client;
  caseQueryTimeoutMs: number;
}

/**
 * The manager's decision on a penalty-notice consideration task: request a notice for each parent
 * named. Parents the rules allow get their notice (a first, or a second at £160); a parent refused
 * (a third within 3 years) gets none, and the case proposes the next legal option. Both are recorded
 * on the case as the task's outcome, with who and when.
 */
export async function decideConsideration(
  deps: ConsiderationDeps,
  user: Pick<User, 'id' | 'role'>,
  row: CaseRecord,
  taskId: string,
  request: { contactIndexes: number[]; requestedOn: IsoDate },
): Promise<ConsiderationResult> {
  const { db } = deps;
  if (row.status === 'closed') throw caseClosed();
  let task: CaseTask | undefined = findTask(row.view, taskId);
  if (!task) task = findTask((await caseView(deps.temporal, row, deps.caseQueryTimeoutMs)).view, taskId);
  if (!task || task.kind !== 'penaltyNoticeConsideration')
    throw notFound('No such penalty-notice consideration on this case');
  if (task.status === 'done') throw conflict('This consideration has already been decided.');

  const { pupil, parents } = await parentsOf(db, row.pupilId, request.requestedOn);
  const chosen = chosenParents(parents, request.contactIndexes);
  const allowed = chosen.filter((p) => p.terms.allowed);
  const refused = chosen.flatMap((p) =>
    p.terms.allowed ? [] : [{ contactIndex: p.contactIndex, name: p.name, reason: p.terms.reason }],
  );
  const has = (id: string) => task.outcomes.some((o) => o.id === id);
  // A task planned before "refused" was one of its outcomes says "not requested", with the reason.
  const outcome: ConsiderationResult['outcome'] =
    allowed.length > 0 ? 'requested' : has('refused') ? 'refused' : 'notRequested';
  const note = [
    ...allowed.map((p) => `Requested for ${p.name}: ${p.terms.allowed ? p.terms.words : ''}.`),
    ...refused.map((p) => `Not possible for ${p.name}: ${p.reason}.`),
  ].join('\n');
  const message: TaskOutcome = {
    actor: { userId: user.id, role: user.role },
    taskId,
    outcome,
    on: request.requestedOn,
    note,
    ...(refused.length
      ? { nextLegalOption: { reason: refused.map((p) => `${p.name}: ${p.reason}`).join('; ') } }
      : {}),
  };
  // The requests are stored first, then the case records the decision; if the case refuses it (the
  // task was decided a moment ago by someone else, say), the requests just stored are removed. A
  // transaction cannot span the Update: the case's own activities write to the same database.
  const notices = await storeRequests(db, {
    schoolId: pupil.schoolId,
    pupilId: pupil.id,
    caseId: row.caseId,
    parents: allowed,
    requestedOn: request.requestedOn,
    by: user.id,
  });
  try {
    const accepted = await updateCase(db, row, () =>
      deps.temporal.workflow.getHandle(row.caseId).executeUpdate(completeTask, { args: [message] }),
    );
    return {
      outcome,
      notices,
      refused,
      nextLegalOption: refused.length > 0,
      timelineIndex: accepted.timelineIndex,
    };
  } catch (err) {
    await deletePenaltyNotices(
      db,
      notices.map((n) => n.id),
    );
    throw err;
  }
}
