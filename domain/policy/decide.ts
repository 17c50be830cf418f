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
import { percent2 } from '../percent';
import type { IsoDate, PupilFacts } from '../types';
import { contains, isAbove, type Interval } from './bands';
import {
  addDuration,
  approxSchoolDays,
  describeDuration,
  schoolDayOnOrAfter,
  type SchoolDays,
} from './calendarPort';
import { describeAttendanceCondition, toInterval } from './conditions/attendance';
import { countLabel, newSince, type CountKind } from './conditions/counts';
import { conditionKinds } from './conditions/index';
import type { ConditionContext, Judgement } from './conditions/kind';
import { percent, windowPhrase } from './conditions/words';
import { describeConditionList } from './describe';
import type { Condition, Improvement, Policy, Stage, Step } from './schema';

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
  /** Engine 2's rules as the pinned policy states them; null on engine 1 or for a policy pinned before. */
  rules: Engine2Rules | null;
  /** Engine 2: medical evidence lets entry triggers and the improvement judgement set illness aside. */
  evidenceExcuses: boolean;
}

/**
 * The policy settings engine 2's rules read (docs/policies.md, "Engine 2"). A policy pinned before
 * they existed has none of them: its cases decide, and keep their state, exactly as they did, on
 * either engine (a case's policy is part of its recorded input, so its history replays).
 */
interface Engine2Rules {
  graceSchoolDays: number;
  entryMinimumSessions: number;
  medicalEvidenceExcusesIllness: boolean;
}

/** Null for a policy pinned before the engine-2 settings (zod fills them in for every policy parsed since). */
function engine2Settings(policy: Policy): Engine2Rules | null {
  const pinned: Partial<Pick<Policy, 'unexplainedAbsence' | 'entryMinimumSessions' | 'medicalEvidence'>> =
    policy;
  if (pinned.unexplainedAbsence === undefined) return null;
  return {
    graceSchoolDays: pinned.unexplainedAbsence.graceSchoolDays,
    entryMinimumSessions: pinned.entryMinimumSessions ?? 0,
    medicalEvidenceExcusesIllness: pinned.medicalEvidence?.excusesIllness ?? false,
  };
}

/** The latest medical-evidence outcome recorded on the case (any stage), if any. */
function latestEvidence(state: CaseState): OutcomeKind | null {
  for (let i = state.outcomes.length - 1; i >= 0; i--) {
    const kind = state.outcomes[i]!.kind;
    if (kind === 'medicalEvidenceReceived' || kind === 'noMedicalEvidence') return kind;
  }
  return null;
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
  const engine = options.engine ?? 1;
  const rules = engine >= 2 ? engine2Settings(policy) : null;
  // The grace the figures were computed with, when they carry the counts it gives.
  const graced =
    rules !== null &&
    facts.unexplainedGraceDays !== undefined &&
    facts.windows.ytd.unexplainedSpells !== undefined;
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
    engine,
    unexplainedGrace: graced ? facts.unexplainedGraceDays! : null,
    illnessExcused: false,
    engine2Rules: rules !== null,
    rules,
    evidenceExcuses:
      rules !== null &&
      rules.medicalEvidenceExcusesIllness &&
      state.stageId !== null &&
      latestEvidence(state) === 'medicalEvidenceReceived',
  };
  return ctx;
}

// ---------------------------------------------------------------------------------------------
// Baselines and improvement

const round2 = (n: number): number => Math.round(n * 100) / 100;
const signed = (n: number): string => `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(2)}`;

/**
 * The figures a monitoring window is judged against. Counts are year-to-date so "new since" is a
 * difference, and so are the window's own figures (engine 2): year to date now minus year to date at
 * the baseline. The counts engine 2 judges by are recorded only for a policy that has its settings,
 * so the state of a case pinned before them stays exactly as it was.
 */
