// Dashboard figures for one school: cases by stage; persistent and severe absence across the roll;
// approvals waiting and overdue; letters this week; stage changes over time (from case_events).
import { z } from 'zod';
import { buildCalendar } from '../../domain/calendar';
import { evaluatePupil, prepareEvaluation } from '../../domain/stats';
import type { IsoDate } from '../../domain/types';
import { loadSchoolSnapshot } from '../../store/marks';
import type { CaseView } from '../../workflows/caseMessages';
import { currentUser } from '../auth/guard';
import { assertSchool } from '../auth/scope';
import type { AppContext, ZodApp } from '../context';
import { notFound } from '../errors';
import { isOverdue } from './approvals';
import { isoDate } from './schools';

interface AbsenceRates {
  asOf: IsoDate;
  pupils: number;
  ytd: {
    from: IsoDate;
    to: IsoDate;
    persistent: number;
    severe: number;
    persistentPct: number | null;
    severePct: number | null;
    attendancePct: number | null;
  };
  rolling10: {
    from: IsoDate;
    to: IsoDate;
    persistent: number;
    severe: number;
    persistentPct: number | null;
    severePct: number | null;
    attendancePct: number | null;
  };
}

const pct = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 1000) / 10);

function addDays(date: IsoDate, n: number): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function weekStartOf(date: IsoDate): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  return addDays(date, -((d.getUTCDay() + 6) % 7));
}

