// FROZEN: engine 1 of the case workflow, kept exactly as it ran so that cases started on it keep
// replaying and running (docs/workflow-versioning.md). Do not change its behaviour: new behaviour
// goes into engine 2 (workflows/attendanceCase.ts), and a fix that must reach running engine-1 cases
// is gated with patched(). It is reached through `attendanceCase`, which sends every case whose
// input carries no engine version here.
//
// One pupil's attendance case: open for weeks or months, it follows the school's policy (pinned
// when the case opened) stage by stage. Each turn of the loop reads as the business process:
//   look at the pupil's figures -> decide (domain/policy) -> act on the steps due -> wait.
// Steps that need a person wait as proposals until the team approves, rejects or amends them;
// timed steps the policy marks `auto` run by themselves. The loop waits on durable timers until
// the next check date, which `decide` computes in school days from the school's calendar.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { signedActorsInForce, validateAgain, verifySignedActor } from '../case/actorCheck';
import { buildCalendar, type SchoolCalendar } from '../../domain/calendar';
import type { CaseState, Decision, OutcomeKind, ProposedStep, Reason } from '../../domain/caseTypes';
import { OUTCOME_KINDS } from '../../domain/caseTypes';
import {
  applyDecision,
  completeStep,
  decide,
  emptyCaseState,
  recordOutcome,
} from '../../domain/policy/decide';
import { letterFigures } from '../../domain/letterFigures';
import { instantOfSchoolTime, schoolDateAt } from '../../domain/time';
import type { IsoDate, PupilFacts } from '../../domain/types';
import { CASE_STAGE, NEXT_ACTION_DATE, PENDING_APPROVALS, SCHOOL_ID } from '../../temporal/searchAttributes';
import {
  type CaseView,
  type FactsUpdate,
  type HumanEvent,
  type PendingProposal,
  type StepDecision,
  type StepDecisionResult,
  type TimelineEvent,
  decideStep,
  factsUpdated,
  getCaseView,
  recordEvent,
} from '../caseMessages';
import type { AttendanceCaseInput as SharedInput, CaseSettings } from '../caseInput';

// Reading data and projecting are quick; sends talk to outside services and may need retries.
const data = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});
/** Sends talk to outside services; a lost attempt (a crashed worker) is retried after its timeout. */
function sendActivities(settings: CaseSettings) {
  return proxyActivities<Activities>({
    startToCloseTimeout: settings.sendAttemptTimeout ?? '2 minutes',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
  });
}

/** Engine 1's input: its carried state is an engine-1 `CaseRuntime`. */
type AttendanceCaseInput = SharedInput & { carried?: CaseRuntime };

/** The whole case state: plain JSON, carried across continue-as-new. */
export interface CaseRuntime {
  status: 'open' | 'paused' | 'closed';
  openedOn: IsoDate | null;
  caseState: CaseState;
  timeline: TimelineEvent[];
  pending: PendingProposal[];
  /** Decisions received for pending proposals, applied by the loop. */
  decisions: Record<string, StepDecision>;
  latestFacts: PupilFacts | null;
  factsDigest: string | null;
  next: CaseView['next'];
  closedReason?: string;
  pausedReason?: string;
}

