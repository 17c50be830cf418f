// Policy rules in words: for pending steps ("waits for ..."), reasons and the `policy check` summary.
import { describeDuration } from './calendarPort';
import { describeAttendanceCondition } from './conditions/attendance';
import { keysOf } from './conditions/index';
import { stageName, WINDOW_PHRASES } from './conditions/words';
import type { Condition, Exit, Improvement, Policy, Stage, Step } from './schema';

/** Each key of the condition in words (conditions/<kind>.ts), joined: all keys must hold. */
export function describeCondition(c: Condition, policy?: Policy): string {
  return keysOf(c)
    .map(({ kind, value }) => kind.describe(value, policy))
    .join(' and ');
}

export function describeConditionList(list: Condition[] | undefined, policy?: Policy): string {
  if (!list || list.length === 0) return 'always';
  return list.map((c) => describeCondition(c, policy)).join('; or ');
}

export function describeImprovement(imp: Improvement): string {
  const parts: string[] = [];
  const stated: Partial<Improvement> = imp;
  const drift = (a: NonNullable<Improvement['attendance']>) => {
    const alts = [`up by ${a.upBy} point${a.upBy === 1 ? '' : 's'}`];
    if (a.orAtLeast !== undefined) alts.push(`at least ${a.orAtLeast}%`);
    if (a.orAboveBand) alts.push("back above the stage's band");
    return `attendance ${alts.join(' or ')}`;
  };
  if (stated.measure === 'window') {
    parts.push(
      `attendance during the monitoring window ${
        stated.windowAttendanceAtLeast !== undefined
          ? `at least ${stated.windowAttendanceAtLeast}%`
          : "back above the stage's band"
      }${imp.attendance ? ` (engine 1: ${drift(imp.attendance)})` : ''}`,
    );
  } else if (imp.attendance) parts.push(drift(imp.attendance));
  if (stated.maxNewUnauthorised !== undefined)
    parts.push(
      `at most ${stated.maxNewUnauthorised} new unauthorised session${stated.maxNewUnauthorised === 1 ? '' : 's'}`,
    );
  else if (imp.noNewUnauthorised) parts.push('no new unauthorised absence');
  if (stated.maxNewUnexplained !== undefined)
    parts.push(
      `at most ${stated.maxNewUnexplained} new unexplained absence${stated.maxNewUnexplained === 1 ? '' : 's'}`,
    );
  else if (imp.noNewUnexplained) parts.push('no new unexplained absence');
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
  const pinned: Partial<Policy> = policy;
  if (pinned.unexplainedAbsence !== undefined)
    out.push(
      `An N counts once unresolved for ${pinned.unexplainedAbsence.graceSchoolDays} school days; one spell of absence is one unexplained absence`,
    );
  if (pinned.entryMinimumSessions !== undefined)
    out.push(`No stage is entered on fewer than ${pinned.entryMinimumSessions} possible sessions`);
  if (pinned.medicalEvidence?.excusesIllness)
    out.push('Medical evidence recorded: illness/medical sessions are not held against the family');
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
