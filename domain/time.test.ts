import { describe, expect, it } from 'vitest';
import { instantOfSchoolTime, schoolDateAt } from './time';

describe('school time in Europe/London', () => {
  it.each([
    // winter (GMT) and summer (BST) wall-clock times
    ['2026-11-20', '16:30', '2026-11-20T16:30:00.000Z'],
    ['2026-06-19', '16:30', '2026-06-19T15:30:00.000Z'],
    // the Monday after the clocks go back (last Sunday of October 2026 is the 25th)
    ['2026-10-26', '09:00', '2026-10-26T09:00:00.000Z'],
    ['2026-10-23', '09:00', '2026-10-23T08:00:00.000Z'],
  ])('%s %s is %s', (date, time, iso) => {
    expect(new Date(instantOfSchoolTime(date, time, 'Europe/London')).toISOString()).toBe(iso);
  });

  it('a late-evening UTC instant in summer is already the next school date', () => {
    expect(schoolDateAt(Date.parse('2026-06-18T23:30:00Z'), 'Europe/London')).toBe('2026-06-19');
    expect(schoolDateAt(Date.parse('2026-12-18T23:30:00Z'), 'Europe/London')).toBe('2026-12-18');
  });
});
