// Carrying out a step's plan. Every id is made here, once, so a retried activity is a no-op. What
// the timeline says is what happened: a letter held in the outbox is "held", not "sent"; a task
// created is work waiting for a person, done only when its outcome is recorded. A step the system
// cannot do (a bad address after every attempt, no meeting slot) becomes a task to do by hand.
import { ActivityFailure } from '@temporalio/common';
import type { ProposedStep } from '../../domain/caseTypes';
import type { LetterPlan, MeetingPlan, StepPlan, TaskPlan } from '../../domain/stepPlan';
import { REFERRAL_STEP_KINDS } from '../../domain/stepRoute';
import { outcomeChoicesFor } from '../../domain/taskOutcomes';
import { schoolDateAt } from '../../domain/time';
import type { IsoDate } from '../../domain/types';
import type { StepDecision } from '../caseMessages';
import type { CaseActivities } from './acts';
import type { CaseEntity } from './entity';
import type { CaseShell } from './shell';
import { deliveryLines } from './texts';

export interface PerformContext {
  entity: CaseEntity;
  acts: CaseActivities;
  /** From the case's shell: ids made once (the same on replay), and its patches. */
  uuid4: CaseShell['uuid4'];
  patched: CaseShell['patched'];
  today: IsoDate;
  /** The school's time zone (a meeting's school day). */
  timeZone: string;
  /** The next school day, when a task to do by hand falls due. */
  nextSchoolDay: IsoDate;
  /** Who approved the step (its owner), or null for a step the policy runs by itself. */
  decision: StepDecision | null;
}

/** 'done' when the step happened; 'inProgress' when it waits for a person to record its outcome. */
export type Performed = 'done' | 'inProgress';

export async function performStep(
  step: ProposedStep,
  plan: StepPlan,
  ctx: PerformContext,
): Promise<Performed> {
  try {
    switch (plan.kind) {
      case 'letter':
      case 'message':
        return await send(step, plan, ctx);
      case 'meeting':
        return await book(step, plan, ctx);
      case 'task':
        return await createTask(step, plan, ctx);
    }
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    return byHand(step, err, ctx);
  }
}

function base(step: ProposedStep, ctx: PerformContext) {
  const { id } = ctx.entity;
  return {
    caseId: id.caseId,
    schoolId: id.schoolId,
    pupilId: id.pupilId,
    stageId: step.stageId,
    stepId: step.stepId,
  };
}

async function send(step: ProposedStep, plan: LetterPlan, ctx: PerformContext): Promise<Performed> {
  const { entity, acts } = ctx;
  const input = { ...base(step, ctx), sendId: ctx.uuid4(), plan, approvedHash: plan.hash, sentOn: ctx.today };
  const res =
    plan.kind === 'letter'
      ? await acts.sends.sendPlannedLetter(input)
      : await acts.sends.sendPlannedMessage(input);
  const count = (channel: string, status: string) =>
    res.deliveries.filter((d) => d.channel === channel && d.status === status).length;
  // Copies GOV.UK Notify took to print and post (issue 17) get a line of their own. Only a send that
  // gave Notify one asks the patch, so no other history gains a marker (docs/workflow-versioning.md).
  const givenToNotify = count('post', 'sent') > 0 && ctx.patched('notify-post') ? count('post', 'sent') : 0;
  const lines = deliveryLines(step.title, {
    givenToNotify,
    sent: (['email', 'sms', 'app'] as const).map((channel) => ({ channel, count: count(channel, 'sent') })),
    held: res.deliveries.filter((d) => d.status === 'held').length,
    heldReason: res.deliveries.find((d) => d.status === 'held')?.reason ?? null,
    toPost: res.deliveries.filter((d) => d.status === 'toPost').length,
  });
  const written = plan.kind === 'letter' ? 'letter' : 'message';
  for (const line of lines) {
    entity.log({
      type: line.kind === 'sent' ? `${written}Sent` : line.kind === 'held' ? `${written}Held` : 'toPost',
      text: line.text,
      stepId: step.stepId,
      ...(step.template ? { template: step.template } : {}),
      ref: res.letterId,
    });
  }
  entity.record.contacts.push({
    kind: plan.kind,
    title: plan.content.subject,
    date: ctx.today,
    stageId: step.stageId,
    stepId: step.stepId,
    ref: res.letterId,
  });
  if (res.postTask) {
    entity.addTask({
      ...res.postTask,
      stageId: step.stageId,
      stepId: step.stepId,
      kind: 'postLetter',
      createdOn: ctx.today,
      owner: 'team',
      purpose: 'post',
      status: 'open',
    });
  }
  return 'done';
}

