// Figures said the way a letter to a family says them: one format for each kind of figure.
import { describe, expect, it } from 'vitest';
import {
  countOf,
  formatDays,
  formatLessons,
  formatPercent,
  formatPeriod,
  formatTimes,
  joinWithAnd,
} from '../../letters/format';

describe('letters say figures as a person does', () => {
  it('gives a percentage one decimal, rounded down, so no figure reaches a threshold it has not', () => {
    expect(formatPercent(87.9)).toBe('87.9%');
    expect(formatPercent(87.96)).toBe('87.9%');
    expect(formatPercent(89.96)).toBe('89.9%');
    expect(formatPercent(88.33)).toBe('88.3%');
    expect(formatPercent(90)).toBe('90%');
    expect(formatPercent(100)).toBe('100%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(28.05)).toBe('28%');
  });

  it('says days in halves, in words up to ten', () => {
    expect(formatDays(0.5)).toBe('half a day');
    expect(formatDays(1)).toBe('one day');
    expect(formatDays(1.5)).toBe('one and a half days');
    expect(formatDays(6.5)).toBe('six and a half days');
    expect(formatDays(10)).toBe('ten days');
    expect(formatDays(12.5)).toBe('12 and a half days');
    expect(formatDays(0)).toBe('no days');
  });

  it('rounds lessons down to a whole lesson, and calls them about', () => {
    expect(formatLessons(32.5)).toBe('about 32 lessons');
    expect(formatLessons(25)).toBe('about 25 lessons');
    expect(formatLessons(1)).toBe('about 1 lesson');
    expect(formatLessons(0.5)).toBe('about 1 lesson');
    expect(formatLessons(0)).toBe('no lessons');
  });

  it('makes a count and its noun agree', () => {
    expect(countOf(1, 'unauthorised session')).toBe('1 unauthorised session');
    expect(countOf(3, 'unauthorised session')).toBe('3 unauthorised sessions');
    expect(countOf(0, 'session')).toBe('0 sessions');
    expect(formatTimes(1)).toBe('once');
    expect(formatTimes(2)).toBe('twice');
    expect(formatTimes(5)).toBe('5 times');
  });

  it('gives a period as long UK dates, the year once when both ends share it', () => {
    expect(formatPeriod('2025-09-08', '2025-11-21')).toBe('from 8 September to 21 November 2025');
    expect(formatPeriod('2025-12-01', '2026-01-16')).toBe('from 1 December 2025 to 16 January 2026');
    expect(formatPeriod('2025-11-21', '2025-11-21')).toBe('on 21 November 2025');
  });

  it('joins a list as a sentence does', () => {
    expect(joinWithAnd(['a letter'])).toBe('a letter');
    expect(joinWithAnd(['a letter', 'a call'])).toBe('a letter and a call');
    expect(joinWithAnd(['a', 'b', 'c'])).toBe('a, b and c');
  });
});
