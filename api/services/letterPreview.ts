import { letterFigures } from '../../domain/letterFigures';
// A proposed step, shown exactly as it will go out: letters and messages are composed with the
// letters module's composeLetter/composeMessage — the functions the send activity calls — from the
// same inputs the workflow will pass (today's date, the pupil's figures, the step's reasons, the
// team's amended text). Other steps (meetings, visits, tasks) are described instead.
import { buildCalendar } from '../../domain/calendar';
import { computePupilFacts } from '../../domain/stats';
import { composeLetter, composeMessage } from '../../letters/compose';
import type { Db } from '../../store/db';
import { loadMarkGrid } from '../../store/marks';
import { getPupil } from '../../store/pupils';
import { getSchool } from '../../store/schools';
import type { CaseView, PendingProposal } from '../../workflows/caseMessages';

export interface Preview {
  kind: 'letter' | 'message' | 'other';
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
  };
}
