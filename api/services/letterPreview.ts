// A proposed step, shown exactly as it will go out. An engine-2 proposal carries its plan (the
// letter rendered once, when it was proposed, with its recipients and hash): the preview shows that
// plan, and the send activity sends exactly it. An amendment is rendered here from the plan's recipe
// with the new wording, and the approval carries the amended plan and its hash.
//
// Engine-1 proposals (cases started before plans existed) have no plan: they are composed with the
// same functions the engine-1 send activity calls, from today's figures, as before.
import { letterFigures } from '../../domain/letterFigures';
import type { LetterPlan, StepPlan } from '../../domain/stepPlan';
import { amendLetterPlan } from '../../letters/plan';
import { buildCalendar } from '../../domain/calendar';
import { computePupilFacts } from '../../domain/stats';
import { composeLetter, composeMessage } from '../../letters/compose';
import type { Db } from '../../store/db';
import { loadMarkGrid } from '../../store/marks';
import { getPupil } from '../../store/pupils';
import { getSchool } from '../../store/schools';
import type { CaseView, PendingProposal } from '../../workflows/caseMessages';

export interface Preview {
  kind: 'letter' | 'message' | 'call' | 'meeting' | 'task' | 'other';
  subject: string;
  text: string;
  /** A complete HTML document (letters); shown in a sandboxed frame. */
  html: string | null;
  templateId: string | null;
  /** 'school' | 'default' | 'fallback' (the generic letter when the policy's template is unknown). */
  templateSource: string | null;
  recipients: { name: string; channel: 'email' | 'sms' | 'post' }[];
  amended: boolean;
  /** The body as editable text (what "amend" starts from). */
  body: string;
  /** Engine 2: the plan's hash; an approval of what was shown carries it. */
  planHash: string | null;
  /** Engine 2, amendments: the amended plan to send with the decision. */
  amendedPlan?: LetterPlan;
}

/** The figures the workflow passes to a letter: the same function the workflow uses. */
export const figuresFor = letterFigures;

function lastMeeting(view: CaseView): { startsAt: string } | undefined {
  const booked = [...view.timeline].reverse().find((t) => t.type === 'meetingBooked');
  const match = booked?.text.match(/booked for (\S+)/);
  return match?.[1] ? { startsAt: match[1] } : undefined;
}

export async function previewProposal(
  db: Db,
  view: CaseView,
  proposal: PendingProposal,
  today: string,
  amendedText?: string,
): Promise<Preview> {
  if (proposal.plan) return previewPlan(db, view, proposal, proposal.plan, amendedText);
  return previewLegacy(db, view, proposal, today, amendedText);
}

const CHANNEL_OF = { email: 'email', sms: 'sms', app: 'email', post: 'post' } as const;

/** What an engine-2 step will do, from its plan. */
async function previewPlan(
  db: Db,
  view: CaseView,
  proposal: PendingProposal,
  stored: StepPlan,
  amendedText?: string,
): Promise<Preview> {
  const none = { html: null, templateId: null, templateSource: null, amended: false, planHash: stored.hash };
  if (stored.kind === 'task') {
    const lines = [
      stored.title,
      `Due ${stored.dueOn}. It is done when its outcome is recorded: ${stored.outcomes.map((o) => o.label).join(' / ')}.`,
      ...(stored.notes ? ['', stored.notes] : []),
      ...(stored.toCall?.length
        ? [
            '',
            ...stored.toCall.map(
              (c) => `To call: ${c.name || 'Parent/carer'}, ${c.phone ?? 'no phone number'}`,
            ),
          ]
        : []),
    ];
    return {
      ...none,
      kind: stored.taskKind === 'phoneCall' ? 'call' : 'task',
      subject: stored.title,
      text: lines.join('\n'),
      recipients: [],
      body: stored.notes ?? '',
    };
  }
  if (stored.kind === 'meeting') {
    const text = [
      stored.title,
      `The first free slot on or after ${stored.earliestDate} will be booked, and an invitation sent to each parent/carer below.`,
    ].join('\n');
    return {
      ...none,
      kind: 'meeting',
      subject: stored.title,
      text,
      recipients: stored.recipients.map((r) => ({
        name: r.name || 'Parent/carer',
        channel: CHANNEL_OF[r.channel],
      })),
      body: text,
    };
  }
  const plan =
    amendedText !== undefined && amendedText.trim() !== ''
      ? await amendLetterPlan(
          db,
          stored,
          { schoolId: view.schoolId, pupilId: view.pupilId, channel: proposal.step.channel },
          amendedText,
        )
      : stored;
  return {
    kind: plan.kind,
    subject: plan.content.subject,
    text: plan.content.text,
    html: plan.content.html,
    templateId: plan.content.templateId,
    templateSource: plan.content.templateSource,
    recipients: plan.recipients.map((r) => ({
      name: r.name || 'Parent/carer',
      channel: CHANNEL_OF[r.channel],
    })),
    amended: plan.content.amended,
    body: plan.content.body,
    planHash: plan.hash,
    ...(plan !== stored ? { amendedPlan: plan } : {}),
  };
}

