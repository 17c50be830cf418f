// Sending a letter: render it (HTML + PDF) exactly as the preview does, keep it as evidence with its
// date (idempotent on the workflow's sendId), then one outbox email per parent/carer with an email
// address (the PDF attached) and a text to carers with only a phone saying a letter is on its way.
// Carers without an email address also get a "print and post" task for the team.
import { ApplicationFailure } from '@temporalio/common';
import type { Channel } from '../domain/caseTypes';
import type { LetterStory } from '../domain/letterStory';
import type { IsoDate } from '../domain/types';
import { composeLetter, NotFoundError } from '../letters/compose';
import { formatLongDate, fromLondon } from '../letters/format';
import type { LetterFigures } from '../letters/merge';
import { renderLetterPdf } from '../letters/pdf';
import { postalOf } from '../letters/plan';
import { TemplateError } from '../letters/render';
import { serviceLog, transportsFor, type CaseServicesDeps } from '../messaging/deps';
import { enqueueAndDeliver } from '../messaging/outbox';
import {
  getLetter,
  insertLetter,
  insertStaffTask,
  type LetterLayout,
  type LetterRecipient,
  type LetterRecord,
} from '../store/caseServices';
import { postTaskNotes } from './postTask';

export interface SendLetterInput {
  /** Generated once by the workflow (uuid4): the letter's id and the root of every idempotency key. */
  sendId: string;
  caseId: string;
  schoolId: string;
  pupilId: string;
  stageId: string;
  stepId: string;
  /** Template id from the policy; an unknown id falls back to the generic letter. */
  template: string;
  channel: Channel;
  /** The letter's date (the school day it is sent). */
  date: IsoDate;
  /** The team's amended body text, sent as written. */
  amendedText?: string;
  figures: LetterFigures;
  /** The engine's reasons: kept for the record, never shown in the letter. */
  reasons: string[];
  /** The meeting the letter mentions, when there is one. */
  meeting?: { startsAt: string; location?: string };
  /** What the letter may tell the family. Engine 1 has none: its letters claim no history. */
  story?: LetterStory;
}

export interface SendLetterResult {
  letterId: string;
  /** Parents/carers the letter was sent to (email or text), including any held for want of a transport. */
  recipients: number;
  /** True when a previous attempt had already stored and sent everything. */
  alreadySent: boolean;
  /** Messages held in the outbox (no SMTP / SMS gateway configured). */
  held: number;
  /** The template used (the generic one when the policy's was unknown). */
  templateId: string;
  fellBack: boolean;
}

