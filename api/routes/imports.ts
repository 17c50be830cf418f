// Imports of calendars, rosters and marks as JSON bodies: CSV text as a string, or rows as objects
// with the CSV's column names. All or nothing: one bad row anywhere and nothing is written; the
// answer lists every bad row with its line, column and reason.
import { z } from 'zod';
import { writeAudit } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { assertSchool } from '../auth/scope';
import type { AppContext, ZodApp } from '../context';
import { conflict, HttpError, notFound } from '../errors';
import type { ImportJob, ImportJobSummary } from '../services/importJobs';
import { openCaseIdsForSchool } from '../../store/cases';
import { ImportValidationError } from '../../store/errors';
import { notifyCalendarImported, notifyCasesWaitingForCalendar } from '../../temporal/caseSignals';
import { ensureSweepSchedule } from '../../temporal/schedules';
import {
  listImports,
  parseCalendarText,
  parseMarksCsv,
  parseRosterCsv,
  rowsFromObjects,
  runImport,
  type ImportInput,
  type ImportKind,
} from '../../store/imports';

const rowsSchema = z
  .array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())])))
  .max(2_000_000);

export const importBodySchema = z
  .object({
    schoolId: z.string().trim().min(1, 'give the school id (URN)').max(64),
    calendar: z
      .union([z.string().min(1), z.record(z.string(), z.unknown())])
      .optional()
      .describe('The calendar file: its JSON/YAML text, or the parsed object'),
    roster: z
      .union([z.string().min(1), rowsSchema])
      .optional()
      .describe('Roster CSV text, or rows keyed by the CSV column names'),
    marks: z
      .union([z.string().min(1), rowsSchema])
      .optional()
      .describe('Marks CSV text (upn,date,session,code), or rows'),
    fileNames: z
      .object({
        calendar: z.string().max(255).optional(),
        roster: z.string().max(255).optional(),
        marks: z.string().max(255).optional(),
      })
      .optional(),
  })
  .refine((b) => b.calendar !== undefined || b.roster !== undefined || b.marks !== undefined, {
    message: 'nothing to import: give calendar, roster and/or marks',
  });
export type ImportBody = z.output<typeof importBodySchema>;

function tagged(kind: ImportKind, err: unknown): never {
  if (err instanceof ImportValidationError) {
    throw new ImportValidationError(
      err.rows.map((r) => ({ ...r, file: r.file ?? kind })),
      kind,
    );
  }
  throw err;
}

/** Stage 1 (parse), done before answering: a broken file is a 400 at once. */
export function parseImportBody(body: ImportBody): ImportInput {
  const input: ImportInput = { schoolId: body.schoolId };
  if (body.calendar !== undefined) {
    input.calendar =
      typeof body.calendar === 'string'
        ? parseCalendarText(body.calendar, body.fileNames?.calendar ?? '')
        : body.calendar;
  }
  if (body.roster !== undefined) {
    try {
      input.roster =
        typeof body.roster === 'string' ? parseRosterCsv(body.roster) : rowsFromObjects(body.roster);
    } catch (err) {
      tagged('roster', err);
    }
  }
  if (body.marks !== undefined) {
    try {
      input.marks = typeof body.marks === 'string' ? parseMarksCsv(body.marks) : rowsFromObjects(body.marks);
    } catch (err) {
      tagged('marks', err);
    }
  }
  return input;
}

function jobView(job: ImportJob) {
  const { userId: _userId, ...rest } = job;
  return rest;
}

/** Creates (or updates) the school's daily sweep Schedule; best effort, logged on failure. */
export function scheduleSweep(ctx: AppContext, schoolId: string): void {
  ensureSweepSchedule(ctx.temporal, {
    schoolId,
    time: ctx.config.SWEEP_TIME,
    timeZone: ctx.config.SCHOOL_TIMEZONE,
    taskQueue: ctx.taskQueue,
  }).catch((err: unknown) =>
    console.warn(`[api] could not schedule the daily sweep of ${schoolId}: ${(err as Error).message}`),
  );
}

