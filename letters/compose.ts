// Everything a letter is made from, loaded from the store, and the rendered letter. The API's
// preview and the send activity both call `composeLetter` with the step's inputs, so the preview
// is exactly what will be sent.
import type { LetterStory } from '../domain/letterStory';
import type { IsoDate } from '../domain/types';
import { getSchoolContact } from '../store/caseServices';
import type { Db } from '../store/db';
import { getPupil, type Pupil } from '../store/pupils';
import { getSchool } from '../store/schools';
import type { Contact } from '../store/validate';
import { buildLetterMerge, type LetterFigures, type LetterMerge } from './merge';
import { renderLetter, renderMessage, type RenderedLetter, type RenderedMessage } from './render';
import { resolveTemplate, type ResolvedTemplate, type TemplateKind } from './templates';

export interface ComposeInput {
  schoolId: string;
  pupilId: string;
  /** The template id the policy names (unknown ids fall back to the generic template). */
  template: string;
  date: IsoDate;
  amendedText?: string;
  /** Absent for meeting invitations sent without figures. */
  figures?: LetterFigures;
  /** The engine's reasons for the step: for staff only, never merged into a letter to a family. */
  reasons?: string[];
  /** What the letter may tell the family (engine 2); without it, no sentence claims a history. */
  story?: LetterStory;
  meeting?: { startsAt: string; location?: string; staffName?: string };
}

export interface ComposeOptions {
  /** The signature when the school has no officer contact. */
  signature?: { name: string; role: string };
  templatesDir?: string;
}

export interface Carer extends Contact {
  /** Position in the pupil's contacts list: part of each message's idempotency key. */
  contactIndex: number;
}

export interface LetterContext {
  schoolName: string;
  pupil: Pupil;
  /** Each parent/carer on the roster with a name or any contact detail. */
  carers: Carer[];
  resolved: ResolvedTemplate;
  merge: LetterMerge;
}

export class NotFoundError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}

export const DEFAULT_SIGNATURE = { name: 'The Attendance Team', role: '' };

export async function loadLetterContext(
  db: Db,
  input: ComposeInput,
  kind: TemplateKind,
  options: ComposeOptions = {},
): Promise<LetterContext> {
  const school = await getSchool(db, input.schoolId);
  if (!school) throw new NotFoundError(`school ${input.schoolId}`);
  const pupil = await getPupil(db, input.pupilId);
  if (!pupil || pupil.schoolId !== input.schoolId) throw new NotFoundError(`pupil ${input.pupilId}`);
  const carers: Carer[] = pupil.contacts
    .map((c, contactIndex) => ({ ...c, contactIndex }))
    .filter((c) => c.name.trim() !== '' || c.email || c.phone);
  const officer = await getSchoolContact(db, input.schoolId, 'officer');
  const signature = officer
    ? { name: officer.name, role: 'Attendance Officer' }
    : (options.signature ?? DEFAULT_SIGNATURE);
  const resolved = await resolveTemplate(db, input.schoolId, input.template, kind, options.templatesDir);
  const merge = buildLetterMerge({
    pupil: { givenName: pupil.givenName, familyName: pupil.familyName, yearGroup: pupil.yearGroup },
    carers: carers.filter((c) => c.name.trim() !== ''),
    schoolName: school.name,
    localAuthority: school.calendar.localAuthority ?? null,
    date: input.date,
    ...(input.figures ? { figures: input.figures } : {}),
    ...(input.story ? { story: input.story } : {}),
    ...(input.meeting
      ? {
          meeting: {
            startsAt: input.meeting.startsAt,
            location: input.meeting.location ?? school.name,
            ...(input.meeting.staffName ? { staffName: input.meeting.staffName } : {}),
          },
        }
      : {}),
    signature,
  });
  return { schoolName: school.name, pupil, carers, resolved, merge };
}

/** The letter exactly as `sendLetter` will send it (the API's preview). */
export async function composeLetter(
  db: Db,
  input: ComposeInput,
  options: ComposeOptions = {},
): Promise<{ context: LetterContext; rendered: RenderedLetter }> {
  const context = await loadLetterContext(db, input, 'letter', options);
  const rendered = renderLetter({
    template: context.resolved.template,
    merge: context.merge,
    ...(input.amendedText !== undefined ? { amendedText: input.amendedText } : {}),
  });
  return { context, rendered };
}

/** The message exactly as `sendMessage` will send it. */
export async function composeMessage(
  db: Db,
  input: ComposeInput,
  options: ComposeOptions = {},
): Promise<{ context: LetterContext; rendered: RenderedMessage }> {
  const context = await loadLetterContext(db, input, 'message', options);
  const rendered = renderMessage({
    template: context.resolved.template,
    merge: context.merge,
    ...(input.amendedText !== undefined ? { amendedText: input.amendedText } : {}),
  });
  return { context, rendered };
}
