// Test helpers: a tiny school calendar (weekdays minus holidays), a PupilFacts factory and a case
// simulator that drives decide() the way the attendanceCase workflow does.
import {
  applyDecision,
  completeStep,
  decide,
  emptyCaseState,
  recordOutcome,
  type DecideOptions,
} from '../decide';
import type { SchoolDays } from '../calendarPort';
import type { Policy } from '../schema';
import type { CaseState, CompletedStep, Decision, OutcomeKind } from '../../caseTypes';
import type {
  IllnessSignals,
  IsoDate,
  PenaltyThresholdFacts,
  PupilFacts,
  PupilFlag,
  StatsWindowKind,
  WindowStats,
} from '../../types';

const DAY = 86_400_000;
const toMs = (d: IsoDate) =>
  Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)));
const fromMs = (ms: number): IsoDate => new Date(ms).toISOString().slice(0, 10);
export const addDays = (d: IsoDate, n: number): IsoDate => fromMs(toMs(d) + n * DAY);
const weekday = (d: IsoDate) => new Date(toMs(d)).getUTCDay(); // 0 Sunday

/** Weekdays are school days except the listed holidays (single dates or inclusive ranges). */
export function schoolDays(holidays: (IsoDate | [IsoDate, IsoDate])[] = []): SchoolDays {
  const off = new Set<IsoDate>();
  for (const h of holidays) {
    if (typeof h === 'string') off.add(h);
    else for (let d = h[0]; d <= h[1]; d = addDays(d, 1)) off.add(d);
  }
  const isSchoolDay = (d: IsoDate) => weekday(d) !== 0 && weekday(d) !== 6 && !off.has(d);
  const monday = (d: IsoDate) => addDays(d, -((weekday(d) + 6) % 7));
  const weekHasSchool = (mon: IsoDate) => [0, 1, 2, 3, 4].some((i) => isSchoolDay(addDays(mon, i)));
  return {
    isSchoolDay,
    addSchoolDays(d, n) {
      let day = d;
      while (!isSchoolDay(day)) day = addDays(day, 1);
      for (let i = 0; i < n; i++) {
        day = addDays(day, 1);
        while (!isSchoolDay(day)) day = addDays(day, 1);
      }
      return day;
    },
    addSchoolWeeks(d, n) {
      let mon = monday(d);
      for (let i = 0; i < n; i++) {
        mon = addDays(mon, 7);
        while (!weekHasSchool(mon)) mon = addDays(mon, 7);
      }
      const wanted = addDays(mon, (weekday(d) + 6) % 7);
      let pick: IsoDate | null = null;
      for (let i = 0; i < 5; i++) {
        const day = addDays(mon, i);
        if (isSchoolDay(day) && (pick === null || day <= wanted)) pick = day;
        if (day >= wanted && pick !== null) break;
      }
      return pick!;
    },
  };
}

/** Autumn 2026: term from Wed 2 September, half term 26–30 October, Christmas from 21 December. */
export const autumn2026 = schoolDays([
  ['2026-07-22', '2026-09-01'],
  ['2026-10-26', '2026-10-30'],
  ['2026-12-21', '2027-01-01'],
]);

function windowStats(kind: StatsWindowKind, to: IsoDate, over: Partial<WindowStats>): WindowStats {
  const possible = over.possible ?? 100;
  const pct = over.attendancePct === undefined ? 100 : over.attendancePct;
  const absent = pct === null ? 0 : Math.round(((100 - pct) / 100) * possible);
  const from = { rolling10: addDays(to, -70), halfTerm: '2026-11-02', term: '2026-09-02', ytd: '2026-09-02' }[
    kind
  ];
  return {
    kind,
    from,
    to,
    schoolWeeks: 10,
    possible,
    present: possible - absent,
    approvedActivity: 0,
    authorised: absent,
    unauthorised: 0,
    unexplained: 0,
    lateBeforeClose: 0,
    lateAfterClose: 0,
    unmarked: 0,
    attendancePct: pct,
    absencePct: pct === null ? null : Math.round((100 - pct) * 100) / 100,
    daysMissed: absent / 2,
    lessonsMissed: (absent / 2) * 5,
    persistentAbsence: pct !== null && pct <= 90,
    severeAbsence: pct !== null && pct <= 50,
    ...over,
  };
}

export interface FactsOverrides {
  asOf?: IsoDate;
  /** Shortcut: rolling 10 school weeks attendance %. */
  attendance?: number | null;
  rolling10?: Partial<WindowStats>;
  halfTerm?: Partial<WindowStats>;
  term?: Partial<WindowStats>;
  ytd?: Partial<WindowStats>;
  flags?: PupilFlag[];
  onRoll?: boolean;
  penalty?: Partial<PenaltyThresholdFacts>;
  illness?: Partial<IllnessSignals>;
  upn?: string;
  pupilId?: string;
  /** The school days the figures gave an N before counting it (engine 2's figures carry it). */
  unexplainedGraceDays?: number;
}