export async function attendanceCaseEngine1(input: AttendanceCaseInput): Promise<CaseView> {
  assertCaseInput(input);
  const { policy, settings } = input;
  const sends = sendActivities(settings);
  const rt: CaseRuntime = input.carried ?? {
    status: 'open',
    openedOn: null,
    caseState: emptyCaseState(),
    timeline: [],
    pending: [],
    decisions: {},
    latestFacts: null,
    factsDigest: null,
    next: { on: null, action: 'first check', reasons: [] },
  };
  let wake = false; // set by signals and updates to end the current wait early

  // -------------------------------------------------------------------------------------------
  // Clock and calendar

  const nowMs = (): number =>
    settings.simulation
      ? instantOfSchoolTime(settings.simulation.simStart, settings.checkTime, settings.timeZone) +
        (Date.now() - settings.simulation.realStartMs)
      : Date.now();
  const today = (): IsoDate => schoolDateAt(nowMs(), settings.timeZone);
  const msUntilCheckOn = (date: IsoDate): number =>
    Math.max(0, instantOfSchoolTime(date, settings.checkTime, settings.timeZone) - nowMs());

  // The calendar comes through an activity so that it is recorded in history (replay-safe). It is
  // loaded after the message handlers are registered: a query that arrives the moment a new run
  // starts (after continue-as-new) must find its handler.
  // eslint-disable-next-line prefer-const -- assigned once, after the handlers are registered
  let calendar!: SchoolCalendar;

  // -------------------------------------------------------------------------------------------
  // Inspection and messages

  const stageName = (id: string | null): string | null =>
    policy.stages.find((s) => s.id === id)?.name ?? null;
  const view = (): CaseView => ({
    caseId: input.caseId,
    schoolId: input.schoolId,
    pupilId: input.pupilId,
    policyId: policy.id,
    policyVersion: String(policy.version),
    status: rt.status,
    stageId: rt.caseState.stageId,
    stageName: stageName(rt.caseState.stageId),
    openedOn: rt.openedOn ?? today(),
    today: today(),
    monitoringUntil: rt.caseState.monitoringUntil,
    pending: rt.pending,
    next: rt.next,
    latestFacts: rt.latestFacts
      ? {
          asOf: rt.latestFacts.asOf,
          attendancePct: rt.latestFacts.windows.rolling10.attendancePct,
          unauthorised: rt.latestFacts.windows.rolling10.unauthorised,
          unexplained: rt.latestFacts.windows.rolling10.unexplained,
          lates: rt.latestFacts.windows.halfTerm.lateBeforeClose,
        }
      : null,
    timeline: rt.timeline,
    closedReason: rt.closedReason,
    caseState: rt.caseState,
  });

  const log = (e: Omit<TimelineEvent, 'at' | 'date' | 'stageId'> & { stageId?: string | null }): number => {
    rt.timeline.push({
      at: new Date(nowMs()).toISOString(),
      date: today(),
      stageId: rt.caseState.stageId,
      ...e,
    });
    return rt.timeline.length - 1;
  };

  setHandler(getCaseView, view);

  setHandler(factsUpdated, (update: FactsUpdate) => {
    if (update.digest === rt.factsDigest) return; // the sweep sent nothing new
    rt.latestFacts = update.facts;
    rt.factsDigest = update.digest;
    wake = true;
  });

  // The validator runs before anything is written to history: a stale or repeated decision is
  // rejected there and never applied twice. Since signed actors, the case checks the actor first and
  // validates again after the check, as the case may have moved on meanwhile.
  const validateDecision = (d: StepDecision): void => {
    const proposal = rt.pending.find((p) => p.proposalId === d.proposalId);
    if (!proposal)
      throw new Error(`proposal ${d.proposalId} is not pending on this case (already decided or stale)`);
    if (rt.decisions[d.proposalId]) throw new Error(`proposal ${d.proposalId} has already been decided`);
    if (proposal.approver === 'manager' && d.actor.role === 'officer') {
      throw new Error('this step is reserved for a manager');
    }
    if (d.decision === 'reject' && !d.reason?.trim()) throw new Error('a rejection needs a reason');
    if (d.decision === 'amend' && !d.amendedText?.trim() && !d.amendedMeetingStart) {
      throw new Error('an amendment needs new letter text or a new meeting time');
    }
    if (d.amendedMeetingStart && Number.isNaN(Date.parse(d.amendedMeetingStart))) {
      throw new Error('the amended meeting time is not a valid date-time');
    }
  };
  const recordDecision = (d: StepDecision): StepDecisionResult => {
    rt.decisions[d.proposalId] = d;
    const proposal = rt.pending.find((p) => p.proposalId === d.proposalId)!;
    const type: StepDecisionResult['status'] =
      d.decision === 'approve' ? 'approved' : d.decision === 'reject' ? 'rejected' : 'amended';
    log({
      type,
      text:
        `${proposal.step.title}: ${type}` +
        (d.reason ? ` — ${d.reason}` : '') +
        (d.amendedMeetingStart ? ` — meeting moved to ${d.amendedMeetingStart}` : '') +
        (d.amendedText ? ' — letter text amended' : ''),
      stepId: proposal.step.stepId,
      proposalId: d.proposalId,
      actor: d.actor,
    });
    return { proposalId: d.proposalId, status: type };
  };
  setHandler(
    decideStep,
    (d: StepDecision) =>
      signedActorsInForce()
        ? verifySignedActor(decideStep.name, d).then(() => {
            validateAgain(() => validateDecision(d));
            return recordDecision(d);
          })
        : recordDecision(d),
    { validator: validateDecision },
  );

  const validateEvent = (e: HumanEvent): void => {
    if (rt.status === 'closed') throw new Error('this case is closed');
    if (e.on !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(e.on))
      throw new Error('`on` must be a date, YYYY-MM-DD');
    switch (e.event.type) {
      case 'outcome':
        if (!OUTCOME_KINDS.includes(e.event.outcome)) throw new Error(`unknown outcome "${e.event.outcome}"`);
        break;
      case 'pause':
        if (rt.status === 'paused') throw new Error('the case is already paused');
        if (!e.event.reason?.trim()) throw new Error('a pause needs a reason');
        break;
      case 'resume':
        if (rt.status !== 'paused') throw new Error('the case is not paused');
        break;
      case 'close':
        if (!e.event.reason?.trim()) throw new Error('closing a case needs a reason');
        break;
      case 'note':
        if (!e.note?.trim()) throw new Error('a note needs text');
        break;
    }
  };
  setHandler(
    recordEvent,
    async (e: HumanEvent) => {
      if (signedActorsInForce()) {
        await verifySignedActor(recordEvent.name, e);
        validateAgain(() => validateEvent(e));
      }
      const on = e.on ?? today();
      const actor = e.actor;
      let index: number;
      switch (e.event.type) {
        case 'outcome': {
          rt.caseState = recordOutcome(rt.caseState, { kind: e.event.outcome, on, stepId: e.event.stepId });
          index = log({
            type: 'outcomeRecorded',
            text: outcomeText(e.event.outcome, e.note),
            stepId: e.event.stepId,
            actor,
          });
          const meetingRef = meetingRefFor(e.event.stepId);
          if (meetingRef && (e.event.outcome === 'meetingAttended' || e.event.outcome === 'meetingMissed')) {
            await data.recordMeetingOutcome({
              meetingId: meetingRef,
              status: e.event.outcome === 'meetingAttended' ? 'attended' : 'missed',
            });
          }
          break;
        }
        case 'pause':
          rt.status = 'paused';
          rt.pausedReason = e.event.reason;
          index = log({ type: 'paused', text: `Case paused: ${e.event.reason}`, actor });
          break;
        case 'resume':
          rt.status = 'open';
          rt.pausedReason = undefined;
          index = log({ type: 'resumed', text: 'Case resumed', actor });
          break;
        case 'close':
          rt.status = 'closed';
          rt.closedReason = e.event.reason;
          index = log({
            type: 'closed',
            text: `Case closed by the attendance team: ${e.event.reason}`,
            actor,
          });
          break;
        case 'note':
          index = log({ type: 'note', text: e.note ?? '', actor });
          break;
      }
      wake = true;
      await data.projectCase({ view: view(), searchable: summary() });
      return { accepted: true as const, timelineIndex: index };
    },
    {
      validator: (e: HumanEvent) => validateEvent(e),
    },
  );

  // -------------------------------------------------------------------------------------------
  // Helpers the loop uses

  function meetingRefFor(stepId: string | undefined): string | undefined {
    if (!stepId) return undefined;
    return [...rt.timeline].reverse().find((t) => t.type === 'meetingBooked' && t.stepId === stepId)?.ref;
  }

  function summary() {
    const nextOn = rt.next.on;
    return {
      stageRank: rt.caseState.stageId
        ? policy.stages.findIndex((s) => s.id === rt.caseState.stageId) + 1
        : null,
      pendingApprovals: rt.pending.length,
      oldestPendingAt: rt.pending[0]?.proposedAt ?? null,
      nextActionOn: nextOn,
    };
  }

  function publishSearchAttributes(): void {
    if (!settings.searchAttributes) return;
    upsertSearchAttributes([
      { key: SCHOOL_ID, value: input.schoolId },
      { key: CASE_STAGE, value: rt.status === 'closed' ? 'closed' : (rt.caseState.stageId ?? 'none') },
      { key: PENDING_APPROVALS, value: rt.pending.length },
      {
        key: NEXT_ACTION_DATE,
        value: rt.next.on
          ? new Date(instantOfSchoolTime(rt.next.on, settings.checkTime, settings.timeZone))
          : null,
      },
    ]);
  }

  async function publish(): Promise<void> {
    publishSearchAttributes();
    await data.projectCase({ view: view(), searchable: summary() });
  }

  async function currentFacts(day: IsoDate): Promise<PupilFacts | null> {
    // The sweep's facts are fresh for the day they were computed; otherwise read the store.
    if (rt.latestFacts && rt.latestFacts.asOf === day) return rt.latestFacts;
    const facts = await data.loadPupilFacts({ schoolId: input.schoolId, pupilId: input.pupilId, asOf: day });
    if (facts) rt.latestFacts = facts;
    return facts;
  }

  /** Waits for the team's decision, reminding after a while and then handing it to a manager. */
  async function awaitDecision(proposal: PendingProposal): Promise<StepDecision | null> {
    const decided = () => rt.decisions[proposal.proposalId] !== undefined || rt.status === 'closed';
    const until = (schoolDays: number) => msUntilCheckOn(calendar.addSchoolDays(today(), schoolDays));
    if (!(await condition(decided, until(settings.remindAfterSchoolDays)))) {
      proposal.remindedAt = new Date(nowMs()).toISOString();
      await sends.notifyStaff({
        notificationId: `${proposal.proposalId}:reminder`,
        schoolId: input.schoolId,
        caseId: input.caseId,
        audience: proposal.approver === 'manager' ? 'manager' : 'officer',
        subject: `Reminder: "${proposal.step.title}" is waiting for approval`,
        text: `Case ${input.caseId} has a step waiting since ${proposal.proposedOn}: ${proposal.step.title}.`,
      });
      log({
        type: 'reminderSent',
        text: `Reminder sent: "${proposal.step.title}" is waiting for approval`,
        proposalId: proposal.proposalId,
      });
      await publish();
      if (!(await condition(decided, until(settings.escalateAfterSchoolDays)))) {
        proposal.escalatedAt = new Date(nowMs()).toISOString();
        proposal.approver = 'manager';
        await sends.notifyStaff({
          notificationId: `${proposal.proposalId}:escalation`,
          schoolId: input.schoolId,
          caseId: input.caseId,
          audience: 'manager',
          subject: `Overdue approval: "${proposal.step.title}"`,
          text: `Case ${input.caseId}: "${proposal.step.title}" has waited since ${proposal.proposedOn} and now needs a manager.`,
        });
        log({
          type: 'escalatedToManager',
          text: `Approval overdue: "${proposal.step.title}" passed to a manager`,
          proposalId: proposal.proposalId,
        });
        await publish();
        await condition(decided);
      }
    }
    return rt.decisions[proposal.proposalId] ?? null;
  }

  /** Runs one step through approval (when needed) and its activity. */
  async function runStep(step: ProposedStep, facts: PupilFacts): Promise<'done' | 'rejected' | 'abandoned'> {
    let decision: StepDecision | null = null;
    if (step.approval !== 'auto') {
      const proposal: PendingProposal = {
        proposalId: uuid4(),
        step,
        proposedAt: new Date(nowMs()).toISOString(),
        proposedOn: today(),
        approver: step.approval === 'manager' ? 'manager' : 'team',
      };
      rt.pending.push(proposal);
      // Until someone decides, the next action is the team's: approve or reject this step.
      rt.next = {
        on: proposal.proposedOn,
        action: `Waiting for approval: ${step.title}`,
        reasons: step.reasons,
      };
      log({
        type: 'proposed',
        text: `Proposed: ${step.title} (needs ${proposal.approver === 'manager' ? 'a manager' : 'the attendance team'})`,
        reasons: step.reasons,
        stepId: step.stepId,
        template: step.template,
        proposalId: proposal.proposalId,
      });
      await publish();
      decision = await awaitDecision(proposal);
      rt.pending = rt.pending.filter((p) => p.proposalId !== proposal.proposalId);
      if (decision === null) return 'abandoned'; // the case was closed while the step waited
      delete rt.decisions[proposal.proposalId];
      if (decision.decision === 'reject') return 'rejected';
    }
    await perform(step, facts, decision);
    return 'done';
  }

  /**
   * The side effect of a step. Every id is made here, once, so a retried activity is a no-op.
   * A service that fails for good (no meeting slot, no contact details) must not end the case:
   * the step becomes a task for a person, and the timeline says why.
   */
  async function perform(
    step: ProposedStep,
    facts: PupilFacts,
    decision: StepDecision | null,
  ): Promise<void> {
    try {
      await performWith(step, facts, decision);
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const why = err.cause instanceof Error ? err.cause.message : err.message;
      const res = await sends.createStaffTask({
        caseId: input.caseId,
        schoolId: input.schoolId,
        pupilId: input.pupilId,
        stageId: step.stageId,
        stepId: step.stepId,
        taskId: uuid4(),
        kind: 'staffTask',
        title: `Do by hand: ${step.title} (the system could not: ${why})`,
        dueOn: calendar.addSchoolDays(today(), 1),
      });
      log({
        type: 'stepFailed',
        text: `${step.title} could not be done automatically (${why}); a task was created`,
        stepId: step.stepId,
        ref: res.taskId,
      });
    }
  }

  async function performWith(
    step: ProposedStep,
    facts: PupilFacts,
    decision: StepDecision | null,
  ): Promise<void> {
    const day = today();
    const base = {
      caseId: input.caseId,
      schoolId: input.schoolId,
      pupilId: input.pupilId,
      stageId: step.stageId,
      stepId: step.stepId,
    };
    const figures = letterFigures(facts);
    const reasons = step.reasons.map((r) => r.text);
    const written =
      step.kind === 'letter' ||
      (step.kind === 'message' && ['email', 'sms', 'app', 'letter'].includes(step.channel));
    if (written) {
      const send = step.kind === 'letter' ? sends.sendLetter : sends.sendMessage;
      const res = await send({
        ...base,
        sendId: uuid4(),
        template: step.template ?? step.stepId,
        channel: step.channel,
        date: day,
        amendedText: decision?.amendedText,
        figures,
        reasons,
        meeting: lastMeeting(),
      });
      const to = res.recipients === 1 ? '1 parent/carer' : `${res.recipients} parents/carers`;
      log({
        type: step.kind === 'letter' ? 'letterSent' : 'messageSent',
        text:
          res.recipients > 0
            ? `${step.title} sent to ${to}`
            : `${step.title} kept on file: no parent/carer has contact details`,
        stepId: step.stepId,
        template: step.template,
        ref: res.letterId,
      });
      return;
    }
    if (step.kind === 'meeting') {
      const notice = step.noticeSchoolDays ?? 5;
      const res = await sends.bookMeeting({
        ...base,
        bookingId: uuid4(),
        kind: 'meeting',
        title: step.title,
        template: step.template,
        earliestDate: calendar.addSchoolDays(day, notice),
        requestedStart: decision?.amendedMeetingStart,
        date: day,
        figures,
        reasons,
      });
      log({
        type: 'meetingBooked',
        text: `${step.title} booked for ${res.startsAt} with ${res.staffName}; ${res.invited} invitation${res.invited === 1 ? '' : 's'} sent`,
        stepId: step.stepId,
        template: step.template,
        ref: res.meetingId,
      });
      return;
    }
    // Phone calls, home visits, contracts, plans, referrals, penalty-notice consideration and
    // council requests are work for a person: the case creates the task and keeps it as evidence.
    const res = await sends.createStaffTask({
      ...base,
      taskId: uuid4(),
      kind: step.kind,
      title: step.title,
      dueOn: calendar.addSchoolDays(day, Math.max(1, step.noticeSchoolDays ?? 2)),
    });
    log({
      type:
        step.kind === 'councilNotification' || step.kind === 'statutoryInterventionRequest'
          ? 'councilNotified'
          : 'taskCreated',
      text: `${step.title}: task created for the attendance team`,
      stepId: step.stepId,
      ref: res.taskId,
    });
  }

  function lastMeeting(): { startsAt: string; location?: string } | undefined {
    const booked = [...rt.timeline].reverse().find((t) => t.type === 'meetingBooked');
    const match = booked?.text.match(/booked for (\S+)/);
    return match?.[1] ? { startsAt: match[1] } : undefined;
  }

  function recordStageChange(decision: Decision): void {
    const name = stageName(decision.stageId);
    const texts: Record<Decision['change'], string> = {
      open: `Case opened at ${name}`,
      escalate: `Escalated to ${name}`,
      deescalate: `Stepped down to ${name}`,
      close: `Case closed: ${decision.closeReason ?? 'policy exit rule'}`,
      none: '',
    };
    if (decision.change === 'none') return;
    log({
      type: decision.change === 'open' ? 'opened' : decision.change === 'close' ? 'closed' : 'stageChanged',
      text: texts[decision.change],
      reasons: decision.reasons,
      stageId: decision.change === 'close' ? rt.caseState.stageId : decision.stageId,
    });
  }

  // -------------------------------------------------------------------------------------------
  // The case

  calendar = buildCalendar(await data.getSchoolCalendar({ schoolId: input.schoolId }));

  while (rt.status !== 'closed') {
    wake = false;
    if (rt.status === 'paused') {
      rt.next = { on: null, action: `paused: ${rt.pausedReason ?? ''}`, reasons: [] };
      await publish();
      await condition(() => rt.status !== 'paused');
      continue;
    }

    const day = today();
    const facts = await currentFacts(day);
    if (!facts) {
      rt.status = 'closed';
      rt.closedReason = 'the pupil is no longer in the school’s records';
      log({ type: 'closed', text: `Case closed: ${rt.closedReason}` });
      break;
    }

    const decision = decide(policy, rt.caseState, facts, day, calendar);
    recordStageChange(decision);
    rt.caseState = applyDecision(policy, rt.caseState, decision, facts, day);
    if (rt.openedOn === null) rt.openedOn = day;
    if (decision.change !== 'none' && decision.change !== 'close') await publish(); // visible at once
    if (decision.change === 'close') {
      rt.status = 'closed';
      rt.closedReason = decision.closeReason ?? 'policy exit rule';
      break;
    }
    if (decision.change === 'none' && decision.stepsDue.length === 0) {
      // A check is worth a line in the timeline when it says something new.
      const text = `Checked: ${decision.reasons.map((r) => r.text).join('; ') || 'no change'}`;
      const lastCheck = [...rt.timeline].reverse().find((t) => t.type === 'check');
      if (lastCheck?.text !== text) log({ type: 'check', text, reasons: decision.reasons });
    }

    for (const due of decision.stepsDue) {
      // A step carries its own rule and the figures that put the case at this stage, so whoever
      // approves it (and later the council) sees why.
      const step = { ...due, reasons: uniqueReasons([...due.reasons, ...decision.reasons]) };
      const result = await runStep(step, facts);
      if (result === 'abandoned') break;
      rt.caseState = completeStep(
        policy,
        rt.caseState,
        { stepId: step.stepId, result, on: today() },
        facts,
        calendar,
      );
      if (step.waitAfterSchoolDays > 0) break; // decide() makes the next step due when the wait is over
    }
    if ((rt.status as CaseRuntime['status']) === 'closed') break; // closed by the team during a step

    // What happens next, and why: the next check date comes from the policy's cadence and windows.
    const after = decide(policy, rt.caseState, facts, today(), calendar);
    const nextOn =
      after.stepsDue.length > 0 ? today() : (after.nextCheckOn ?? calendar.addSchoolDays(today(), 5));
    rt.next = {
      on: nextOn,
      action:
        after.stepsDue.length > 0
          ? after.stepsDue.map((s) => s.title).join(', ')
          : `check the figures (${stageName(rt.caseState.stageId)})`,
      reasons: after.stepsDue.length > 0 ? after.stepsDue.flatMap((s) => s.reasons) : after.reasons,
    };
    await publish();

    if (decision.change !== 'none' || workflowInfo().continueAsNewSuggested) {
      // A fresh run per stage keeps histories short; the case's state travels with it.
      await condition(allHandlersFinished);
      rt.decisions = {};
      await continueAsNew<typeof attendanceCaseEngine1>({ ...input, carried: rt });
    }

    const ms = after.stepsDue.length > 0 ? 0 : msUntilCheckOn(nextOn);
    if (ms > 0) await condition(() => wake || rt.status !== 'open', ms);
  }

  rt.pending = [];
  rt.next = { on: null, action: 'none: the case is closed', reasons: [] };
  await condition(allHandlersFinished);
  await publish();
  return view();
}

function uniqueReasons(reasons: Reason[]): Reason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => !seen.has(r.text) && seen.add(r.text));
}

function outcomeText(outcome: OutcomeKind, note?: string): string {
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

/** Rejects a malformed start input inside the workflow, without a thrown ZodError. */
export function assertCaseInput(input: AttendanceCaseInput): void {
  if (!input?.caseId || !input.schoolId || !input.pupilId || !input.policy?.stages?.length) {
    throw ApplicationFailure.nonRetryable(
      'attendanceCase needs caseId, schoolId, pupilId and a policy with stages',
    );
  }
}
