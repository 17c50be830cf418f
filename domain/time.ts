// School dates and instants. Workflows have a deterministic clock (Date.now() is the task time)
// but no time zone of their own; schools live in Europe/London, where the offset changes twice a
// year. These helpers convert with Intl, which is deterministic for a given instant and zone.
import type { IsoDate } from './types';

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function parts(instantMs: number, timeZone: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instantMs))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return out;
}

/** The school's calendar date at an instant. */
export function schoolDateAt(instantMs: number, timeZone: string): IsoDate {
  const p = parts(instantMs, timeZone);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** The instant (ms since epoch) of a local wall-clock time on a school date, e.g. 16:30 on 2026-11-20. */
export function instantOfSchoolTime(date: IsoDate, hhmm: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = hhmm.split(':').map(Number) as [number, number];
  const asUtc = Date.UTC(y, m - 1, d, hh, mm);
  // The zone's offset at that moment; two passes settle the rare case near a clock change.
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const p = parts(guess, timeZone);
    const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    guess = asUtc - (local - guess);
  }
  return guess;
}