/** PupilFacts for one pupil: 100% everywhere unless told otherwise. */
export function factsWith(o: FactsOverrides = {}): PupilFacts {
  const asOf = o.asOf ?? '2026-11-20';
  const r10: Partial<WindowStats> = {
    ...(o.attendance !== undefined ? { attendancePct: o.attendance } : {}),
    ...o.rolling10,
  };
  return {
    schoolId: 'school-1',
    pupilId: o.pupilId ?? 'pupil-1',
    upn: o.upn ?? 'A123456789012',
    asOf,
    yearGroup: 5,
    flags: o.flags ?? [],
    onRoll: o.onRoll ?? true,
    windows: {
      rolling10: windowStats('rolling10', asOf, r10),
      halfTerm: windowStats('halfTerm', asOf, o.halfTerm ?? {}),
      term: windowStats('term', asOf, o.term ?? {}),
      ytd: windowStats('ytd', asOf, o.ytd ?? {}),
    },
    penaltyThreshold: {
      met: false,
      sessions: 0,
      threshold: 10,
      windowSchoolWeeks: 10,
      from: addDays(asOf, -70),
      to: asOf,
      countingCodes: ['G', 'N', 'O', 'U'],
      ...o.penalty,
    },
    longestUnauthorisedRunDays: 0,
    currentUnauthorisedRunDays: 0,
    illness: {
      illnessSessions: 0,
      mondayFridayShare: 0,
      besideHolidayShare: 0,
      clustered: false,
      ...o.illness,
    },
    trend: { previous: null, changePct: null, direction: 'unknown' },
    ...(o.unexplainedGraceDays !== undefined ? { unexplainedGraceDays: o.unexplainedGraceDays } : {}),
  };
}

/** Drives decide() the way the attendanceCase workflow does, recording every decision. */
export class CaseSim {
  state: CaseState;
  log: { today: IsoDate; decision: Decision }[] = [];

  constructor(
    readonly policy: Policy,
    readonly calendar: SchoolDays = autumn2026,
    state: CaseState = emptyCaseState(),
    /** How the case's engine asks (`{ engine: 2 }`); engine 1 when absent. */
    readonly options: DecideOptions = {},
  ) {
    this.state = state;
  }

  /** One decision, applied to the state (stage change, new window, skipped steps). */
  decide(today: IsoDate, facts: PupilFacts): Decision {
    const decision = decide(this.policy, this.state, facts, today, this.calendar, this.options);
    this.state = applyDecision(this.policy, this.state, decision, facts, today);
    this.log.push({ today, decision });
    return decision;
  }

  /** The workflow loop for one day: decide, do every due step, decide again until nothing is due. */
  day(today: IsoDate, facts: PupilFacts): { decisions: Decision[]; done: string[]; last: Decision } {
    const decisions: Decision[] = [];
    const done: string[] = [];
    for (let i = 0; i < 20; i++) {
      const d = this.decide(today, facts);
      decisions.push(d);
      if (d.change === 'close' || (d.stepsDue.length === 0 && (d.stepsSkipped ?? []).length === 0)) break;
      for (const step of d.stepsDue) {
        this.complete(step.stepId, today, facts);
        done.push(step.stepId);
      }
    }
    return { decisions, done, last: decisions[decisions.length - 1]! };
  }

  complete(stepId: string, on: IsoDate, facts: PupilFacts, result: CompletedStep['result'] = 'done'): void {
    this.state = completeStep(this.policy, this.state, { stepId, result, on }, facts, this.calendar);
  }

  outcome(kind: OutcomeKind, on: IsoDate, stepId?: string): void {
    this.state = recordOutcome(this.state, { kind, on, ...(stepId ? { stepId } : {}) });
  }

  get stage(): string | null {
    return this.state.stageId;
  }
}

export const stepIds = (d: Decision) => d.stepsDue.map((s) => s.stepId);
export const skippedIds = (d: Decision) => (d.stepsSkipped ?? []).map((s) => s.stepId);

/** Figures as engine 2's statistics compute them: with the grace counts (none unless told). */
export function engine2Figures(o: FactsOverrides = {}): PupilFacts {
  const zero: Partial<WindowStats> = { illness: 0, unexplainedPastGrace: 0, unexplainedSpells: 0 };
  return factsWith({
    unexplainedGraceDays: 5,
    ...o,
    rolling10: { ...zero, ...o.rolling10 },
    halfTerm: { ...zero, ...o.halfTerm },
    term: { ...zero, ...o.term },
    ytd: { ...zero, ...o.ytd },
  });
}
