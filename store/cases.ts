// The read model of pupil cases: `cases` holds each case's latest view (one row per case workflow)
// and `case_events` every event of its timeline, appended once. Case workflows write it through
// `projectCase`; the API, the sweep and the simulation read it through the functions below, so the
// SQL on these tables lives here and nowhere else. The workflow stays the source of truth: this is
// what lists, dashboards and pages are built from without asking hundreds of workflows.
import type { CaseState } from '../domain/caseTypes';
import type { IsoDate } from '../domain/types';
import type { CaseTask, CaseView, PendingProposal } from '../workflows/caseMessages';
import type { Db } from './db';

export type CaseStatus = 'open' | 'paused' | 'closed';

/** What lists sort and filter on, worked out by the case from its policy. */
export interface CaseSummaryFields {
  stageRank: number | null;
  pendingApprovals: number;
  oldestPendingAt: string | null;
  nextActionOn: IsoDate | null;
}

export interface ProjectCaseInput {
  view: CaseView;
  searchable: CaseSummaryFields;
  /**
   * Increases with every projection of the case, across continue-as-new. Absent from cases on the
   * first engine: their timeline's length stands in for it.
   */
  version?: number;
}

// ---------------------------------------------------------------------------------------------
// Writing: the projection

/** The stored figures are from a later day than the projection's (ISO dates compare as text). */
const NEWER_FIGURES_HERE = `(cases.view->'latestFacts'->>'asOf') > (EXCLUDED.view->'latestFacts'->>'asOf')`;

/**
 * Writes the case's view, unless the stored row is newer, and appends the timeline events the
 * stored row had not. Returns whether the view was written.
 *
 * Projections of one case can arrive out of order (an Update handler and the case's loop both
 * project; an activity retried after a slow attempt lands late), so the row is only ever replaced
 * by a higher version. Without a version the timeline's length is used, and an equal length still
 * writes (a decision can change what is pending without adding an event), so only an older,
 * shorter view is refused. A case moving to an engine that sends versions must start its counter
 * at its timeline's length or above, or its first projections would be refused.
 */
export async function projectCase(db: Db, input: ProjectCaseInput): Promise<{ written: boolean }> {
  if (db.memory) return db.memory.projectCase(input);
  const { view, searchable } = input;
  const version = input.version ?? view.timeline.length;
  const equalWrites = input.version === undefined;
  return db.transaction(async (tx) => {
    const { rows } = await tx.query(
      `INSERT INTO cases (case_id, school_id, pupil_id, policy_id, policy_version, status, stage_id, stage_name, stage_rank,
         opened_on, closed_on, closed_reason, pending_approvals, oldest_pending_at, next_action_on, next_action,
         attendance_pct, view, version, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,now())
       ON CONFLICT (case_id) DO UPDATE SET status = EXCLUDED.status, stage_id = EXCLUDED.stage_id,
         stage_name = EXCLUDED.stage_name, stage_rank = EXCLUDED.stage_rank, closed_on = EXCLUDED.closed_on,
         closed_reason = EXCLUDED.closed_reason, pending_approvals = EXCLUDED.pending_approvals,
         oldest_pending_at = EXCLUDED.oldest_pending_at, next_action_on = EXCLUDED.next_action_on,
         next_action = EXCLUDED.next_action,
         -- A sleeping case woken by a person projects the figures it last took, which can be older
         -- than the ones the evening sweep has since checked and written here (recordSweepCheck):
         -- the page keeps the newer figures, and the sweep's date with them, instead of going back.
         attendance_pct = CASE WHEN ${NEWER_FIGURES_HERE} THEN cases.attendance_pct ELSE EXCLUDED.attendance_pct END,
         view = CASE WHEN ${NEWER_FIGURES_HERE}
           THEN jsonb_set(jsonb_set(EXCLUDED.view, '{latestFacts}', cases.view->'latestFacts'),
                          '{sweptOn}', COALESCE(cases.view->'sweptOn', 'null'::jsonb))
           ELSE EXCLUDED.view END,
         version = EXCLUDED.version, updated_at = now()
       WHERE cases.version < EXCLUDED.version OR ($20::boolean AND cases.version = EXCLUDED.version)
       RETURNING case_id`,
      [
        view.caseId,
        view.schoolId,
        view.pupilId,
        view.policyId,
        view.policyVersion,
        view.status,
        view.stageId,
        view.stageName,
        searchable.stageRank,
        view.openedOn,
        view.status === 'closed' ? view.today : null,
        view.closedReason ?? null,
        searchable.pendingApprovals,
        searchable.oldestPendingAt,
        searchable.nextActionOn,
        view.next.action,
        view.latestFacts?.attendancePct ?? null,
        JSON.stringify(view),
        version,
        equalWrites,
      ],
    );
    if (rows.length === 0) return { written: false };
    // The upsert holds the case's row until commit, so a competing projection waits here and then
    // counts the events this one added (each statement sees what committed before it).
    await tx.query(
      `INSERT INTO case_events (case_id, seq, school_id, at, date, type, stage_id, text)
       SELECT $1, t.seq, $2, (t.e->>'at')::timestamptz, (t.e->>'date')::date, t.e->>'type', t.e->>'stageId', t.e->>'text'
       FROM (SELECT e, (n - 1)::int AS seq FROM jsonb_array_elements($3::text::jsonb) WITH ORDINALITY AS a(e, n)) t
       WHERE t.seq >= (SELECT count(*) FROM case_events WHERE case_id = $1)
       ON CONFLICT DO NOTHING`,
      [view.caseId, view.schoolId, JSON.stringify(view.timeline)],
    );
    return { written: true };
  });
}

