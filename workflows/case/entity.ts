// An engine-2 case as an entity: its record and every rule about changing it. Plain data and pure
// functions, no Temporal: the workflow (../attendanceCase.ts) wires messages to these methods, waits
// and runs activities; a simulation can drive the same entity with no server.
import type { SchoolDays } from '../../domain/policy/calendarPort';
import type { Decision, ProposedStep, Reason } from '../../domain/caseTypes';
import { applyDecision, completeStep, decide, judgeWindow, recordOutcome } from '../../domain/policy/decide';
import type { Policy } from '../../domain/policy/schema';
import type { StepPlan } from '../../domain/stepPlan';
import { isSafeguardingFlag, type IsoDate, type PupilFacts } from '../../domain/types';
import type {
  CaseTask,
  CaseView,
  DeliveryStatusUpdate,
  DeliveryUpdate,
  FactsUpdate,
  HumanEvent,
  PendingProposal,
  StepDecision,
  StepDecisionResult,
  TaskOutcome,
  TimelineEvent,
} from '../caseMessages';
import { outcomeChoicesFor } from '../../domain/taskOutcomes';
import type { CaseRecord } from './record';
import { deliveryStatusText } from './texts';
import { recordEvent, validateEvent } from './events';
import { caseSummary, caseView, type CaseSummaryFields } from './readModel';

export interface CaseIdentity {
  caseId: string;
  schoolId: string;
  pupilId: string;
  policy: Policy;
}

/** The workflow's clock, in school terms. */
export interface CaseClock {
  nowMs(): number;
  today(): IsoDate;
}

/** Flags that mean a person approves everything that goes to the family (safeguarding first). */

export class CaseEntity {
  constructor(
    readonly id: CaseIdentity,
    readonly record: CaseRecord,
    private readonly clock: CaseClock,
  ) {}

  // -------------------------------------------------------------------------------------------
  // Reading

  /** The case's school day now. */
  today(): IsoDate {
    return this.clock.today();
  }

  stageName(stageId: string | null): string | null {
    return this.id.policy.stages.find((s) => s.id === stageId)?.name ?? null;
  }

  view(): CaseView {
    return caseView(this.id, this.record, this.clock.today());
  }

  /** The fields the read model sorts and filters on. */
  summary(): CaseSummaryFields {
    return caseSummary(this.id.policy, this.record);
  }

  /** Steps due that are not already with a person (a task waiting for its outcome). */
  runnable(d: Decision): ProposedStep[] {
    return d.stepsDue.filter((s) => !this.openTaskFor(s.stepId));
  }

  /** What happens next, and why: the steps due, the tasks waited for, or the next check. */
  nextAction(after: Decision, on: IsoDate): CaseView['next'] {
    const due = this.runnable(after);
    const waiting = this.record.tasks.filter((t) => t.status === 'open' && t.purpose === 'step');
    return {
      on,
      action:
        due.length > 0
          ? due.map((s) => s.title).join(', ')
          : waiting.length > 0
            ? `waiting for: ${waiting.map((t) => t.title).join(', ')}; then check the figures`
            : `check the figures (${this.stageName(this.record.caseState.stageId)})`,
      reasons: due.length > 0 ? due.flatMap((s) => s.reasons) : after.reasons,
    };
  }

  /** The meeting booked for a step (its id in the store), latest first. */
  meetingOf(stepId: string | undefined): { ref?: string; startsAt?: string } {
    const booked = [...this.record.timeline]
      .reverse()
      .find((t) => t.type === 'meetingBooked' && (stepId === undefined || t.stepId === stepId));
    const startsAt = booked?.text.match(/booked for (\S+)/)?.[1];
    return { ...(booked?.ref ? { ref: booked.ref } : {}), ...(startsAt ? { startsAt } : {}) };
  }

  log(e: Omit<TimelineEvent, 'at' | 'date' | 'stageId'> & { stageId?: string | null }): number {
    this.record.timeline.push({
      at: new Date(this.clock.nowMs()).toISOString(),
      date: this.clock.today(),
      stageId: this.record.caseState.stageId,
      ...e,
    });
    return this.record.timeline.length - 1;
  }

  /** True when the pupil's safeguarding flags mean nothing goes to the family without a person. */
  safeguarded(): boolean {
    return (this.record.latestFacts?.flags ?? []).some(isSafeguardingFlag);
  }

  // -------------------------------------------------------------------------------------------
  // Figures and decisions

