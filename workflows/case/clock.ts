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
  const nowMs = (): number =>
    settings.simulation
      ? instantOfSchoolTime(settings.simulation.simStart, settings.checkTime, settings.timeZone) +
        (Date.now() - settings.simulation.realStartMs)
      : Date.now();
  const checkInstant = (date: IsoDate) => instantOfSchoolTime(date, settings.checkTime, settings.timeZone);
  return {
    nowMs,
    today: () => schoolDateAt(nowMs(), settings.timeZone),
    checkInstant,
    msUntilCheckOn: (date) => Math.max(0, checkInstant(date) - nowMs()),
  };
}
