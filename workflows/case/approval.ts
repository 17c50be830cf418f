// Waiting for a person to decide a proposed step. The team is reminded after a while and then a
// manager is asked. Meanwhile the case keeps looking at new figures: a proposal overtaken by events
// (the pupil escalated, improved, or the case would close) is withdrawn with its reason, never sent
// stale.
import type { Decision } from '../../domain/caseTypes';
import type { SchoolDays } from '../../domain/policy/calendarPort';
import type { CaseSettings } from '../caseInput';
import type { PendingProposal, StepDecision } from '../caseMessages';
import type { CaseActivities } from './acts';
import type { SchoolClock } from './clock';
import type { CaseEntity } from './entity';
import type { CaseShell } from './shell';

export type Outcome =
  { kind: 'decided'; decision: StepDecision } | { kind: 'withdrawn' } | { kind: 'closed' };

export interface ApprovalContext {
  entity: CaseEntity;
  acts: CaseActivities;
  clock: SchoolClock;
  condition: CaseShell['condition'];
  settings: CaseSettings;
  calendar(): SchoolDays;
  /** Today's decision on the latest figures, nothing applied. */
  recheck(): Decision | null;
  publish(): Promise<void>;
}

export async function awaitPerson(proposal: PendingProposal, ctx: ApprovalContext): Promise<Outcome> {
  const { entity, clock, settings, condition } = ctx;
  const r = entity.record;
  const id = proposal.proposalId;
  const woken = () => r.decisions[id] !== undefined || r.status === 'closed' || r.freshFacts;
  const remindOn = ctx.calendar().addSchoolDays(proposal.proposedOn, settings.remindAfterSchoolDays);
  const escalateOn = ctx.calendar().addSchoolDays(remindOn, settings.escalateAfterSchoolDays);
  for (;;) {
    const due = !proposal.remindedAt ? remindOn : !proposal.escalatedAt ? escalateOn : null;
    const inTime =
      due === null ? (await condition(woken), true) : await condition(woken, clock.msUntilCheckOn(due));
    if (r.status === 'closed') return { kind: 'closed' };
    const decision = r.decisions[id];
    if (decision) return { kind: 'decided', decision };
    if (r.freshFacts) {
      r.freshFacts = false;
      const now = ctx.recheck();
      if (now && now.change !== 'none') {
        entity.withdraw(proposal, overtaken(entity, now));
        await ctx.publish();
        return { kind: 'withdrawn' };
      }
      continue;
    }
    if (!inTime) await (proposal.remindedAt ? handToManager(proposal, ctx) : remind(proposal, ctx));
  }
}

function overtaken(entity: CaseEntity, d: Decision): string {
  const to = entity.stageName(d.stageId);
  const what =
    d.change === 'close'
      ? 'the case is closing'
      : d.change === 'escalate'
        ? `the case has moved up to ${to}`
        : `the case has stepped down to ${to}`;
  return `${what} (${d.reasons[0]?.text ?? 'new figures'})`;
}

async function remind(proposal: PendingProposal, ctx: ApprovalContext): Promise<void> {
  const { entity } = ctx;
  proposal.remindedAt = new Date(ctx.clock.nowMs()).toISOString();
  await ctx.acts.sends.notifyStaff({
    notificationId: `${proposal.proposalId}:reminder`,
    schoolId: entity.id.schoolId,
    caseId: entity.id.caseId,
    audience: proposal.approver === 'manager' ? 'manager' : 'officer',
    subject: `Reminder: "${proposal.step.title}" is waiting for approval`,
    text: `Case ${entity.id.caseId} has a step waiting since ${proposal.proposedOn}: ${proposal.step.title}.`,
  });
  entity.log({
    type: 'reminderSent',
    text: `Reminder sent: "${proposal.step.title}" is waiting for approval`,
    proposalId: proposal.proposalId,
  });
  await ctx.publish();
}

async function handToManager(proposal: PendingProposal, ctx: ApprovalContext): Promise<void> {
  const { entity } = ctx;
  proposal.escalatedAt = new Date(ctx.clock.nowMs()).toISOString();
  proposal.approver = 'manager';
  await ctx.acts.sends.notifyStaff({
    notificationId: `${proposal.proposalId}:escalation`,
    schoolId: entity.id.schoolId,
    caseId: entity.id.caseId,
    audience: 'manager',
    subject: `Overdue approval: "${proposal.step.title}"`,
    text: `Case ${entity.id.caseId}: "${proposal.step.title}" has waited since ${proposal.proposedOn} and now needs a manager.`,
  });
  entity.log({
    type: 'escalatedToManager',
    text: `Approval overdue: "${proposal.step.title}" passed to a manager`,
    proposalId: proposal.proposalId,
  });
  await ctx.publish();
}