export function snapshotBaseline(policy: Policy, facts: PupilFacts, on: IsoDate): Baseline {
  const ytd = facts.windows.ytd;
  const b: Baseline = {
    on,
    attendancePct: facts.windows[policy.baselineWindow].attendancePct,
    unauthorised: ytd.unauthorised,
    unexplained: ytd.unexplained,
    lates: ytd.lateBeforeClose,
  };
  if (engine2Settings(policy) === null) return b;
  b.possible = ytd.possible;
  b.attended = ytd.present + ytd.approvedActivity;
  if (ytd.illness !== undefined) b.illness = ytd.illness;
  if (ytd.unexplainedSpells !== undefined) b.unexplainedSpells = ytd.unexplainedSpells;
  return b;
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
  // Engine 2: the window itself (a baseline from before the counts falls back to the change).
  const stated: Partial<Improvement> = rule;
  const byWindow =
    ctx.rules !== null && stated.measure === 'window' && b.possible !== undefined && b.attended !== undefined;
  if (byWindow) {
    const w = judgeWindowAttendance(ctx, stage, b);
    if (!w.ok) improved = false;
    texts.push(w.text);
  } else if (rule.attendance) {
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
  const counts: [CountKind, number][] = [];
  // Engine 2 reads the allowances (maxNew...); a policy pinned before has none, so nothing changes.
  const allowed = (max: number | undefined, none: boolean) =>
    (ctx.rules !== null ? max : undefined) ?? (none ? 0 : null);
  const unauthorisedMax = allowed(stated.maxNewUnauthorised, rule.noNewUnauthorised);
  const unexplainedMax = allowed(stated.maxNewUnexplained, rule.noNewUnexplained);
  if (unauthorisedMax !== null) counts.push(['unauthorised', unauthorisedMax]);
  if (unexplainedMax !== null) counts.push(['unexplained', unexplainedMax]);
  if (rule.maxNewLates !== undefined) counts.push(['lates', rule.maxNewLates]);
  for (const [kind, max] of counts) {
    const n = newSince(ctx, kind) ?? 0;
    if (n > max) improved = false;
    texts.push(`${n} new ${countLabel(ctx, kind)} since ${b.on}${max > 0 ? ` (at most ${max})` : ''}`);
  }
  return (ctx.judgement = { improved, texts });
}

/**
 * Engine 2: attendance during the monitoring window itself, as the difference of the year-to-date
 * figures now and at the baseline (a baseline from before this school year counts this year whole).
 * With medical evidence recorded, the window's illness sessions are set aside.
 */
function judgeWindowAttendance(ctx: Ctx, stage: Stage, b: Baseline): { ok: boolean; text: string } {
  const ytd = ctx.facts.windows.ytd;
  const fresh = b.on < ytd.from;
  const since = (now: number, then: number | undefined) => Math.max(0, now - (fresh ? 0 : (then ?? now)));
  const possible = since(ytd.possible, b.possible);
  const attended = since(ytd.present + ytd.approvedActivity, b.attended);
  const illness =
    ctx.evidenceExcuses && ytd.illness !== undefined && (fresh || b.illness !== undefined)
      ? since(ytd.illness, b.illness)
      : 0;
  const judged = possible - illness;
  const pct = judged > 0 ? percent2(Math.min(attended, judged), judged) : null;
  const need = windowExpectation(ctx.policy, stage);
  const from = fresh ? ytd.from : b.on;
  if (pct === null) {
    return {
      ok: false,
      text: `no possible sessions to judge during the window since ${from} (improvement needs attendance ${need.text})`,
    };
  }
  return {
    ok: need.holds(pct),
    text:
      `attendance ${percent(pct)} during the window since ${from} (${Math.min(attended, judged)} of ${judged} sessions` +
      (illness > 0 ? `; ${illness} illness/medical sessions set aside, medical evidence received` : '') +
      `; improvement needs ${need.text})`,
  };
}

/** What attendance during a window must reach at this stage (docs/policies.md, "Engine 2"). */
function windowExpectation(policy: Policy, stage: Stage): { holds: (pct: number) => boolean; text: string } {
  const need = windowAttendanceNeed(policy, stage);
  return { holds: need.holds, text: need.text };
}

/**
 * The attendance a monitoring window must reach at this stage, as a number a letter can state: at
 * least `pct` (or above it, when `above`). A notice to improve tells the family exactly this.
 */
export function windowAttendanceNeed(
  policy: Policy,
  stage: Stage,
): { pct: number; above: boolean; holds: (pct: number) => boolean; text: string } {
  const stated: Partial<Improvement> = stage.improvement;
  if (stated.windowAttendanceAtLeast !== undefined) {
    const min = stated.windowAttendanceAtLeast;
    return { pct: min, above: false, holds: (pct) => pct >= min, text: `${min}% or above` };
  }
  const band = stageBand(policy, stage);
  if (band) {
    return {
      pct: band.hi,
      above: band.hiInc,
      holds: (pct) => isAbove(band, pct),
      text: `${band.hiInc ? `above ${band.hi}%` : `${band.hi}% or above`}, back above the stage's band`,
    };
  }
  if (policy.universal) {
    const universal = toInterval(policy.universal.attendance);
    return {
      pct: universal.lo,
      above: !universal.loInc,
      holds: (pct) => contains(universal, pct),
      text: `${describeAttendanceCondition(policy.universal.attendance)}, the universal band`,
    };
  }
  return { pct: 95, above: false, holds: (pct) => pct >= 95, text: '95% or above' };
}

/**
 * The improvement judgement on the case's current monitoring window, exactly as `decide` makes it:
 * whether the window shows improvement, and the figures that say so. Null with no stage or baseline.
 */
export function judgeWindow(
  policy: Policy,
  state: CaseState,
  facts: PupilFacts,
  today: IsoDate,
  calendar: SchoolDays,
  options: DecideOptions = {},
): Judgement | null {
  return judge(makeCtx(policy, state, facts, today, calendar, options));
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
  change?: StageChange,
): CaseState {
  const idx = policy.stages.findIndex((s) => s.id === stageId);
  const highestIdx = policy.stages.findIndex((s) => s.id === state.highestStageId);
  const next: CaseState = {
    ...state,
    stageId,
    stageEnteredOn: today,
    baseline: snapshotBaseline(policy, facts, today),
    monitoringUntil,
    monitoringStartedBy: null,
    closedOn: null,
    highestStageId: idx > highestIdx ? stageId : state.highestStageId,
  };
  // How the stage was entered (the steppedDown condition), for a policy with engine 2's settings.
  if (
    engine2Settings(policy) !== null &&
    (change === 'open' || change === 'escalate' || change === 'deescalate')
  )
    next.stageEnteredBy = change;
  return next;
}

function nextCheck(
  ctx: Ctx,
  until: IsoDate | null,
  plan: Plan | null,
  cadence: 'withCadence' | 'datesOnly' = 'withCadence',
): IsoDate | null {
  const { stage, calendar, today } = ctx;
  const candidates: IsoDate[] = [];
  if (cadence === 'withCadence' && stage?.cadence === 'weekly')
    candidates.push(calendar.addSchoolWeeks(today, 1));
  if (cadence === 'withCadence' && stage?.cadence === 'daily')
    candidates.push(calendar.addSchoolDays(today, 1));
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
    nextDecisionOn: nextCheck(ctx, until, plan, 'datesOnly'),
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
  const state = enterStage(ctx.policy, ctx.state, target.id, ctx.facts, ctx.today, until, change);
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

  // Engine 2: with medical evidence recorded, entry triggers judge attendance without illness.
  const entryCtx: Ctx = ctx.evidenceExcuses ? { ...ctx, illnessExcused: true } : ctx;
  let triggered: { index: number; stage: Stage; reasons: Reason[] } | null = null;
  for (let i = policy.stages.length - 1; i >= 0 && !triggered; i--) {
    const stage = policy.stages[i]!;
    const reasons = matches(stage.entry, entryCtx, `${stage.id}.entry`, `${stage.name}: `);
    if (reasons.length) triggered = { index: i, stage, reasons };
  }

  // Engine 2: no stage is entered on a few days' marks (a new joiner, September without last year).
  let heldBack: Reason | null = null;
  if (triggered && ctx.rules && (!ctx.stage || triggered.index > ctx.stageIndex)) {
    const w = facts.windows[policy.baselineWindow];
    const minimum = ctx.rules.entryMinimumSessions;
    if (w.possible < minimum) {
      heldBack = {
        rule: 'policy.entryMinimumSessions',
        text:
          `${triggered.stage.name} is not entered yet: ${w.possible} possible session${w.possible === 1 ? '' : 's'} ` +
          `${windowPhrase(w)}, and no stage is entered on fewer than ${minimum}`,
      };
      triggered = null;
    }
  }

  if (!ctx.stage) {
    if (!triggered)
      return {
        stageId: null,
        stageName: null,
        change: 'none',
        stepsDue: [],
        nextCheckOn: null,
        reasons: heldBack ? [heldBack] : [],
      };
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
  if (heldBack) reasons.push(heldBack);
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
    next = enterStage(
      policy,
      state,
      decision.stageId,
      facts,
      today,
      decision.monitoringUntil ?? null,
      decision.change,
    );
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
