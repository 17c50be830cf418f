// A client for a Wonde-style school data API (v1.0): the school's students with their contacts and
// UPNs, its session attendance and its attendance codes. It follows the public documentation
// (docs/integrations.md lists what is documented and what is assumed):
// - the token goes as a bearer token, to the API's own host only (a `next` link elsewhere is refused);
// - lists are paged: `meta.pagination.next` is followed until `more` is false or `next` is null;
// - "too many requests" (429) and server errors are tried again with backoff, after `Retry-After`
//   when the server says how long; anything else is an error a person can read.
// The token is never logged, and never part of an error's text.
import { z } from 'zod';
import { schoolDateAt } from '../../domain/time';

export interface WondeClientOptions {
  /** The API root, e.g. https://api.wonde.com/v1.0 */
  baseUrl: string;
  token: string;
  /** The MIS's id of the school (Wonde's, e.g. A1930499544). */
  misSchoolId: string;
  /** Rows per page (Wonde's clients use up to 200). */
  perPage?: number;
  /** Tries of one request before the sync fails (default 6). */
  maxAttempts?: number;
  /** The first wait after a refused request; it doubles each time (default 500 ms), capped at 30 s. */
  backoffMs?: number;
  /** Told of each request tried again (counted on the sync's record). */
  onRetry?: (info: { status: number | null; attempt: number; waitMs: number }) => void;
  /** A request that takes longer fails and is tried again (default 30 s). */
  timeoutMs?: number;
}

/** The MIS answered with an error, or not at all. `retryable`: a later sync may well succeed. */
export class MisApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'MisApiError';
  }
}

/**
 * A date (of birth, of a session) as the API sends dates: `{date: 'YYYY-MM-DD HH:MM:SS', timezone}`.
 * A day given as an instant in UTC (a London midnight in summer is 23:00 the day before) is read as
 * the London day it falls on; in any other zone its own date is the day.
 */
const wondeDate = z
  .object({ date: z.string(), timezone: z.string().nullish() })
  .passthrough()
  .nullable()
  .optional()
  .transform((d) => (d ? londonDayOf(d.date, d.timezone ?? null) : null));

export function londonDayOf(date: string, timezone: string | null): string {
  const day = date.slice(0, 10);
  const time = date.slice(11, 19);
  if (!time || time === '00:00:00' || !['UTC', 'Z', '+00:00', 'GMT'].includes(timezone ?? '')) return day;
  const instant = Date.parse(`${day}T${time}Z`);
  return Number.isNaN(instant) ? day : schoolDateAt(instant, 'Europe/London');
}

const contactDetails = z
  .object({
    data: z
      .object({
        phones: z
          .object({
            phone: z.string().nullish(),
            primary: z.string().nullish(),
            mobile: z.string().nullish(),
          })
          .passthrough()
          .nullish(),
        emails: z
          .object({ email: z.string().nullish(), primary: z.string().nullish() })
          .passthrough()
          .nullish(),
        addresses: z
          .object({
            home: z
              .object({
                address_line_1: z.string().nullish(),
                address_line_2: z.string().nullish(),
                address_town: z.string().nullish(),
                address_county: z.string().nullish(),
                address_postcode: z.string().nullish(),
              })
              .passthrough()
              .nullish(),
          })
          .passthrough()
          .nullish(),
      })
      .passthrough()
      .nullish(),
  })
  .passthrough()
  .nullish();

const contactSchema = z
  .object({
    id: z.string(),
    forename: z.string().nullish(),
    surname: z.string().nullish(),
    relationship: z
      .object({
        relationship: z.string().nullish(),
        parental_responsibility: z.boolean().nullish(),
        priority: z.coerce.number().nullish(),
      })
      .passthrough()
      .nullish(),
    contact_details: contactDetails,
  })
  .passthrough();

