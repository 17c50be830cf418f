// The dashboard's figures beyond cases and approvals, assembled for GET /api/dashboard. Each part
// is its own module with the reasons for its definitions; this one loads the roll once, keeps the
// roll's figures for a few seconds per school and day (they are the costly part and the same for
// everyone), and never asks a workflow: everything comes from the store and the read model.
import type { IsoDate } from '../../../domain/types';
import { openCaseIdsForSchool, type OpenCaseTask } from '../../../store/cases';
import type { Db } from '../../../store/db';
import type { FlagViewer } from '../../auth/safeguarding';
import { needsAttention, type DashboardAttention } from './attention';
import { breakdownsOf, type DashboardBreakdowns } from './breakdowns';
import { interventionEffects, type DashboardInterventions } from './interventions';
import { mailThisWeek, type DashboardMail } from './mail';
import { computeRollFigures, type AbsenceRates, type RollFigures } from './roll';
import { nationalComparison, trendOf, type DashboardTrend, type NationalComparison } from './trend';
import { workloadAhead, type DashboardWorkload } from './workload';

export type { AbsenceRates } from './roll';
export { mondayOf } from './mail';

export interface DashboardFigures {
  absence: AbsenceRates;
  trend: DashboardTrend;
  national: NationalComparison;
  breakdowns: DashboardBreakdowns;
  attention: DashboardAttention;
  workload: DashboardWorkload;
  interventions: DashboardInterventions;
  mail: DashboardMail;
}

const CACHE_MS = 30_000;
const CACHE_MAX = 64;

/** A few seconds' cache of the roll's figures per school and day, bounded (any `today` asked is a key). */
export class RollCache {
  private readonly entries = new Map<string, { at: number; roll: Promise<RollFigures | null> }>();
  constructor(private readonly now: () => number) {}

  get(db: Db, schoolId: string, today: IsoDate): Promise<RollFigures | null> {
    const key = `${schoolId}|${today}`;
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < CACHE_MS) return hit.roll;
    for (const [k, v] of this.entries) if (now - v.at >= CACHE_MS) this.entries.delete(k);
    while (this.entries.size >= CACHE_MAX) this.entries.delete(this.entries.keys().next().value!);
    // The promise is kept, so requests arriving together share one computation; a failure is not kept.
    const roll = computeRollFigures(db, schoolId, today);
    roll.catch(() => this.entries.delete(key));
    this.entries.set(key, { at: now, roll });
    return roll;
  }
}

export interface DashboardInput {
  db: Db;
  cache: RollCache;
  schoolId: string;
  today: IsoDate;
  viewer: FlagViewer;
  config: { SMTP_URL?: string; SCHOOL_TIMEZONE: string };
  /** The school's email goes through GOV.UK Notify. */
  notifyEmail?: boolean;
  /** The school's open tasks, read once per request for every figure that counts them. */
  openTasks: OpenCaseTask[];
}

/** Null for a school the store does not hold. */
export async function dashboardFigures(input: DashboardInput): Promise<DashboardFigures | null> {
  const { db, schoolId, today } = input;
  const roll = await input.cache.get(db, schoolId, today);
  if (!roll) return null;
  const openCases = await openCaseIdsForSchool(db, schoolId);
  const trend = trendOf(roll);
  return {
    absence: roll.absence,
    trend,
    national: nationalComparison(roll, trend),
    breakdowns: breakdownsOf(roll, openCases),
    attention: await needsAttention(db, schoolId, today, roll, openCases, input.viewer, input.openTasks),
    workload: await workloadAhead(
      db,
      schoolId,
      roll.calendar,
      today,
      input.config.SCHOOL_TIMEZONE,
      input.openTasks,
    ),
    interventions: await interventionEffects(db, schoolId, roll),
    mail: await mailThisWeek(db, schoolId, today, input.config, input.notifyEmail),
  };
}