  /** New figures from the sweep; false when they are the ones already seen. */
  receiveFacts(update: FactsUpdate): boolean {
    if (update.digest === this.record.factsDigest) return false;
    this.record.latestFacts = update.facts;
    this.record.factsDigest = update.digest;
    this.record.freshFacts = true;
    return true;
  }

  /** How engine 2 asks the policy engine: with the steps whose work is with a person. */
  private decideOptions(): { engine: 2; inProgress: string[] } {
    const inProgress = this.record.tasks
      .filter((t) => t.purpose === 'step' && t.status === 'open')
      .map((t) => t.stepId);
    return { engine: 2, inProgress };
  }

  /** What the policy says today, for the case as it stands (nothing applied). */
  judge(facts: PupilFacts, today: IsoDate, calendar: SchoolDays): Decision {
    return decide(this.id.policy, this.record.caseState, facts, today, calendar, this.decideOptions());
  }

  /** Applies today's decision: records a stage change and moves the case's state on. */
  apply(decision: Decision, facts: PupilFacts, today: IsoDate): void {
    const r = this.record;
    const name = this.stageName(decision.stageId);
    const texts: Record<Decision['change'], string> = {
      open: `Case opened at ${name}`,
      escalate: `Escalated to ${name}`,
      deescalate: `Stepped down to ${name}`,
      close: `Case closed: ${decision.closeReason ?? 'policy exit rule'}`,
      none: '',
    };
    if (decision.change !== 'none') {
      this.log({
        type: decision.change === 'open' ? 'opened' : decision.change === 'close' ? 'closed' : 'stageChanged',
        text: texts[decision.change],
        reasons: decision.reasons,
        stageId: decision.change === 'close' ? r.caseState.stageId : decision.stageId,
      });
    }
    r.caseState = applyDecision(this.id.policy, r.caseState, decision, facts, today);
    if (r.openedOn === null) r.openedOn = today;
    if (decision.change === 'close') {
      r.status = 'closed';
      r.closedReason = decision.closeReason ?? 'policy exit rule';
    }
  }

  /** A check is worth a line in the timeline when it says something new. */
  noteCheck(reasons: Reason[]): void {
    const text = `Checked: ${reasons.map((r) => r.text).join('; ') || 'no change'}`;
    const last = [...this.record.timeline].reverse().find((t) => t.type === 'check');
    if (last?.text !== text) this.log({ type: 'check', text, reasons });
  }

  /** Records a step's result in the policy state (a done step may start a monitoring window). */
  stepResult(
    step: Pick<ProposedStep, 'stepId' | 'stageId'>,
    result: 'done' | 'rejected',
    facts: PupilFacts,
    on: IsoDate,
    calendar: SchoolDays,
  ): void {
    if (this.record.caseState.stageId !== step.stageId) return; // the case has moved on since
    if (!this.policyStep(step)) return; // a step the law put next is not in the policy's sequence
    this.record.caseState = completeStep(
      this.id.policy,
      this.record.caseState,
      { stepId: step.stepId, result, on },
      facts,
      calendar,
    );
  }

  /** The policy's own definition of a step, when it is one (a step the law puts next is not). */
  policyStep(step: Pick<ProposedStep, 'stageId' | 'stepId'>) {
    return this.id.policy.stages.find((s) => s.id === step.stageId)?.steps.find((x) => x.id === step.stepId);
  }

  // -------------------------------------------------------------------------------------------
  // Notices to improve

  /**
   * The notice to improve whose improvement period has ended and is not yet judged: the window a
   * `noticeToImprove` step started, at its end. Null otherwise.
   */
  noticePeriodEnded(
    today: IsoDate,
  ): { stepId: string; title: string; since: IsoDate; until: IsoDate } | null {
    const st = this.record.caseState;
    const step = st.monitoringStartedBy
      ? this.policyStep({ stageId: st.stageId ?? '', stepId: st.monitoringStartedBy })
      : undefined;
    if (step?.kind !== 'noticeToImprove' || !st.monitoringUntil || today < st.monitoringUntil) return null;
    if (!st.baseline || (this.record.judgedPeriods ?? []).includes(`${step.id}@${st.monitoringUntil}`))
      return null;
    return { stepId: step.id, title: step.title, since: st.baseline.on, until: st.monitoringUntil };
  }