export function createLetterActivities(deps: CaseServicesDeps) {
  const { db } = deps;

  async function storeLetter(
    input: SendLetterInput,
  ): Promise<{ letter: LetterRecord; existed: boolean; fellBack: boolean }> {
    const existing = await getLetter(db, input.sendId);
    if (existing)
      return {
        letter: existing,
        existed: true,
        fellBack: existing.templateId !== existing.requestedTemplateId,
      };

    const { context, rendered } = await composeLetter(
      db,
      {
        schoolId: input.schoolId,
        pupilId: input.pupilId,
        template: input.template,
        date: input.date,
        figures: input.figures,
        ...(input.story ? { story: input.story } : {}),
        ...(input.amendedText !== undefined ? { amendedText: input.amendedText } : {}),
        ...(input.meeting ? { meeting: input.meeting } : {}),
      },
      {
        ...(deps.signature ? { signature: deps.signature } : {}),
        ...(deps.templatesDir ? { templatesDir: deps.templatesDir } : {}),
      },
    );
    const fellBack = context.resolved.source === 'fallback';
    if (fellBack) {
      serviceLog(deps).warn('letter template unknown, generic letter used', {
        caseId: input.caseId,
        stepId: input.stepId,
        requestedTemplate: input.template,
        usedTemplate: context.resolved.template.id,
      });
    }
    const layout: LetterLayout = {
      parts: {
        subject: rendered.subject,
        salutation: rendered.salutation,
        blocks: rendered.blocks,
        signOff: rendered.signOff,
        signature: rendered.signature,
      },
      letterhead: { schoolName: context.schoolName, dateText: formatLongDate(input.date) },
    };
    const pdf = await (deps.renderLetterPdf ?? renderLetterPdf)(rendered, {
      ...layout.letterhead,
      createdAt: fromLondon(input.date, '12:00'),
    });
    const alsoByPost = context.resolved.template.post === 'also';
    const recipients: LetterRecipient[] = context.carers.map((c) => {
      const postal = postalOf(c);
      // On paper: carers with no email, and with an address those a letter goes by post to as well.
      const byPost = !c.email || (alsoByPost && postal !== null);
      return {
        contactIndex: c.contactIndex,
        name: c.name,
        channel: c.email ? 'email' : c.phone ? 'sms' : 'none',
        address: c.email ?? c.phone ?? null,
        outboxKey: c.email || c.phone ? `${input.sendId}:${c.contactIndex}` : null,
        ...(byPost ? { byPost, postal } : {}),
      };
    });
    const inserted = await insertLetter(db, {
      id: input.sendId,
      caseId: input.caseId,
      schoolId: input.schoolId,
      pupilId: input.pupilId,
      stageId: input.stageId,
      stepId: input.stepId,
      templateId: context.resolved.template.id,
      requestedTemplateId: input.template,
      channel: input.channel,
      subject: rendered.subject,
      bodyText: rendered.text,
      html: rendered.html,
      pdf,
      amended: rendered.amended,
      sentOn: input.date,
      recipients,
      layout,
    });
    const letter = await getLetter(db, input.sendId);
    if (!letter) throw new Error(`letter ${input.sendId} was not stored`);
    return { letter, existed: !inserted, fellBack };
  }

  return {
    async sendLetter(input: SendLetterInput): Promise<SendLetterResult> {
      let stored: Awaited<ReturnType<typeof storeLetter>>;
      try {
        stored = await storeLetter(input);
      } catch (err) {
        throw asActivityFailure(err);
      }
      const { letter, existed } = stored;
      const transports = await transportsFor(deps, letter.schoolId);
      const failures: unknown[] = [];
      let held = 0;
      let newlySent = 0;
      const pdfName = `${
        letter.subject
          .replace(/[^\w -]+/g, '')
          .trim()
          .slice(0, 60) || 'letter'
      }.pdf`;
      for (const r of letter.recipients) {
        if (!r.outboxKey || !r.address) continue;
        try {
          const res = await enqueueAndDeliver(db, transports, {
            idempotencyKey: r.outboxKey,
            schoolId: letter.schoolId,
            caseId: letter.caseId,
            channel: r.channel === 'email' ? 'email' : 'sms',
            to: r.address,
            subject: letter.subject,
            ref: letter.id,
            ...(r.channel === 'email'
              ? {
                  text: letter.bodyText,
                  html: letter.html,
                  attachments: [{ filename: pdfName, contentType: 'application/pdf', letterId: letter.id }],
                }
              : { text: letterOnItsWayText(letter) }),
          });
          if (res.status === 'held') held++;
          if (res.status === 'sent' && !res.alreadySent) newlySent++;
        } catch (err) {
          failures.push(err);
        }
      }
      // Carers we cannot email get the letter on paper (and, for a letter that goes by post too, those
      // with an address): a task for the office, created once.
      const toPost = letter.recipients.filter((r) => r.channel !== 'email' || r.byPost);
      if (toPost.length > 0) {
        await insertStaffTask(db, {
          id: `${letter.id}:post`,
          caseId: letter.caseId,
          schoolId: letter.schoolId,
          pupilId: letter.pupilId,
          stageId: letter.stageId,
          stepId: letter.stepId,
          kind: 'postLetter',
          title: `Print and post letter: ${letter.subject}`,
          dueOn: letter.sentOn,
          notes: postTaskNotes(letter.id, letter.sentOn, toPost),
        });
      }
      if (failures.length > 0) {
        serviceLog(deps).warn('letter delivery failed for some recipients; will retry', {
          letterId: letter.id,
          caseId: letter.caseId,
          failed: failures.length,
        });
        throw failures[0];
      }
      const recipients = letter.recipients.filter((r) => r.outboxKey).length;
      serviceLog(deps).info('letter sent', {
        letterId: letter.id,
        caseId: letter.caseId,
        templateId: letter.templateId,
        recipients,
        held,
      });
      return {
        letterId: letter.id,
        recipients,
        alreadySent: existed && newlySent === 0,
        held,
        templateId: letter.templateId,
        fellBack: stored.fellBack,
      };
    },
  };
}

function letterOnItsWayText(letter: LetterRecord): string {
  return `${letter.subject}: a letter from school dated ${formatLongDate(letter.sentOn)} is on its way to you. Please contact the school office if you have any questions.`;
}

/**
 * Missing pupils or schools, and broken templates, will not mend themselves on a retry: fail the
 * step (the workflow shows it) instead of retrying forever.
 */
export function asActivityFailure(err: unknown): unknown {
  if (err instanceof NotFoundError) {
    return ApplicationFailure.create({ type: 'NotFound', message: err.message, nonRetryable: true });
  }
  if (err instanceof TemplateError) {
    return ApplicationFailure.create({ type: 'TemplateError', message: err.message, nonRetryable: true });
  }
  return err;
}