/** What the summary says when the open cases could not all be told about a calendar. */
function notToldNotice(notTold: number, open: number): string {
  return (
    `The import succeeded, but ${notTold === open ? 'the school’s open cases' : `${notTold} of the school’s ${open} open cases`} ` +
    'could not be told about the new calendar just now (the workflow engine did not answer). ' +
    'A case waiting at the end of the old calendar stays paused until it is told: import the calendar again to tell it.'
  );
}

/**
 * The school's calendar was imported: its open cases read it afresh, so a case paused at the end
 * of the old calendar carries on. Best effort: the import has succeeded whatever happens here, and
 * the summary says how many cases were told, and why not all.
 */
export async function tellCasesAboutCalendar(
  ctx: AppContext,
  schoolId: string,
  status: 'inserted' | 'changed' | 'unchanged',
  log: { warn(obj: object, msg: string): void },
): Promise<Pick<ImportJobSummary, 'casesNotified' | 'calendarNotice'>> {
  let open = 0;
  try {
    if (status === 'unchanged') {
      const told = await notifyCasesWaitingForCalendar(ctx.db, ctx.temporal, schoolId);
      return told > 0
        ? { casesNotified: told }
        : { casesNotified: 0, calendarNotice: 'The calendar is unchanged, so no case needed telling.' };
    }
    open = (await openCaseIdsForSchool(ctx.db, schoolId)).size;
    const told = await notifyCalendarImported(ctx.db, ctx.temporal, schoolId);
    if (told >= open) return { casesNotified: told };
    // Ids and counts only in the log: no pupil's name reaches it.
    log.warn({ schoolId, open, told }, 'some open cases could not be told about the imported calendar');
    return { casesNotified: told, calendarNotice: notToldNotice(open - told, open) };
  } catch (err) {
    log.warn(
      { schoolId, error: err instanceof Error ? err.name : 'unknown' },
      'could not tell the open cases about the imported calendar',
    );
    return { casesNotified: 0, calendarNotice: notToldNotice(open, open) };
  }
}

