// Today's post: one PDF of every letter copy going by post on a school day, each addressed for a
// window envelope and starting on a new page, for the office to print in one go; and what is in it,
// for the Outbox page's button. Printing records nothing on the cases: a letter is posted when the
// office records its "print and post" task (Tasks page, "Printed and posted").
import { z } from 'zod';
import { addDays } from '../../domain/calendar';
import { addressOnOneLine } from '../../domain/postalAddress';
import type { IsoDate } from '../../domain/types';
import { formatLongDate } from '../../letters/format';
import { renderLetterPdf, renderPostBatchPdf, type PostCopy } from '../../letters/pdf';
import type { Db } from '../../store/db';
import { getLetter } from '../../store/caseServices';
import { listPostedLetters, type PostedLetter } from '../../store/letterPost';
import { getSchool } from '../../store/schools';
import { writeAudit } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { assertSchool } from '../auth/scope';
import type { User } from '../auth/users';
import type { AppContext, ZodApp } from '../context';
import { notFound } from '../errors';
import { isoDate } from './schools';

/** One letter in the day's post. */
export interface PostBatchLetter {
  letterId: string;
  caseId: string;
  pupilName: string;
  subject: string;
  /** The envelopes: each parent/carer's name and address on one line. */
  copies: { name: string; address: string }[];
  /** The office's "print and post" task, to record "Printed and posted" once it is in the post. */
  taskId: string | null;
}

/** GET /api/letters/post-batch/summary: what "Print today's post" will print, and what it cannot. */
export interface PostBatchSummary {
  schoolId: string;
  on: IsoDate;
  /** Letters in the batch, and their copies (one per envelope). */
  letters: number;
  copies: number;
  items: PostBatchLetter[];
  /** Copies that cannot be printed for want of an address: the office must find it first. */
  needAddress: { letterId: string; caseId: string; pupilName: string; subject: string; names: string[] }[];
  /** Letters of the day already recorded as posted (left out of the batch). */
  alreadyPosted: number;
  /** Letters written before posted copies were kept (print their PDF from the case page). */
  notPrintable: number;
  /** Earlier days of the last four weeks whose post is still waiting to be recorded as posted. */
  earlier: { on: IsoDate; letters: number }[];
}

const query = z.object({
  schoolId: z.string().trim().min(1, 'give the school id (URN)').max(64),
  on: isoDate.optional().describe('The school day (YYYY-MM-DD); today when left out'),
});

const batchQuery = query.extend({
  duplex: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true')
    .describe(
      'true (the default): a letter with an odd number of pages is followed by a blank page, so printing on both sides never puts two families on one sheet',
    ),
});

const who = (name: string, contactIndex: number) => name || `Contact ${contactIndex + 1}`;

/** The posted copies of the day that can be printed now: with a layout and an address, not yet posted. */
function inBatch(l: PostedLetter): boolean {
  return l.layout !== null && l.task?.status !== 'done' && l.copies.some((c) => c.postal);
}

function copiesOf(letters: readonly PostedLetter[]): PostCopy[] {
  return letters.flatMap((l) =>
    l.copies
      .filter((c) => c.postal)
      .map((c) => ({
        letter: l.layout!.parts,
        letterhead: l.layout!.letterhead,
        to: { name: who(c.name, c.contactIndex), address: c.postal! },
      })),
  );
}

/**
 * Officers and managers of the school print its post (the route's roles); a school outside the
 * user's scope is not found (404), as everywhere, so its id is not confirmed to exist.
 */
function assertMayPrint(user: User, schoolId: string): void {
  assertSchool(user, schoolId, 'No such school');
}

async function summary(db: Db, schoolId: string, on: IsoDate): Promise<PostBatchSummary> {
  const day = await listPostedLetters(db, schoolId, on, on);
  const batch = day.filter(inBatch);
  const waiting = (await listPostedLetters(db, schoolId, addDays(on, -28), addDays(on, -1))).filter(
    (l) => l.task?.status !== 'done' && l.layout !== null && l.copies.some((c) => c.postal),
  );
  const earlier = new Map<IsoDate, number>();
  for (const l of waiting) earlier.set(l.sentOn, (earlier.get(l.sentOn) ?? 0) + 1);
  return {
    schoolId,
    on,
    letters: batch.length,
    copies: copiesOf(batch).length,
    items: batch.map((l) => ({
      letterId: l.letterId,
      caseId: l.caseId,
      pupilName: l.pupilName,
      subject: l.subject,
      copies: l.copies
        .filter((c) => c.postal)
        .map((c) => ({ name: who(c.name, c.contactIndex), address: addressOnOneLine(c.postal!) })),
      taskId: l.task?.status === 'open' ? l.task.id : null,
    })),
    needAddress: day
      .filter((l) => l.task?.status !== 'done' && l.copies.some((c) => !c.postal))
      .map((l) => ({
        letterId: l.letterId,
        caseId: l.caseId,
        pupilName: l.pupilName,
        subject: l.subject,
        names: l.copies.filter((c) => !c.postal).map((c) => who(c.name, c.contactIndex)),
      })),
    alreadyPosted: day.filter((l) => l.task?.status === 'done').length,
    notPrintable: day.filter((l) => l.layout === null && l.task?.status !== 'done').length,
    earlier: [...earlier].map(([d, letters]) => ({ on: d, letters })).sort((a, b) => (a.on < b.on ? 1 : -1)),
  };
}

