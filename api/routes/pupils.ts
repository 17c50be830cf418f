// Pupils of the schools in scope. Names and UPNs stay behind the API: everything else (workflows,
// logs, the audit log) knows a pupil by the opaque id.
import { flagViewer } from '../auth/safeguarding';
import { z } from 'zod';
import { currentUser } from '../auth/guard';
import { assertSchool, schoolsFor } from '../auth/scope';
import type { AppContext, ZodApp } from '../context';
import { notFound } from '../errors';
import { summarise, thresholdsFor, weeklySeries } from '../services/attendance';
import { schoolPolicyOrNull } from '../services/policies';
import { PUPIL_FLAGS } from '../../domain/types';
import { buildCalendar } from '../../domain/calendar';
import { computePupilFacts } from '../../domain/stats';
import { figureOptionsFor } from '../../domain/policy/figureOptions';
import { listCasesOfPupil, openCasesOfPupils } from '../../store/cases';
import { loadMarkGrid, loadMarkGridsFor } from '../../store/marks';
import { getPupil } from '../../store/pupils';
import { getSchool } from '../../store/schools';
import { computeWindowStats } from '../../domain/stats';

export const flagList = z
  .string()
  .max(200)
  .transform((s) =>
    s
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z.enum(PUPIL_FLAGS, { error: `flags are any of ${PUPIL_FLAGS.join(', ')}, separated by commas` }),
    ),
  );

export const pageQuery = {
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
};

/** A date the figures are computed to: today, or the calendar's last school day when the year has ended. */
export function asOfFor(calendar: ReturnType<typeof buildCalendar>, today: string): string {
  if (today > calendar.lastSchoolDay) return calendar.lastSchoolDay;
  return today;
}

export async function registerPupilRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;

  app.get(
    '/api/pupils',
    {
      schema: {
        tags: ['pupils'],
        summary: 'Pupils in your scope, with year-to-date attendance',
        querystring: z.object({
          schoolId: z.string().min(1).max(64).optional(),
          q: z.string().trim().max(100).optional().describe('Part of a name, or a UPN'),
          yearGroup: z.coerce.number().int().min(-2).max(14).optional(),
          flags: flagList.optional(),
          ...pageQuery,
        }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      const q = req.query;
      const schools = schoolsFor(user, q.schoolId);
      const flags = await flagViewer(db, req, user);
      flags.assertMayFilter(q.flags, schools);
      const where: string[] = ['($1::text[] IS NULL OR p.school_id = ANY($1::text[]))'];
      const params: unknown[] = [schools];
      const p = (v: unknown) => {
        params.push(v);
        return `$${params.length}`;
      };
      if (q.q) {
        const like = `%${q.q.replace(/[%_\\]/g, '')}%`;
        where.push(
          `(p.given_name ILIKE ${p(like)} OR p.family_name ILIKE $${params.length} OR (p.given_name || ' ' || p.family_name) ILIKE $${params.length} OR p.upn = ${p(q.q.toUpperCase())})`,
        );
      }
      if (q.yearGroup !== undefined) where.push(`p.year_group = ${p(q.yearGroup)}`);
      if (q.flags?.length) where.push(`p.flags && ${p(q.flags)}::text[]`);
      const clause = where.join(' AND ');
      const total =
        (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pupils p WHERE ${clause}`, params))
          .rows[0]?.n ?? 0;
      const { rows } = await db.query<{
        id: string;
        school_id: string;
        upn: string;
        given_name: string;
        family_name: string;
        year_group: number | null;
        flags: string[];
        start_date: string | null;
        left_on: string | null;
      }>(
        `SELECT p.id::text AS id, p.school_id, p.upn, p.given_name, p.family_name, p.year_group, p.flags,
                p.start_date::text AS start_date, p.left_on::text AS left_on
         FROM pupils p
         WHERE ${clause} ORDER BY p.family_name, p.given_name, p.upn
         LIMIT ${p(q.pageSize)} OFFSET ${p((q.page - 1) * q.pageSize)}`,
        params,
      );
      const ids = rows.map((r) => r.id);
      const grids = await loadMarkGridsFor(db, ids);
      const openCases = await openCasesOfPupils(db, ids);
      const calendars = new Map<string, ReturnType<typeof buildCalendar> | null>();
      for (const r of rows) {
        if (!calendars.has(r.school_id)) {
          const s = await getSchool(db, r.school_id);
          calendars.set(r.school_id, s ? buildCalendar(s.calendar) : null);
        }
      }
      const today = ctx.today();
      return {
        total,
        page: q.page,
        pageSize: q.pageSize,
        pupils: rows.map((r) => {
          const cal = calendars.get(r.school_id);
          let ytdPct: number | null = null;
          if (cal) {
            const asOf = asOfFor(cal, today);
            const ytd = cal.yearToDate(asOf);
            ytdPct = computeWindowStats(grids.get(r.id)!, cal, ytd.from, ytd.to, 'ytd', {
              startDate: r.start_date,
              leftOn: r.left_on,
            }).attendancePct;
          }
          return {
            id: r.id,
            schoolId: r.school_id,
            upn: r.upn,
            givenName: r.given_name,
            familyName: r.family_name,
            yearGroup: r.year_group,
            flags: flags.show(r.school_id, r.id, r.flags ?? []),
            ytdAttendancePct: ytdPct,
            openCase: openCases.get(r.id) ?? null,
          };
        }),
      };
    },
  );

  app.get(
    '/api/pupils/:pupilId',
    {
      schema: {
        tags: ['pupils'],
        summary: 'A pupil: details, current figures, weekly attendance and cases',
        params: z.object({ pupilId: z.string().min(1).max(64) }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      const pupil = await getPupil(db, req.params.pupilId);
      if (!pupil) throw notFound('No such pupil');
      assertSchool(user, pupil.schoolId, 'No such pupil');
      const school = await getSchool(db, pupil.schoolId);
      if (!school) throw notFound('No such pupil');
      const calendar = buildCalendar(school.calendar);
      const asOf = asOfFor(calendar, ctx.today());
      const grid = await loadMarkGrid(db, pupil.id);
      const policy = await schoolPolicyOrNull(db, pupil.schoolId);
      const facts = computePupilFacts({
        pupil: {
          pupilId: pupil.id,
          upn: pupil.upn,
          yearGroup: pupil.yearGroup,
          flags: pupil.flags,
          startDate: pupil.startDate,
          leftOn: pupil.leftOn,
        },
        grid,
        calendar,
        asOf,
        // The school's counting codes and N's grace: the figures its cases and sweeps compute.
        ...(policy ? figureOptionsFor(policy) : {}),
      });
      const cases = await listCasesOfPupil(db, pupil.id);
      return {
        pupil: {
          id: pupil.id,
          schoolId: pupil.schoolId,
          upn: pupil.upn,
          givenName: pupil.givenName,
          familyName: pupil.familyName,
          yearGroup: pupil.yearGroup,
          dateOfBirth: pupil.dateOfBirth,
          startDate: pupil.startDate,
          leftOn: pupil.leftOn,
          flags: (await flagViewer(db, req, user)).show(pupil.schoolId, pupil.id, pupil.flags),
          contacts: pupil.contacts,
        },
        asOf,
        figures: {
          rolling10: summarise(facts.windows.rolling10),
          halfTerm: summarise(facts.windows.halfTerm),
          term: summarise(facts.windows.term),
          ytd: summarise(facts.windows.ytd),
          penaltyThreshold: facts.penaltyThreshold,
        },
        series: weeklySeries(grid, calendar, asOf, pupil),
        thresholds: thresholdsFor(policy),
        cases,
      };
    },
  );
}
