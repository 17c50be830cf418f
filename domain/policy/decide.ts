// The policy engine: given a policy, a case's state and today's figures, what stage is the case at,
// what should happen now, when to look again, and why. Pure and deterministic: no clock, no I/O;
// `today` and the calendar come in as arguments so Temporal workflows can call it.
import type {
  Baseline,
  CaseState,
  CompletedStep,
  Decision,
  OutcomeKind,
  ProposedStep,
  Reason,
  RecordedOutcome,
  StageChange,
} from '../caseTypes';
import type { IsoDate, PupilFacts } from '../types';
import { isAbove, type Interval } from './bands';
import {
  addDuration,
  approxSchoolDays,
  describeDuration,
  schoolDayOnOrAfter,
  type SchoolDays,
} from './calendarPort';
import { toInterval } from './conditions/attendance';
import { COUNT_LABEL, newSince, type CountKind } from './conditions/counts';
import { conditionKinds } from './conditions/index';
import type { ConditionContext, Judgement } from './conditions/kind';
import { percent } from './conditions/words';
import { describeConditionList } from './describe';
import type { Condition, Policy, Stage, Step } from './schema';

export function emptyCaseState(): CaseState {
  return {
    stageId: null,
    stageEnteredOn: null,
    baseline: null,
    completedSteps: [],
    monitoringUntil: null,
    outcomes: [],
    highestStageId: null,
    monitoringStartedBy: null,
    closedOn: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Context

/** What the conditions see (conditions/kind.ts), with the full policy and stage and the clock. */
interface Ctx extends ConditionContext {
  policy: Policy;
  today: IsoDate;
  calendar: SchoolDays;
  stageIndex: number;
  stage: Stage | null;
  completed: Map<string, CompletedStep>;
  assumedDone: Set<string>;
  outcomes: RecordedOutcome[];
  judgement: Judgement | null | undefined;
  /** Engine 2: steps whose work is with a person (a task waiting for its outcome). */
  inProgress: Set<string>;
  options: DecideOptions;
}

/**
 * How a case's engine asks. Engine 1 (the default) decides exactly as it always has: running
 * engine-1 cases must replay (docs/workflow-versioning.md).
 */
export interface DecideOptions {
  /** The case's engine: absent or 1 for engine 1. */
  engine?: number;
  /**
   * Engine 2: steps whose work is with a person. Such a step is not due again, does not count as
   * done (a `stepDone` condition waits for its outcome), and holds back the steps after it when it
   * has a wait.
   */
  inProgress?: string[];
}

function makeCtx(
  policy: Policy,
  state: CaseState,
  facts: PupilFacts,
  today: IsoDate,
  calendar: SchoolDays,
  options: DecideOptions = {},
): Ctx {
  const stageIndex = state.stageId === null ? -1 : policy.stages.findIndex((s) => s.id === state.stageId);
  if (state.stageId !== null && stageIndex < 0) {
    throw new Error(`the case is at stage "${state.stageId}", which policy "${policy.id}" does not define`);
  }
  const entered = state.stageEnteredOn ?? today;
  const completed = new Map<string, CompletedStep>();
  for (const c of state.completedSteps) {
    if (c.stageId === state.stageId && c.on >= entered) completed.set(c.stepId, c);
  }
  const outcomes = state.outcomes.filter((o) =>
    o.stageId !== undefined ? o.stageId === state.stageId && o.on >= entered : o.on >= entered,
  );
  const until = state.monitoringUntil;
  const ctx: Ctx = {
    policy,
    facts,
    today,
    calendar,
    state,
    stageIndex,
    stage: policy.stages[stageIndex] ?? null,
    window: { until, ended: until !== null && today >= until, active: until !== null && today < until },
    completed,
    assumedDone: new Set(),
    outcomes,
    judgement: undefined,
    judge: () => judge(ctx),
    inProgress: new Set((options.engine ?? 1) >= 2 ? (options.inProgress ?? []) : []),
    options,
  };
  return ctx;
}

// ---------------------------------------------------------------------------------------------
// Baselines and improvement

const round2 = (n: number): number => Math.round(n * 100) / 100;
const signed = (n: number): string => `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(2)}`;

/** The figures a monitoring window is judged against. Counts are year-to-date so "new since" is a difference. */
export function snapshotBaseline(policy: Policy, facts: PupilFacts, on: IsoDate): Baseline {
  const ytd = facts.windows.ytd;
  return {
    on,
    attendancePct: facts.windows[policy.baselineWindow].attendancePct,
    unauthorised: ytd.unauthorised,
    unexplained: ytd.unexplained,
    lates: ytd.lateBeforeClose,
  };
}

/** The stage's own band on the baseline window (its standalone attendance triggers). */
export function stageBand(policy: Policy, stage: Stage): Interval | null {
  let band: Interval | null = null;
  for (const c of stage.entry) {
    const only = Object.values(c).filter((v) => v !== undefined).length === 1;
    if (!only || !c.attendance || c.attendance.window !== policy.baselineWindow) continue;
    const i = toInterval(c.attendance);
    if (!band || i.hi > band.hi || (i.hi === band.hi && i.hiInc)) band = i;
  }
  return band;
}

function judge(ctx: Ctx): Judgement | null {
  if (ctx.judgement !== undefined) return ctx.judgement;
  const { stage, state, facts, policy } = ctx;
  const b = state.baseline;
  if (!stage || !b) return (ctx.judgement = null);
  const rule = stage.improvement;
  const texts: string[] = [];
  let improved = true;
  if (rule.attendance) {
    const now = facts.windows[policy.baselineWindow].attendancePct;
    const upBy = rule.attendance.upBy;
    const needs = [`+${upBy} point${upBy === 1 ? '' : 's'}`];
    if (rule.attendance.orAtLeast !== undefined) needs.push(`${rule.attendance.orAtLeast}% or above`);
    const band = rule.attendance.orAboveBand ? stageBand(policy, stage) : null;
    if (band) needs.push(band.hiInc ? `above ${band.hi}%` : `${band.hi}% or above`);
    if (now === null) {
      improved = false;
      texts.push('no attendance figure yet');
    } else {
      const change = b.attendancePct === null ? null : round2(now - b.attendancePct);
      const ok =
        (change !== null && Math.round(change * 100) >= Math.round(rule.attendance.upBy * 100)) ||
        (rule.attendance.orAtLeast !== undefined && now >= rule.attendance.orAtLeast) ||
        (band !== null && isAbove(band, now));
      if (!ok) improved = false;
      texts.push(
        `attendance ${percent(b.attendancePct)} on ${b.on} → ${percent(now)} now` +
          (change === null ? '' : ` (${signed(change)} points`) +
          `${change === null ? ' (' : '; '}improvement needs ${needs.join(' or ')})`,
      );
    }
  }
  const counts: [CountKind, boolean, number][] = [];
  if (rule.noNewUnauthorised) counts.push(['unauthorised', true, 0]);
  if (rule.noNewUnexplained) counts.push(['unexplained', true, 0]);
  if (rule.maxNewLates !== undefined) counts.push(['lates', true, rule.maxNewLates]);
  for (const [kind, , max] of counts) {
    const n = newSince(ctx, kind) ?? 0;
    if (n > max) improved = false;
    texts.push(`${n} new ${COUNT_LABEL[kind]} since ${b.on}${max > 0 ? ` (at most ${max})` : ''}`);
  }
  return (ctx.judgement = { improved, texts });
}

// ---------------------------------------------------------------------------------------------
// Conditions

/** The texts explaining why the condition holds, or null when it does not. All keys must hold. */
function evalCondition(c: Condition, ctx: Ctx): string[] | null {
  const texts: string[] = [];
  for (const [key, kind] of conditionKinds) {
    const value = c[key];
    if (value === undefined) continue;
    const text = kind.holds(value, ctx);
    if (text === null) return null;
    texts.push(text);
  }
  return texts;
}

function ruleName(base: string, c: Condition): string {
  const keys = Object.entries(c)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
  return `${base}.${keys.join('+')}`;
}

/** Every condition of the list that holds, as reasons. */
function matches(list: Condition[], ctx: Ctx, base: string, prefix: string): Reason[] {
  const out: Reason[] = [];
  list.forEach((c, j) => {
    const t = evalCondition(c, ctx);
    if (t) out.push({ rule: ruleName(`${base}[${j}]`, c), text: `${prefix}${t.join(' and ')}` });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Steps

interface Plan {
  due: ProposedStep[];
  skipped: ProposedStep[];
  pending: NonNullable<Decision['pending']>;
  nextReadyOn: IsoDate | null;
}

export function stepWaitEnd(step: Step, doneOn: IsoDate, calendar: SchoolDays): IsoDate {
  return step.waitAfter ? addDuration(calendar, doneOn, step.waitAfter) : doneOn;
}

function propose(stage: Stage, step: Step, reasons: Reason[]): ProposedStep {
  const p: ProposedStep = {
    stageId: stage.id,
    stepId: step.id,
    kind: step.kind,
    title: step.title,
    channel: step.channel,
    approval: step.approval,
    waitAfterSchoolDays: approxSchoolDays(step.waitAfter),
    reasons,
  };
  if (step.template !== undefined) p.template = step.template;
  if (step.noticeSchoolDays !== undefined) p.noticeSchoolDays = step.noticeSchoolDays;
  if (step.waitAfter) p.waitAfter = { ...step.waitAfter };
  if (step.monitor) p.startsMonitoring = true;
  return p;
}

function planSteps(ctx: Ctx): Plan {
  const stage = ctx.stage!;
  const plan: Plan = { due: [], skipped: [], pending: [], nextReadyOn: null };
  const sequence = stage.steps.filter((s) => !s.anytime);
  let blocked = false;
  let dueInChain = false;
  let readyOn = ctx.state.stageEnteredOn ?? ctx.today;
  let previous: { step: Step; on: IsoDate } | null = null;
  const base = (step: Step) => `${stage.id}.steps.${step.id}`;
  const prefix = (step: Step) => `${stage.name}, "${step.title}": `;

  for (const step of stage.steps) {
    const done = ctx.completed.get(step.id);
    if (!done && ctx.inProgress.has(step.id)) {
      // Engine 2: a person is doing it. Later steps go on, unless this one has a wait after it.
      plan.pending.push({ stepId: step.id, title: step.title, waitingFor: 'its outcome to be recorded' });
      if (!step.anytime && step.waitAfter) blocked = true;
      continue;
    }
    if (step.anytime) {
      if (done) continue;
      if (step.skipWhen && matches(step.skipWhen, ctx, `${base(step)}.skipWhen`, '').length) continue;
      const why = step.when ? matches(step.when, ctx, `${base(step)}.when`, prefix(step)) : [];
      if (!step.when || why.length) {
        plan.due.push(
          propose(
            stage,
            step,
            why.length ? why : [{ rule: base(step), text: `${prefix(step)}due at this stage` }],
          ),
        );
        ctx.assumedDone.add(step.id);
      } else {
        plan.pending.push({
          stepId: step.id,
          title: step.title,
          waitingFor: `whenever ${describeConditionList(step.when, ctx.policy)}`,
        });
      }
      continue;
    }
    if (blocked) continue;
    if (done) {
      readyOn = done.result === 'done' ? stepWaitEnd(step, done.on, ctx.calendar) : done.on;
      previous = { step, on: done.on };
      continue;
    }
    if (readyOn > ctx.today) {
      const wait = previous?.step.waitAfter ? describeDuration(previous.step.waitAfter) : '';
      plan.pending.push({
        stepId: step.id,
        title: step.title,
        waitingFor: `its turn on ${readyOn}${previous ? ` (${wait} after "${previous.step.title}" on ${previous.on})` : ''}`,
        readyOn,
      });
      plan.nextReadyOn = readyOn;
      blocked = true;
      continue;
    }
    const order =
      `${stage.name}: step ${sequence.indexOf(step) + 1} of ${sequence.length}` +
      (previous ? `, after "${previous.step.title}" on ${previous.on}` : '');
    const skipWhy = step.skipWhen
      ? matches(step.skipWhen, ctx, `${base(step)}.skipWhen`, `${prefix(step)}skipped: `)
      : [];
    if (skipWhy.length) {
      if (dueInChain) blocked = true;
      else plan.skipped.push(propose(stage, step, skipWhy));
      continue;
    }
    const why = step.when ? matches(step.when, ctx, `${base(step)}.when`, prefix(step)) : [];
    if (!step.when || why.length) {
      plan.due.push(propose(stage, step, [{ rule: `${base(step)}.order`, text: order }, ...why]));
      ctx.assumedDone.add(step.id);
      dueInChain = true;
      previous = { step, on: ctx.today };
      if (step.waitAfter) blocked = true;
      continue;
    }
    if (step.otherwise === 'skip' && !dueInChain && !ctx.window.active) {
      plan.skipped.push(
        propose(stage, step, [
          {
            rule: `${base(step)}.when`,
            text: `${prefix(step)}skipped: it applies only when ${describeConditionList(step.when, ctx.policy)}`,
          },
        ]),
      );
      continue;
    }
    plan.pending.push({
      stepId: step.id,
      title: step.title,
      waitingFor:
        describeConditionList(step.when, ctx.policy) +
        (step.otherwise === 'skip' && ctx.window.active
          ? ` (judged when the window ends on ${ctx.window.until})`
          : ''),
    });
    blocked = true;
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Stage entry and the decision

/** The case state on entering a stage today: fresh baseline, the stage's own window, highest stage. */
export function enterStage(
  policy: Policy,
  state: CaseState,
  stageId: string,
  facts: PupilFacts,
  today: IsoDate,
  monitoringUntil: IsoDate | null,
): CaseState {
  const idx = policy.stages.findIndex((s) => s.id === stageId);
  const highestIdx = policy.stages.findIndex((s) => s.id === state.highestStageId);
  return {
    ...state,
    stageId,
    stageEnteredOn: today,
    baseline: snapshotBaseline(policy, facts, today),
    monitoringUntil,
    monitoringStartedBy: null,
    closedOn: null,
    highestStageId: idx > highestIdx ? stageId : state.highestStageId,
  };
}

function nextCheck(ctx: Ctx, until: IsoDate | null, plan: Plan | null): IsoDate | null {
  const { stage, calendar, today } = ctx;
  const candidates: IsoDate[] = [];
  if (stage?.cadence === 'weekly') candidates.push(calendar.addSchoolWeeks(today, 1));
  if (stage?.cadence === 'daily') candidates.push(calendar.addSchoolDays(today, 1));
  if (until !== null && until > today) candidates.push(until);
  if (plan?.nextReadyOn && plan.nextReadyOn > today) candidates.push(plan.nextReadyOn);
  if (candidates.length === 0) return null;
  const first = candidates.sort()[0]!;
  return schoolDayOnOrAfter(calendar, first > today ? first : calendar.addSchoolDays(today, 1));
}

function build(
  ctx: Ctx,
  change: StageChange,
  reasons: Reason[],
  plan: Plan,
  until: IsoDate | null,
  windowStarted: boolean,
): Decision {
  const d: Decision = {
    stageId: ctx.stage!.id,
    stageName: ctx.stage!.name,
    change,
    stepsDue: plan.due,
    nextCheckOn: nextCheck(ctx, until, plan),
    reasons,
    monitoringUntil: until,
    windowStarted,
    stepsSkipped: plan.skipped,
    pending: plan.pending,
  };
  return d;
}

function enter(ctx: Ctx, change: StageChange, target: Stage, reasons: Reason[]): Decision {
  const until = target.monitoring ? addDuration(ctx.calendar, ctx.today, target.monitoring) : null;
  const state = enterStage(ctx.policy, ctx.state, target.id, ctx.facts, ctx.today, until);
  const next = makeCtx(ctx.policy, state, ctx.facts, ctx.today, ctx.calendar, ctx.options);
  const plan = planSteps(next);
  if (until)
    reasons = [
      ...reasons,
      { rule: `${target.id}.monitoring`, text: `${target.name}: monitoring until ${until}` },
    ];
  return build(next, change, reasons, plan, until, true);
}

function closeDecision(reasons: Reason[], closeReason: string): Decision {
  return {
    stageId: null,
    stageName: null,
    change: 'close',
    stepsDue: [],
    nextCheckOn: null,
    reasons,
    closeReason,
    monitoringUntil: null,
  };
}

/**
 * Decide what happens to one pupil's case today.
 *
 * - No case yet (`emptyCaseState()`): a non-null `stageId` means "open a case at this stage".
 * - Escalation: the most severe stage whose entry triggers hold, when more severe than the current.
 * - Otherwise the current stage's exits (de-escalate / close), which wait for a window's end.
 * - Otherwise the steps now due in the current stage, and when to look again.
 */
export function decide(
  policy: Policy,
  state: CaseState,
  facts: PupilFacts,
  today: IsoDate,
  calendar: SchoolDays,
  options: DecideOptions = {},
): Decision {
  const ctx = makeCtx(policy, state, facts, today, calendar, options);

  if (!facts.onRoll) {
    if (ctx.stage && policy.closeWhenOffRoll) {
      return closeDecision(
        [{ rule: 'policy.closeWhenOffRoll', text: 'the pupil is no longer on roll' }],
        'pupil off roll',
      );
    }
    if (!ctx.stage)
      return { stageId: null, stageName: null, change: 'none', stepsDue: [], nextCheckOn: null, reasons: [] };
  }

  let triggered: { index: number; stage: Stage; reasons: Reason[] } | null = null;
  for (let i = policy.stages.length - 1; i >= 0 && !triggered; i--) {
    const stage = policy.stages[i]!;
    const reasons = matches(stage.entry, ctx, `${stage.id}.entry`, `${stage.name}: `);
    if (reasons.length) triggered = { index: i, stage, reasons };
  }

  if (!ctx.stage) {
    if (!triggered)
      return { stageId: null, stageName: null, change: 'none', stepsDue: [], nextCheckOn: null, reasons: [] };
    return enter(ctx, 'open', triggered.stage, triggered.reasons);
  }
  if (triggered && triggered.index > ctx.stageIndex)
    return enter(ctx, 'escalate', triggered.stage, triggered.reasons);

  const stage = ctx.stage;
  for (const [i, exit] of stage.exits.entries()) {
    const why = matches(exit.when, ctx, `${stage.id}.exits[${i}].when`, `${stage.name}: `);
    if (why.length === 0) continue;
    if (exit.close) return closeDecision(why, exit.reason ?? why.map((r) => r.text).join('; '));
    const target = policy.stages.find((s) => s.id === exit.deescalateTo)!;
    const reasons = [
      {
        rule: `${stage.id}.exits[${i}]`,
        text: `${stage.name} → ${target.name}${exit.reason ? `: ${exit.reason}` : ''}`,
      },
      ...why,
    ];
    return enter(ctx, 'deescalate', target, reasons);
  }

  const plan = planSteps(ctx);
  const reasons: Reason[] = [];
  if (triggered?.index === ctx.stageIndex) reasons.push(...triggered.reasons);
  else {
    reasons.push({
      rule: `${stage.id}.stay`,
      text: `${stage.name} since ${state.stageEnteredOn}: a case steps down only by an exit rule at the end of a monitoring window`,
    });
  }
  let until = ctx.window.active ? ctx.window.until : null;
  let windowStarted = false;
  const review = stage.review ?? stage.monitoring;
  if (ctx.window.active) {
    reasons.push({ rule: `${stage.id}.monitoring`, text: `${stage.name}: monitoring until ${until}` });
  } else if (
    review &&
    plan.due.length === 0 &&
    plan.skipped.length === 0 &&
    plan.nextReadyOn === null &&
    ctx.inProgress.size === 0 // engine 2: a step with a person starts its own window when done
  ) {
    until = addDuration(calendar, today, review);
    windowStarted = true;
    const j = ctx.window.ended ? judge(ctx) : null;
    reasons.push({
      rule: `${stage.id}.review`,
      text:
        `${stage.name}: ${ctx.window.ended ? `the monitoring window ended on ${ctx.window.until}` : 'no monitoring window'}` +
        (j ? ` (${j.improved ? 'improved' : 'not improved'}: ${j.texts.join('; ')})` : '') +
        `; monitoring continues until ${until}`,
    });
  }
  return build(ctx, 'none', reasons, plan, until, windowStarted);
}

// ---------------------------------------------------------------------------------------------
// Pure helpers for the workflow: apply a decision and record what happened.

/** The state after the workflow acts on a decision (stage change, new window, skipped steps). */
export function applyDecision(
  policy: Policy,
  state: CaseState,
  decision: Decision,
  facts: PupilFacts,
  today: IsoDate,
): CaseState {
  let next: CaseState;
  if (decision.change === 'close') {
    next = {
      ...state,
      stageId: null,
      stageEnteredOn: null,
      monitoringUntil: null,
      monitoringStartedBy: null,
      closedOn: today,
      baseline: snapshotBaseline(policy, facts, today),
    };
  } else if (decision.change !== 'none' && decision.stageId !== null) {
    next = enterStage(policy, state, decision.stageId, facts, today, decision.monitoringUntil ?? null);
  } else if (decision.windowStarted) {
    next = {
      ...state,
      monitoringUntil: decision.monitoringUntil ?? null,
      monitoringStartedBy: null,
      baseline: snapshotBaseline(policy, facts, today),
    };
  } else next = { ...state };
  const skipped = (decision.stepsSkipped ?? []).map((s): CompletedStep => ({
    stageId: s.stageId,
    stepId: s.stepId,
    on: today,
    result: 'skipped',
  }));
  if (skipped.length) next = { ...next, completedSteps: [...next.completedSteps, ...skipped] };
  return next;
}

/**
 * Record a step's result. A `done` step with `monitor: true` starts a monitoring window: its end is
 * the step's wait from the day it was done, and the baseline is taken from that day's figures.
 */
export function completeStep(
  policy: Policy,
  state: CaseState,
  done: { stepId: string; result: CompletedStep['result']; on: IsoDate },
  facts: PupilFacts,
  calendar: SchoolDays,
): CaseState {
  if (state.stageId === null) throw new Error('no open case to record a step on');
  const stage = policy.stages.find((s) => s.id === state.stageId);
  const step = stage?.steps.find((s) => s.id === done.stepId);
  if (!stage || !step) throw new Error(`step "${done.stepId}" is not part of stage "${state.stageId}"`);
  const next: CaseState = {
    ...state,
    completedSteps: [
      ...state.completedSteps,
      { stageId: stage.id, stepId: step.id, on: done.on, result: done.result },
    ],
  };
  if (done.result === 'done' && step.monitor && step.waitAfter) {
    next.monitoringUntil = addDuration(calendar, done.on, step.waitAfter);
    next.monitoringStartedBy = step.id;
    next.baseline = snapshotBaseline(policy, facts, done.on);
  }
  return next;
}

/** Record an outcome the attendance team reports (meeting missed, contract signed, ...). */
export function recordOutcome(
  state: CaseState,
  outcome: { kind: OutcomeKind; on: IsoDate; stepId?: string },
): CaseState {
  const o: RecordedOutcome = { kind: outcome.kind, on: outcome.on };
  if (outcome.stepId !== undefined) o.stepId = outcome.stepId;
  if (state.stageId !== null) o.stageId = state.stageId;
  return { ...state, outcomes: [...state.outcomes, o] };
}
