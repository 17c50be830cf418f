// What a policy would do, counted from a simulation's cases: per school week and in total, the cases
// it opens (by the stage they open at), the letters it writes (by template), the meetings and home
// visits it books and the staff hours they take, the referrals to the council, the penalty-notice
// considerations, and the families it reaches. Counted from the cases' own timelines, so a count is
// exactly what a real case would have recorded on those days (docs/what-if.md).
import type { Policy, Step } from '../../../domain/policy/schema';
import { REFERRAL_STEP_KINDS } from '../../../domain/stepRoute';
import type { IsoDate } from '../../../domain/types';
import type { StepKind } from '../../../domain/caseTypes';
import { WRITTEN, type SimulatedCase, type SimulationResult } from '../runSimulation';

/**
 * Staff time a step takes when its policy does not say (`staffMinutes`): a support or panel meeting
 * is about an hour with its preparation and notes; a home visit is longer with the travel. Letters
 * and tasks take time too, but no figure for them would be better than a guess.
 */
export const DEFAULT_STAFF_MINUTES: Partial<Record<StepKind, number>> = { meeting: 60, homeVisit: 90 };

export interface WhatIfCounts {
  /** Cases opened, by the stage they opened at. */
  casesOpened: Record<string, number>;
  /** Letters and messages written to families (a meeting's invitation among them), by template. */
  letters: Record<string, number>;
  /** Of those, how many would have been held for a person (no address, a safeguarding flag…). */
  held: number;
  meetings: number;
  homeVisits: number;
  /** The staff time the steps carried out take, from the policy's `staffMinutes` or the defaults. */
  staffHours: number;
  /** Referral steps reached: a council referral, notification or Statutory Intervention Request. */
  referrals: number;
  penaltyNoticeConsiderations: number;
  /** Different pupils whose families were sent something (a letter, message or invitation). */
  familiesReached: number;
}

export interface WhatIfWeek extends WhatIfCounts {
  /** The Monday of the school week. */
  weekOf: IsoDate;
}

/** One pupil's route: the stages the case entered and the steps it carried out, in order. */
export interface PupilRoute {
  upn: string;
  milestones: Milestone[];
}

export interface Milestone {
  date: IsoDate;
  /** `stage`: the case opened at or moved to a stage; `step`: a step was carried out; `closed`. */
  kind: 'stage' | 'step' | 'closed';
  /** The stage's or step's name as the policy gives it (for managers, never for a family). */
  name: string;
  /** Why, where the case recorded it (the rules that held). */
  why?: string;
}

export interface WhatIfReport {
  policy: { id: string; name: string; version: string | number };
  schools: string[];
  from: IsoDate;
  to: IsoDate;
  pupils: number;
  weeks: WhatIfWeek[];
  total: WhatIfCounts & {
    /** Where the cases stand at the end of the period: open cases by stage. */
    openAtEnd: Record<string, number>;
  };
  routes: PupilRoute[];
  wallSeconds: number;
}

/** Events by which a step is carried out (one step may write several: sent by e-mail and to post). */
const STEP_DONE = new Set([...WRITTEN, 'taskCreated', 'councilNotified', 'stepFailed']);
const HELD = new Set(['letterHeld', 'messageHeld']);

/** The Monday of the week `date` falls in. */
export function weekOf(date: IsoDate): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

function emptyCounts(): WhatIfCounts {
  return {
    casesOpened: {},
    letters: {},
    held: 0,
    meetings: 0,
    homeVisits: 0,
    staffHours: 0,
    referrals: 0,
    penaltyNoticeConsiderations: 0,
    familiesReached: 0,
  };
}

const bump = (m: Record<string, number>, key: string, by = 1) => {
  m[key] = (m[key] ?? 0) + by;
};

function stepsOf(policy: Policy): Map<string, Step> {
  return new Map(policy.stages.flatMap((st) => st.steps.map((s) => [`${st.id}/${s.id}`, s] as const)));
}

/** A tally of one period (a week, or the whole run): families are counted once however often written to. */
class Tally {
  readonly counts = emptyCounts();
  private readonly families = new Set<string>();
  private readonly written = new Map<string, { template: string; held: boolean }>();

  reached(upn: string) {
    this.families.add(upn);
  }
  /** A piece of writing (by its store id): held only if every delivery of it was held. */
  wrote(ref: string, template: string, held: boolean) {
    const seen = this.written.get(ref);
    this.written.set(ref, { template, held: held && (seen?.held ?? true) });
  }
  done(): WhatIfCounts {
    for (const { template, held } of this.written.values()) {
      bump(this.counts.letters, template);
      if (held) this.counts.held++;
    }
    this.counts.familiesReached = this.families.size;
    this.counts.staffHours = Math.round(this.counts.staffHours * 100) / 100;
    return this.counts;
  }
}

/** The counts and routes of one simulation run (or several schools' runs under the same policy). */
/**
 * A run as whatIfReport reads it, and no more: each event's kind, day, stage, step, template, store
 * reference and first reason, and how many people each letter went to. The words of every event
 * and letter are dropped: a council's year is millions of them, which the report never reads and
 * which, kept until the last school finished, would not fit in memory.
 */