  /**
   * Judges a notice to improve's period by the rule its letter stated (the stage's improvement rule,
   * as every window is judged), and puts the judgement on the timeline, once.
   */
  judgeNoticePeriod(
    period: NonNullable<ReturnType<CaseEntity['noticePeriodEnded']>>,
    facts: PupilFacts,
    today: IsoDate,
    calendar: SchoolDays,
  ): void {
    const j = judgeWindow(
      this.id.policy,
      this.record.caseState,
      facts,
      today,
      calendar,
      this.decideOptions(),
    );
    if (!j) return;
    this.record.judgedPeriods = [...(this.record.judgedPeriods ?? []), `${period.stepId}@${period.until}`];
    this.log({
      type: 'periodJudged',
      text:
        `${period.title}: the improvement period to ${period.until} has ended — ` +
        `${j.improved ? 'sufficient improvement' : 'not sufficient improvement'} (${j.texts.join('; ')})`,
      reasons: j.texts.map((text) => ({ rule: `${this.record.caseState.stageId}.improvement`, text })),
      stepId: period.stepId,
    });
  }

  // -------------------------------------------------------------------------------------------
  // The next legal option

  /**
   * No penalty notice may be issued (a third within 3 years of the first): the law's next option, an
   * education supervision order or prosecution, is the local authority's to decide, so the case
   * proposes referring the family to it, to a manager, with the reason.
   */
  queueNextLegalOption(task: CaseTask, reason: string): void {
    const step: ProposedStep = {
      stageId: task.stageId,
      stepId: `${task.stepId}-next-legal-option`,
      kind: 'referral',
      title:
        'Refer to the local authority for the next legal option (an education supervision order or prosecution)',
      channel: 'none',
      approval: 'manager',
      waitAfterSchoolDays: 0,
      origin: 'law',
      reasons: [{ rule: 'law.penaltyNotices.noThirdWithin3Years', text: reason }],
    };
    this.record.lawSteps = [...(this.record.lawSteps ?? []), step];
    this.log({
      type: 'note',
      text: `No penalty notice can be issued: ${reason}. The next legal option is proposed to a manager.`,
      stepId: task.stepId,
      ref: task.taskId,
    });
  }

  /** The steps the law put next, taken off the queue to be proposed now. */
  takeLawSteps(): ProposedStep[] {
    const steps = this.record.lawSteps ?? [];
    if (steps.length) this.record.lawSteps = [];
    return steps;
  }

  // -------------------------------------------------------------------------------------------
  // Proposals and the team's decisions

  propose(step: ProposedStep, plan: StepPlan, proposalId: string): PendingProposal {
    const manager = step.approval === 'manager';
    const proposal: PendingProposal = {
      proposalId,
      step,
      plan,
      proposedAt: new Date(this.clock.nowMs()).toISOString(),
      proposedOn: this.clock.today(),
      approver: manager ? 'manager' : 'team',
    };
    this.record.pending.push(proposal);
    this.record.next = {
      on: proposal.proposedOn,
      action: `Waiting for approval: ${step.title}`,
      reasons: step.reasons,
    };
    this.log({
      type: 'proposed',
      text: `Proposed: ${step.title} (needs ${manager ? 'a manager' : 'the attendance team'})`,
      reasons: step.reasons,
      stepId: step.stepId,
      ...(step.template ? { template: step.template } : {}),
      proposalId,
    });
    return proposal;
  }

  validateDecision(d: StepDecision): void {
    const r = this.record;
    const proposal = r.pending.find((p) => p.proposalId === d.proposalId);
    if (!proposal)
      throw new Error(`proposal ${d.proposalId} is not pending on this case (already decided or stale)`);
    if (r.decisions[d.proposalId]) throw new Error(`proposal ${d.proposalId} has already been decided`);
    if (proposal.approver === 'manager' && d.actor.role === 'officer')
      throw new Error('this step is reserved for a manager');
    if (d.decision === 'reject' && !d.reason?.trim()) throw new Error('a rejection needs a reason');
    if (d.decision === 'amend') {
      if (!d.amendedPlan && !d.amendedMeetingStart)
        throw new Error('an amendment needs the amended letter or a new meeting time');
      if (
        d.amendedPlan &&
        (d.amendedPlan.kind !== proposal.plan?.kind || d.planHash !== d.amendedPlan.hash)
      ) {
        throw new Error('the amended letter does not match this step');
      }
    } else if (d.planHash !== undefined && d.planHash !== proposal.plan?.hash) {
      throw new Error('this step has changed since it was shown to you: look at it again');
    }
    if (d.amendedMeetingStart && Number.isNaN(Date.parse(d.amendedMeetingStart))) {
      throw new Error('the amended meeting time is not a valid date-time');
    }
  }