// ---------------------------------------------------------------------------------------------
// One case

export interface CaseRecord {
  caseId: string;
  schoolId: string;
  pupilId: string;
  policyId: string;
  policyVersion: string;
  status: CaseStatus;
  stageId: string | null;
  stageName: string | null;
  stageRank: number | null;
  openedOn: IsoDate;
  closedOn: IsoDate | null;
  pendingApprovals: number;
  nextActionOn: IsoDate | null;
  nextAction: string | null;
  attendancePct: number | null;
  view: CaseView;
  updatedAt: string;
}

interface CaseRow {
  case_id: string;
  school_id: string;
  pupil_id: string;
  policy_id: string;
  policy_version: string;
  status: CaseStatus;
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

const CASE_COLUMNS = `case_id, school_id, pupil_id::text AS pupil_id, policy_id, policy_version, status, stage_id,
  stage_name, stage_rank, opened_on::text AS opened_on, closed_on::text AS closed_on, pending_approvals,
  next_action_on::text AS next_action_on, next_action, attendance_pct::text AS attendance_pct, view,
  updated_at::text AS updated_at`;

function toCaseRecord(r: CaseRow): CaseRecord {
  return {
    caseId: r.case_id,
    schoolId: r.school_id,
    pupilId: r.pupil_id,
    policyId: r.policy_id,
    policyVersion: r.policy_version,
    status: r.status,
    stageId: r.stage_id,
    stageName: r.stage_name,
    stageRank: r.stage_rank,
    openedOn: r.opened_on,
    closedOn: r.closed_on,
    pendingApprovals: r.pending_approvals,
    nextActionOn: r.next_action_on,
    nextAction: r.next_action,
    attendancePct: pctOrNull(r.attendance_pct),
    view: r.view,
    updatedAt: r.updated_at,
  };
}

/** numeric comes back as text (it may not fit a double); percentages with two decimals do. */
function pctOrNull(text: string | null): number | null {
  return text === null ? null : Number(text);
}

export async function getCaseRow(db: Db, caseId: string): Promise<CaseRecord | null> {
  if (db.memory) return db.memory.getCaseRow(caseId);
  const { rows } = await db.query<CaseRow>(`SELECT ${CASE_COLUMNS} FROM cases WHERE case_id = $1`, [caseId]);
  return rows[0] ? toCaseRecord(rows[0]) : null;
}

/** The case's status as last projected; null for a case the read model does not hold. */
export async function getCaseStatus(db: Db, caseId: string): Promise<CaseStatus | null> {
  const { rows } = await db.query<{ status: CaseStatus }>('SELECT status FROM cases WHERE case_id = $1', [
    caseId,
  ]);
  return rows[0]?.status ?? null;
}

/** Every case, oldest first (a simulation's whole result). */
export async function listAllCases(db: Db): Promise<CaseRecord[]> {
  if (db.memory) return db.memory.listAllCases();
  const { rows } = await db.query<CaseRow>(`SELECT ${CASE_COLUMNS} FROM cases ORDER BY opened_on, case_id`);
  return rows.map(toCaseRecord);
}

// ---------------------------------------------------------------------------------------------
// The cases list

export const CASE_SORTS = {
  next: 'c.next_action_on ASC NULLS LAST, c.stage_rank DESC NULLS LAST',
  stage: 'c.stage_rank DESC NULLS LAST, c.next_action_on ASC NULLS LAST',
  name: 'p.family_name, p.given_name',
  opened: 'c.opened_on DESC',
  attendance: 'c.attendance_pct ASC NULLS LAST',
  pending: 'c.pending_approvals DESC, c.oldest_pending_at ASC NULLS LAST',
} as const;
export type CaseSort = keyof typeof CASE_SORTS;
export const CASE_SORT_KEYS = Object.keys(CASE_SORTS) as [CaseSort, ...CaseSort[]];

export interface CaseFilter {
  /** null: every school. */
  schoolIds: string[] | null;
  /** active = open or paused. */
  status: 'active' | CaseStatus | 'all';
  stageIds?: string[];
  yearGroup?: number;
  /** Pupils with any of these flags. */
  flags?: string[];
  /** Only cases with (true) or without (false) steps waiting for approval. */
  pending?: boolean;
  /** Only cases with a step waiting for this approver. */
  approver?: 'team' | 'manager';
  nextFrom?: IsoDate;
  nextTo?: IsoDate;
  /** Part of the pupil's name, or a UPN. */
  text?: string;
  sort: CaseSort;
  page: number;
  pageSize: number;
}

export interface PupilOfCase {
  id: string;
  givenName: string;
  familyName: string;
  yearGroup: number | null;
  flags: string[];
}

export interface CaseListItem {
  caseId: string;
  schoolId: string;
  pupil: PupilOfCase;
  status: CaseStatus;
  stageId: string | null;
  stageName: string | null;
  stageRank: number | null;
  openedOn: IsoDate;
  pendingApprovals: number;
  oldestPendingAt: string | null;
  nextActionOn: IsoDate | null;
  nextAction: string | null;
  attendancePct: number | null;
}

/** One page of the cases that match, and how many match in all. */
export async function listCases(db: Db, f: CaseFilter): Promise<{ total: number; cases: CaseListItem[] }> {
  const params: unknown[] = [f.schoolIds];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = ['($1::text[] IS NULL OR c.school_id = ANY($1::text[]))'];
  if (f.status === 'active') where.push(`c.status <> 'closed'`);
  else if (f.status !== 'all') where.push(`c.status = ${p(f.status)}`);
  if (f.stageIds?.length) where.push(`c.stage_id = ANY(${p(f.stageIds)}::text[])`);
  if (f.yearGroup !== undefined) where.push(`p.year_group = ${p(f.yearGroup)}`);
  if (f.flags?.length) where.push(`p.flags && ${p(f.flags)}::text[]`);
  if (f.pending === true) where.push('c.pending_approvals > 0');
  if (f.pending === false) where.push('c.pending_approvals = 0');
  if (f.approver) {
    where.push(
      `EXISTS (SELECT 1 FROM jsonb_array_elements(c.view->'pending') e WHERE e->>'approver' = ${p(f.approver)})`,
    );
  }
  if (f.nextFrom) where.push(`c.next_action_on >= ${p(f.nextFrom)}::date`);
  if (f.nextTo) where.push(`c.next_action_on <= ${p(f.nextTo)}::date`);
  if (f.text) {
    const like = `%${f.text.replace(/[%_\\]/g, '')}%`;
    where.push(
      `((p.given_name || ' ' || p.family_name) ILIKE ${p(like)} OR p.upn = ${p(f.text.toUpperCase())})`,
    );
  }
  const clause = where.join(' AND ');
  const from = 'FROM cases c JOIN pupils p ON p.id = c.pupil_id';
  // Every case's pupil is on the roll (pupils are never deleted), so without a filter on the pupil the
  // count needs only `cases`: an index-only scan, not a join of every case in scope to its pupil.
  const byPupil = f.yearGroup !== undefined || Boolean(f.flags?.length) || Boolean(f.text);
  const counted = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n ${byPupil ? from : 'FROM cases c'} WHERE ${clause}`,
    params,
  );
  const order = `${CASE_SORTS[f.sort]}, c.case_id`;
  const page = `LIMIT ${p(f.pageSize)} OFFSET ${p((f.page - 1) * f.pageSize)}`;
  // Likewise the page: its case ids from `cases` alone (in the default order an index answers them
  // without reading a row, however deep the page), then those cases' rows and pupils.
  const pageRows =
    byPupil || f.sort === 'name'
      ? `${from} WHERE ${clause} ORDER BY ${order} ${page}`
      : `FROM (SELECT c.case_id FROM cases c WHERE ${clause} ORDER BY ${order} ${page}) ids
         JOIN cases c ON c.case_id = ids.case_id JOIN pupils p ON p.id = c.pupil_id ORDER BY ${order}`;
  const { rows } = await db.query<{
    case_id: string;
    school_id: string;
    pupil_id: string;
    given_name: string;
    family_name: string;
    year_group: number | null;
    flags: string[] | null;
    status: CaseStatus;
    stage_id: string | null;
    stage_name: string | null;
    stage_rank: number | null;
    opened_on: string;
    pending_approvals: number;
    oldest_pending_at: string | null;
    next_action_on: string | null;
    next_action: string | null;
    attendance_pct: string | null;
  }>(
    `SELECT c.case_id, c.school_id, c.pupil_id::text AS pupil_id, p.given_name, p.family_name, p.year_group, p.flags, c.status,
            c.stage_id, c.stage_name, c.stage_rank, c.opened_on::text AS opened_on, c.pending_approvals,
            c.oldest_pending_at::text AS oldest_pending_at, c.next_action_on::text AS next_action_on, c.next_action,
            c.attendance_pct::text AS attendance_pct
     ${pageRows}`,
    params,
  );
  return {
    total: counted.rows[0]?.n ?? 0,
    cases: rows.map((r) => ({
      caseId: r.case_id,
      schoolId: r.school_id,
      pupil: {
        id: r.pupil_id,
        givenName: r.given_name,
        familyName: r.family_name,
        yearGroup: r.year_group,
        flags: r.flags ?? [],
      },
      status: r.status,
      stageId: r.stage_id,
      stageName: r.stage_name,
      stageRank: r.stage_rank,
      openedOn: r.opened_on,
      pendingApprovals: r.pending_approvals,
      oldestPendingAt: r.oldest_pending_at,
      nextActionOn: r.next_action_on,
      nextAction: r.next_action,
      attendancePct: pctOrNull(r.attendance_pct),
    })),
  };
}

export interface StageCount {
  stageId: string;
  stageName: string | null;
  stageRank: number | null;
  /** Open or paused cases at the stage. */
  active: number;
}

/** The stages the active cases in these schools are at, least severe first (the list's filter). */
export async function countActiveCasesByStage(db: Db, schoolIds: string[] | null): Promise<StageCount[]> {
  const { rows } = await db.query<{
    stage_id: string;
    stage_name: string | null;
    stage_rank: number | null;
    n: number;
  }>(
    `SELECT stage_id, max(stage_name) AS stage_name, max(stage_rank) AS stage_rank, count(*)::int AS n FROM cases c
     WHERE ($1::text[] IS NULL OR c.school_id = ANY($1::text[])) AND c.status <> 'closed' AND stage_id IS NOT NULL
     GROUP BY stage_id ORDER BY max(stage_rank), stage_id`,
    [schoolIds],
  );
  return rows.map((r) => ({
    stageId: r.stage_id,
    stageName: r.stage_name,
    stageRank: r.stage_rank,
    active: r.n,
  }));
}

// ---------------------------------------------------------------------------------------------
// Approvals

export interface CaseAwaitingApproval {
  caseId: string;
  schoolId: string;
  pupil: PupilOfCase;
  stageName: string | null;
  view: CaseView;
}

/** Active cases in these schools with at least one step waiting for a decision. */
export async function listCasesAwaitingApproval(
  db: Db,
  schoolIds: string[] | null,
): Promise<CaseAwaitingApproval[]> {
  if (db.memory) return db.memory.listCasesAwaitingApproval(schoolIds);
  const { rows } = await db.query<{
    case_id: string;
    school_id: string;
    pupil_id: string;
    given_name: string;
    family_name: string;
    year_group: number | null;
    flags: string[] | null;
    stage_name: string | null;
    view: CaseView;
  }>(
    `SELECT c.case_id, c.school_id, c.pupil_id::text AS pupil_id, p.given_name, p.family_name, p.year_group, p.flags, c.stage_name, c.view
     FROM cases c JOIN pupils p ON p.id = c.pupil_id
     WHERE ($1::text[] IS NULL OR c.school_id = ANY($1::text[])) AND c.status <> 'closed' AND c.pending_approvals > 0
     ORDER BY c.case_id`,
    [schoolIds],
  );
  return rows.map((r) => ({
    caseId: r.case_id,
    schoolId: r.school_id,
    pupil: {
      id: r.pupil_id,
      givenName: r.given_name,
      familyName: r.family_name,
      yearGroup: r.year_group,
      flags: r.flags ?? [],
    },
    stageName: r.stage_name,
    view: r.view,
  }));
}

/** Every step waiting for a decision on the school's active cases. */
export async function listPendingProposals(db: Db, schoolId: string): Promise<PendingProposal[]> {
  const { rows } = await db.query<{ view: CaseView }>(
    `SELECT view FROM cases WHERE school_id = $1 AND status <> 'closed' AND pending_approvals > 0`,
    [schoolId],
  );
  return rows.flatMap((r) => r.view.pending ?? []);
}

/** An engine-2 case's task waiting for a person, with whose case it is. */
export interface OpenCaseTask {
  caseId: string;
  schoolId: string;
  pupil: PupilOfCase;
  stageId: string | null;
  stageName: string | null;
  task: CaseTask;
  /** The case's latest figures (for worklists that show them beside the task). */
  latestFacts: CaseView['latestFacts'];
}

/**
 * Every task still waiting for its outcome on the active cases of these schools, soonest due first
 * (the worklist). Tasks live in each case's view, so they are read from there.
 */
export async function listOpenCaseTasks(db: Db, schoolIds: string[] | null): Promise<OpenCaseTask[]> {
  if (db.memory) return db.memory.listOpenCaseTasks(schoolIds);
  const { rows } = await db.query<{
    case_id: string;
    school_id: string;
    pupil_id: string;
    given_name: string;
    family_name: string;
    year_group: number | null;
    flags: string[] | null;
    stage_id: string | null;
    stage_name: string | null;
    task: CaseTask;
    latest_facts: CaseView['latestFacts'];
  }>(
    `SELECT c.case_id, c.school_id, c.pupil_id::text AS pupil_id, p.given_name, p.family_name, p.year_group, p.flags,
            c.stage_id, c.stage_name, t.task, c.view->'latestFacts' AS latest_facts
     FROM cases c JOIN pupils p ON p.id = c.pupil_id,
          jsonb_array_elements(COALESCE(c.view->'tasks', '[]'::jsonb)) AS t(task)
     WHERE ($1::text[] IS NULL OR c.school_id = ANY($1::text[])) AND c.status <> 'closed'
       AND t.task->>'status' = 'open'
     ORDER BY t.task->>'dueOn', c.case_id`,
    [schoolIds],
  );
  return rows.map((r) => ({
    caseId: r.case_id,
    schoolId: r.school_id,
    pupil: {
      id: r.pupil_id,
      givenName: r.given_name,
      familyName: r.family_name,
      yearGroup: r.year_group,
      flags: r.flags ?? [],
    },
    stageId: r.stage_id,
    stageName: r.stage_name,
    task: r.task,
    latestFacts: r.latest_facts ?? null,
  }));
}

// ---------------------------------------------------------------------------------------------
// Dashboard and school figures

export interface StageStatusCount {
  stageId: string | null;
  stageName: string | null;
  stageRank: number | null;
  status: 'open' | 'paused';
  n: number;
}

/** The school's active cases by stage (including cases at no stage) and status. */
export async function countCasesByStage(db: Db, schoolId: string): Promise<StageStatusCount[]> {
  const { rows } = await db.query<{
    stage_id: string | null;
    stage_name: string | null;
    stage_rank: number | null;
    status: 'open' | 'paused';
    n: number;
  }>(
    `SELECT stage_id, max(stage_name) AS stage_name, max(stage_rank) AS stage_rank, status, count(*)::int AS n
     FROM cases WHERE school_id = $1 AND status <> 'closed' GROUP BY stage_id, status ORDER BY max(stage_rank), stage_id`,
    [schoolId],
  );
  return rows.map((r) => ({
    stageId: r.stage_id,
    stageName: r.stage_name,
    stageRank: r.stage_rank,
    status: r.status,
    n: r.n,
  }));
}

export interface CaseTotals {
  open: number;
  paused: number;
  closed: number;
  closedSince: number;
}

/** How many of the school's cases are open, paused and closed, and how many closed on or after `since`. */
export async function countCasesByStatus(db: Db, schoolId: string, since: IsoDate): Promise<CaseTotals> {
  const { rows } = await db.query<{ open: number; paused: number; closed: number; closed_since: number }>(
    `SELECT count(*) FILTER (WHERE status = 'open')::int AS open, count(*) FILTER (WHERE status = 'paused')::int AS paused,
            count(*) FILTER (WHERE status = 'closed')::int AS closed,
            count(*) FILTER (WHERE status = 'closed' AND closed_on >= $2::date)::int AS closed_since
     FROM cases WHERE school_id = $1`,
    [schoolId, since],
  );
  const r = rows[0];
  return {
    open: r?.open ?? 0,
    paused: r?.paused ?? 0,
    closed: r?.closed ?? 0,
    closedSince: r?.closed_since ?? 0,
  };
}

export interface StageSeen {
  stageId: string;
  stageName: string | null;
  stageRank: number | null;
}

/** Every stage any of the school's cases has been projected at, least severe first. */
export async function listStagesSeen(db: Db, schoolId: string): Promise<StageSeen[]> {
  const { rows } = await db.query<{ stage_id: string; stage_name: string | null; stage_rank: number | null }>(
    `SELECT stage_id, max(stage_name) AS stage_name, max(stage_rank) AS stage_rank FROM cases
     WHERE school_id = $1 AND stage_id IS NOT NULL GROUP BY stage_id ORDER BY max(stage_rank)`,
    [schoolId],
  );
  return rows.map((r) => ({ stageId: r.stage_id, stageName: r.stage_name, stageRank: r.stage_rank }));
}

export interface StageChangeCount {
  /** Monday of the week, YYYY-MM-DD. */
  week: IsoDate;
  type: 'opened' | 'stageChanged' | 'closed';
  stageId: string | null;
  n: number;
}

/** Cases opened, moved to a stage and closed per week since `since`, from the timeline events. */
export async function countStageChangesByWeek(
  db: Db,
  schoolId: string,
  since: IsoDate,
): Promise<StageChangeCount[]> {
  const { rows } = await db.query<{
    week: string;
    type: StageChangeCount['type'];
    stage_id: string | null;
    n: number;
  }>(
    `SELECT to_char(date_trunc('week', date::timestamp), 'YYYY-MM-DD') AS week, type, stage_id, count(*)::int AS n
     FROM case_events WHERE school_id = $1 AND date >= $2::date AND type IN ('opened', 'stageChanged', 'closed')
     GROUP BY 1, 2, 3 ORDER BY 1`,
    [schoolId, since],
  );
  return rows.map((r) => ({ week: r.week, type: r.type, stageId: r.stage_id, n: r.n }));
}

export interface ActiveCaseCounts {
  openCases: number;
  pendingApprovals: number;
}

/** Per school: its active cases and the steps waiting on them (schools with none are absent). */
export async function countActiveCasesBySchool(
  db: Db,
  schoolIds: string[] | null,
): Promise<Map<string, ActiveCaseCounts>> {
  const { rows } = await db.query<{ school_id: string; open_cases: number; pending: number }>(
    `SELECT school_id, count(*)::int AS open_cases, coalesce(sum(pending_approvals), 0)::int AS pending
     FROM cases WHERE ($1::text[] IS NULL OR school_id = ANY($1::text[])) AND status <> 'closed'
     GROUP BY school_id`,
    [schoolIds],
  );
  return new Map(rows.map((r) => [r.school_id, { openCases: r.open_cases, pendingApprovals: r.pending }]));
}

// ---------------------------------------------------------------------------------------------
// A pupil's cases

export interface CaseOfPupil {
  caseId: string;
  status: CaseStatus;
  stageName: string | null;
  openedOn: IsoDate;
  closedOn: IsoDate | null;
}

/** Every case the pupil has had, newest first. */
export async function listCasesOfPupil(db: Db, pupilId: string): Promise<CaseOfPupil[]> {
  const { rows } = await db.query<{
    case_id: string;
    status: CaseStatus;
    stage_name: string | null;
    opened_on: string;
    closed_on: string | null;
  }>(
    `SELECT case_id, status, stage_name, opened_on::text AS opened_on, closed_on::text AS closed_on
     FROM cases WHERE pupil_id = $1::uuid ORDER BY opened_on DESC`,
    [pupilId],
  );
  return rows.map((r) => ({
    caseId: r.case_id,
    status: r.status,
    stageName: r.stage_name,
    openedOn: r.opened_on,
    closedOn: r.closed_on,
  }));
}

/** Each of these pupils' active case (the latest opened, should there be more than one). */
export async function openCasesOfPupils(
  db: Db,
  pupilIds: string[],
): Promise<Map<string, { caseId: string; stageName: string | null }>> {
  if (pupilIds.length === 0) return new Map();
  const { rows } = await db.query<{ pupil_id: string; case_id: string; stage_name: string | null }>(
    `SELECT DISTINCT ON (pupil_id) pupil_id::text AS pupil_id, case_id, stage_name FROM cases
     WHERE pupil_id = ANY($1::uuid[]) AND status <> 'closed' ORDER BY pupil_id, opened_on DESC, case_id DESC`,
    [pupilIds],
  );
  return new Map(rows.map((r) => [r.pupil_id, { caseId: r.case_id, stageName: r.stage_name }]));
}

// ---------------------------------------------------------------------------------------------
// What the daily sweep needs

/** An active case as the sweep judges it (docs/cost.md): its state as last projected. */
export interface SweptCase {
  caseId: string;
  /** The projection the state comes from: a check is written only onto that projection. */
  version: number;
  status: CaseStatus;
  policyId: string;
  policyVersion: string;
  /** The case lets the sweep make its routine checks (the `sweep-checks` patch). */
  sweepChecks: boolean;
  caseState: CaseState;
  pendingApprovals: number;
  /** Steps whose work is with a person (open step tasks): decide() is told, as the case tells it. */
  inProgress: string[];
  /** The school day of the case's last projection. */
  today: IsoDate;
}

/** The school's active cases by pupil id, with what the sweep needs to judge them as they would. */
export async function activeCasesForSweep(db: Db, schoolId: string): Promise<Map<string, SweptCase>> {
  if (db.memory) return db.memory.activeCasesForSweep(schoolId);
  const { rows } = await db.query<{
    case_id: string;
    pupil_id: string;
    version: number;
    status: CaseStatus;
    policy_id: string;
    policy_version: string;
    sweep_checks: boolean | null;
    state: CaseState;
    pending_approvals: number;
    in_progress: string[] | null;
    today: string;
  }>(
    `SELECT case_id, pupil_id::text AS pupil_id, version, status, policy_id, policy_version,
            (view->>'sweepChecks')::boolean AS sweep_checks, view->'caseState' AS state, pending_approvals,
            (SELECT array_agg(t->>'stepId') FROM jsonb_array_elements(COALESCE(view->'tasks', '[]'::jsonb)) t
              WHERE t->>'purpose' = 'step' AND t->>'status' = 'open') AS in_progress,
            view->>'today' AS today
     FROM cases WHERE school_id = $1 AND status <> 'closed'`,
    [schoolId],
  );
  return new Map(
    rows.map((r) => [
      r.pupil_id,
      {
        caseId: r.case_id,
        version: Number(r.version),
        status: r.status,
        policyId: r.policy_id,
        policyVersion: r.policy_version,
        sweepChecks: r.sweep_checks === true,
        caseState: r.state,
        pendingApprovals: r.pending_approvals,
        inProgress: r.in_progress ?? [],
        today: r.today,
      },
    ]),
  );
}

/** A check the sweep made for a case: its figures, its next check and why, on the projection it judged. */
export interface SweepCheck {
  caseId: string;
  version: number;
  on: IsoDate;
  latestFacts: NonNullable<CaseView['latestFacts']>;
  nextOn: IsoDate | null;
  reasons: CaseView['next']['reasons'];
}

/**
 * The sweep checked a case and nothing changes: the page shows today's figures and the next check,
 * with no message to the case (docs/cost.md). Written onto the projection the sweep judged, only if
 * the case has not projected since (a newer projection is the case's own, fresher word).
 */
export async function recordSweepCheck(db: Db, c: SweepCheck): Promise<boolean> {
  if (db.memory) return db.memory.recordSweepCheck(c);
  const { rows } = await db.query(
    `UPDATE cases SET
       view = jsonb_set(jsonb_set(jsonb_set(jsonb_set(view, '{latestFacts}', $3::jsonb), '{next,on}', COALESCE(to_jsonb($4::text), 'null'::jsonb)),
                '{next,reasons}', $5::jsonb), '{sweptOn}', to_jsonb($6::text)),
       next_action_on = $4::date, attendance_pct = $7, updated_at = now()
     WHERE case_id = $1 AND version = $2 AND status = 'open'
     RETURNING case_id`,
    [
      c.caseId,
      c.version,
      JSON.stringify(c.latestFacts),
      c.nextOn,
      JSON.stringify(c.reasons),
      c.on,
      c.latestFacts.attendancePct,
    ],
  );
  return rows.length > 0;
}

/** The school's active cases: pupil id -> case id. */
export async function openCaseIdsForSchool(db: Db, schoolId: string): Promise<Map<string, string>> {
  const { rows } = await db.query<{ case_id: string; pupil_id: string }>(
    `SELECT case_id, pupil_id::text AS pupil_id FROM cases WHERE school_id = $1 AND status <> 'closed'`,
    [schoolId],
  );
  return new Map(rows.map((r) => [r.pupil_id, r.case_id]));
}

export interface ClosedCaseState {
  state: CaseState;
  closedOn: IsoDate | null;
}

/** For each pupil of the school whose cases are closed, the state of the one projected last. */
export async function latestClosedCaseStates(
  db: Db,
  schoolId: string,
): Promise<Map<string, ClosedCaseState>> {
  if (db.memory) return db.memory.latestClosedCaseStates(schoolId);
  const { rows } = await db.query<{ pupil_id: string; state: CaseState | null; closed_on: string | null }>(
    `SELECT DISTINCT ON (pupil_id) pupil_id::text AS pupil_id, view->'caseState' AS state, closed_on::text AS closed_on
       FROM cases WHERE school_id = $1 AND status = 'closed' ORDER BY pupil_id, updated_at DESC`,
    [schoolId],
  );
  return new Map(
    rows.flatMap((r) => (r.state ? [[r.pupil_id, { state: r.state, closedOn: r.closed_on }] as const] : [])),
  );
}

// ---------------------------------------------------------------------------------------------
// The dashboard: what came of the steps, and what is due

/** A case's history as the dashboard's "did interventions work?" reads it. */
export interface CaseHistoryForEffects {
  caseId: string;
  pupilId: string;
  policyId: string;
  policyVersion: string;
  /** Each stage the case entered (opened at, or moved to), with the school day. */
  stageEntries: { stageId: string; on: IsoDate }[];
  /** The steps the case carried out (result "done"), with the stage they belong to and the school day. */
  stepsDone: { stageId: string; stepId: string; on: IsoDate }[];
}

/**
 * Every case of the school, open or closed, with the stages it entered (from `case_events`) and the
 * steps it carried out (from the case state in its view: the policy engine's own record of what was
 * done, and when).
 */
export async function listCaseHistoriesForEffects(
  db: Db,
  schoolId: string,
): Promise<CaseHistoryForEffects[]> {
  const { rows } = await db.query<{
    case_id: string;
    pupil_id: string;
    policy_id: string;
    policy_version: string;
    steps: { stageId: string; stepId: string; on: string; result: string }[] | null;
    entries: { stageId: string | null; on: string }[] | null;
  }>(
    `SELECT c.case_id, c.pupil_id::text AS pupil_id, c.policy_id, c.policy_version,
            c.view->'caseState'->'completedSteps' AS steps,
            (SELECT json_agg(json_build_object('stageId', e.stage_id, 'on', e.date::text) ORDER BY e.seq)
               FROM case_events e WHERE e.case_id = c.case_id AND e.type IN ('opened', 'stageChanged')) AS entries
     FROM cases c WHERE c.school_id = $1 ORDER BY c.case_id`,
    [schoolId],
  );
  return rows.map((r) => ({
    caseId: r.case_id,
    pupilId: r.pupil_id,
    policyId: r.policy_id,
    policyVersion: r.policy_version,
    stageEntries: (r.entries ?? []).flatMap((e) => (e.stageId ? [{ stageId: e.stageId, on: e.on }] : [])),
    stepsDone: (r.steps ?? [])
      .filter((s) => s.result === 'done')
      .map((s) => ({ stageId: s.stageId, stepId: s.stepId, on: s.on })),
  }));
}

/** An active case whose next action falls on or before a day, with its pupil. */
export interface CaseActionDue {
  caseId: string;
  pupil: PupilOfCase;
  stageName: string | null;
  nextActionOn: IsoDate;
  nextAction: string | null;
}

/** The school's active cases whose next action is due on or before `onOrBefore`, earliest first. */
export async function listCasesWithActionDue(
  db: Db,
  schoolId: string,
  onOrBefore: IsoDate,
): Promise<CaseActionDue[]> {
  const { rows } = await db.query<{
    case_id: string;
    pupil_id: string;
    given_name: string;
    family_name: string;
    year_group: number | null;
    flags: string[] | null;
    stage_name: string | null;
    next_action_on: string;
    next_action: string | null;
  }>(
    `SELECT c.case_id, c.pupil_id::text AS pupil_id, p.given_name, p.family_name, p.year_group, p.flags,
            c.stage_name, c.next_action_on::text AS next_action_on, c.next_action
     FROM cases c JOIN pupils p ON p.id = c.pupil_id
     WHERE c.school_id = $1 AND c.status = 'open' AND c.next_action_on <= $2::date
     ORDER BY c.next_action_on, c.case_id`,
    [schoolId, onOrBefore],
  );
  return rows.map((r) => ({
    caseId: r.case_id,
    pupil: {
      id: r.pupil_id,
      givenName: r.given_name,
      familyName: r.family_name,
      yearGroup: r.year_group,
      flags: r.flags ?? [],
    },
    stageName: r.stage_name,
    nextActionOn: r.next_action_on,
    nextAction: r.next_action,
  }));
}