async function book(step: ProposedStep, plan: MeetingPlan, ctx: PerformContext): Promise<Performed> {
  const res = await ctx.acts.sends.bookMeeting({
    ...base(step, ctx),
    bookingId: ctx.uuid4(),
    kind: plan.meetingKind,
    title: plan.title,
    ...(plan.template ? { template: plan.template } : {}),
    earliestDate: plan.earliestDate,
    ...(ctx.decision?.amendedMeetingStart ? { requestedStart: ctx.decision.amendedMeetingStart } : {}),
    date: ctx.today,
    figures: plan.recipe.figures,
    reasons: plan.recipe.reasons,
    ...(plan.recipe.story ? { story: plan.recipe.story } : {}),
  });
  const held =
    res.held > 0
      ? `; ${res.held} invitation${res.held === 1 ? '' : 's'} held in the outbox, not yet sent`
      : '';
  const sent = res.invited - res.held;
  // The invitation is a letter the family has had (Letter 2 of a three-letter system is one), dated
  // today; the meeting itself is named by its own date.
  if (res.invited > 0)
    ctx.entity.record.contacts.push({
      kind: 'letter',
      title: 'a letter',
      date: ctx.today,
      stageId: step.stageId,
      stepId: step.stepId,
      ref: res.meetingId,
    });
  ctx.entity.record.contacts.push({
    kind: plan.meetingKind,
    title: plan.title,
    date: schoolDateAt(Date.parse(res.startsAt), ctx.timeZone),
    stageId: step.stageId,
    stepId: step.stepId,
    startsAt: res.startsAt,
    location: res.location,
    ref: res.meetingId,
  });
  ctx.entity.log({
    type: 'meetingBooked',
    text: `${step.title} booked for ${res.startsAt} with ${res.staffName}; ${sent} invitation${sent === 1 ? '' : 's'} sent${held}`,
    stepId: step.stepId,
    ...(step.template ? { template: step.template } : {}),
    ref: res.meetingId,
  });
  if (plan.meetingKind === 'homeVisit') {
    // The visit is in the diary and the family told; the step is done when its outcome is recorded.
    const visitDay = schoolDateAt(Date.parse(res.startsAt), ctx.timeZone);
    const title = `${step.title}: record how the visit on ${visitDay} went`;
    const task = await ctx.acts.sends.createStaffTask({
      ...base(step, ctx),
      taskId: ctx.uuid4(),
      kind: 'homeVisit',
      title,
      dueOn: visitDay,
      notes: `${res.staffName} visits on ${res.startsAt} (${res.location}).`,
      owner: ctx.decision?.actor.userId ?? 'team',
    });
    ctx.entity.addTask({
      taskId: task.taskId,
      stageId: step.stageId,
      stepId: step.stepId,
      kind: 'homeVisit',
      title,
      dueOn: visitDay,
      createdOn: ctx.today,
      owner: ctx.decision?.actor.userId ?? 'team',
      purpose: 'step',
      outcomes: outcomeChoicesFor('homeVisit'),
      status: 'open',
    });
    return 'inProgress';
  }
  return 'done';
}

async function createTask(step: ProposedStep, plan: TaskPlan, ctx: PerformContext): Promise<Performed> {
  // A step the policy reserves for managers is a manager's task; otherwise it is for whoever approved
  // it (or the team, for a step that ran by itself).
  const owner = step.approval === 'manager' ? 'manager' : (ctx.decision?.actor.userId ?? 'team');
  const pack = REFERRAL_STEP_KINDS.has(plan.taskKind) ? await draftEvidence(step, ctx) : null;
  const notes = [
    plan.notes,
    pack
      ? `The evidence pack is drafted (${pack.documents} documents; SHA-256 of its manifest ${pack.packHash}): a manager reviews and approves it on the case page before the referral goes.`
      : '',
    plan.toCall?.length
      ? `To call: ${plan.toCall.map((c) => `${c.name}: ${c.phone ?? 'no phone number'}`).join('; ')}`
      : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  const res = await ctx.acts.sends.createStaffTask({
    ...base(step, ctx),
    taskId: ctx.uuid4(),
    kind: plan.taskKind,
    title: plan.title,
    dueOn: plan.dueOn,
    ...(notes ? { notes } : {}),
    owner,
  });
  ctx.entity.addTask({
    taskId: res.taskId,
    stageId: step.stageId,
    stepId: step.stepId,
    kind: plan.taskKind,
    title: plan.title,
    dueOn: plan.dueOn,
    createdOn: ctx.today,
    owner,
    purpose: 'step',
    outcomes: plan.outcomes,
    status: 'open',
    ...(notes ? { notes } : {}),
  });
  ctx.entity.log({
    type: 'taskCreated',
    text: `${step.title}: a task for ${owner === 'manager' ? 'a manager' : 'the attendance team'}, due ${plan.dueOn}`,
    stepId: step.stepId,
    ref: res.taskId,
  });
  return 'inProgress';
}

/**
 * At a referral step, the case drafts the evidence pack the council asks for (stored, for a manager
 * to approve), and says so on its timeline. Cases whose referral task was made before this existed
 * replay without it (the patch).
 */
async function draftEvidence(step: ProposedStep, ctx: PerformContext) {
  if (!ctx.patched('evidence-pack-at-referral')) return null;
  const pack = await ctx.acts.data.draftEvidencePack({ caseId: ctx.entity.id.caseId, asOf: ctx.today });
  if (!pack) return null;
  ctx.entity.log({
    type: 'note',
    text: `Evidence pack drafted for the referral: ${pack.documents} documents, SHA-256 of its manifest ${pack.packHash}. A manager approves it before it goes to the council.`,
    stepId: step.stepId,
    ref: pack.packId,
  });
  return pack;
}

/** The system could not do the step: a person does it, and the timeline says why. */
async function byHand(step: ProposedStep, err: ActivityFailure, ctx: PerformContext): Promise<Performed> {
  const why = err.cause instanceof Error ? err.cause.message : err.message;
  const title = `Do by hand: ${step.title} (the system could not: ${why})`;
  const res = await ctx.acts.sends.createStaffTask({
    ...base(step, ctx),
    taskId: ctx.uuid4(),
    kind: 'staffTask',
    title,
    dueOn: ctx.nextSchoolDay,
    owner: 'team',
  });
  ctx.entity.addTask({
    taskId: res.taskId,
    stageId: step.stageId,
    stepId: step.stepId,
    kind: 'staffTask',
    title,
    dueOn: ctx.nextSchoolDay,
    createdOn: ctx.today,
    owner: 'team',
    purpose: 'step',
    outcomes: outcomeChoicesFor('byHand'),
    status: 'open',
  });
  ctx.entity.log({
    type: 'stepFailed',
    text: `${step.title} could not be done automatically (${why}); a task was created`,
    stepId: step.stepId,
    ref: res.taskId,
  });
  return 'inProgress';
}
