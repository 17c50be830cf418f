// Dates as the MIS sends them: a day given as an instant in UTC is the London day it falls on (a
// session on 2 June given as London's midnight, 23:00 UTC on 1 June, is 2 June's); a day given at
// midnight, or in London's own zone, is its own date.
import { describe, expect, it } from 'vitest';
import { londonDayOf } from '../../integrations/wonde/client';

describe('the day a date from the MIS falls on', () => {
  it('reads a summer London midnight sent in UTC as the next day', () => {
    expect(londonDayOf('2025-06-01 23:00:00.000000', 'UTC')).toBe('2025-06-02');
  });
  it('keeps a winter midnight, a plain midnight, and a date in London’s zone as they are', () => {
    expect(londonDayOf('2025-11-17 00:00:00.000000', 'UTC')).toBe('2025-11-17');
    expect(londonDayOf('2025-06-02 00:00:00.000000', 'Europe/London')).toBe('2025-06-02');
    expect(londonDayOf('2025-06-01 23:00:00', 'Europe/London')).toBe('2025-06-01');
  });
});