export async function registerImportRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;

  async function run(job: ImportJob, input: ImportInput, actor: { id: string; role: string }): Promise<void> {
    try {
      const imported = await runImport(db, input, { onProgress: (e) => ctx.imports.progress(job, e) });
      const summary: ImportJobSummary = imported.calendar
        ? {
            ...imported,
            ...(await tellCasesAboutCalendar(ctx, input.schoolId, imported.calendar.status, app.log)),
          }
        : imported;
      ctx.imports.finish(job, { status: 'succeeded', summary });
      // A new school gets its daily sweep now, not at the worker's next start.
      if (summary.calendar?.status === 'inserted') scheduleSweep(ctx, input.schoolId);
      await writeAudit(db, actor, {
        action: 'import.succeeded',
        targetType: 'import',
        targetId: job.id,
        schoolId: input.schoolId,
        details: {
          calendar: summary.calendar?.status,
          casesNotified: summary.casesNotified,
          roster: summary.roster && {
            rows: summary.roster.rows,
            inserted: summary.roster.inserted,
            updated: summary.roster.updated,
          },
          marks: summary.marks && {
            rows: summary.marks.rows,
            inserted: summary.marks.inserted,
            changed: summary.marks.changed,
          },
        },
      });
    } catch (err) {
      if (err instanceof ImportValidationError) {
        ctx.imports.finish(job, { status: 'rejected', rejection: err.toJSON() });
        await writeAudit(db, actor, {
          action: 'import.rejected',
          targetType: 'import',
          targetId: job.id,
          schoolId: input.schoolId,
          details: { errors: err.totalErrors },
        });
      } else {
        ctx.imports.finish(job, {
          status: 'failed',
          message: 'The import failed on our side; nothing was written. Please try again.',
        });
        app.log.error({ err }, 'import failed');
      }
    }
  }

  app.post(
    '/api/imports',
    {
      // The size and rows an import may have are set in config (IMPORT_MAX_MB, IMPORT_MAX_ROWS).
      bodyLimit: ctx.config.IMPORT_MAX_MB * 1024 * 1024,
      // A roster changes where letters go (parents' addresses) and safeguarding flags: managers and
      // administrators import, officers do not (docs/security.md).
      config: { roles: ['manager', 'admin'] },
      schema: {
        tags: ['imports'],
        summary: 'Import a calendar, roster and/or marks (all or nothing)',
        description:
          'Answers 202 with an import id at once; poll GET /api/imports/{id} for progress, the summary or every bad row. ' +
          'With ?wait=true it answers when done: 201 with the summary, or 400 listing every bad row (line, column, reason). ' +
          'A file that is not valid CSV/JSON/YAML is a 400 at once either way.',
        querystring: z.object({
          wait: z
            .enum(['true', 'false'])
            .default('false')
            .transform((v) => v === 'true'),
        }),
        body: importBodySchema,
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      assertSchool(user, req.body.schoolId, 'No such school in your scope');
      const input = parseImportBody(req.body);
      for (const [kind, rows] of [
        ['roster', input.roster],
        ['marks', input.marks],
      ] as const) {
        const n = rows?.length ?? 0;
        if (n > ctx.config.IMPORT_MAX_ROWS)
          throw new HttpError(
            413,
            `The ${kind} file has ${n.toLocaleString('en-GB')} rows; an import takes at most ${ctx.config.IMPORT_MAX_ROWS.toLocaleString('en-GB')} (IMPORT_MAX_ROWS). Split it (by term, say) and import each part.`,
          );
      }
      const running = ctx.imports.runningFor(input.schoolId);
      if (running)
        throw conflict(
          `An import for school ${input.schoolId} is already running (started ${running.startedAt}): wait for it to finish, then import again.`,
          { importId: running.id },
        );
      const job = ctx.imports.create(input.schoolId, user.id);
      // Never left unhandled: whatever fails after the import (its audit entry, say) is logged and
      // the job says so; the process goes on.
      const done = run(job, input, user).catch((err: unknown) => {
        app.log.error({ err }, 'import: failed after running');
        if (job.status === 'running')
          ctx.imports.finish(job, {
            status: 'failed',
            message: 'The import failed on our side; nothing was written. Please try again.',
          });
      });
      if (req.query.wait) {
        await done;
        if (job.status === 'rejected')
          return reply.code(400).send({ statusCode: 400, importId: job.id, ...job.rejection! });
        if (job.status === 'failed')
          return reply.code(500).send({ statusCode: 500, importId: job.id, error: job.message });
        return reply.code(201).send(jobView(job));
      }
      return reply.code(202).send(jobView(job));
    },
  );

  app.get(
    '/api/imports/:importId',
    {
      schema: {
        tags: ['imports'],
        summary: 'Progress and result of an import',
        description:
          '`phase` and `percent` say where it is now; `history` lists every step so far (phase, percent, time), ' +
          'from queued at 0 to done at 100.',
        params: z.object({ importId: z.uuid('not an import id') }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      const job = ctx.imports.get(req.params.importId);
      if (!job)
        throw notFound(
          'No such import (finished imports are kept for an hour; GET /api/imports lists the history)',
        );
      assertSchool(user, job.schoolId, 'No such import');
      return jobView(job);
    },
  );

  app.get(
    '/api/imports',
    {
      schema: {
        tags: ['imports'],
        summary: 'Recent imports of a school (the store’s record)',
        querystring: z.object({
          schoolId: z.string().min(1).max(64),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      assertSchool(user, req.query.schoolId, 'No such school');
      return { imports: await listImports(db, req.query.schoolId, req.query.limit) };
    },
  );
}
