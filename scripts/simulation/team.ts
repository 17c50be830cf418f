// The attendance team's part in a what-if simulation (and in the scenario tests' busy days):
// approve what is proposed and do every task the cases create, with the outcome a task has when
// it goes to plan (the call made, the visit done, the contract signed).
import type { Client } from '@temporalio/client';
import { listOpenCaseTasks } from '../../store/cases';
import type { Db } from '../../store/db';
import { waitUntilQuiet, withDeadline } from '../../temporal/quiescence';
import { completeTask, type Actor, type CaseTask } from '../../workflows/caseMessages';

/** The outcome of a task that went to plan: the first that completes it. */
export function usualOutcome(task: CaseTask): string {
  return (task.outcomes.find((o) => o.completesStep) ?? task.outcomes[0]!).id;
}

/**
 * Records the usual outcome of every open task on the schools' active cases, except waiting for
 * next year's calendar (only an import ends that). Cases are quiet when this runs; each is quiet
 * again before it returns. Returns how many tasks were done.
 */
export async function doOpenTasks(
  db: Db,
  client: Client,
  opts: { schoolIds: string[] | null; actor: Actor; on?: string; timeoutMs: number },
): Promise<number> {
  let done = 0;
  for (const { caseId, task } of await listOpenCaseTasks(db, opts.schoolIds)) {
    if (task.purpose === 'calendar') continue;
    await withDeadline(
      client.workflow.getHandle(caseId).executeUpdate(completeTask, {
        args: [
          {
            actor: opts.actor,
            taskId: task.taskId,
            outcome: usualOutcome(task),
            ...(opts.on ? { on: opts.on } : {}),
          },
        ],
      }),
      opts.timeoutMs,
      `the outcome of "${task.title}" on ${caseId}`,
    );
    await waitUntilQuiet(client, caseId, { timeoutMs: opts.timeoutMs });
    done++;
  }
  return done;
}
