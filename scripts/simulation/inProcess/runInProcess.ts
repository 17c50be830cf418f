// A what-if run in this process: the school's real sweep and its cases' own code (workflows/case/run.ts)
// over simulated school days, with no Temporal server. Same inputs and result as runSimulation (the
// full-fidelity run on the time-skipping server), and the same steps each day: the clock moves to
// just after the day's check time (cases wake on their timers on the way), the sweep runs, then the
// simulated team approves and does its tasks. The activities are the real ones over a private copy
// of the school held in memory (store/memory/memoryStore.ts); letters are recorded, never sent.
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type Activities } from '../../../activities';
import type { Delivery, NewCaseSettings } from '../../../activities/caseData';
import { buildCalendar } from '../../../domain/calendar';
import { instantOfSchoolTime, schoolDateAt } from '../../../domain/time';
import { RecordingMailer } from '../../../messaging/fakes';
import { renderLetterPdf } from '../../../letters/pdf';
import { listCasesAwaitingApproval, listOpenCaseTasks } from '../../../store/cases';
import { memoryDb } from '../../../store/db';
import { MemoryStore } from '../../../store/memory/memoryStore';
import { getSchool } from '../../../store/schools';
import type { CaseActivities } from '../../../workflows/case/acts';
import type { SchoolClock } from '../../../workflows/case/clock';
import { CURRENT_ENGINE, type AttendanceCaseInput, type CaseSettings } from '../../../workflows/caseInput';
import {
  completeTask,
  decideStep,
  factsUpdated,
  type StepDecision,
  type TaskOutcome,
} from '../../../workflows/caseMessages';
import {
  approvesUnder,
  simulatedCases,
  simulationResult,
  SIMULATED_CASE_SETTINGS,
  SIMULATION_TEAM,
  snapshotSchool,
  type SimulationOptions,
  type SimulationResult,
} from '../runSimulation';
import { usualOutcome } from '../team';
import { CaseHost } from './caseHost';
import { SchoolTime } from './schoolTime';

const TASK_QUEUE = 'in-process';
/** Activity logs below a warning stay quiet: stdout is the simulation's own output. */
const quietLogger = new DefaultLogger('WARN', (e) =>
  process.stderr.write(`[what-if] ${e.level} ${e.message}\n`),
);

export type InProcessOptions = Omit<SimulationOptions, 'store' | 'team' | 'handOver'>;

/**
 * A what-if prints nothing: each letter's words are kept and counted, and its printed copy (and an
 * evidence pack's own PDF) is this one page, made once, saying so. Printing took about a tenth of a
 * run. A run that writes evidence packs (`evidenceDir`) prints the real letters and packs.
 */
let notPrinted: Promise<Buffer> | null = null;
const placeholderPdf = (): Promise<Buffer> =>
  (notPrinted ??= renderLetterPdf(
    {
      subject: 'Not printed',
      salutation: '',
      blocks: [
        { type: 'paragraph', text: 'A policy what-if keeps the words of this letter; it prints no copy.' },
      ],
      signOff: '',
      signature: [],
    },
    { schoolName: 'What-if', dateText: '' },
  ));

