// One pupil's attendance case, whatever runs it: each turn of the loop is the business process:
//   look at the pupil's figures -> decide (domain/policy) -> act on the steps due -> wait.
// Steps that need a person wait as proposals, each carrying its plan (exactly what approving it will
// do); timed steps the policy marks `auto` run by themselves, except that nothing goes to a family
// with a safeguarding flag without a person's approval. The case's state and rules live in its
// entity (entity.ts); this file waits, runs activities and continues-as-new, through its shell
// (shell.ts): Temporal's own functions in the workflow (../attendanceCase.ts), a simulated clock in
// an in-process run. Every change here changes running cases: gate it (docs/workflow-versioning.md).
import { ApplicationFailure } from '@temporalio/common';
import { BeyondCalendarError, buildCalendar, type SchoolCalendar } from '../../domain/calendar';
import type { ProposedStep, Reason } from '../../domain/caseTypes';
import { letterFigures } from '../../domain/letterFigures';
import { addDuration } from '../../domain/policy/calendarPort';
import { figureOptionsFor } from '../../domain/policy/figureOptions';
import { noticeToImproveFor } from '../../domain/noticeToImprove';
import type { IsoDate, PupilFacts } from '../../domain/types';
import { CASE_STAGE, NEXT_ACTION_DATE, PENDING_APPROVALS, SCHOOL_ID } from '../../temporal/searchAttributes';
import type { AttendanceCaseInput } from '../caseInput';
import {
  type CaseView,
  calendarUpdated,
  carriedState,
  completeTask,
  decideStep,
  deliveryStatusChanged,
  deliveryUpdated,
  factsUpdated,
  getCaseView,
  recordEvent,
} from '../caseMessages';
import { awaitPerson } from './approval';
import { CaseEntity } from './entity';
import { performStep } from './perform';
import { newCaseRecord, type CaseRecord } from './record';
import { validateAgain } from './refusals';
import type { CaseShell } from './shell';
import { letterStory } from './story';

