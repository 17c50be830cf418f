import { describe, expect, it } from 'vitest';
import {
  bankHolidaysBetween,
  bankHolidaysFor,
  calculatedBankHolidays,
  easterSunday,
  ENGLAND_AND_WALES_BANK_HOLIDAYS,
} from './bankHolidays';
import { weekdayOf } from './calendar';

const on = (date: string) => ENGLAND_AND_WALES_BANK_HOLIDAYS.find((h) => h.date === date);

describe('England and Wales bank holidays (gov.uk), 2024 to 2028', () => {
  it('has Easter right: Good Friday and Easter Monday each year', () => {
    expect(on('2027-03-29')).toEqual({ date: '2027-03-29', title: 'Easter Monday' });
    expect(on('2027-03-26')).toEqual({ date: '2027-03-26', title: 'Good Friday' });
    expect(
      ENGLAND_AND_WALES_BANK_HOLIDAYS.filter((h) => /Good Friday|Easter Monday/.test(h.title)).map(
        (h) => h.date,
      ),
    ).toEqual([
      '2024-03-29',
      '2024-04-01',
      '2025-04-18',
      '2025-04-21',
      '2026-04-03',
      '2026-04-06',
      '2027-03-26',
      '2027-03-29',
      '2028-04-14',
      '2028-04-17',
    ]);
  });

  it('lists eight a year, every one on a weekday, substitutes where the day falls at a weekend', () => {
    for (const year of [2024, 2025, 2026, 2027, 2028])
      expect(ENGLAND_AND_WALES_BANK_HOLIDAYS.filter((h) => h.date.startsWith(`${year}-`))).toHaveLength(8);
    for (const h of ENGLAND_AND_WALES_BANK_HOLIDAYS) expect(weekdayOf(h.date), h.date).toBeLessThan(5);
    expect(on('2026-12-28')).toEqual({ date: '2026-12-28', title: 'Boxing Day', notes: 'Substitute day' });
    expect(on('2027-12-27')?.title).toBe('Christmas Day');
    expect(on('2028-01-03')).toEqual({
      date: '2028-01-03',
      title: 'New Year’s Day',
      notes: 'Substitute day',
    });
  });

  it('agrees with the usual rules, so the rules can stand in for a year not listed (and say so)', () => {
    expect(easterSunday(2027)).toBe('2027-03-28');
    expect(easterSunday(2019)).toBe('2019-04-21');
    for (const year of [2024, 2025, 2026, 2027, 2028])
      expect(calculatedBankHolidays(year)).toEqual(bankHolidaysFor(year).holidays);
    expect(bankHolidaysFor(2027).source).toBe('gov.uk');
    expect(bankHolidaysFor(2029)).toMatchObject({
      source: 'calculated',
      holidays: expect.arrayContaining([{ date: '2029-04-02', title: 'Easter Monday' }]),
    });
  });

  it('finds those between two dates', () => {
    expect(bankHolidaysBetween('2027-03-01', '2027-05-31').map((h) => [h.date, h.source])).toEqual([
      ['2027-03-26', 'gov.uk'],
      ['2027-03-29', 'gov.uk'],
      ['2027-05-03', 'gov.uk'],
      ['2027-05-31', 'gov.uk'],
    ]);
  });
});
