// Policy rules in words: for pending steps ("waits for ..."), reasons and the `policy check` summary.
import type { StatsWindowKind } from '../types';
import { describeAttendanceCondition } from './bands';
import { describeDuration } from './calendarPort';
import type { Condition, Exit, Improvement, Policy, Stage, Step, WindowRef } from './schema';

export const WINDOW_PHRASES: Record<StatsWindowKind, string> = {
  rolling10: 'over the rolling 10 school weeks',
  halfTerm: 'in the current half term',
  term: 'in the current term',
  ytd: 'over the school year to date',
};

const FLAG_NAMES: Record<string, string> = {
  cp: 'a Child Protection plan (cp)',
  cin: 'a Child in Need plan (cin)',
  send: 'special educational needs (send)',
  ehcp: 'an EHC plan (ehcp)',
  lac: 'looked-after status (lac)',
  young_carer: 'young carer status',
};

export function flagName(flag: string): string {
  return FLAG_NAMES[flag] ?? flag;
}

function stageName(policy: Policy | undefined, id: string): string {
  return policy?.stages.find((s) => s.id === id)?.name ?? id;
}

function stepTitle(policy: Policy | undefined, id: string): string {
  for (const stage of policy?.stages ?? []) {
    const step = stage.steps.find((s) => s.id === id);
    if (step) return `"${step.title}"`;
  }
  return id;
}

function windowRefText(ref: WindowRef, what: string | null, policy?: Policy): string {
  const parts = what === null ? ['the end of the monitoring window'] : [what];
  if (ref.stage) parts.push(`at ${stageName(policy, ref.stage)}`);
  if (what !== null) parts.push('by the end of the monitoring window');
  if (ref.afterStep) parts.push(`after ${stepTitle(policy, ref.afterStep)}`);
  if (ref.sequenceDone) parts.push('once every step of the stage has run');
  return parts.join(' ');
}

export function describeCondition(c: Condition, policy?: Policy): string {
  const parts: string[] = [];
  if (c.attendance)
    parts.push(
      `attendance ${WINDOW_PHRASES[c.attendance.window]} is ${describeAttendanceCondition(c.attendance)}`,
    );
  if (c.lates)
    parts.push(
      `${c.lates.atLeast} or more late arrivals (L${c.lates.includeAfterClose ? ' or U' : ''}) ${WINDOW_PHRASES[c.lates.window]}`,
    );
  if (c.unexplained)
    parts.push(
      `${c.unexplained.atLeast} or more unexplained absence sessions (N) ${WINDOW_PHRASES[c.unexplained.window]}`,
    );
  if (c.unauthorised)
    parts.push(
      `${c.unauthorised.atLeast} or more unauthorised absence sessions ${WINDOW_PHRASES[c.unauthorised.window]}`,
    );
  if (c.newSinceBaseline) {
    const n = c.newSinceBaseline;
    const bits = [
      n.unauthorised !== undefined ? `${n.unauthorised}+ unauthorised sessions` : null,
      n.unexplained !== undefined ? `${n.unexplained}+ unexplained sessions` : null,
      n.lates !== undefined ? `${n.lates}+ late arrivals` : null,
    ].filter((b) => b !== null);
    parts.push(`${bits.join(' or ')} new since the monitoring window began`);
  }
  if (c.penaltyThreshold !== undefined)
    parts.push(
      c.penaltyThreshold ? 'the penalty-notice threshold is met' : 'the penalty-notice threshold is not met',
    );
  if (c.flag) parts.push(`the pupil has ${c.flag.map(flagName).join(' or ')}`);
  if (c.outcome) parts.push(`outcome ${c.outcome.join(' or ')} recorded at this stage`);
  if (c.illnessPattern) {
    const p = c.illnessPattern;
    parts.push(
      `a pattern of illness: ${p.minSessions}+ illness/medical sessions clustered on Mondays/Fridays or beside holidays` +
        (p.frequentSessions !== undefined ? `, or ${p.frequentSessions}+ in all` : ''),
    );
  }
  if (c.noImprovement) parts.push(windowRefText(c.noImprovement, 'no improvement', policy));
  if (c.improved) parts.push(windowRefText(c.improved, 'improvement', policy));
  if (c.windowEnded) parts.push(windowRefText(c.windowEnded, null, policy));
  if (c.stepDone) parts.push(`${c.stepDone.map((s) => stepTitle(policy, s)).join(' and ')} done`);
  if (c.atStage) parts.push(`the case is at ${c.atStage.map((s) => stageName(policy, s)).join(' or ')}`);
  if (c.reachedStage) parts.push(`the case has reached ${stageName(policy, c.reachedStage)}`);
  if (c.offRoll !== undefined) parts.push(c.offRoll ? 'the pupil is off roll' : 'the pupil is on roll');
  return parts.join(' and ');
}