export async function registerPostBatchRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;

  app.get(
    '/api/letters/post-batch/summary',
    {
      config: { roles: ['officer', 'manager'] },
      schema: {
        tags: ['letters'],
        summary: 'What the day’s post holds: letters, envelopes, and copies still needing an address',
        querystring: query,
      },
    },
    async (req): Promise<PostBatchSummary> => {
      const user = currentUser(req);
      const { schoolId } = req.query;
      assertMayPrint(user, schoolId);
      if (!(await getSchool(db, schoolId))) throw notFound('No such school');
      return summary(db, schoolId, req.query.on ?? ctx.today());
    },
  );

  app.get(
    '/api/letters/post-batch',
    {
      config: { roles: ['officer', 'manager'] },
      schema: {
        tags: ['letters'],
        summary: 'Print today’s post: one PDF of every letter going by post on the day',
        description:
          'Each copy is addressed to its parent or carer for a DL or C5 window envelope and starts on a new page (with `duplex`, a blank page follows a letter with an odd number of pages). Letters already recorded as posted, and copies with no postal address, are left out (see the summary). Printing does not mark anything posted: record "Printed and posted" on each letter’s task. 404 when there is nothing to print.',
        querystring: batchQuery,
        produces: ['application/pdf'],
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const { schoolId, duplex } = req.query;
      assertMayPrint(user, schoolId);
      const school = await getSchool(db, schoolId);
      if (!school) throw notFound('No such school');
      const on = req.query.on ?? ctx.today();
      const batch = (await listPostedLetters(db, schoolId, on, on)).filter(inBatch);
      const copies = copiesOf(batch);
      if (copies.length === 0) throw notFound(`There is no post to print for ${formatLongDate(on)}.`);
      const { pdf, pages, blankPages } = await renderPostBatchPdf(copies, {
        title: `Post for ${formatLongDate(on)}: ${school.name}`,
        duplex,
      });
      await writeAudit(db, user, {
        action: 'letter.post-batch',
        targetType: 'school',
        targetId: schoolId,
        schoolId,
        details: {
          on,
          letters: batch.length,
          copies: copies.length,
          pages,
          letterIds: batch.map((l) => l.letterId),
        },
      });
      return reply
        .type('application/pdf')
        .header(
          'content-disposition',
          `attachment; filename="post-${schoolId.replace(/[^\w-]+/g, '-')}-${on}.pdf"`,
        )
        .header('x-letters', String(batch.length))
        .header('x-copies', String(copies.length))
        .header('x-pages', String(pages))
        .header('x-blank-pages', String(blankPages))
        .send(pdf);
    },
  );

  app.get(
    '/api/letters/:letterId/post-copies',
    {
      schema: {
        tags: ['letters'],
        summary: 'A letter’s copies for the post: one per parent or carer it is posted to, addressed',
        description:
          'The letter as sent, with each posted copy’s name and address in the envelope window. 404 for a letter with no copy to post, or none with an address.',
        params: z.object({ letterId: z.string().min(1).max(100) }),
        produces: ['application/pdf'],
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const letter = await getLetter(db, req.params.letterId);
      if (!letter) throw notFound('No such letter');
      assertSchool(user, letter.schoolId, 'No such letter');
      const posted = (await listPostedLetters(db, letter.schoolId, letter.sentOn, letter.sentOn)).find(
        (l) => l.letterId === letter.id,
      );
      const copies = posted?.layout ? copiesOf([posted]) : [];
      if (copies.length === 0) throw notFound('This letter has no copy to post with an address.');
      const pdf =
        copies.length === 1
          ? await renderLetterPdf(copies[0]!.letter, copies[0]!.letterhead, { to: copies[0]!.to })
          : (await renderPostBatchPdf(copies, { title: letter.subject })).pdf;
      await writeAudit(db, user, {
        action: 'letter.post-copies',
        targetType: 'letter',
        targetId: letter.id,
        schoolId: letter.schoolId,
        details: { caseId: letter.caseId, copies: copies.length },
      });
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="letter-${letter.sentOn}-post.pdf"`)
        .send(pdf);
    },
  );
}
