// Work for people that a case creates: home visits, class-teacher conversations, referrals, council
// notifications, penalty-notice consideration. Idempotent on the workflow's taskId.
import type { IsoDate } from '../domain/types';
import { serviceLog, type CaseServicesDeps } from '../messaging/deps';
import { getStaffTask, insertStaffTask } from '../store/caseServices';

export interface CreateStaffTaskInput {
  taskId: string;
  caseId: string;
  schoolId: string;
  pupilId: string;
  stageId: string;
  stepId: string;
  /** The step kind (homeVisit, referral, councilNotification, penaltyNoticeConsideration, ...). */
  kind: string;
  title: string;
  dueOn: IsoDate;
  notes?: string;
  /** Engine 2: who it is for, a user id or 'team' / 'manager'. */
  owner?: string;
}

export interface CreateStaffTaskResult {
  taskId: string;
  /** False when a previous attempt had already created it. */
  created: boolean;
}

export function createStaffTaskActivities(deps: Pick<CaseServicesDeps, 'db' | 'logger'>) {
  const { db } = deps;
  return {
    async createStaffTask(input: CreateStaffTaskInput): Promise<CreateStaffTaskResult> {
      const created = await insertStaffTask(db, {
        id: input.taskId,
        caseId: input.caseId,
        schoolId: input.schoolId,
        pupilId: input.pupilId,
        stageId: input.stageId,
        stepId: input.stepId,
        kind: input.kind,
        title: input.title,
        dueOn: input.dueOn,
        notes: input.notes ?? null,
        owner: input.owner ?? null,
      });
      if (!created && !(await getStaffTask(db, input.taskId))) {
        throw new Error(`staff task ${input.taskId} was neither created nor found`);
      }
      serviceLog({ ...deps, mailer: null }).info('staff task created', {
        taskId: input.taskId,
        caseId: input.caseId,
        kind: input.kind,
        created,
      });
      return { taskId: input.taskId, created };
    },
  };
}
