// Dashboard figures for one school: cases by stage; persistent and severe absence across the roll;
// approvals waiting and overdue; open and overdue tasks; letters this week; stage changes over time (from case_events).
import { z } from 'zod';
import { buildCalendar } from '../../domain/calendar';
import { evaluatePupil, prepareEvaluation } from '../../domain/stats';
import type { IsoDate } from '../../domain/types';
import {
  countCasesByStage,
  countCasesByStatus,
  countStageChangesByWeek,
  listOpenCaseTasks,
  listPendingProposals,
  listStagesSeen,
} from '../../store/cases';
import { loadSchoolSnapshot } from '../../store/marks';
import { getSchool } from '../../store/schools';
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

/** The dashboard's tasks tile. */
export interface DashboardTasks {
  /** Open tasks on the school's active cases. */
  open: number;
  /** Of those, due before today. */
  overdue: number;
  /** Of those, the ones the case made for managers. */
  forManagers: number;
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
  // A few seconds' cache of the roll's figures per school and day, bounded: any `today` a request
  // names is a key, so entries expire and the oldest go first beyond RATE_CACHE_MAX.
  const rateCache = new Map<string, { at: number; rates: AbsenceRates }>();
  const RATE_CACHE_MS = 30_000;
  const RATE_CACHE_MAX = 64;
  const remember = (key: string, rates: AbsenceRates) => {
    const now = ctx.now();
    for (const [k, v] of rateCache) if (now - v.at >= RATE_CACHE_MS) rateCache.delete(k);
    while (rateCache.size >= RATE_CACHE_MAX) rateCache.delete(rateCache.keys().next().value!);
    rateCache.set(key, { at: now, rates });
  };

  async function absenceRates(schoolId: string, today: IsoDate): Promise<AbsenceRates | null> {
    const key = `${schoolId}|${today}`;
    const hit = rateCache.get(key);
    if (hit && ctx.now() - hit.at < RATE_CACHE_MS) return hit.rates;
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
    remember(key, rates);
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

      const byStage = await countCasesByStage(db, schoolId);
      const stageMap = new Map<
        string,
        { stageId: string | null; stageName: string; rank: number | null; open: number; paused: number }
      >();
      for (const r of byStage) {
        const key = r.stageId ?? '';
        const s = stageMap.get(key) ?? {
          stageId: r.stageId,
          stageName: r.stageName ?? 'No stage',
          rank: r.stageRank,
          open: 0,
          paused: 0,
        };
        if (r.status === 'paused') s.paused += r.n;
        else s.open += r.n;
        stageMap.set(key, s);
      }
      const weekStart = weekStartOf(today);
      const totals = await countCasesByStatus(db, schoolId, weekStart);

      const pending = await listPendingProposals(db, schoolId);
      const school = await getSchool(db, schoolId);
      const calendar = school ? buildCalendar(school.calendar) : null;
      let waiting = 0;
      let overdue = 0;
      let forManagers = 0;
      let oldest: string | null = null;
      for (const p of pending) {
        waiting++;
        if (p.approver === 'manager') forManagers++;
        if (isOverdue(p, calendar, today)) overdue++;
        if (!oldest || p.proposedOn < oldest) oldest = p.proposedOn;
      }

      // Work for people the cases made: open, overdue (due before today) and the managers' own.
      const openTasks = await listOpenCaseTasks(db, [schoolId]);
      const tasks: DashboardTasks = {
        open: openTasks.length,
        overdue: openTasks.filter((t) => t.task.dueOn < today).length,
        forManagers: openTasks.filter((t) => t.task.owner === 'manager').length,
      };

      const letters = await db.query<{ n: number; cases: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT case_id)::int AS cases FROM letters WHERE school_id = $1 AND sent_on >= $2::date AND sent_on < $2::date + 7`,
        [schoolId, weekStart],
      );

      const since = addDays(weekStart, -7 * (weeks - 1));
      const changes = await countStageChangesByWeek(db, schoolId, since);
      const stagesSeen = await listStagesSeen(db, schoolId);
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
      for (const c of changes) {
        const w = weekRows.find((x) => x.weekStart === c.week);
        if (!w) continue;
        if (c.type === 'opened') w.opened += c.n;
        if (c.type === 'stageChanged') w.escalatedOrChanged += c.n;
        if (c.type === 'closed') w.closed += c.n;
        if (c.type !== 'closed' && c.stageId)
          w.enteredStage[c.stageId] = (w.enteredStage[c.stageId] ?? 0) + c.n;
      }

      return {
        schoolId,
        today,
        cases: {
          open: totals.open,
          paused: totals.paused,
          closed: totals.closed,
          closedThisWeek: totals.closedSince,
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
        tasks,
        letters: { thisWeek: letters.rows[0]?.n ?? 0, casesWritten: letters.rows[0]?.cases ?? 0, weekStart },
        stageChanges: {
          stages: stagesSeen.map((s) => ({
            id: s.stageId,
            name: s.stageName ?? s.stageId,
            rank: s.stageRank,
          })),
          weeks: weekRows,
        },
      };
    },
  );
}
