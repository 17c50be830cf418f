// "Now" for an activity: the instant its workflow considers now. An activity must not read the
// machine's clock for decisions such as "never book a meeting in the past": a case that previews a
// policy runs on a shifted clock (CaseSettings.simulation, on the time-skipping server's virtual
// time), where today is a school day of last year, and the machine's clock would put every slot of
// that year in the past. Nor may it switch the guard off (the old epoch clock of the simulations),
// or a meeting could be booked before the case's own today.
//
// So the clock comes from the running activity: the server's time when this attempt was scheduled
// (virtual time on the time-skipping server), shifted exactly as the workflow shifts its own clock
// (nowMs() in workflows/attendanceCase.ts). In production there is no shift: it is the server's
// time. Outside an activity (unit tests, scripts) the injected clock, else the machine's, is used.
import { asyncLocalStorage } from '@temporalio/activity';
import { instantOfSchoolTime } from '../domain/time';
import type { CaseSettings } from '../workflows/attendanceCase';

export interface ClockDeps {
  /** Outside an activity only: the clock to use (tests pin it). Default: the machine's clock. */
  now?: () => Date;
  /** The workers' case settings: their `simulation` shifts the clock as it shifts the workflows'. */
  caseSettings?: Pick<CaseSettings, 'timeZone' | 'checkTime' | 'simulation'>;
}

export function activityClock(deps: ClockDeps): () => Date {
  return () => {
    const ctx = asyncLocalStorage.getStore();
    if (!ctx) return deps.now?.() ?? new Date();
    return new Date(workflowNowMs(ctx.info.currentAttemptScheduledTimestampMs, deps.caseSettings));
  };
}

/** The workflow's "now" at server time `serverMs`: shifted in a simulation, as is otherwise. */
function workflowNowMs(
  serverMs: number,
  settings: Pick<CaseSettings, 'timeZone' | 'checkTime' | 'simulation'> | undefined,
): number {
  const sim = settings?.simulation;
  if (!sim) return serverMs;
  const elapsed = serverMs - sim.realStartMs;
  return (
    instantOfSchoolTime(sim.simStart, settings.checkTime, settings.timeZone) +
    (sim.rate ? elapsed * sim.rate : elapsed)
  );
}