export function describeConditionList(list: Condition[] | undefined, policy?: Policy): string {
  if (!list || list.length === 0) return 'always';
  return list.map((c) => describeCondition(c, policy)).join('; or ');
}

export function describeImprovement(imp: Improvement): string {
  const parts: string[] = [];
  if (imp.attendance) {
    const alts = [`up by ${imp.attendance.upBy} point${imp.attendance.upBy === 1 ? '' : 's'}`];
    if (imp.attendance.orAtLeast !== undefined) alts.push(`at least ${imp.attendance.orAtLeast}%`);
    if (imp.attendance.orAboveBand) alts.push("back above the stage's band");
    parts.push(`attendance ${alts.join(' or ')}`);
  }
  if (imp.noNewUnauthorised) parts.push('no new unauthorised absence');
  if (imp.noNewUnexplained) parts.push('no new unexplained absence');
  if (imp.maxNewLates !== undefined) parts.push(`at most ${imp.maxNewLates} new late arrivals`);
  return parts.length ? parts.join(', and ') : 'always counts as improved';
}

export function describeStep(step: Step, policy?: Policy): string {
  const bits = [`${step.kind}`, `approval: ${step.approval}`, `channel: ${step.channel}`];
  if (step.noticeSchoolDays !== undefined) bits.push(`notice: ${step.noticeSchoolDays} school days`);
  if (step.waitAfter)
    bits.push(`${step.monitor ? 'monitor' : 'wait'} ${describeDuration(step.waitAfter)} after`);
  if (step.anytime) bits.push('whenever it applies');
  const lines = [`${step.id}: ${step.title} (${bits.join(', ')})`];
  if (step.when)
    lines.push(
      `  when: ${describeConditionList(step.when, policy)}${step.otherwise === 'skip' ? ' (otherwise skipped)' : ''}`,
    );
  if (step.skipWhen) lines.push(`  skipped when: ${describeConditionList(step.skipWhen, policy)}`);
  return lines.join('\n');
}

export function describeExit(exit: Exit, policy?: Policy): string {
  const to = exit.close ? 'close the case' : `de-escalate to ${stageName(policy, exit.deescalateTo ?? '')}`;
  return `${to} when ${describeConditionList(exit.when, policy)}`;
}

/** A readable summary of a whole policy (the `attendance policy check` output). */
export function describePolicy(policy: Policy): string {
  const out: string[] = [];
  out.push(`${policy.name} (${policy.id}, version ${policy.version})`);
  out.push(policy.description.trim());
  out.push(
    `Penalty-notice counting codes: ${policy.penaltyNotice.countingCodes.join(' ')} (a notice is only ever considered)`,
  );
  out.push(`Baseline/improvement measured on attendance ${WINDOW_PHRASES[policy.baselineWindow]}`);
  if (policy.universal) {
    out.push('');
    out.push(
      `${policy.universal.name} — no case: attendance ${describeAttendanceCondition(policy.universal.attendance)}`,
    );
  }
  policy.stages.forEach((stage: Stage, i) => {
    out.push('');
    out.push(`${i + 1}. ${stage.name} [${stage.id}]: ${stage.summary.trim()}`);
    out.push(`   entry (any): ${stage.entry.length ? '' : 'only by de-escalation'}`);
    for (const c of stage.entry) out.push(`     - ${describeCondition(c, policy)}`);
    out.push(`   checks: ${stage.cadence}`);
    if (stage.monitoring) out.push(`   monitoring on entry: ${describeDuration(stage.monitoring)}`);
    if (stage.review) out.push(`   rolling review: every ${describeDuration(stage.review)}`);
    out.push(`   improvement: ${describeImprovement(stage.improvement)}`);
    out.push('   steps:');
    for (const step of stage.steps) out.push(describeStep(step, policy).replace(/^/gm, '     '));
    out.push('   exits:');
    if (stage.exits.length === 0) out.push('     (none: the case stays until escalated or closed off roll)');
    for (const exit of stage.exits) out.push(`     - ${describeExit(exit, policy)}`);
  });
  if (policy.notAutomated.length) {
    out.push('');
    out.push('Not automated (see docs/policies.md):');
    for (const n of policy.notAutomated)
      out.push(`  - ${n.instruction}: ${n.reason}${n.becomes ? ` → ${n.becomes}` : ''}`);
  }
  return out.join('\n');
}