export function forReport(run: SimulationResult): SimulationResult {
  return {
    ...run,
    cases: run.cases.map((c) => ({
      upn: c.upn,
      caseId: c.caseId,
      stage: c.stage,
      status: c.status,
      events: c.events.map((e) => ({
        at: '',
        date: e.date,
        type: e.type,
        stageId: e.stageId,
        text: '',
        ...(e.stepId ? { stepId: e.stepId } : {}),
        ...(e.template ? { template: e.template } : {}),
        ...(e.ref ? { ref: e.ref } : {}),
        ...(e.reasons?.length ? { reasons: e.reasons.slice(0, 1) } : {}),
        ...(e.letter
          ? {
              letter: {
                subject: '',
                text: '',
                recipients: e.letter.recipients.map((r) => ({ channel: r.channel })),
              },
            }
          : {}),
      })),
    })),
  };
}

export function whatIfReport(policy: Policy, runs: SimulationResult[]): WhatIfReport {
  if (runs.length === 0) throw new Error('a what-if report needs at least one run');
  const steps = stepsOf(policy);
  const stageName = new Map(policy.stages.map((s) => [s.id, s.name]));
  const weeks = new Map<IsoDate, Tally>();
  const total = new Tally();
  const openAtEnd: Record<string, number> = {};
  const routes: PupilRoute[] = [];
  // Every week of the period is reported, a quiet one as zeros, so charts and CSV have no gaps.
  for (const run of runs) {
    for (let d = weekOf(run.from); d <= run.to; d = addDays(d, 7))
      if (!weeks.has(d)) weeks.set(d, new Tally());
  }

  for (const run of runs) {
    for (const c of run.cases) {
      routes.push({ upn: c.upn, milestones: milestonesOf(c, steps, stageName) });
      if (c.status !== 'closed' && c.stage) bump(openAtEnd, c.stage);
      const performed = new Set<string>();
      for (const e of c.events) {
        const tallies = [weeks.get(weekOf(e.date))!, total];
        if (e.type === 'opened' && e.stageId) for (const t of tallies) bump(t.counts.casesOpened, e.stageId);
        if (WRITTEN.has(e.type) && e.ref && (e.type !== 'meetingBooked' || e.template)) {
          const held = HELD.has(e.type) || (e.letter?.recipients.length ?? 0) === 0;
          for (const t of tallies) {
            t.wrote(`${c.caseId}/${e.ref}`, e.template ?? e.stepId ?? e.type, held);
            if (!held) t.reached(c.upn);
          }
        }
        if (!STEP_DONE.has(e.type) || !e.stepId || !e.stageId) continue;
        // One step carried out once, however many lines it wrote that day.
        const key = `${e.stageId}/${e.stepId}@${e.date}`;
        if (performed.has(key)) continue;
        performed.add(key);
        const step = steps.get(`${e.stageId}/${e.stepId}`);
        if (!step) continue;
        const minutes = step.staffMinutes ?? DEFAULT_STAFF_MINUTES[step.kind] ?? 0;
        for (const t of tallies) {
          if (e.type === 'meetingBooked') {
            if (step.kind === 'homeVisit') t.counts.homeVisits++;
            else t.counts.meetings++;
          }
          if (REFERRAL_STEP_KINDS.has(step.kind)) t.counts.referrals++;
          if (step.kind === 'penaltyNoticeConsideration') t.counts.penaltyNoticeConsiderations++;
          t.counts.staffHours += minutes / 60;
        }
      }
    }
  }

  return {
    policy: { id: policy.id, name: policy.name, version: policy.version },
    schools: runs.map((r) => r.schoolId),
    from: runs.map((r) => r.from).sort()[0]!,
    to: runs
      .map((r) => r.to)
      .sort()
      .at(-1)!,
    pupils: runs.reduce((n, r) => n + r.pupils, 0),
    weeks: [...weeks.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([w, t]) => ({ weekOf: w, ...t.done() })),
    total: { ...total.done(), openAtEnd },
    routes: routes.sort((a, b) => a.upn.localeCompare(b.upn)),
    wallSeconds: runs.reduce((s, r) => s + r.wallSeconds, 0),
  };
}

function addDays(date: IsoDate, days: number): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The stages a case entered and the steps it carried out, named as the policy names them. */
function milestonesOf(
  c: SimulatedCase,
  steps: Map<string, Step>,
  stageName: Map<string, string>,
): Milestone[] {
  const out: Milestone[] = [];
  const seen = new Set<string>();
  for (const e of c.events) {
    // The first reason is the rule that moved the case; the rest (monitoring dates…) are detail.
    const why = e.reasons?.[0]?.text;
    if ((e.type === 'opened' || e.type === 'stageChanged') && e.stageId) {
      out.push({
        date: e.date,
        kind: 'stage',
        name: stageName.get(e.stageId) ?? e.stageId,
        ...(why ? { why } : {}),
      });
    } else if (e.type === 'closed') {
      out.push({ date: e.date, kind: 'closed', name: 'Case closed', ...(why ? { why } : {}) });
    } else if (STEP_DONE.has(e.type) && e.stepId && e.stageId) {
      const key = `${e.stageId}/${e.stepId}@${e.date}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        date: e.date,
        kind: 'step',
        name: steps.get(`${e.stageId}/${e.stepId}`)?.title ?? e.stepId,
      });
    }
  }
  return out;
}