const studentSchema = z
  .object({
    id: z.string(),
    mis_id: z.coerce.string().nullish(),
    forename: z.string().nullish(),
    surname: z.string().nullish(),
    date_of_birth: wondeDate,
    education_details: z
      .object({
        data: z
          .object({
            upn: z.string().nullish(),
            current_nc_year: z.union([z.string(), z.number()]).nullish(),
            admission_date: wondeDate,
            leaving_date: wondeDate,
          })
          .passthrough()
          .nullish(),
      })
      .passthrough()
      .nullish(),
    contacts: z
      .object({ data: z.array(contactSchema) })
      .passthrough()
      .nullish(),
  })
  .passthrough();

const codeSchema = z.object({
  id: z.string(),
  code: z.string(),
  description: z.string().nullish(),
  type: z.string().nullish(),
});

const sessionSchema = z
  .object({
    id: z.coerce.string(),
    student: z.union([z.string(), z.object({ data: z.object({ id: z.string() }).passthrough() })]),
    date: wondeDate,
    session: z.string(),
    attendance_code: z.union([z.string(), z.object({ data: codeSchema.passthrough() })]),
  })
  .passthrough();

const deletionSchema = z
  .object({ id: z.string(), type: z.string().nullish(), deleted_at: wondeDate })
  .passthrough();

export type WondeStudent = z.infer<typeof studentSchema>;
export type WondeContact = z.infer<typeof contactSchema>;
export type WondeCode = z.infer<typeof codeSchema>;
export type WondeSession = z.infer<typeof sessionSchema>;
export type WondeDeletion = z.infer<typeof deletionSchema>;

const pageSchema = z.object({
  data: z.array(z.unknown()),
  meta: z
    .object({
      pagination: z
        .object({ next: z.string().nullish(), more: z.boolean().nullish() })
        .passthrough()
        .nullish(),
    })
    .passthrough()
    .nullish(),
});

/** `updated_after` as the API takes it: `YYYY-MM-DD HH:MM:SS`, UTC. */
export function wondeTime(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', ' ');
}

export class WondeClient {
  private readonly root: URL;

  constructor(private readonly opts: WondeClientOptions) {
    this.root = new URL(opts.baseUrl.replace(/\/+$/, '') + '/');
  }

  /** The school as the MIS names it: the "test connection" button's answer. */
  async school(): Promise<{ id: string; name: string }> {
    const body = await this.getJson(this.url(''));
    const parsed = z
      .object({ data: z.object({ id: z.string(), name: z.string() }).passthrough() })
      .safeParse(body);
    if (!parsed.success) throw new MisApiError('the MIS answered, but not with a school', null, false);
    return { id: parsed.data.data.id, name: parsed.data.data.name };
  }

  /** Students with their UPN and contacts; with `changedSince`, only those changed after it. */
  students(changedSince?: Date): Promise<WondeStudent[]> {
    return this.list('students', studentSchema, {
      include: 'contacts,contacts.contact_details,education_details',
      ...(changedSince ? { updated_after: wondeTime(changedSince) } : {}),
    });
  }

  /** Session marks (with their codes); with `changedSince`, only marks recorded or changed after it. */
  sessions(q: { changedSince?: Date; from?: string; to?: string }): Promise<WondeSession[]> {
    return this.list('attendance/session', sessionSchema, {
      include: 'attendance_code',
      ...(q.changedSince ? { updated_after: wondeTime(q.changedSince) } : {}),
      ...(q.from ? { start_date: q.from } : {}),
      ...(q.to ? { end_date: q.to } : {}),
    });
  }

  attendanceCodes(): Promise<WondeCode[]> {
    return this.list('attendance-codes', codeSchema, {});
  }

  /** Students removed from the MIS since then (reported to the school; never deleted here). */
  deletions(changedSince?: Date): Promise<WondeDeletion[]> {
    return this.list('deletions', deletionSchema, {
      type: 'student',
      ...(changedSince ? { updated_after: wondeTime(changedSince) } : {}),
    });
  }

