// "Did interventions work?": for each stage and each kind of step (letter, meeting, home visit,
// contract...), the attendance of the pupils it was used with in the N school weeks before it and
// the N school weeks after, summed over the school.
//
// How it is counted, and why:
// - From the read model only: the stages a case entered (`case_events`) and the steps it carried
//   out with their day (the case state in `cases.view`); the kind of each step from the policy the
//   case ran (published version, else the shipped file). No workflow is asked.
// - The weeks are school weeks from the calendar. The week the step happened in is left out (it is
//   half before, half after); "before" is the N school weeks up to it, "after" the N from the next.
//   A step on a day that is not a school day belongs before the next school week.
// - Only steps with N complete school weeks after them (by today) count; newer ones are "too
//   recent", and said so, never guessed. A pupil with no possible sessions on either side is left out.
// - Each case counts once per stage and kind: the first letter of a stage, say, not each of three.
//   So the "pupils" of a row are the pupils (cases) it counts.
// - Attendance is pooled: sessions attended ÷ possible sessions over everyone counted, both sides,
//   and "improved" counts the pupils whose own attendance after was higher than before.
// This is what happened after each step, not proof the step caused it: attendance also moves with
// the seasons, and a case is opened when attendance is at its worst, so some recovery is expected
// anyway (regression to the mean). The web app says so.
import { toDayNumber } from '../../../domain/calendar';
import { percent1 } from '../../../domain/percent';
import type { Policy } from '../../../domain/policy/schema';
import type { IsoDate } from '../../../domain/types';
import { listCaseHistoriesForEffects } from '../../../store/cases';
import type { Db } from '../../../store/db';
import { policyOfCase } from '../policies';
import { kindLabel } from './labels';
import type { RollFigures } from './roll';

export const EFFECT_WEEKS = 4;

// Each case's policy, by school and version. A published version is never edited and the shipped
// files do not change while the app runs, but finding one that is not published reads and checks
// every shipped file (~0.1 s): so they are kept a minute (a minute, not for ever, because a case
// whose version is neither falls back to the school's latest publication).
const POLICY_TTL_MS = 60_000;
const policyCaches = new WeakMap<Db, Map<string, { at: number; policy: Promise<Policy | null> }>>();

function cachedPolicyOfCase(db: Db, schoolId: string, policyId: string, version: string) {
  const key = `${schoolId}|${policyId}@${version}`;
  const now = Date.now();
  let policyCache = policyCaches.get(db);
  if (!policyCache) policyCaches.set(db, (policyCache = new Map()));
  const hit = policyCache.get(key);
  if (hit && now - hit.at < POLICY_TTL_MS) return hit.policy;
  if (policyCache.size > 256) policyCache.clear();
  const policy = policyOfCase(db, schoolId, policyId, version).catch(() => null);
  policyCache.set(key, { at: now, policy });
  return policy;
}

export interface InterventionRow {
  /** `stage` for entering the stage itself, else the kind of step. */
  kind: string;
  kindLabel: string;
  stageId: string;
  stageName: string;
  /** The stage's position in the policy (1 = least severe); null when the policy no longer has it. */
  stageRank: number | null;
  /** Pupils (cases) counted. */
  pupils: number;
  /** Pooled attendance over the N school weeks before and after. */
  beforePct: number | null;
  afterPct: number | null;
  /** after − before, in percentage points (1 decimal). */
  changePts: number | null;
  /** Pupils whose own attendance after was higher than before. */
  improved: number;
  /** Steps of this kind too recent to judge: fewer than N complete school weeks since. */
  tooRecent: number;
}

export interface DashboardInterventions {
  weeksEachSide: number;
  rows: InterventionRow[];
  /** Steps and stage entries too recent to judge, across all rows. */
  tooRecent: number;
  rule: string;
  caveat: string;
}

interface Acc {
  kind: string;
  stageId: string;
  pupils: number;
  beforeAtt: number;
  beforePoss: number;
  afterAtt: number;
  afterPoss: number;
  improved: number;
  tooRecent: number;
}