export async function runInProcess(opts: InProcessOptions): Promise<SimulationResult> {
  const wallStart = Date.now();
  const store = new MemoryStore();
  const db = memoryDb(store);
  try {
    const upnById = store.loadSchool(await snapshotSchool(opts.source, opts.schoolId));
    const school = (await getSchool(db, opts.schoolId))!;
    const calendar = buildCalendar(school.calendar);
    const days = calendar.schoolDaysBetween(opts.from, opts.to);
    if (days.length === 0) throw new Error(`no school days between ${opts.from} and ${opts.to}`);

    // As runSimulation's, without the shift of a server's clock: here the clock is the school's.
    const settings: CaseSettings = SIMULATED_CASE_SETTINGS;
    const time = new SchoolTime(instantOfSchoolTime(days[0]!, settings.checkTime, settings.timeZone));
    const clock: SchoolClock = {
      nowMs: () => time.nowMs,
      today: () => schoolDateAt(time.nowMs, settings.timeZone),
      checkInstant: (date) => instantOfSchoolTime(date, settings.checkTime, settings.timeZone),
      msUntilCheckOn: (date) =>
        Math.max(0, instantOfSchoolTime(date, settings.checkTime, settings.timeZone) - time.nowMs),
    };

    const cases = new Map<string, CaseHost>();
    const activities: Activities = createActivities({
      db,
      mailer: new RecordingMailer(),
      mailFrom: 'simulation@school.invalid',
      taskQueue: TASK_QUEUE,
      caseSettings: settings,
      policyForSchool: async () => opts.policy,
      deliverFigures: (d, to) => Promise.resolve(deliver(d, to)),
      ...(opts.evidenceDir ? {} : { renderLetterPdf: placeholderPdf, renderEvidencePdf: placeholderPdf }),
    });

    /** Runs an activity as a worker would: in an activity context whose clock is the school's. */
    const run = <A extends unknown[], R>(
      name: string,
      workflowId: string,
      fn: (...a: A) => Promise<R>,
      args: A,
      attempt = 1,
    ) =>
      new MockActivityEnvironment(
        {
          activityType: name,
          attempt,
          currentAttemptScheduledTimestampMs: time.nowMs,
          scheduledTimestampMs: time.nowMs,
          workflowExecution: { workflowId, runId: 'in-process' },
          workflowType: 'attendanceCase',
        },
        { logger: quietLogger },
      ).run(fn, ...args);

    /** The case's activities: data ones fail the run when they fail; sends retry as their policy says. */
    const actsFor = (host: CaseHost): CaseActivities => {
      const attempts = settings.sendAttempts ?? 5;
      const bind = (retries: boolean) =>
        new Proxy({} as CaseActivities['data'], {
          get: (_, name: string) => {
            const fn = (activities as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name];
            if (!fn) throw new Error(`no activity ${name}`);
            return async (...args: unknown[]) => {
              try {
                for (let attempt = 1; ; attempt++) {
                  try {
                    return await run(name, host.caseId, fn, args, attempt);
                  } catch (err) {
                    const final =
                      !retries ||
                      attempt >= attempts ||
                      (err instanceof ApplicationFailure && err.nonRetryable);
                    if (!final) continue;
                    if (!retries) throw err;
                    const e = err instanceof Error ? err : new Error(String(err));
                    const cause =
                      e instanceof ApplicationFailure
                        ? e
                        : ApplicationFailure.create({ message: e.message, type: e.name });
                    throw new ActivityFailure(
                      'Activity task failed',
                      name,
                      undefined,
                      e instanceof ApplicationFailure && e.nonRetryable
                        ? RetryState.NON_RETRYABLE_FAILURE
                        : RetryState.MAXIMUM_ATTEMPTS_REACHED,
                      'in-process',
                      cause,
                    );
                  }
                }
              } finally {
                time.touch(host);
              }
            };
          },
        });
      return { data: bind(false), sends: bind(true) } as CaseActivities;
    };

    /** The sweep's figures: new figures to a running case, or a new case started with them. */
    const deliver = (d: Delivery, to: NewCaseSettings): void => {
      const existing = cases.get(d.caseId);
      if (d.kind === 'signal' || existing) {
        existing?.signal(factsUpdated.name, d.update);
        return;
      }
      const host = new CaseHost(d.caseId, { time, clock, acts: actsFor });
      cases.set(d.caseId, host);
      const input: AttendanceCaseInput = {
        caseId: d.caseId,
        schoolId: to.schoolId,
        pupilId: d.pupilId,
        policy: to.policy,
        settings: to.settings,
        engine: CURRENT_ENGINE,
      };
      // As signal-with-start: the case registers its handlers, then takes the figures.
      host.start(JSON.parse(JSON.stringify(input)) as AttendanceCaseInput);
      host.signal(factsUpdated.name, d.update);
    };

    /** Sends a case an update as the team, and waits until every case is quiet again. */
    const ask = async (caseId: string, name: string, arg: unknown): Promise<void> => {
      const host = cases.get(caseId);
      if (!host) throw new Error(`the read model has a case this run did not open: ${caseId}`);
      let refused: unknown = null;
      const answer = host.update(name, arg).catch((err: unknown) => {
        refused = err;
      });
      await time.settle();
      await answer;
      if (refused) throw new Error(`${name} on ${caseId} was refused`, { cause: refused });
    };

    for (const [i, day] of days.entries()) {
      await time.advanceTo(instantOfSchoolTime(day, settings.checkTime, settings.timeZone) + 60_000);
      await run('sweepSchool', `sweep-${opts.schoolId}-${day}`, activities.sweepSchool, [
        { schoolId: opts.schoolId, asOf: day },
      ]);
      await time.settle();
      if (opts.approve !== 'none') {
        for (const { caseId, view } of await listCasesAwaitingApproval(db, [opts.schoolId])) {
          for (const p of view.pending) {
            if (!approvesUnder(opts.approve, p, opts.policy)) continue;
            const decision: StepDecision = {
              proposalId: p.proposalId,
              decision: 'approve',
              actor: SIMULATION_TEAM,
              ...(p.plan ? { planHash: p.plan.hash } : {}),
            };
            await ask(caseId, decideStep.name, decision);
          }
        }
        for (const { caseId, task } of await listOpenCaseTasks(db, [opts.schoolId])) {
          if (task.purpose === 'calendar') continue;
          const outcome: TaskOutcome = {
            actor: SIMULATION_TEAM,
            taskId: task.taskId,
            outcome: usualOutcome(task),
          };
          await ask(caseId, completeTask.name, outcome);
        }
      }
      opts.onDay?.(day, i, days.length);
    }
    await time.settle();

    return simulationResult(opts.schoolId, days, upnById, await simulatedCases(db, opts, upnById), wallStart);
  } finally {
    await db.close();
  }
}
