// Imports of calendars, rosters and marks as JSON bodies: CSV text as a string, or rows as objects
// with the CSV's column names. All or nothing: one bad row anywhere and nothing is written; the
// answer lists every bad row with its line, column and reason.
import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { writeAudit } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { assertSchool } from '../auth/scope';
import type { AppContext, ZodApp } from '../context';
import { badRequest, conflict, HttpError, notFound } from '../errors';
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
  RowLimitError,
  rowsFromObjects,
  runImport,
  type ImportInput,
  type ImportKind,
  type RawRow,
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

/** The 413 for a CSV file with more rows than an import takes: said as soon as the reading reaches one. */
export function tooManyRows(kind: ImportKind, limit: number, rows?: number): HttpError {
  const max = limit.toLocaleString('en-GB');
  return new HttpError(
    413,
    `The ${kind} file has ${rows === undefined ? `more than ${max}` : rows.toLocaleString('en-GB')} rows; ` +
      `an import takes at most ${max} (IMPORT_MAX_ROWS). Split it (by term, say) and import each part.`,
  );
}

/**
 * Stage 1 (parse), done before answering: a broken file is a 400 at once. CSV text is parsed as a
 * stream in chunks and the reading stops at the first row over `maxRows` (a 413 naming the limit).
 */
export async function parseImportBody(body: ImportBody, maxRows: number): Promise<ImportInput> {
  const input: ImportInput = { schoolId: body.schoolId };
  if (body.calendar !== undefined) {
    input.calendar =
      typeof body.calendar === 'string'
        ? parseCalendarText(body.calendar, body.fileNames?.calendar ?? '')
        : body.calendar;
  }
  for (const kind of ['roster', 'marks'] as const) {
    const given = body[kind];
    if (given === undefined) continue;
    if (typeof given !== 'string') {
      if (given.length > maxRows) throw tooManyRows(kind, maxRows, given.length);
      input[kind] = rowsFromObjects(given);
      continue;
    }
    try {
      input[kind] = await (kind === 'roster' ? parseRosterCsv : parseMarksCsv)(given, { maxRows });
    } catch (err) {
      if (err instanceof RowLimitError) throw tooManyRows(kind, maxRows);
      tagged(kind, err);
    }
  }
  return input;
}

/** The upload went over IMPORT_MAX_MB while it was being read. */
class BodyTooLargeError extends Error {}

/** The same answer as Fastify's own body limit gives on the JSON route. */
function bodyTooLarge(maxMb: number): HttpError {
  return new HttpError(413, `The request body is too large: at most ${maxMb} MB here.`);
}

/**
 * The request's bytes as they arrive, refused at the first byte over `max`. The request itself is
 * not destroyed when the reading stops (the answer still has to go back on it): the route drains it.
 */
