// Who in the attendance team is doing a task (migration 0071). Sharing out the team's work is the
// office's arrangement, not the case's: the case keeps saying whose work it is (the team, the
// managers); this says which person has picked it up.
import type { Db } from './db';

export interface TaskAssignee {
  caseId: string;
  taskId: string;
  userId: string;
  name: string;
}

/** The people doing these schools' tasks, by `caseId:taskId`. */
export async function assigneesOf(db: Db, schoolIds: string[] | null): Promise<Map<string, TaskAssignee>> {
  const { rows } = await db.query<{
    case_id: string;
    task_id: string;
    user_id: string;
    display_name: string;
  }>(
    `SELECT a.case_id, a.task_id, a.user_id::text AS user_id, u.display_name
     FROM task_assignees a JOIN users u ON u.id = a.user_id
     WHERE ($1::text[] IS NULL OR a.school_id = ANY($1::text[]))`,
    [schoolIds],
  );
  return new Map(
    rows.map((r) => [
      `${r.case_id}:${r.task_id}`,
      { caseId: r.case_id, taskId: r.task_id, userId: r.user_id, name: r.display_name },
    ]),
  );
}

/** Gives a task to a person, or back to the team (userId null). */
export async function assignTask(
  db: Db,
  a: { taskId: string; caseId: string; schoolId: string; userId: string | null; by: string },
): Promise<void> {
  if (a.userId === null) {
    await db.query('DELETE FROM task_assignees WHERE case_id = $1 AND task_id = $2', [a.caseId, a.taskId]);
    return;
  }
  await db.query(
    `INSERT INTO task_assignees (task_id, case_id, school_id, user_id, assigned_by)
     VALUES ($1, $2, $3, $4::uuid, $5::uuid)
     ON CONFLICT (case_id, task_id) DO UPDATE SET user_id = EXCLUDED.user_id, assigned_by = EXCLUDED.assigned_by,
       assigned_at = now()`,
    [a.taskId, a.caseId, a.schoolId, a.userId, a.by],
  );
}

export interface StaffMember {
  id: string;
  name: string;
  role: 'officer' | 'manager';
}

/** The officers and managers who work for a school: whom its tasks can be given to. */
export async function staffOfSchool(db: Db, schoolId: string): Promise<StaffMember[]> {
  const { rows } = await db.query<{ id: string; display_name: string; role: 'officer' | 'manager' }>(
    `SELECT u.id::text AS id, u.display_name, u.role FROM users u
     WHERE NOT u.disabled AND u.role IN ('officer', 'manager')
       AND (u.all_schools OR EXISTS (SELECT 1 FROM user_schools s WHERE s.user_id = u.id AND s.school_id = $1))
     ORDER BY u.display_name`,
    [schoolId],
  );
  return rows.map((r) => ({ id: r.id, name: r.display_name, role: r.role }));
}
