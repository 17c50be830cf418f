// The calendar must give the same answers whatever the machine's time zone. Node applies a change
// to process.env.TZ immediately, so this file runs in New York time (clocks change on 3 Nov 2024,
// a week after the UK's 27 Oct).
import { describe, expect, it } from 'vitest';
import { calendar2024 } from './testFixtures';

process.env.TZ = 'America/New_York';

describe('in America/New_York', () => {
  it('really is running in another time zone', () => {
    expect(new Date(2024, 6, 1).getTimezoneOffset()).toBe(240);
  });

  it('gives the same school days and weeks across both daylight-saving changes', () => {
    const cal = calendar2024();
    expect(cal.addSchoolWeeks('2024-10-25', 2)).toBe('2024-11-15');
    expect(cal.addSchoolDays('2024-10-25', 1)).toBe('2024-11-05');
    expect(cal.schoolWeeksEndingOn('2024-11-20', 10)).toEqual({
      from: '2024-09-09',
      to: '2024-11-20',
      weeks: 10,
    });
    expect(cal.isSchoolDay('2024-11-03')).toBe(false);
    expect(cal.schoolDaysBetween('2024-10-31', '2024-11-06')).toEqual(['2024-11-05', '2024-11-06']);
    expect(cal.addSchoolWeeks('2025-03-07', 1)).toBe('2025-03-14'); // US clocks change 9 Mar
  });
});
