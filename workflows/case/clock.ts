// The case's clock in school terms. A workflow's Date.now() is the time of its current task
// (deterministic on replay); a simulation shifts it so a school day of last year falls now.
import { instantOfSchoolTime, schoolDateAt } from '../../domain/time';
import type { IsoDate } from '../../domain/types';
import type { CaseSettings } from '../caseInput';
import type { CaseClock } from './entity';

export interface SchoolClock extends CaseClock {
  /** Milliseconds from now until the case's check time on `date` (0 when that is past). */
  msUntilCheckOn(date: IsoDate): number;
  /** The instant of the check time on `date`. */
  checkInstant(date: IsoDate): number;
}

export function caseClock(settings: CaseSettings): SchoolClock {
  const sim = settings.simulation;
  const nowMs = (): number =>
    sim
      ? instantOfSchoolTime(sim.simStart, settings.checkTime, settings.timeZone) +
        (sim.rate ? (Date.now() - sim.realStartMs) * sim.rate : Date.now() - sim.realStartMs)
      : Date.now();
  const checkInstant = (date: IsoDate) => instantOfSchoolTime(date, settings.checkTime, settings.timeZone);
  return {
    nowMs,
    today: () => schoolDateAt(nowMs(), settings.timeZone),
    checkInstant,
    // A sped-up clock (simulation.rate) waits the real time that passes that much school time.
    msUntilCheckOn: (date) =>
      sim?.rate
        ? Math.max(0, Math.ceil((checkInstant(date) - nowMs()) / sim.rate))
        : Math.max(0, checkInstant(date) - nowMs()),
  };
}