/** Engine 1: composed now from today's figures, with the functions engine 1's send activity calls. */
async function previewLegacy(
  db: Db,
  view: CaseView,
  proposal: PendingProposal,
  today: string,
  amendedText?: string,
): Promise<Preview> {
  const step = proposal.step;
  if (step.kind !== 'letter' && step.kind !== 'message') {
    const text = [step.title, '', ...step.reasons.map((r) => `• ${r.text}`)].join('\n');
    return {
      kind: 'other',
      subject: step.title,
      text,
      html: null,
      templateId: step.template ?? null,
      templateSource: null,
      recipients: [],
      amended: false,
      body: text,
      planHash: null,
    };
  }
  const [school, pupil] = await Promise.all([getSchool(db, view.schoolId), getPupil(db, view.pupilId)]);
  if (!school || !pupil) throw new Error('the case’s school or pupil is missing from the store');
  const calendar = buildCalendar(school.calendar);
  // The letter is dated the day it is sent: approved today, sent today.
  const date = today;
  const asOf = today > calendar.lastSchoolDay ? calendar.lastSchoolDay : today;
  const facts = computePupilFacts({
    pupil: {
      pupilId: pupil.id,
      upn: pupil.upn,
      yearGroup: pupil.yearGroup,
      flags: pupil.flags,
      startDate: pupil.startDate,
      leftOn: pupil.leftOn,
    },
    grid: await loadMarkGrid(db, pupil.id),
    calendar,
    asOf,
  });
  const input = {
    schoolId: view.schoolId,
    pupilId: view.pupilId,
    template: step.template ?? step.stepId,
    date,
    figures: figuresFor(facts),
    reasons: step.reasons.map((r) => r.text),
    ...(amendedText !== undefined && amendedText.trim() !== '' ? { amendedText } : {}),
    ...(lastMeeting(view) ? { meeting: lastMeeting(view)! } : {}),
  };
  if (step.kind === 'letter') {
    const { context, rendered } = await composeLetter(db, input);
    return {
      kind: 'letter',
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      templateId: context.resolved.template.id,
      templateSource: context.resolved.source,
      recipients: context.carers.map((c) => ({
        name: c.name || 'Parent/carer',
        channel: c.email ? 'email' : c.phone ? 'sms' : 'post',
      })),
      amended: rendered.amended,
      body: rendered.body,
      planHash: null,
    };
  }
  const { context, rendered } = await composeMessage(db, input);
  return {
    kind: 'message',
    subject: rendered.subject,
    text: rendered.text,
    html: null,
    templateId: context.resolved.template.id,
    templateSource: context.resolved.source,
    recipients: context.carers.map((c) => ({
      name: c.name || 'Parent/carer',
      channel: c.email ? 'email' : c.phone ? 'sms' : 'post',
    })),
    amended: rendered.amended,
    body: rendered.text,
    planHash: null,
  };
}
