// Dashboard figures for one school: cases by stage; absence across the roll and its trend this year
// beside England's published figures; breakdowns by year group, SEN, disadvantage and sex; who needs
// attention today; the workload ahead; whether interventions worked; approvals, tasks, letters and
// messages this week; stage changes over time. The figures are computed in api/services/dashboard/
// from the store and the read model only (never by asking a workflow); this file wires them up.
import { listOpenCaseTasks } from '../../store/cases';
import { z } from 'zod';
import type { IsoDate } from '../../domain/types';
import { flagViewer } from '../auth/safeguarding';
import { currentUser } from '../auth/guard';
import { assertSchool } from '../auth/scope';
import type { AppContext, ZodApp } from '../context';
import { notFound } from '../errors';
import { dashboardFigures, mondayOf, RollCache, type DashboardFigures } from '../services/dashboard';
import { caseFigures, type DashboardCases } from '../services/dashboard/cases';
import { dataFeed, type DataFeed } from '../services/dashboard/dataFeed';
import { misConfigured, notifyCarriesEmail } from '../../integrations/connections';
import { isoDate } from './schools';

export type { DashboardTasks } from '../services/dashboard/cases';

/** GET /api/dashboard. */
export interface DashboardAnswer extends Omit<DashboardFigures, 'absence'>, DashboardCases {
  schoolId: string;
  today: IsoDate;
  /** How fresh the registers are, and a failed sync from the MIS. */
  dataFeed: DataFeed;
  absence: DashboardFigures['absence'] & { rule: string };
}

/** Monday of the week holding the date. */
export const weekStartOf = mondayOf;

export async function registerDashboardRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;
  // The roll's figures are the costly part: kept a few seconds per school and day.
  const rollCache = new RollCache(() => ctx.now());

  app.get(
    '/api/dashboard',
    {
      schema: {
        tags: ['dashboard'],
        summary:
          'A school’s figures: cases by stage, absence and its trend beside England’s, breakdowns, who needs attention today, workload ahead, whether interventions worked, approvals, tasks, letters and messages, stage changes',
        querystring: z.object({
          schoolId: z.string().min(1).max(64),
          weeks: z.coerce.number().int().min(1).max(52).default(12).describe('Weeks of stage changes'),
          today: isoDate.optional().describe('Defaults to today in the school’s time zone'),
        }),
      },
    },
    async (req): Promise<DashboardAnswer> => {
      const user = currentUser(req);
      const { schoolId, weeks } = req.query;
      assertSchool(user, schoolId, 'No such school');
      const today = req.query.today ?? ctx.today();
      // One read of the open tasks for every figure that counts them (cases, attention, workload).
      const openTasks = await listOpenCaseTasks(db, [schoolId]);
      const figures = await dashboardFigures({
        db,
        cache: rollCache,
        schoolId,
        today,
        viewer: await flagViewer(db, req, user),
        config: ctx.config,
        notifyEmail: await notifyCarriesEmail(db, ctx.config, schoolId),
        openTasks,
      });
      if (!figures) throw notFound('No such school');

      const cases = await caseFigures(db, schoolId, today, weeks, openTasks);

      return {
        schoolId,
        today,
        ...cases,
        absence: {
          ...figures.absence,
          rule: 'Persistent absence: absence of 10% or more of the pupil’s own possible sessions (attendance of 90% or below). Severe absence: 50% or more.',
        },
        trend: figures.trend,
        national: figures.national,
        breakdowns: figures.breakdowns,
        attention: figures.attention,
        workload: figures.workload,
        interventions: figures.interventions,
        mail: figures.mail,
        dataFeed: await dataFeed(db, schoolId, ctx.now(), await misConfigured(db, ctx.config, schoolId)),
      };
    },
  );
}
