// Activities that read the attendance store for cases, project case state back into it, and run
// the daily sweep that opens and feeds cases.
import { createHash } from 'node:crypto';
import { Context, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { getReplayProgress } from '../store/demoReplay';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { BeyondCalendarError, buildCalendar } from '../domain/calendar';
import { decide, emptyCaseState } from '../domain/policy/decide';
import { figureOptionsFor, type Policy } from '../domain/policy/schema';
import { computePupilFacts, getPreparedEvaluation, evaluatePupil } from '../domain/stats';
import type { Reason } from '../domain/caseTypes';
import type { IsoDate, PupilFacts, SchoolCalendarFile } from '../domain/types';
import {
  activeCasesForSweep,
  latestClosedCaseStates,
  projectCase as writeProjection,
  recordSweepCheck,
  type ProjectCaseInput,
  type SweptCase,
} from '../store/cases';
import { factsSummary } from '../workflows/case/readModel';
import { seedDefaultAvailability } from '../store/caseServices';
import type { Db } from '../store/db';
import { loadMarkGrid, loadSchoolSnapshot } from '../store/marks';
import { getPupil } from '../store/pupils';
import { getSchool } from '../store/schools';
import { getSweepDigests, saveSweepDigest } from '../store/sweepDigests';
import { sweepAdvanced, sweepFinished, sweepStarted } from '../store/sweepProgress';
import type { FactsUpdate } from '../workflows/caseMessages';
import { CURRENT_ENGINE, type CaseSettings } from '../workflows/caseInput';

export type { CaseSummaryFields } from '../store/cases';

export interface CaseDataDeps {
  db: Db;
  /** Needed by the sweep only (signal-with-start). */
  temporal?: Client;
  taskQueue?: string;
  caseSettings?: CaseSettings;
  /** Finds the policy a school runs (published version or policy file). */
  policyForSchool?: (schoolId: string) => Promise<Policy>;
  /**
   * Where the sweep's figures go. Unset, to the cases on Temporal (signal, or signal-with-start for
   * a new case); an in-process what-if run gives its own, which runs the same case code in memory.
   */
  deliverFigures?: FiguresDelivery;
}

/** Sends a pupil's case its figures, starting the case when `d.kind` is 'open'. */
export type FiguresDelivery = (d: Delivery, newCase: NewCaseSettings) => Promise<void>;

/** What a case the sweep opens starts with, beside its identity and figures. */
export interface NewCaseSettings {
  taskQueue: string;
  schoolId: string;
  policy: Policy;
  settings: CaseSettings;
}

export interface SweepResult {
  schoolId: string;
  asOf: IsoDate;
  evaluated: number;
  opened: number;
  updated: number;
  unchanged: number;
  /**
   * Open cases the sweep checked for them, as they would check themselves, finding nothing to change:
   * their page has today's figures and no message went to the case (docs/cost.md).
   */
  checked: number;
  /** Pupils not judged because the school's calendar ends before their next check (import next year's terms). */
  waitingForCalendar: number;
  /** The workflow ids of the cases opened (opaque: school, pupil id, date). */
  openedCaseIds: string[];
  /** Pupils whose case could not be reached, twice: by opaque id, with Temporal's reason. */
  failed: { pupilId: string; error: string }[];
}

/** What the sweep sends one pupil's case: new figures for an open case, or a case to open with them. */
export interface Delivery {
  kind: 'signal' | 'open';
  pupilId: string;
  caseId: string;
  update: FactsUpdate;
}

/**
 * Sends a pupil's case its new figures. A new case is started with them (signal-with-start), so it
 * opens at most once whichever sweep gets there first.
 */
async function sendFigures(temporal: Client, d: Delivery, newCase: NewCaseSettings): Promise<void> {
  if (d.kind === 'signal') {
    await temporal.workflow.getHandle(d.caseId).signal('factsUpdated', d.update);
    return;
  }
  const { taskQueue, schoolId, policy, settings } = newCase;
  try {
    await temporal.workflow.signalWithStart('attendanceCase', {
      taskQueue,
      workflowId: d.caseId,
      args: [{ caseId: d.caseId, schoolId, pupilId: d.pupilId, policy, settings, engine: CURRENT_ENGINE }],
      signal: 'factsUpdated',
      signalArgs: [d.update],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
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
      s.illness ?? null,
      s.unexplainedPastGrace ?? null,
      s.unexplainedSpells ?? null,
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
    f.penaltyThreshold.unexplainedInGrace ?? null,
    f.longestUnauthorisedRunDays,
    f.currentUnauthorisedRunDays,
    f.illness,
  ]);
  return createHash('sha256').update(material).digest('hex').slice(0, 24);
}

/** Runs a judgement, or says the school's calendar does not reach as far as it must look. */
function beyondCalendar<T>(judge: () => T): T | 'beyond' {
  try {
    return judge();
  } catch (err) {
    if (err instanceof BeyondCalendarError) return 'beyond';
    throw err;
  }
}

/**
 * Tells Temporal the sweep is alive and how far it got, so a sweep whose worker died is retried
 * within the heartbeat timeout (workflows/schoolSweep.ts), not after a whole attempt's time; and
 * stops an attempt Temporal has given up on, so two never run side by side. Outside an activity (a
 * script or test calling the sweep directly) it does nothing.
 */
function stillSweeping(evaluated: number): void {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return;
  }
  ctx.heartbeat({ evaluated });
  if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? new Error('sweep cancelled');
}

export function createCaseDataActivities(deps: CaseDataDeps) {
  const { db } = deps;

  return {
    async getSchoolCalendar({ schoolId }: { schoolId: string }): Promise<SchoolCalendarFile> {
      const school = await getSchool(db, schoolId);
      if (!school) throw new Error(`school ${schoolId} not found`);
      return school.calendar;
    },

    /**
     * The pupil's figures as of a date (marks after it are not looked at). Null when unknown. A case
     * passes its pinned policy's counting codes and N's grace (`figureOptionsFor(policy)`), so its
     * figures on a day without a sweep are the ones a sweep computes; without them, the defaults
     * (G N O U, 5 school days), as before.
     */
    async loadPupilFacts({
      schoolId,
      pupilId,
      asOf,
      penaltyCodes,
      unexplainedGraceDays,
    }: {
      schoolId: string;
      pupilId: string;
      asOf: IsoDate;
      penaltyCodes?: string[];
      unexplainedGraceDays?: number;
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
        penaltyCodes,
        unexplainedGraceDays,
      });
    },

    /** Writes the case's view into the read model, unless a newer one is there (store/cases.ts). */
    async projectCase(input: ProjectCaseInput): Promise<void> {
      await writeProjection(db, input);
    },

    /**
     * The daily sweep for one school: evaluate every pupil, open a case (signal-with-start) for each
     * pupil who meets an entry trigger and has no open case, and send fresh facts to open cases
     * only when their figures changed.
     *
     * Each pupil stands alone: a case Temporal will not take the figures for (its workflow was
     * terminated while the read model still shows it open, say) is tried once more after the rest
     * of the school, and if it still fails it is reported in `failed` and its digest is not saved,
     * so the next sweep tries it again. Only the store failing fails the sweep.
     */
    async sweepSchool({ schoolId, asOf }: { schoolId: string; asOf: IsoDate }): Promise<SweepResult> {
      const { temporal, taskQueue, caseSettings, policyForSchool } = deps;
      const send: FiguresDelivery | null =
        deps.deliverFigures ?? (temporal ? (d, to) => sendFigures(temporal, d, to) : null);
      if (!send || !taskQueue || !caseSettings || !policyForSchool) {
        throw new Error(
          'sweepSchool needs a Temporal client, a task queue, case settings and a policy resolver',
        );
      }
      // The demo school's term is being replayed on the simulation's own server (api/demo/history.ts):
      // a live sweep now (its daily schedule, say) would open live cases beside the replayed ones.
      // The replay starts today's sweep itself when it is done.
      if (!caseSettings.simulation && (await getReplayProgress(db, schoolId, Date.now()))?.running) {
        log.info('sweep skipped while the demo term is replayed', { schoolId, asOf });
        return {
          schoolId,
          asOf,
          evaluated: 0,
          opened: 0,
          updated: 0,
          unchanged: 0,
          checked: 0,
          waitingForCalendar: 0,
          openedCaseIds: [],
          failed: [],
        };
      }
      const snapshot = await loadSchoolSnapshot(db, schoolId);
      if (!snapshot) throw new Error(`school ${schoolId} not found`);
      const policy = await policyForSchool(schoolId);
      // Meetings need someone to meet: a school that has not set staff availability gets the default.
      await seedDefaultAvailability(db, schoolId);
      // The policy's counting codes and N's grace, as the case's own reads use them.
      const prepared = getPreparedEvaluation(snapshot.calendar, asOf, figureOptionsFor(policy));

      const openCase = await activeCasesForSweep(db, schoolId);
      // A pupil whose case closed is judged from the closed case's state, so figures that were
      // already dealt with (this half term's lates, say) do not reopen it; only new marks do.
      const closedCase = await latestClosedCaseStates(db, schoolId);
      const lastDigest = await getSweepDigests(db, schoolId);

      const result: SweepResult = {
        schoolId,
        asOf,
        evaluated: 0,
        opened: 0,
        updated: 0,
        unchanged: 0,
        checked: 0,
        waitingForCalendar: 0,
        openedCaseIds: [],
        failed: [],
      };

      const newCase = { taskQueue, schoolId, policy, settings: caseSettings };
      /** Sends the figures and records them as sent; the error, and nothing recorded, if Temporal refused. */
      const deliver = async (d: Delivery): Promise<Error | null> => {
        try {
          await send(d, newCase);
        } catch (err) {
          return err instanceof Error ? err : new Error(String(err));
        }
        if (d.kind === 'signal') {
          result.updated++;
        } else {
          result.opened++;
          result.openedCaseIds.push(d.caseId);
        }
        await saveSweepDigest(db, { pupilId: d.pupilId, schoolId, digest: d.update.digest, sentOn: asOf });
        return null;
      };

      // The last quiet judgement's next check and reasons (set by judgeAsTheCaseWould).
      let judgedNext: { nextCheckOn: IsoDate | null; reasons: Reason[] } = { nextCheckOn: null, reasons: [] };
      /**
       * How an open case would judge today's figures, for a case that lets the sweep make its checks
       * (docs/cost.md): the same decide() with the state it last projected and the steps it has with
       * a person. 'quiet' when nothing would change (no stage change, no window started, no step due
       * or skipped); 'acts' when something would; 'itself' when the case judges for itself (an older
       * case, a proposal or a pause under way, another policy version, a projection from today that
       * may be mid-step), and gets new figures whenever they change, as before.
       */
      const judgeAsTheCaseWould = (c: SweptCase, facts: PupilFacts): 'quiet' | 'acts' | 'itself' => {
        if (!c.sweepChecks || c.status !== 'open' || c.pendingApprovals > 0 || c.today >= asOf)
          return 'itself';
        if (c.policyId !== policy.id || c.policyVersion !== String(policy.version)) return 'itself';
        const d = beyondCalendar(() =>
          decide(policy, c.caseState, facts, asOf, snapshot.calendar, {
            engine: 2,
            inProgress: c.inProgress,
          }),
        );
        if (d === 'beyond') return 'itself'; // the case pauses itself until the calendar is imported
        const runnable = d.stepsDue.filter((s) => !c.inProgress.includes(s.stepId));
        const quiet =
          d.change === 'none' && !d.windowStarted && !(d.stepsSkipped ?? []).length && runnable.length === 0;
        judgedNext = { nextCheckOn: d.nextCheckOn, reasons: d.reasons };
        return quiet ? 'quiet' : 'acts';
      };

      const refused: Delivery[] = [];
      // Progress for the web app's banner: at the start, every 50 pupils, and at the end.
      await sweepStarted(db, schoolId, asOf, snapshot.pupils.length);
      for (const pupil of snapshot.pupils) {
        if (result.evaluated > 0 && result.evaluated % 50 === 0) {
          await sweepAdvanced(db, schoolId, result.evaluated);
          stillSweeping(result.evaluated);
        }
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
        const update = { facts, digest: factsDigest(facts) };
        const existing = openCase.get(pupil.id);
        let delivery: Delivery;
        if (existing) {
          const judged = judgeAsTheCaseWould(existing, facts);
          if (judged === 'quiet') {
            // Nothing changes: today's figures go on the case's page, not to the case.
            await recordSweepCheck(db, {
              caseId: existing.caseId,
              version: existing.version,
              on: asOf,
              latestFacts: factsSummary(facts),
              nextOn: judgedNext.nextCheckOn,
              reasons: judgedNext.reasons,
            });
            result.checked++;
            continue;
          }
          if (judged === 'acts') {
            delivery = {
              kind: 'signal',
              pupilId: pupil.id,
              caseId: existing.caseId,
              update: { ...update, act: true },
            };
          } else if (lastDigest.get(pupil.id) === update.digest) {
            result.unchanged++;
            continue;
          } else delivery = { kind: 'signal', pupilId: pupil.id, caseId: existing.caseId, update };
        } else {
          const closed = closedCase.get(pupil.id);
          const from = closed
            ? { ...closed.state, stageId: null, closedOn: closed.state.closedOn ?? closed.closedOn }
            : emptyCaseState();
          // Judged as the engine the new case will run on (its N grace, minimum sessions, ...).
          const opens = beyondCalendar(() =>
            decide(policy, from, facts, asOf, snapshot.calendar, { engine: CURRENT_ENGINE }),
          );
          if (opens === 'beyond') {
            // The school's calendar ends within the week: no case can be judged until next year's
            // terms are imported. The rest of the school is still swept (open cases pause themselves).
            result.waitingForCalendar++;
            continue;
          }
          if (opens.stageId === null) continue;
          delivery = { kind: 'open', pupilId: pupil.id, caseId: caseIdFor(schoolId, pupil.id, asOf), update };
        }
        if (await deliver(delivery)) refused.push(delivery);
      }
      // Once more, after the rest of the school: a refusal may have been passing (a busy server).
      for (const d of refused) {
        stillSweeping(result.evaluated);
        const err = await deliver(d);
        if (!err) continue;
        const error = `${err.name}: ${err.message}`;
        result.failed.push({ pupilId: d.pupilId, error });
        // Opaque ids only: the pupil id and case id carry no personal data.
        log.warn('sweep could not reach a case', {
          schoolId,
          asOf,
          pupilId: d.pupilId,
          caseId: d.caseId,
          action: d.kind,
          error,
        });
      }
      await sweepFinished(db, schoolId, result.evaluated);
      log.info('sweep finished', {
        schoolId,
        asOf,
        evaluated: result.evaluated,
        opened: result.opened,
        updated: result.updated,
        checked: result.checked,
        waitingForCalendar: result.waitingForCalendar,
        failed: result.failed.length,
      });
      return result;
    },
  };
}