  /**
   * What may have changed while a decision's actor was being verified: the step decided by someone
   * else, or withdrawn. Replayed with the handler, so frozen (see workflows/case/actorCheck.ts).
   */
  assertStillDecidable(d: StepDecision): void {
    const r = this.record;
    if (!r.pending.some((p) => p.proposalId === d.proposalId))
      throw new Error(`proposal ${d.proposalId} is not pending on this case (already decided or stale)`);
    if (r.decisions[d.proposalId]) throw new Error(`proposal ${d.proposalId} has already been decided`);
  }

  /** What may have changed while an event's actor was being verified (frozen, as above). */
  assertStillRecordable(e: HumanEvent): void {
    const r = this.record;
    if (r.status === 'closed') throw new Error('this case is closed');
    if (e.event.type === 'pause' && r.status === 'paused') throw new Error('the case is already paused');
    if (e.event.type === 'resume' && r.status !== 'paused') throw new Error('the case is not paused');
  }

  decideProposal(d: StepDecision): StepDecisionResult {
    this.record.decisions[d.proposalId] = d;
    const proposal = this.record.pending.find((p) => p.proposalId === d.proposalId)!;
    if (d.decision === 'amend' && d.amendedPlan) proposal.plan = d.amendedPlan;
    const status: StepDecisionResult['status'] =
      d.decision === 'approve' ? 'approved' : d.decision === 'reject' ? 'rejected' : 'amended';
    this.log({
      type: status,
      text:
        `${proposal.step.title}: ${status}` +
        (d.reason ? ` — ${d.reason}` : '') +
        (d.amendedMeetingStart ? ` — meeting moved to ${d.amendedMeetingStart}` : '') +
        (d.amendedPlan ? ' — letter text amended' : ''),
      stepId: proposal.step.stepId,
      proposalId: d.proposalId,
      actor: d.actor,
    });
    return { proposalId: d.proposalId, status };
  }

  /** Takes a proposal off the list: decided, withdrawn, or the case closed. */
  settle(proposalId: string): StepDecision | null {
    const decision = this.record.decisions[proposalId] ?? null;
    this.record.pending = this.record.pending.filter((p) => p.proposalId !== proposalId);
    delete this.record.decisions[proposalId];
    return decision;
  }

