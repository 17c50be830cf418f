// `attendance stats --school S [--pupil UPN] [--on DATE] [--window rolling10|half-term|term|ytd] [--json]`
// Figures for every pupil (or one) on a date, from the store's compact marks and the school calendar.
import type { Command } from 'commander';
import { isIsoDate } from '../../domain/calendar';
import { evaluatePupil, prepareEvaluation } from '../../domain/stats';
import type { IsoDate, PenaltyThresholdFacts, StatsWindowKind, WindowStats } from '../../domain/types';
import { openDbFromEnv, type Db } from '../../store/db';
import { loadSchoolSnapshot } from '../../store/marks';

export const WINDOW_NAMES: Record<string, StatsWindowKind> = {
  rolling10: 'rolling10',
  'half-term': 'halfTerm',
  halfterm: 'halfTerm',
  halfTerm: 'halfTerm',
  term: 'term',
  ytd: 'ytd',
};

export interface StatsQuery {
  school: string;
  /** One pupil by UPN; all pupils when absent. */
  pupil?: string;
  /** Default: today in England. */
  on?: IsoDate;
  window?: StatsWindowKind;
}

export interface PupilStatsRow {
  pupilId: string;
  upn: string;
  givenName: string;
  familyName: string;
  yearGroup: number | null;
  asOf: IsoDate;
  stats: WindowStats;
  penaltyThreshold: PenaltyThresholdFacts;
}

export class StatsQueryError extends Error {}

/** Today's date in England (the school's calendar date), whatever the machine's time zone. */
export function todayInEngland(now = new Date()): IsoDate {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(now);
}

export async function pupilStats(db: Db, query: StatsQuery): Promise<PupilStatsRow[]> {
  const asOf = query.on ?? todayInEngland();
  if (!isIsoDate(asOf)) throw new StatsQueryError(`--on must be a date written YYYY-MM-DD, got "${asOf}"`);
  const snapshot = await loadSchoolSnapshot(db, query.school);
  if (!snapshot) throw new StatsQueryError(`school "${query.school}" is not in the store`);
  const window = query.window ?? 'rolling10';
  let pupils = snapshot.pupils;
  if (query.pupil) {
    const upn = query.pupil.trim().toUpperCase();
    pupils = pupils.filter((p) => p.upn === upn);
    if (pupils.length === 0) throw new StatsQueryError(`no pupil with UPN ${upn} at school ${query.school}`);
  }
  const prepared = prepareEvaluation(snapshot.calendar, asOf);
  return pupils.map((p) => {
    const facts = evaluatePupil(
      prepared,
      {
        pupilId: p.id,
        upn: p.upn,
        yearGroup: p.yearGroup,
        flags: p.flags,
        startDate: p.startDate,
        leftOn: p.leftOn,
      },
      snapshot.grids.get(p.id)!,
    );
    return {
      pupilId: p.id,
      upn: p.upn,
      givenName: p.givenName,
      familyName: p.familyName,
      yearGroup: p.yearGroup,
      asOf,
      stats: facts.windows[window],
      penaltyThreshold: facts.penaltyThreshold,
    };
  });
}

export function yearGroupLabel(y: number | null): string {
  if (y === null) return '';
  return y === 0 ? 'R' : y === -1 ? 'N2' : y === -2 ? 'N1' : String(y);
}

const pct = (v: number | null): string => (v === null ? '-' : v.toFixed(2));

export function formatStatsTable(rows: PupilStatsRow[]): string {
  const first = rows[0];
  const header = first
    ? `${first.stats.kind} window ${first.stats.from} to ${first.stats.to} (${first.stats.schoolWeeks} school weeks), as of ${first.asOf}; ` +
      `penalty threshold ${first.penaltyThreshold.threshold} sessions of ${first.penaltyThreshold.countingCodes.join(' ')} in ${first.penaltyThreshold.windowSchoolWeeks} school weeks`
    : 'no pupils';
  const cols = [
    'UPN',
    'Name',
    'Yr',
    'Poss',
    'Att%',
    'Abs%',
    'Auth',
    'Unauth',
    'N',
    'L',
    'U',
    'Unmarked',
    'PA',
    'SA',
    'Penalty',
  ];
  const body = rows.map((r) => {
    const s = r.stats;
    return [
      r.upn,
      `${r.familyName}, ${r.givenName}`,
      yearGroupLabel(r.yearGroup),
      String(s.possible),
      pct(s.attendancePct),
      pct(s.absencePct),
      String(s.authorised),
      String(s.unauthorised),
      String(s.unexplained),
      String(s.lateBeforeClose),
      String(s.lateAfterClose),
      String(s.unmarked),
      s.persistentAbsence ? 'yes' : '',
      s.severeAbsence ? 'yes' : '',
      `${r.penaltyThreshold.sessions}${r.penaltyThreshold.met ? ' MET' : ''}`,
    ];
  });
  const widths = cols.map((c, i) => Math.max(c.length, ...body.map((b) => b[i]!.length)));
  const numeric = new Set([3, 4, 5, 6, 7, 8, 9, 10, 11]);
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [header, '', fmt(cols), fmt(widths.map((w) => '-'.repeat(w))), ...body.map(fmt)].join('\n');
}

interface StatsCommandOptions {
  school: string;
  pupil?: string;
  on?: string;
  window: string;
  json?: boolean;
}

export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description('attendance figures for every pupil of a school (or one pupil) on a date')
    .requiredOption('--school <id>', 'school id (URN)')
    .option('--pupil <upn>', 'one pupil, by UPN')
    .option('--on <date>', 'evaluate as of this date (YYYY-MM-DD; default today)')
    .option('--window <window>', 'rolling10 | half-term | term | ytd', 'rolling10')
    .option('--json', 'print a JSON array instead of a table')
    .action(async (opts: StatsCommandOptions) => {
      const window = WINDOW_NAMES[opts.window];
      if (!window) {
        console.error(`--window must be one of rolling10, half-term, term, ytd (got "${opts.window}")`);
        process.exitCode = 2;
        return;
      }
      const db = await openDbFromEnv();
      try {
        const rows = await pupilStats(db, { school: opts.school, pupil: opts.pupil, on: opts.on, window });
        console.log(opts.json ? JSON.stringify(rows, null, 2) : formatStatsTable(rows));
      } catch (err) {
        if (!(err instanceof StatsQueryError)) throw err;
        console.error(err.message);
        process.exitCode = 1;
      } finally {
        await db.close();
      }
    });
}
