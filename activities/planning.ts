// Planning a step when it is proposed: the exact action it will take (domain/stepPlan.ts), built
// once. Letters and messages are rendered here, exactly as they will go out; a call gets its
// script; a meeting, who is invited and from which day; a task, its title, due date and outcomes.
import { ApplicationFailure } from '@temporalio/common';
import type { ProposedStep } from '../domain/caseTypes';
import type { LetterFiguresInput } from '../domain/letterFigures';
import { routeOf } from '../domain/stepRoute';
import type { ComposeRecipe, PlannedRecipient, StepPlan, TaskPlan } from '../domain/stepPlan';
import { outcomeChoicesFor } from '../domain/taskOutcomes';
import type { IsoDate } from '../domain/types';
import type { LetterStory } from '../domain/letterStory';
import { composeMessage, loadLetterContext } from '../letters/compose';
import { buildLetterPlan, sealHash } from '../letters/plan';
import type { CaseServicesDeps } from '../messaging/deps';
import { asActivityFailure } from './letters';
import { buildCalendar } from '../domain/calendar';
import { countedSessions } from '../domain/penaltyNotices';
import { DEFAULT_PENALTY_CODES } from '../domain/registerCodes';
import { formatLongDate, formatLongDateWithWeekday } from '../letters/format';
import type { Db } from '../store/db';
import { loadMarkGrid } from '../store/marks';
import { getPupil } from '../store/pupils';
import { getSchool } from '../store/schools';

export interface PlanStepInput {
  caseId: string;
  schoolId: string;
  pupilId: string;
  step: ProposedStep;
  /** The school day it is proposed: the date a letter carries. */
  date: IsoDate;
  figures: LetterFiguresInput;
  /** When a task falls due, and the first day a meeting may be held (from the school's calendar). */
  dueOn: IsoDate;
  earliestDate: IsoDate;
  /** The meeting a letter mentions, when one is booked. */
  meeting?: { startsAt: string; location?: string };
  /** What the letter may tell the family (engine 2): it replaces the engine's reasons entirely. */
  story?: LetterStory;
  /** The case's policy's penalty-notice counting codes (a consideration lists the sessions they count). */
  penaltyCodes?: string[];
}

const sealed = sealHash;

export function createPlanningActivities(deps: CaseServicesDeps) {
  const { db } = deps;
  const options = {
    ...(deps.signature ? { signature: deps.signature } : {}),
    ...(deps.templatesDir ? { templatesDir: deps.templatesDir } : {}),
  };

  async function plan(input: PlanStepInput): Promise<StepPlan> {
    const { step } = input;
    const recipe: ComposeRecipe = {
      template: step.template ?? step.stepId,
      date: input.date,
      figures: input.figures,
      // Engine reasons are for staff: a letter with a story never sees them.
      reasons: input.story ? [] : step.reasons.map((r) => r.text),
      ...(input.meeting ? { meeting: input.meeting } : {}),
      ...(input.story ? { story: input.story } : {}),
    };
    const where = { schoolId: input.schoolId, pupilId: input.pupilId };
    switch (routeOf(step)) {
      case 'letter':
      case 'message':
        return buildLetterPlan(
          db,
          {
            ...where,
            kind: routeOf(step) === 'letter' ? 'letter' : 'message',
            channel: step.channel,
            recipe,
            appAvailable: Boolean(deps.app),
          },
          options,
        );
      case 'call': {
        // The team makes the call: the task carries the script and the numbers to ring.
        const { context, rendered } = await composeMessage(db, { ...where, ...recipe }, options);
        const toCall = context.carers.map((c) => ({
          contactIndex: c.contactIndex,
          name: c.name,
          phone: c.phone ?? null,
        }));
        const kind = step.channel === 'phone' ? 'phoneCall' : 'staffTask';
        const body: Omit<TaskPlan, 'hash'> = {
          kind: 'task',
          taskKind: kind,
          title: step.title,
          dueOn: input.dueOn,
          notes: rendered.text,
          toCall,
          outcomes: outcomeChoicesFor(kind),
        };
        return { ...body, hash: sealed(body) };
      }
      case 'meeting': {
        const context = await loadLetterContext(db, { ...where, ...recipe }, 'letter', options);
        const recipients: PlannedRecipient[] = context.carers
          .filter((c) => c.email || c.phone)
          .map((c) => ({
            contactIndex: c.contactIndex,
            name: c.name,
            channel: c.email ? 'email' : 'sms',
            address: (c.email ?? c.phone)!,
          }));
        const body = {
          kind: 'meeting' as const,
          meetingKind: step.kind === 'homeVisit' ? ('homeVisit' as const) : ('meeting' as const),
          title: step.title,
          ...(step.template ? { template: step.template } : {}),
          earliestDate: input.earliestDate,
          recipe,
          recipients,
        };
        return { ...body, hash: sealed(body) };
      }
      case 'task': {
        const notes =
          step.kind === 'penaltyNoticeConsideration' ? await sessionsConsidered(db, input) : undefined;
        const body: Omit<TaskPlan, 'hash'> = {
          kind: 'task',
          taskKind: step.kind,
          title: step.title,
          dueOn: input.dueOn,
          ...(notes ? { notes } : {}),
          outcomes: outcomeChoicesFor(step.kind),
        };
        return { ...body, hash: sealed(body) };
      }
    }
  }

  return {
    async planStep(input: PlanStepInput): Promise<StepPlan> {
      try {
        return await plan(input);
      } catch (err) {
        throw asActivityFailure(err);
      }
    },
  };
}

/**
 * For a manager considering a penalty notice: every session counted towards the national threshold
 * (the rolling 10 school weeks to the day it is proposed), with its date and code. Staff-facing.
 */
async function sessionsConsidered(db: Db, input: PlanStepInput): Promise<string | undefined> {
  const [school, pupil] = await Promise.all([getSchool(db, input.schoolId), getPupil(db, input.pupilId)]);
  if (!school || !pupil) return undefined;
  const codes = input.penaltyCodes ?? [...DEFAULT_PENALTY_CODES];
  const counted = countedSessions(
    await loadMarkGrid(db, pupil.id),
    buildCalendar(school.calendar),
    input.date,
    codes,
    {
      startDate: pupil.startDate,
      leftOn: pupil.leftOn,
    },
  );
  const lines = counted.sessions.map((s) => `${formatLongDateWithWeekday(s.date)} ${s.session}: ${s.code}`);
  return [
    `${counted.sessions.length} session${counted.sessions.length === 1 ? '' : 's'} of ${codes.join(', ')} in the 10 school weeks from ${formatLongDate(counted.from)} to ${formatLongDate(counted.to)} (the national threshold is 10; a notice is only ever considered):`,
    ...lines.map((l) => `- ${l}`),
  ].join('\n');
}

/** A plan whose sealed contents no longer match: never sent, the step goes to a person. */
export function planChanged(what: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'PlanChanged',
    message: `${what} is not what was approved (its contents changed since); it was not sent`,
    nonRetryable: true,
  });
}