export async function registerDashboardRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;
  const rateCache = new Map<string, { at: number; rates: AbsenceRates }>();

  async function absenceRates(schoolId: string, today: IsoDate): Promise<AbsenceRates | null> {
    const key = `${schoolId}|${today}`;
    const hit = rateCache.get(key);
    if (hit && ctx.now() - hit.at < 30_000) return hit.rates;
    const snap = await loadSchoolSnapshot(db, schoolId);
    if (!snap) return null;
    const asOf =
      today > snap.calendar.lastSchoolDay
        ? snap.calendar.lastSchoolDay
        : today < snap.calendar.firstSchoolDay
          ? snap.calendar.firstSchoolDay
          : today;
    const prepared = prepareEvaluation(snap.calendar, asOf);
    const acc = { ytd: { n: 0, p: 0, s: 0, att: 0, poss: 0 }, r10: { n: 0, p: 0, s: 0, att: 0, poss: 0 } };
    for (const pupil of snap.pupils) {
      const f = evaluatePupil(
        prepared,
        {
          pupilId: pupil.id,
          upn: pupil.upn,
          yearGroup: pupil.yearGroup,
          flags: pupil.flags,
          startDate: pupil.startDate,
          leftOn: pupil.leftOn,
        },
        snap.grids.get(pupil.id)!,
      );
      for (const [k, w] of [
        ['ytd', f.windows.ytd],
        ['r10', f.windows.rolling10],
      ] as const) {
        if (w.possible === 0) continue;
        const a = acc[k];
        a.n++;
        if (w.persistentAbsence) a.p++;
        if (w.severeAbsence) a.s++;
        a.att += w.present + w.approvedActivity;
        a.poss += w.possible;
      }
    }
    const rates: AbsenceRates = {
      asOf,
      pupils: snap.pupils.length,
      ytd: {
        ...prepared.ranges.ytd,
        persistent: acc.ytd.p,
        severe: acc.ytd.s,
        persistentPct: pct(acc.ytd.p, acc.ytd.n),
        severePct: pct(acc.ytd.s, acc.ytd.n),
        attendancePct: pct(acc.ytd.att, acc.ytd.poss),
      },
      rolling10: {
        ...prepared.ranges.rolling10,
        persistent: acc.r10.p,
        severe: acc.r10.s,
        persistentPct: pct(acc.r10.p, acc.r10.n),
        severePct: pct(acc.r10.s, acc.r10.n),
        attendancePct: pct(acc.r10.att, acc.r10.poss),
      },
    };
    rateCache.set(key, { at: ctx.now(), rates });
    return rates;
  }

  app.get(
    '/api/dashboard',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'A school’s figures: cases by stage, absence rates, approvals, letters, stage changes',
        querystring: z.object({
          schoolId: z.string().min(1).max(64),
          weeks: z.coerce.number().int().min(1).max(52).default(12).describe('Weeks of stage changes'),
          today: isoDate.optional().describe('Defaults to today in the school’s time zone'),
        }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      const { schoolId, weeks } = req.query;
      assertSchool(user, schoolId, 'No such school');
      const rates = await absenceRates(schoolId, req.query.today ?? ctx.today());
      if (!rates) throw notFound('No such school');
      const today = req.query.today ?? ctx.today();

      const byStage = await db.query<{
        stage_id: string | null;
        stage_name: string | null;
        stage_rank: number | null;
        status: string;
        n: number;
      }>(
        `SELECT stage_id, max(stage_name) AS stage_name, max(stage_rank) AS stage_rank, status, count(*)::int AS n
         FROM cases WHERE school_id = $1 AND status <> 'closed' GROUP BY stage_id, status ORDER BY max(stage_rank), stage_id`,
        [schoolId],
      );
      const stageMap = new Map<
        string,
        { stageId: string | null; stageName: string; rank: number | null; open: number; paused: number }
      >();
      for (const r of byStage.rows) {
        const key = r.stage_id ?? '';
        const s = stageMap.get(key) ?? {
          stageId: r.stage_id,
          stageName: r.stage_name ?? 'No stage',
          rank: r.stage_rank,
          open: 0,
          paused: 0,
        };
        if (r.status === 'paused') s.paused += r.n;
        else s.open += r.n;
        stageMap.set(key, s);
      }
      const totals = await db.query<{
        open: number;
        paused: number;
        closed: number;
        closed_this_week: number;
      }>(
        `SELECT count(*) FILTER (WHERE status = 'open')::int AS open, count(*) FILTER (WHERE status = 'paused')::int AS paused,
                count(*) FILTER (WHERE status = 'closed')::int AS closed,
                count(*) FILTER (WHERE status = 'closed' AND closed_on >= $2::date)::int AS closed_this_week
         FROM cases WHERE school_id = $1`,
        [schoolId, weekStartOf(today)],
      );

      const pending = await db.query<{ view: CaseView }>(
        `SELECT view FROM cases WHERE school_id = $1 AND status <> 'closed' AND pending_approvals > 0`,
        [schoolId],
      );
      const snapCal = await db.query<{ calendar: Parameters<typeof buildCalendar>[0] }>(
        'SELECT calendar FROM schools WHERE id = $1',
        [schoolId],
      );
      const calendar = snapCal.rows[0] ? buildCalendar(snapCal.rows[0].calendar) : null;
      let waiting = 0;
      let overdue = 0;
      let forManagers = 0;
      let oldest: string | null = null;
      for (const r of pending.rows) {
        for (const p of r.view.pending ?? []) {
          waiting++;
          if (p.approver === 'manager') forManagers++;
          if (isOverdue(p, calendar, today)) overdue++;
          if (!oldest || p.proposedOn < oldest) oldest = p.proposedOn;
        }
      }

      const weekStart = weekStartOf(today);
      const letters = await db.query<{ n: number; cases: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT case_id)::int AS cases FROM letters WHERE school_id = $1 AND sent_on >= $2::date AND sent_on < $2::date + 7`,
        [schoolId, weekStart],
      );

      const since = addDays(weekStart, -7 * (weeks - 1));
      const changes = await db.query<{ week: string; type: string; stage_id: string | null; n: number }>(
        `SELECT to_char(date_trunc('week', date::timestamp), 'YYYY-MM-DD') AS week, type, stage_id, count(*)::int AS n
         FROM case_events WHERE school_id = $1 AND date >= $2::date AND type IN ('opened', 'stageChanged', 'closed')
         GROUP BY 1, 2, 3 ORDER BY 1`,
        [schoolId, since],
      );
      const stageNames = await db.query<{
        stage_id: string;
        stage_name: string | null;
        stage_rank: number | null;
      }>(
        `SELECT stage_id, max(stage_name) AS stage_name, max(stage_rank) AS stage_rank FROM cases WHERE school_id = $1 AND stage_id IS NOT NULL GROUP BY stage_id ORDER BY max(stage_rank)`,
        [schoolId],
      );
      const weekRows: {
        weekStart: IsoDate;
        opened: number;
        escalatedOrChanged: number;
        closed: number;
        enteredStage: Record<string, number>;
      }[] = [];
      for (let i = 0; i < weeks; i++) {
        weekRows.push({
          weekStart: addDays(since, 7 * i),
          opened: 0,
          escalatedOrChanged: 0,
          closed: 0,
          enteredStage: {},
        });
      }
      for (const c of changes.rows) {
        const w = weekRows.find((x) => x.weekStart === c.week);
        if (!w) continue;
        if (c.type === 'opened') w.opened += c.n;
        if (c.type === 'stageChanged') w.escalatedOrChanged += c.n;
        if (c.type === 'closed') w.closed += c.n;
        if (c.type !== 'closed' && c.stage_id)
          w.enteredStage[c.stage_id] = (w.enteredStage[c.stage_id] ?? 0) + c.n;
      }

      return {
        schoolId,
        today,
        cases: {
          open: totals.rows[0]?.open ?? 0,
          paused: totals.rows[0]?.paused ?? 0,
          closed: totals.rows[0]?.closed ?? 0,
          closedThisWeek: totals.rows[0]?.closed_this_week ?? 0,
          byStage: [...stageMap.values()].sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99)),
        },
        absence: {
          ...rates,
          rule: 'Persistent absence: absence of 10% or more of the pupil’s own possible sessions (attendance of 90% or below). Severe absence: 50% or more.',
        },
        approvals: {
          waiting,
          overdue,
          forManagers,
          oldestProposedOn: oldest,
          overdueRule: 'Waiting more than 2 school days, or escalated by the case',
        },
        letters: { thisWeek: letters.rows[0]?.n ?? 0, casesWritten: letters.rows[0]?.cases ?? 0, weekStart },
        stageChanges: {
          stages: stageNames.rows.map((s) => ({
            id: s.stage_id,
            name: s.stage_name ?? s.stage_id,
            rank: s.stage_rank,
          })),
          weeks: weekRows,
        },
      };
    },
  );
}