  private url(path: string, query: Record<string, string> = {}): URL {
    const url = new URL(
      `schools/${encodeURIComponent(this.opts.misSchoolId)}${path ? `/${path}` : ''}`,
      this.root,
    );
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url;
  }

  private async list<T>(path: string, schema: z.ZodType<T>, query: Record<string, string>): Promise<T[]> {
    const out: T[] = [];
    let next: URL | null = this.url(path, { ...query, per_page: String(this.opts.perPage ?? 200) });
    for (let pages = 0; next; pages++) {
      if (pages > 100_000) throw new MisApiError(`the MIS kept sending pages of ${path}`, null, false);
      const parsed = pageSchema.safeParse(await this.getJson(next));
      if (!parsed.success)
        throw new MisApiError(`the MIS sent a page of ${path} this product cannot read`, null, false);
      parsed.data.data.forEach((item, i) => {
        const row = schema.safeParse(item);
        if (!row.success) {
          const where = row.error.issues[0]?.path.join('.') ?? '';
          throw new MisApiError(
            `the MIS sent a ${path} record (${pages * (this.opts.perPage ?? 200) + i + 1}) this product cannot read${where ? ` at ${where}` : ''}`,
            null,
            false,
          );
        }
        out.push(row.data);
      });
      const p = parsed.data.meta?.pagination;
      next = p?.next && p.more !== false ? this.sameHost(p.next) : null;
    }
    return out;
  }

  /** A `next` link must stay on the API's host: the token is never sent anywhere else. */
  private sameHost(link: string): URL {
    const url = new URL(link, this.root);
    if (url.origin !== this.root.origin)
      throw new MisApiError(
        `the MIS pointed the next page at another host (${url.host}); not followed`,
        null,
        false,
      );
    return url;
  }

  private async getJson(url: URL): Promise<unknown> {
    const maxAttempts = this.opts.maxAttempts ?? 6;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, {
          headers: { authorization: `Bearer ${this.opts.token}`, accept: 'application/json' },
          signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
        });
      } catch (err) {
        if (attempt >= maxAttempts)
          throw new MisApiError(`the MIS could not be reached (${(err as Error).message})`, null, true);
        await this.wait(null, attempt, null);
        continue;
      }
      if (res.ok) return res.json();
      const retryable = res.status === 429 || res.status >= 500;
      if (retryable && attempt < maxAttempts) {
        await res.body?.cancel();
        await this.wait(res.status, attempt, res.headers.get('retry-after'));
        continue;
      }
      throw new MisApiError(await describeRefusal(res, this.opts.misSchoolId), res.status, retryable);
    }
  }

  private async wait(status: number | null, attempt: number, retryAfter: string | null): Promise<void> {
    const base = this.opts.backoffMs ?? 500;
    const backoff = Math.min(30_000, base * 2 ** (attempt - 1));
    const told = retryAfterMs(retryAfter);
    const waitMs = told === null ? backoff : Math.min(120_000, told);
    this.opts.onRetry?.({ status, attempt, waitMs });
    await new Promise((r) => setTimeout(r, waitMs));
  }
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds (null when absent or unreadable). */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

async function describeRefusal(res: Response, misSchoolId: string): Promise<string> {
  let detail = '';
  try {
    const body = (await res.json()) as { error?: unknown; message?: unknown };
    const said =
      typeof body.error === 'string' ? body.error : typeof body.message === 'string' ? body.message : '';
    detail = said ? `: ${said.slice(0, 200)}` : '';
  } catch {
    // no readable body
  }
  switch (res.status) {
    case 401:
      return `the MIS refused the token (401${detail}); check the token in Integrations`;
    case 403:
      return `the MIS refused access to school ${misSchoolId} (403${detail}); the school may not have approved this product, or revoked it`;
    case 404:
      return `the MIS does not know school ${misSchoolId} (404${detail}); check the MIS school id in Integrations`;
    case 429:
      return `the MIS kept answering "too many requests" (429${detail}); the next sync will try again`;
    default:
      return `the MIS answered ${res.status}${detail}`;
  }
}