export async function runCase(input: AttendanceCaseInput, shell: CaseShell): Promise<CaseView> {
  const { policy, settings } = input;
  const { clock, acts, condition, patched, uuid4, setHandler, allHandlersFinished, continueAsNew } = shell;
  const { upsertSearchAttributes, verifySignedActor } = shell;
  const signedActorsInForce = () => patched('signed-actors');
  // A record carried from an earlier run is taken over a fresh one, so a field added since has its default.
  const c = new CaseEntity(
    input,
    { ...newCaseRecord(), ...(input.carried as CaseRecord | undefined) },
    clock,
  );
  const r = c.record;
  let calendar!: SchoolCalendar; // loaded after the handlers are registered (see registerHandlers)
  let calendarChanged = false;
  let wake = false; // set by messages to end the current wait early

  const publish = async () => {
    r.version++;
    publishSearchAttributes();
    await acts.data.projectCase({ view: c.view(), searchable: c.summary(), version: r.version });
  };

  // -------------------------------------------------------------------------------------------
  // The case

  registerHandlers();
  // Cases from this release on let the daily sweep make their routine checks (docs/cost.md). A case
  // already running keeps checking for itself until its next run (continue-as-new), which asks again.
  if (r.sweepChecks === undefined && patched('sweep-checks')) r.sweepChecks = true;
  calendar = await loadCalendar();

  while (r.status !== 'closed') {
    wake = false;
    if (calendarChanged) await takeNewCalendar();
    if (r.status === 'paused') {
      r.next = { on: null, action: `paused: ${r.pausedReason ?? ''}`, reasons: [] };
      await publish();
      await condition(() => r.status !== 'paused' || calendarChanged);
      continue;
    }
    const today = clock.today();
    const facts = await currentFacts(today);
    if (!facts) {
      r.status = 'closed';
      r.closedReason = 'the pupil is no longer in the school’s records';
      c.log({ type: 'closed', text: `Case closed: ${r.closedReason}` });
      break;
    }
    try {
      // A notice to improve's period has ended: its judgement goes on the timeline before the case
      // acts on it (steps down, or proposes considering a penalty notice).
      const ended = c.noticePeriodEnded(today);
      if (ended && patched('notice-to-improve')) c.judgeNoticePeriod(ended, facts, today, calendar);
      const decision = c.judge(facts, today, calendar);
      c.apply(decision, facts, today);
      if (decision.change !== 'none') await publish(); // visible at once
      if (r.status !== 'open') continue;
      const due = [...c.takeLawSteps(), ...c.runnable(decision)];
      if (decision.change === 'none' && due.length === 0) c.noteCheck(decision.reasons);
      if ((await actOn(due, decision.reasons, facts)) === 'withdrawn') continue;
      if (r.status !== 'open') continue;
      const after = c.judge(facts, clock.today(), calendar);
      const nextOn =
        c.runnable(after).length > 0
          ? clock.today()
          : (after.nextCheckOn ?? calendar.addSchoolDays(clock.today(), 5));
      r.next = c.nextAction(after, nextOn);
      await publish();
      if (decision.change !== 'none' || shell.continueAsNewSuggested()) {
        // A fresh run per stage keeps histories short; the case's state travels with it.
        await condition(allHandlersFinished);
        r.decisions = {};
        await continueAsNew({ ...input, carried: r });
      }
      const ms = c.runnable(after).length > 0 ? 0 : clock.msUntilCheckOn(nextOn);
      const woken = () => wake || r.status !== 'open' || calendarChanged;
      if (ms > 0 && r.sweepChecks) {
        // The sweep makes the routine checks and wakes the case when a decision changes: sleep until
        // the passing of time alone can change one (a window's end, a step's wait), or until woken.
        const decidesOn = after.nextDecisionOn ?? null;
        if (decidesOn === null) await condition(woken);
        else if (clock.msUntilCheckOn(decidesOn) > 0) await condition(woken, clock.msUntilCheckOn(decidesOn));
      } else if (ms > 0) await condition(woken, ms);
    } catch (err) {
      if (!(err instanceof BeyondCalendarError)) throw err;
      await waitForNextCalendar(err.lastSchoolDay);
    }
  }

  r.pending = [];
  r.next = { on: null, action: 'none: the case is closed', reasons: [] };
  await condition(allHandlersFinished);
  await publish();
  return c.view();

  // -------------------------------------------------------------------------------------------
  // Acting on the steps due

  async function actOn(due: ProposedStep[], why: Reason[], facts: PupilFacts): Promise<'done' | 'withdrawn'> {
    for (const s of due) {
      // A step carries its own rule and the figures that put the case here: whoever approves it
      // (and later the council) sees why.
      const step = { ...s, reasons: uniqueReasons([...s.reasons, ...why]) };
      windowEndOf(step, clock.today()); // the calendar must reach the end of the step's wait
      const story = letterStory(
        r,
        facts,
        { today: clock.today(), nowIso: new Date(clock.nowMs()).toISOString() },
        calendar.file.localAuthority ?? null,
      );
      const definition = c.policyStep(step);
      const stage = policy.stages.find((st) => st.id === step.stageId);
      if (step.kind === 'noticeToImprove' && definition && stage && patched('notice-to-improve'))
        story.noticeToImprove = noticeToImproveFor(policy, stage, definition, clock.today(), calendar);
      const plan = await acts.data.planStep({
        caseId: input.caseId,
        schoolId: input.schoolId,
        pupilId: input.pupilId,
        step,
        date: clock.today(),
        figures: letterFigures(facts),
        dueOn: calendar.addSchoolDays(clock.today(), Math.max(1, step.noticeSchoolDays ?? 2)),
        earliestDate: calendar.addSchoolDays(clock.today(), step.noticeSchoolDays ?? 5),
        penaltyCodes: [...policy.penaltyNotice.countingCodes],
        story,
      });
      // Safeguarding first: what reaches the family waits for a person. Judged on the plan (an activity
      // result), so a history replays on the route it was planned with.
      const reachesFamily = plan.kind !== 'task';
      const needsPerson = step.approval !== 'auto' || (c.safeguarded() && reachesFamily);
      let decision = null;
      if (needsPerson) {
        const proposal = c.propose(
          step.approval === 'auto' ? { ...step, approval: 'team' } : step,
          plan,
          uuid4(),
        );
        await publish();
        const outcome = await awaitPerson(proposal, {
          entity: c,
          acts,
          clock,
          condition,
          settings,
          calendar: () => calendar,
          recheck: () => (r.latestFacts ? c.judge(r.latestFacts, clock.today(), calendar) : null),
          publish,
        });
        if (outcome.kind === 'withdrawn') {
          if (step.origin === 'law') r.lawSteps = [...(r.lawSteps ?? []), s]; // the law still says so
          return 'withdrawn';
        }
        decision = c.settle(proposal.proposalId);
        if (outcome.kind === 'closed' || !decision) return 'done';
        if (decision.decision === 'reject') {
          c.stepResult(step, 'rejected', facts, clock.today(), calendar);
          if (step.waitAfterSchoolDays > 0) break;
          continue;
        }
        // A notice to improve approved after the day it is dated would give the family a period
        // already under way: it is proposed again, with new dates, rather than sent.
        const approvedPlan = decision.amendedPlan ?? plan;
        if (
          step.kind === 'noticeToImprove' &&
          approvedPlan.kind === 'letter' &&
          approvedPlan.recipe.date < clock.today() &&
          patched('notice-to-improve')
        ) {
          c.withdraw(
            proposal,
            `it is dated ${approvedPlan.recipe.date}, so the improvement period it gives would already have begun; it is proposed again with new dates`,
          );
          await publish();
          return 'withdrawn';
        }
      }
      windowEndOf(step, clock.today());
      const performed = await performStep(step, decision?.amendedPlan ?? plan, {
        entity: c,
        acts,
        uuid4,
        patched,
        today: clock.today(),
        timeZone: settings.timeZone,
        nextSchoolDay: calendar.addSchoolDays(clock.today(), 1),
        decision,
      });
      if (performed === 'done') c.stepResult(step, 'done', facts, clock.today(), calendar);
      if (step.waitAfterSchoolDays > 0) break; // decide() makes the next step due when the wait is over
    }
    return 'done';
  }

  // -------------------------------------------------------------------------------------------
  // Messages: inspection, figures, the team's decisions, events and task outcomes

  function registerHandlers(): void {
    // Registered before the first activity: a query that arrives the moment a new run starts
    // (after continue-as-new) must find its handler.
    setHandler(getCaseView, () => c.view());
    // As continue-as-new would carry it (decisions are per run).
    setHandler(carriedState, () => ({ ...input, carried: { ...r, decisions: {} } }));
    setHandler(factsUpdated, (u) => {
      // `|| ...` after receiveFacts: the figures are always taken; a sweep-checked case also wakes
      // when the sweep says a decision changes, even on figures it has seen.
      if (c.receiveFacts(u) || (r.sweepChecks && u.act)) wake = true;
    });
    setHandler(calendarUpdated, () => {
      calendarChanged = true;
    });
    setHandler(deliveryUpdated, async (u) => {
      c.deliveryCompleted(u);
      await publish();
    });
    // GOV.UK Notify's later word on a message or posted copy (issue 17). No earlier history holds
    // this signal; the patch is asked only when one arrives (docs/workflow-versioning.md).
    setHandler(deliveryStatusChanged, async (u) => {
      if (!patched('notify-delivery-status')) return;
      if (c.deliveryStatus(u)) await publish();
    });
    setHandler(
      decideStep,
      (d) =>
        signedActorsInForce()
          ? verifySignedActor(decideStep.name, d).then(() => {
              validateAgain(() => c.assertStillDecidable(d));
              return c.decideProposal(d);
            })
          : c.decideProposal(d),
      { validator: (d) => c.validateDecision(d) },
    );
    setHandler(
      recordEvent,
      async (e) => {
        if (signedActorsInForce()) {
          await verifySignedActor(recordEvent.name, e);
          validateAgain(() => c.assertStillRecordable(e));
        }
        const index = c.recordEvent(e);
        const meetingRef =
          e.event.type === 'outcome' && e.event.stepId ? c.meetingOf(e.event.stepId).ref : undefined;
        if (
          meetingRef &&
          e.event.type === 'outcome' &&
          ['meetingAttended', 'meetingMissed'].includes(e.event.outcome)
        ) {
          await acts.data.recordMeetingOutcome({
            meetingId: meetingRef,
            status: e.event.outcome === 'meetingAttended' ? 'attended' : 'missed',
          });
        }
        wake = true;
        await publish();
        return { accepted: true as const, timelineIndex: index };
      },
      { validator: (e) => c.validateEvent(e) },
    );
    setHandler(
      completeTask,
      async (t) => {
        const checked = signedActorsInForce();
        if (checked) await verifySignedActor(completeTask.name, t);
        // A new run loads its calendar after its handlers are registered: wait for it.
        await condition(() => calendar !== undefined);
        const task = checked ? validateAgain(() => c.validateTaskOutcome(t)) : c.validateTaskOutcome(t);
        const on = t.on ?? clock.today();
        try {
          windowEndOf(task, on); // a window that would start must fit in the school's calendar
        } catch (err) {
          if (!(err instanceof BeyondCalendarError)) throw err;
          throw ApplicationFailure.create({
            type: 'CalendarEnded',
            message: `the school calendar ends on ${err.lastSchoolDay}: import next year’s terms first`,
            nonRetryable: true,
          });
        }
        const done = c.completeTask(t);
        if (
          t.nextLegalOption &&
          task.kind === 'penaltyNoticeConsideration' &&
          done.completesStep &&
          patched('next-legal-option')
        )
          c.queueNextLegalOption(task, t.nextLegalOption.reason);
        if (done.completesStep && r.latestFacts) {
          c.stepResult(task, 'done', r.latestFacts, on, calendar);
          if (task.kind === 'councilNotification' || task.kind === 'statutoryInterventionRequest') {
            c.log({
              type: 'councilNotified',
              text: `${task.title}: done`,
              stepId: task.stepId,
              ref: task.taskId,
              actor: t.actor,
            });
          }
        }
        await acts.data.recordTaskOutcome({
          taskId: task.taskId,
          outcome: t.outcome,
          ...(t.note ? { note: t.note } : {}),
          by: t.actor.userId,
          on,
          done: task.status === 'done',
        });
        wake = true;
        await publish();
        return { accepted: true as const, timelineIndex: done.index };
      },
      { validator: (t) => void c.validateTaskOutcome(t) },
    );
  }

  // -------------------------------------------------------------------------------------------
  // Figures, calendar and the read model

  /**
   * The day a step's wait would end if done on `on`; throws BeyondCalendarError when the school's
   * calendar does not reach it, so the case waits for next year's terms before acting.
   */
  function windowEndOf(step: Pick<ProposedStep, 'stageId' | 'stepId'>, on: IsoDate): IsoDate | null {
    const wait = policy.stages
      .find((st) => st.id === step.stageId)
      ?.steps.find((x) => x.id === step.stepId)?.waitAfter;
    return wait ? addDuration(calendar, on, wait) : null;
  }

  async function currentFacts(day: IsoDate): Promise<PupilFacts | null> {
    r.freshFacts = false;
    // The sweep's figures are fresh for the day they were computed; otherwise read the store.
    if (r.latestFacts && r.latestFacts.asOf === day) return r.latestFacts;
    const facts = await acts.data.loadPupilFacts({
      schoolId: input.schoolId,
      pupilId: input.pupilId,
      asOf: day,
      ...figureOptionsFor(policy), // the policy's counting codes and N's grace, as the sweep uses them
    });
    if (facts) r.latestFacts = facts;
    return facts;
  }

  async function loadCalendar(): Promise<SchoolCalendar> {
    return buildCalendar(await acts.data.getSchoolCalendar({ schoolId: input.schoolId }));
  }

  /** The school has run out of calendar: wait, with a task, until next year's terms are imported. */
  async function waitForNextCalendar(lastSchoolDay: IsoDate): Promise<void> {
    // The school may already have imported a longer calendar than this run has read.
    calendar = await loadCalendar();
    if (calendar.lastSchoolDay > lastSchoolDay) return;
    const taskId = `calendar:${input.schoolId}:${lastSchoolDay}`;
    const title = `Import the school calendar for the terms after ${lastSchoolDay}: cases are waiting for it`;
    c.pause(
      `the school calendar ends on ${lastSchoolDay}; the case carries on when next year’s terms are imported`,
      'calendar',
    );
    // A proposal cannot be dated past the calendar either: it is withdrawn, and proposed afresh when
    // the case carries on.
    for (const p of [...r.pending]) c.withdraw(p, `the school calendar ends on ${lastSchoolDay}`);
    await acts.data.createStaffTask({
      taskId,
      caseId: input.caseId,
      schoolId: input.schoolId,
      pupilId: input.pupilId,
      stageId: r.caseState.stageId ?? 'none',
      stepId: 'school-calendar',
      kind: 'calendar',
      title,
      dueOn: lastSchoolDay,
      owner: 'manager',
    });
    if (!r.tasks.some((t) => t.taskId === taskId)) {
      c.addTask({
        taskId,
        stageId: r.caseState.stageId ?? 'none',
        stepId: 'school-calendar',
        kind: 'calendar',
        title,
        dueOn: lastSchoolDay,
        createdOn: clock.today(),
        owner: 'manager',
        purpose: 'calendar',
        outcomes: [{ id: 'imported', label: 'Calendar imported', completesStep: false }],
        status: 'open',
      });
    }
    c.log({ type: 'calendarEnded', text: `Paused: ${r.pausedReason}`, ref: taskId });
  }

  async function takeNewCalendar(): Promise<void> {
    calendarChanged = false;
    calendar = await loadCalendar();
    if (r.status === 'paused' && r.pausedFor === 'calendar') {
      c.resume();
      for (const t of r.tasks.filter((x) => x.purpose === 'calendar' && x.status === 'open')) {
        t.status = 'done';
        t.outcome = 'imported';
        t.completedOn = clock.today();
      }
      c.log({
        type: 'calendarResumed',
        text: `Resumed: the school calendar now runs to ${calendar.lastSchoolDay}`,
      });
    }
  }

  function publishSearchAttributes(): void {
    if (!settings.searchAttributes) return;
    upsertSearchAttributes([
      { key: SCHOOL_ID, value: input.schoolId },
      { key: CASE_STAGE, value: r.status === 'closed' ? 'closed' : (r.caseState.stageId ?? 'none') },
      { key: PENDING_APPROVALS, value: r.pending.length },
      { key: NEXT_ACTION_DATE, value: r.next.on ? new Date(clock.checkInstant(r.next.on)) : null },
    ]);
  }
}

function uniqueReasons(reasons: Reason[]): Reason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => !seen.has(r.text) && seen.add(r.text));
}
