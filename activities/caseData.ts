// Activities that read the attendance store for cases, project case state back into it, and run
// the daily sweep that opens and feeds cases.
import { createHash } from 'node:crypto';
import { log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { buildCalendar } from '../domain/calendar';
import { decide, emptyCaseState } from '../domain/policy/decide';
import type { Policy } from '../domain/policy/schema';
import { computePupilFacts, getPreparedEvaluation, evaluatePupil } from '../domain/stats';
import type { CaseState } from '../domain/caseTypes';
import type { IsoDate, PupilFacts, SchoolCalendarFile } from '../domain/types';
import { seedDefaultAvailability } from '../store/caseServices';
import type { Db } from '../store/db';
import { loadMarkGrid, loadSchoolSnapshot } from '../store/marks';
import { getPupil } from '../store/pupils';
import { getSchool } from '../store/schools';
import type { CaseView } from '../workflows/caseMessages';
import type { CaseSettings } from '../workflows/attendanceCase';

export interface CaseDataDeps {
  db: Db;
  /** Needed by the sweep only (signal-with-start). */
  temporal?: Client;
  taskQueue?: string;
  caseSettings?: CaseSettings;
  /** Finds the policy a school runs (published version or policy file). */
  policyForSchool?: (schoolId: string) => Promise<Policy>;
}

export interface CaseSummaryFields {
  stageRank: number | null;
  pendingApprovals: number;
  oldestPendingAt: string | null;
  nextActionOn: IsoDate | null;
}

export interface SweepResult {
  schoolId: string;
  asOf: IsoDate;
  evaluated: number;
  opened: number;
  updated: number;
  unchanged: number;
  /** The workflow ids of the cases opened (opaque: school, pupil id, date). */
  openedCaseIds: string[];
}

/** The case workflow id: institution code, opaque pupil id and opening date — no personal data. */
export function caseIdFor(schoolId: string, pupilId: string, openedOn: IsoDate): string {
  return `case-${schoolId}-${pupilId}-${openedOn.replaceAll('-', '')}`;
}

/** A digest of the figures a decision depends on; dates of the window itself are left out. */
export function factsDigest(f: PupilFacts): string {
  const w = (k: keyof PupilFacts['windows']) => {
    const s = f.windows[k];
    return [
      s.possible,
      s.present,
      s.approvedActivity,
      s.authorised,
      s.unauthorised,
      s.unexplained,
      s.lateBeforeClose,
      s.lateAfterClose,
    ];
  };
  const material = JSON.stringify([
    f.flags,
    f.onRoll,
    w('rolling10'),
    w('halfTerm'),
    w('term'),
    w('ytd'),
    f.penaltyThreshold.sessions,
    f.longestUnauthorisedRunDays,
    f.currentUnauthorisedRunDays,
    f.illness,
  ]);
  return createHash('sha256').update(material).digest('hex').slice(0, 24);
}

export function createCaseDataActivities(deps: CaseDataDeps) {
  const { db } = deps;

  return {
    async getSchoolCalendar({ schoolId }: { schoolId: string }): Promise<SchoolCalendarFile> {
      const school = await getSchool(db, schoolId);
      if (!school) throw new Error(`school ${schoolId} not found`);
      return school.calendar;
    },

    /** The pupil's figures as of a date (marks after it are not looked at). Null when unknown. */
    async loadPupilFacts({
      schoolId,
      pupilId,
      asOf,
    }: {
      schoolId: string;
      pupilId: string;
      asOf: IsoDate;
    }): Promise<PupilFacts | null> {
      const [school, pupil] = await Promise.all([getSchool(db, schoolId), getPupil(db, pupilId)]);
      if (!school || !pupil || pupil.schoolId !== schoolId) return null;
      const grid = await loadMarkGrid(db, pupilId);
      return computePupilFacts({
        pupil: {
          pupilId: pupil.id,
          upn: pupil.upn,
          yearGroup: pupil.yearGroup,
          flags: pupil.flags,
          startDate: pupil.startDate,
          leftOn: pupil.leftOn,
        },
        grid,
        calendar: buildCalendar(school.calendar),
        asOf,
      });
    },

    /** Writes the case's latest view to the `cases` table and appends new timeline events. */
    async projectCase({
      view,
      searchable,
    }: {
      view: CaseView;
      searchable: CaseSummaryFields;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO cases (case_id, school_id, pupil_id, policy_id, policy_version, status, stage_id, stage_name, stage_rank,
             opened_on, closed_on, closed_reason, pending_approvals, oldest_pending_at, next_action_on, next_action,
             attendance_pct, view, updated_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,now())
           ON CONFLICT (case_id) DO UPDATE SET status = EXCLUDED.status, stage_id = EXCLUDED.stage_id,
             stage_name = EXCLUDED.stage_name, stage_rank = EXCLUDED.stage_rank, closed_on = EXCLUDED.closed_on,
             closed_reason = EXCLUDED.closed_reason, pending_approvals = EXCLUDED.pending_approvals,
             oldest_pending_at = EXCLUDED.oldest_pending_at, next_action_on = EXCLUDED.next_action_on,
             next_action = EXCLUDED.next_action, attendance_pct = EXCLUDED.attendance_pct, view = EXCLUDED.view,
             updated_at = now()`,
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
          ],
        );
        // Append-only: events already projected keep their row (seq = index in the timeline).
        const { rows } = await tx.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM case_events WHERE case_id = $1',
          [view.caseId],
        );
        const from = rows[0]?.n ?? 0;
        for (let seq = from; seq < view.timeline.length; seq++) {
          const e = view.timeline[seq]!;
          await tx.query(
            `INSERT INTO case_events (case_id, seq, school_id, at, date, type, stage_id, text)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT DO NOTHING`,
            [view.caseId, seq, view.schoolId, e.at, e.date, e.type, e.stageId, e.text],
          );
        }
      });
    },

    /**
     * The daily sweep for one school: evaluate every pupil, open a case (signal-with-start) for each
     * pupil who meets an entry trigger and has no open case, and send fresh facts to open cases
     * only when their figures changed.
     */
    async sweepSchool({ schoolId, asOf }: { schoolId: string; asOf: IsoDate }): Promise<SweepResult> {
      const { temporal, taskQueue, caseSettings, policyForSchool } = deps;
      if (!temporal || !taskQueue || !caseSettings || !policyForSchool) {
        throw new Error(
          'sweepSchool needs a Temporal client, a task queue, case settings and a policy resolver',
        );
      }
      const snapshot = await loadSchoolSnapshot(db, schoolId);
      if (!snapshot) throw new Error(`school ${schoolId} not found`);
      const policy = await policyForSchool(schoolId);
      // Meetings need someone to meet: a school that has not set staff availability gets the default.
      await seedDefaultAvailability(db, schoolId);
      const prepared = getPreparedEvaluation(snapshot.calendar, asOf, {
        penaltyCodes: policy.penaltyNotice.countingCodes,
      });

      const open = await db.query<{ case_id: string; pupil_id: string }>(
        `SELECT case_id, pupil_id::text AS pupil_id FROM cases WHERE school_id = $1 AND status <> 'closed'`,
        [schoolId],
      );
      const openCase = new Map(open.rows.map((r) => [r.pupil_id, r.case_id]));
      // A pupil whose case closed is judged from the closed case's state, so figures that were
      // already dealt with (this half term's lates, say) do not reopen it; only new marks do.
      const closed = await db.query<{ pupil_id: string; state: CaseState | null; closed_on: string | null }>(
        `SELECT DISTINCT ON (pupil_id) pupil_id::text AS pupil_id, view->'caseState' AS state, closed_on::text AS closed_on
           FROM cases WHERE school_id = $1 AND status = 'closed' ORDER BY pupil_id, updated_at DESC`,
        [schoolId],
      );
      const closedState = new Map(
        closed.rows
          .filter((r) => r.state)
          .map((r) => [
            r.pupil_id,
            { ...r.state!, stageId: null, closedOn: r.state!.closedOn ?? r.closed_on },
          ]),
      );
      const sent = await db.query<{ pupil_id: string; digest: string }>(
        'SELECT pupil_id::text AS pupil_id, digest FROM sweep_digests WHERE school_id = $1',
        [schoolId],
      );
      const lastDigest = new Map(sent.rows.map((r) => [r.pupil_id, r.digest]));

      const result: SweepResult = {
        schoolId,
        asOf,
        evaluated: 0,
        opened: 0,
        updated: 0,
        unchanged: 0,
        openedCaseIds: [],
      };
      for (const pupil of snapshot.pupils) {
        const facts = evaluatePupil(
          prepared,
          {
            pupilId: pupil.id,
            upn: pupil.upn,
            yearGroup: pupil.yearGroup,
            flags: pupil.flags,
            startDate: pupil.startDate,
            leftOn: pupil.leftOn,
          },
          snapshot.grids.get(pupil.id)!,
        );
        result.evaluated++;
        const digest = factsDigest(facts);
        const existing = openCase.get(pupil.id);
        if (existing) {
          if (lastDigest.get(pupil.id) === digest) {
            result.unchanged++;
            continue;
          }
          await temporal.workflow.getHandle(existing).signal('factsUpdated', { facts, digest });
          result.updated++;
        } else {
          const from = closedState.get(pupil.id) ?? emptyCaseState();
          if (decide(policy, from, facts, asOf, snapshot.calendar).stageId === null) continue;
          const caseId = caseIdFor(schoolId, pupil.id, asOf);
          try {
            await temporal.workflow.signalWithStart('attendanceCase', {
              taskQueue,
              workflowId: caseId,
              args: [{ caseId, schoolId, pupilId: pupil.id, policy, settings: caseSettings }],
              signal: 'factsUpdated',
              signalArgs: [{ facts, digest }],
            });
          } catch (err) {
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          }
          result.opened++;
          result.openedCaseIds.push(caseId);
        }
        await db.query(
          `INSERT INTO sweep_digests (pupil_id, school_id, digest, sent_on) VALUES ($1, $2, $3, $4)
           ON CONFLICT (pupil_id) DO UPDATE SET digest = EXCLUDED.digest, sent_on = EXCLUDED.sent_on`,
          [pupil.id, schoolId, digest, asOf],
        );
      }
      log.info('sweep finished', {
        schoolId,
        asOf,
        evaluated: result.evaluated,
        opened: result.opened,
        updated: result.updated,
      });
      return result;
    },
  };
}