async function* bytesUpTo(body: Readable, max: number): AsyncGenerator<Buffer> {
  let n = 0;
  for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > max) throw new BodyTooLargeError();
    yield chunk;
  }
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
      const imported = await runImport(db, input, {
        onProgress: (e) => ctx.imports.progress(job, e),
        // Recorded with every change to a parent's contacts or a safeguarding flag.
        actor: { userId: actor.id, role: actor.role },
      });
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
            watched: summary.roster.watched,
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

  /**
   * Runs the import in the background (or, with `wait`, answers when it is done). Never left
   * unhandled: whatever fails after the import (its audit entry, say) is logged and the job says
   * so; the process goes on.
   */
  async function start(
    job: ImportJob,
    input: ImportInput,
    user: { id: string; role: string },
    wait: boolean,
    reply: FastifyReply,
  ) {
    const done = run(job, input, user).catch((err: unknown) => {
      app.log.error({ err }, 'import: failed after running');
      if (job.status === 'running')
        ctx.imports.finish(job, {
          status: 'failed',
          message: 'The import failed on our side; nothing was written. Please try again.',
        });
    });
    if (wait) {
      await done;
      if (job.status === 'rejected')
        return reply.code(400).send({ statusCode: 400, importId: job.id, ...job.rejection! });
      if (job.status === 'failed')
        return reply.code(500).send({ statusCode: 500, importId: job.id, error: job.message });
      return reply.code(201).send(jobView(job));
    }
    return reply.code(202).send(jobView(job));
  }

  function refuseSecond(schoolId: string): void {
    const running = ctx.imports.runningFor(schoolId);
    if (running)
      throw conflict(
        `An import for school ${schoolId} is already running (started ${running.startedAt}): wait for it to finish, then import again.`,
        { importId: running.id },
      );
  }

  const waitQuery = z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true');

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
          'A file that is not valid CSV/JSON/YAML is a 400 at once either way. ' +
          'A JSON body is read whole (at most IMPORT_MAX_MB); its CSV text is then parsed as a stream. ' +
          'One large CSV file is better sent to POST /api/imports/csv, which parses the upload as it arrives.',
        querystring: z.object({ wait: waitQuery }),
        body: importBodySchema,
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      assertSchool(user, req.body.schoolId, 'No such school in your scope');
      const input = await parseImportBody(req.body, ctx.config.IMPORT_MAX_ROWS);
      refuseSecond(input.schoolId);
      const job = ctx.imports.create(input.schoolId, user.id);
      return start(job, input, user, req.query.wait, reply);
    },
  );

  // One CSV file sent as the request body (Content-Type: text/csv), parsed as it arrives: the
  // upload is never held whole in memory, only the rows kept. Scoped so no other route takes CSV.
  await app.register(async (csvRoutes: ZodApp) => {
    csvRoutes.addContentTypeParser('text/csv', (_req, payload, done) => done(null, payload));
    const maxBytes = ctx.config.IMPORT_MAX_MB * 1024 * 1024;
    csvRoutes.post(
      '/api/imports/csv',
      {
        config: { roles: ['manager', 'admin'] },
        schema: {
          tags: ['imports'],
          summary: 'Import one roster or marks CSV file, streamed (all or nothing)',
          description:
            'The body is the CSV file itself (`Content-Type: text/csv`), read and parsed as it arrives. ' +
            'The reading stops at the first row over IMPORT_MAX_ROWS or the first byte over IMPORT_MAX_MB: a 413 naming the limit. ' +
            'Otherwise as POST /api/imports: 202 with an import id (poll GET /api/imports/{id}), or with ?wait=true 201 with the summary ' +
            'or 400 listing every bad row; a second import for the school while one runs is a 409.',
          querystring: z.object({
            schoolId: z.string().trim().min(1, 'give the school id (URN)').max(64),
            kind: z.enum(['roster', 'marks']).describe('What the file is'),
            wait: waitQuery,
          }),
        },
      },
      async (req, reply) => {
        const user = currentUser(req);
        const { schoolId, kind, wait } = req.query;
        assertSchool(user, schoolId, 'No such school in your scope');
        // No body, or a JSON one: there is no CSV stream to read (found by the fuzzed API test, a 500).
        if (typeof (req.body as Partial<Readable> | undefined)?.pipe !== 'function')
          throw new HttpError(415, 'Send the CSV file itself as the body, with Content-Type: text/csv.');
        const declared = Number(req.headers['content-length'] ?? NaN);
        if (declared > maxBytes) throw bodyTooLarge(ctx.config.IMPORT_MAX_MB);
        refuseSecond(schoolId);
        // The job holds the school's place from the first byte: a second import waits for this one.
        const job = ctx.imports.create(schoolId, user.id);
        const body = req.body as Readable;
        let rows: RawRow[];
        try {
          rows = await (kind === 'roster' ? parseRosterCsv : parseMarksCsv)(bytesUpTo(body, maxBytes), {
            maxRows: ctx.config.IMPORT_MAX_ROWS,
            ...(Number.isFinite(declared) && declared > 0 ? { totalBytes: declared } : {}),
            onProgress: (e) => ctx.imports.progress(job, e),
          });
        } catch (err) {
          const refusal =
            err instanceof RowLimitError
              ? tooManyRows(kind, ctx.config.IMPORT_MAX_ROWS)
              : err instanceof BodyTooLargeError
                ? bodyTooLarge(ctx.config.IMPORT_MAX_MB)
                : null;
          if (refusal || err instanceof ImportValidationError) {
            const rejection =
              err instanceof ImportValidationError
                ? err.toJSON()
                : { error: refusal!.message, rows: [], totalErrors: 0, unlisted: 0 };
            ctx.imports.finish(job, { status: 'rejected', rejection });
            await writeAudit(db, user, {
              action: 'import.rejected',
              targetType: 'import',
              targetId: job.id,
              schoolId,
              details: { kind, errors: rejection.totalErrors, ...(refusal ? { status: 413 } : {}) },
            });
            throw refusal ?? err;
          }
          const interrupted = req.raw.readableAborted || req.raw.destroyed;
          ctx.imports.finish(job, {
            status: 'failed',
            message: interrupted
              ? 'The upload was interrupted; nothing was written. Please try again.'
              : 'The import failed on our side; nothing was written. Please try again.',
          });
          if (interrupted) throw badRequest('The upload was interrupted; nothing was written.');
          throw err;
        } finally {
          // Whatever was not read (the rest of a file over a limit) is drained, not kept.
          body.resume();
        }
        return start(job, { schoolId, [kind]: rows }, user, wait, reply);
      },
    );
  });

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