  withdraw(proposal: PendingProposal, why: string): void {
    this.settle(proposal.proposalId);
    this.log({
      type: 'withdrawn',
      text: `${proposal.step.title}: withdrawn before anything was sent — ${why}`,
      stepId: proposal.step.stepId,
      proposalId: proposal.proposalId,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Tasks

  addTask(task: CaseTask): void {
    this.record.tasks.push(task);
  }

  openTaskFor(stepId: string): CaseTask | undefined {
    return this.record.tasks.find((t) => t.stepId === stepId && t.purpose === 'step' && t.status === 'open');
  }

  validateTaskOutcome(t: TaskOutcome): CaseTask {
    const task = this.record.tasks.find((x) => x.taskId === t.taskId);
    if (!task) throw new Error(`task ${t.taskId} is not one of this case's tasks`);
    if (task.status === 'done') throw new Error('this task is already done');
    if (!task.outcomes.some((o) => o.id === t.outcome)) {
      throw new Error(
        `"${t.outcome}" is not an outcome of this task (${task.outcomes.map((o) => o.id).join(', ')})`,
      );
    }
    this.validateDay(t.on);
    if (task.owner === 'manager' && t.actor.role === 'officer') throw new Error('this task is for a manager');
    return task;
  }

  /**
   * Records a task's outcome. Returns the step it completes, when it does (a call with no answer
   * does not: the task stays open with the attempt on the timeline).
   */
  completeTask(t: TaskOutcome): { task: CaseTask; completesStep: boolean; index: number } {
    const task = this.validateTaskOutcome(t);
    const choice = task.outcomes.find((o) => o.id === t.outcome)!;
    const on = t.on ?? this.clock.today();
    task.outcome = choice.id;
    if (t.note) task.note = t.note;
    if (choice.completesStep) {
      task.status = 'done';
      task.completedOn = on;
      task.completedBy = t.actor;
    }
    const index = this.log({
      type: choice.completesStep ? 'taskCompleted' : 'taskAttempt',
      text: `${task.title}: ${choice.label}${t.note ? ` — ${t.note}` : ''}`,
      stepId: task.stepId,
      ref: task.taskId,
      actor: t.actor,
    });
    // The family's side of it, for later letters: a call made, a home visit made (or no access).
    if (choice.completesStep && (task.kind === 'phoneCall' || task.kind === 'homeVisit')) {
      this.record.contacts.push({
        kind: task.kind === 'phoneCall' ? 'call' : 'homeVisit',
        title: task.title,
        date: on,
        ...(task.kind === 'homeVisit' ? { attended: choice.records !== 'homeVisitNoAccess' } : {}),
        stageId: task.stageId,
        stepId: task.stepId,
      });
    }
    if (choice.records) {
      this.record.caseState = recordOutcome(this.record.caseState, {
        kind: choice.records,
        on,
        stepId: task.stepId,
      });
    }
    return {
      task,
      completesStep:
        choice.completesStep &&
        task.purpose !== 'post' &&
        task.purpose !== 'calendar' &&
        task.purpose !== 'delivery',
      index,
    };
  }

  deliveryCompleted(u: DeliveryUpdate): void {
    const letter = this.record.timeline.find(
      (t) => t.ref === u.ref && (t.type === 'letterHeld' || t.type === 'messageHeld'),
    );
    this.log({
      type: 'deliveryCompleted',
      text: `${letter ? letter.text.replace(/ held in the outbox.*$/, '') : 'Held mail'}: sent from the outbox to ${u.sent === 1 ? '1 parent/carer' : `${u.sent} parents/carers`}`,
      ...(letter?.stepId ? { stepId: letter.stepId } : {}),
      ref: u.ref,
      actor: u.actor,
    });
  }

  /**
   * A delivery service's report on one message or posted copy, once per row and outcome: a line on
   * the timeline (evidence of what the family had), and for a failure or a return, the team's task.
   * Returns false when it was already recorded.
   */
  deliveryStatus(u: DeliveryStatusUpdate): boolean {
    const key = `${u.outboxKey}|${u.outcome}`;
    const seen = (this.record.deliveryReports ??= []);
    if (seen.includes(key)) return false;
    seen.push(key);
    // The line that said it went (a letter, a message, a meeting's invitations), for the step's title.
    const sent = this.record.timeline.find(
      (t) =>
        t.ref === u.ref &&
        (t.type === 'letterSent' || t.type === 'messageSent' || t.type === 'meetingBooked'),
    );
    const title = sent
      ? sent.text.replace(/( sent (by|through) |: given to GOV\.UK Notify| booked for ).*$/, '')
      : 'A message from school';
    this.log({
      type: 'deliveryStatus',
      text: deliveryStatusText(title, u),
      ...(sent?.stepId ? { stepId: sent.stepId } : {}),
      ref: u.ref,
    });
    if (u.task && !this.record.tasks.some((t) => t.taskId === u.task!.taskId)) {
      this.addTask({
        taskId: u.task.taskId,
        stageId: sent?.stageId ?? this.record.caseState.stageId ?? '',
        stepId: sent?.stepId ?? '',
        kind: 'deliveryProblem',
        title: u.task.title,
        dueOn: u.on,
        createdOn: u.on,
        owner: 'team',
        purpose: 'delivery',
        outcomes: outcomeChoicesFor('deliveryProblem'),
        status: 'open',
      });
    }
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Human events (case/events.ts holds their rules)

  validateEvent(e: HumanEvent): void {
    validateEvent(this, e);
  }

  /** Applies a human event; returns its timeline index. */
  recordEvent(e: HumanEvent): number {
    return recordEvent(this, e);
  }

  /** Refuses a day that is not a date, or that has not happened yet. */
  validateDay(on: IsoDate | undefined): void {
    if (on === undefined) return;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(on)) throw new Error('`on` must be a date, YYYY-MM-DD');
    if (on > this.clock.today()) throw new Error(`${on} is in the future: record what has happened`);
  }

  pause(reason: string, by: 'team' | 'calendar'): void {
    this.record.status = 'paused';
    this.record.pausedReason = reason;
    this.record.pausedFor = by;
  }

  resume(): void {
    this.record.status = 'open';
    delete this.record.pausedReason;
    delete this.record.pausedFor;
  }
}
