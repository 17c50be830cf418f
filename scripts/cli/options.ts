// Small parsers shared by the CLI commands.
import { InvalidArgumentError } from 'commander';
import type { SchoolCalendar } from '../../domain/calendar';
import type { IsoDate } from '../../domain/types';
import { APPROVE_RULES, type ApproveRule } from '../simulation/approveRule';

export function parseIsoDateOption(value: string): IsoDate {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new InvalidArgumentError(`"${value}" is not a date: use YYYY-MM-DD`);
  }
  return value;
}

/** Today when it is a school day, else the last school day before it (clamped to the calendar). */
export function defaultAsOf(
  calendar: SchoolCalendar,
  today: IsoDate = new Date().toISOString().slice(0, 10),
): IsoDate {
  if (today > calendar.lastSchoolDay) return calendar.lastSchoolDay;
  if (today < calendar.firstSchoolDay) return calendar.firstSchoolDay;
  return calendar.isSchoolDay(today) ? today : (calendar.previousSchoolDay(today) ?? calendar.firstSchoolDay);
}

/** --approve: which proposals the simulated team approves (scripts/simulation/runSimulation.ts). */
export const APPROVE_OPTION = {
  flags: '--approve <all|none|auto-only>',
  description:
    'which proposals the team approves: all, none, or only steps the policy runs by itself that a safeguarding flag held',
  parse(v: string): ApproveRule {
    if (!(APPROVE_RULES as readonly string[]).includes(v))
      throw new InvalidArgumentError(`use one of ${APPROVE_RULES.join(', ')}`);
    return v as ApproveRule;
  },
} as const;

/** --engine: the case code in this process (fast) or the real workflows on the time-skipping server. */
export const ENGINE_OPTION = {
  flags: '--engine <fast|temporal>',
  description:
    'fast: the case code in this process on a simulated clock; temporal: the real workflows on the time-skipping server (slower)',
  parse(v: string): 'fast' | 'temporal' {
    if (v !== 'fast' && v !== 'temporal')
      throw new InvalidArgumentError('use --engine fast or --engine temporal');
    return v;
  },
} as const;