export async function interventionEffects(
  db: Db,
  schoolId: string,
  roll: RollFigures,
  weeksEachSide = EFFECT_WEEKS,
): Promise<DashboardInterventions> {
  const cases = await listCaseHistoriesForEffects(db, schoolId);
  const ix = roll.calendar.index;
  const W = roll.weeks.length;
  // The calendar's school-week index -> its position in roll.weeks.
  const firstWeek = W > 0 ? roll.weeks[0]!.index : 0;
  const pupilRow = new Map(roll.snapshot.pupils.map((p, i) => [p.id, i]));

  // Each case's policy: the kind of each step, and its stages' names.
  const policyOf = (policyId: string, version: string) => cachedPolicyOfCase(db, schoolId, policyId, version);
  const stageInfo = new Map<string, { name: string; rank: number | null }>();

  const acc = new Map<string, Acc>();
  const add = (kind: string, stageId: string, row: number | undefined, on: IsoDate) => {
    const key = `${stageId}|${kind}`;
    let a = acc.get(key);
    if (!a) {
      a = {
        kind,
        stageId,
        pupils: 0,
        beforeAtt: 0,
        beforePoss: 0,
        afterAtt: 0,
        afterPoss: 0,
        improved: 0,
        tooRecent: 0,
      };
      acc.set(key, a);
    }
    // The first school week wholly after the day, and the N before it.
    const next = ix.lowerBound(toDayNumber(on));
    if (next >= ix.days.length) return void a.tooRecent++;
    const isSchoolDay = ix.days[next] === toDayNumber(on);
    const own = ix.weekOf[next]! - firstWeek; // position of the week holding the day (or the next)
    const afterFirst = isSchoolDay ? own + 1 : own;
    const beforeLast = own - 1;
    const afterLast = afterFirst + weeksEachSide - 1;
    if (afterLast >= W || (afterLast >= 0 && !roll.weeks[afterLast]!.complete)) return void a.tooRecent++;
    // Too early in the calendar (or too long ago) for N weeks before it, or a pupil no longer held.
    if (row === undefined || beforeLast - weeksEachSide + 1 < 0) return;
    let bA = 0;
    let bP = 0;
    let aA = 0;
    let aP = 0;
    for (let w = beforeLast - weeksEachSide + 1; w <= beforeLast; w++) {
      bA += roll.weekAttended[row * W + w]!;
      bP += roll.weekPossible[row * W + w]!;
    }
    for (let w = afterFirst; w <= afterLast; w++) {
      aA += roll.weekAttended[row * W + w]!;
      aP += roll.weekPossible[row * W + w]!;
    }
    if (bP === 0 || aP === 0) return;
    a.pupils++;
    a.beforeAtt += bA;
    a.beforePoss += bP;
    a.afterAtt += aA;
    a.afterPoss += aP;
    if (aA * bP > bA * aP) a.improved++; // aA/aP > bA/bP, in integers
  };

  for (const c of cases) {
    const policy = await policyOf(c.policyId, c.policyVersion);
    policy?.stages.forEach((s, i) => {
      if (!stageInfo.has(s.id)) stageInfo.set(s.id, { name: s.name, rank: i + 1 });
    });
    const row = pupilRow.get(c.pupilId);
    const seen = new Set<string>();
    const once = (key: string) => (seen.has(key) ? false : (seen.add(key), true));
    for (const e of c.stageEntries) if (once(`${e.stageId}|stage`)) add('stage', e.stageId, row, e.on);
    for (const s of c.stepsDone) {
      const kind =
        policy?.stages.find((st) => st.id === s.stageId)?.steps.find((st) => st.id === s.stepId)?.kind ??
        'staffTask';
      if (once(`${s.stageId}|${kind}`)) add(kind, s.stageId, row, s.on);
    }
  }

  const rows = [...acc.values()]
    .filter((a) => a.pupils > 0 || a.tooRecent > 0)
    .map((a): InterventionRow => {
      const info = stageInfo.get(a.stageId);
      const beforePct = percent1(a.beforeAtt, a.beforePoss);
      const afterPct = percent1(a.afterAtt, a.afterPoss);
      return {
        kind: a.kind,
        kindLabel: a.kind === 'stage' ? `Entering ${info?.name ?? a.stageId}` : kindLabel(a.kind),
        stageId: a.stageId,
        stageName: info?.name ?? a.stageId,
        stageRank: info?.rank ?? null,
        pupils: a.pupils,
        beforePct,
        afterPct,
        changePts:
          beforePct === null || afterPct === null ? null : Math.round(afterPct * 10 - beforePct * 10) / 10,
        improved: a.improved,
        tooRecent: a.tooRecent,
      };
    })
    .sort(
      (x, y) =>
        (x.stageRank ?? 99) - (y.stageRank ?? 99) ||
        (x.kind === 'stage' ? -1 : y.kind === 'stage' ? 1 : x.kindLabel.localeCompare(y.kindLabel)),
    );
  return {
    weeksEachSide,
    rows,
    tooRecent: rows.reduce((n, r) => n + r.tooRecent, 0),
    rule: `Attendance of the pupils a step was used with, over the ${weeksEachSide} school weeks before the week it happened and the ${weeksEachSide} school weeks after it, pooled over the pupils counted. Each case counts once per stage and kind of step; a step needs ${weeksEachSide} complete school weeks after it to count.`,
    caveat:
      'This shows what happened after each step, not that the step caused it: cases open when attendance is at its lowest, so some recovery is expected anyway, and attendance moves with the time of year.',
  };
}
