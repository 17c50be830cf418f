// The national framework's rules for penalty notices, per parent, per child.
import { describe, expect, it } from 'vitest';
import { noticeTermsFor, threeYearsAfter, type PenaltyNoticeHistoryItem } from './penaltyNotices';

const issued = (on: string): PenaltyNoticeHistoryItem => ({
  outcome: 'issued',
  requestedOn: on,
  issuedOn: on,
});

describe('penalty notices: the 3-year rules, per parent, per child', () => {
  it('a first notice is £80 within 21 days, £160 within 28', () => {
    expect(noticeTermsFor([], '2025-03-10')).toMatchObject({
      allowed: true,
      ordinal: 1,
      amounts: { within21Days: 80, within28Days: 160 },
    });
  });

  it('a second within 3 years of the first is a flat £160, paid or not', () => {
    for (const outcome of ['issued', 'paid80', 'paid160', 'unpaid'] as const)
      expect(
        noticeTermsFor([{ outcome, requestedOn: '2024-11-04', issuedOn: '2024-11-11' }], '2025-03-10'),
      ).toMatchObject({ allowed: true, ordinal: 2, amounts: { flat: 160 }, firstIssuedOn: '2024-11-11' });
  });

  it('a third within 3 years of the first is refused, naming the first and the next legal option', () => {
    const terms = noticeTermsFor([issued('2024-11-11'), issued('2025-03-17')], '2025-06-02');
    expect(terms).toMatchObject({ allowed: false, firstIssuedOn: '2024-11-11' });
    expect(terms.allowed === false && terms.reason).toMatch(
      /no third penalty notice .* within 3 years of the first \(issued 2024-11-11; the 3 years end on 2027-11-10\): consider the next legal option instead, an education supervision order or prosecution/,
    );
  });

  it('the 3 years run from the first notice: on its third anniversary the count starts again', () => {
    const two = [issued('2024-11-11'), issued('2025-03-17')];
    expect(noticeTermsFor(two, '2027-11-10').allowed).toBe(false);
    // The first has run out; the second (March 2025) is now the first within 3 years.
    expect(noticeTermsFor(two, '2027-11-11')).toMatchObject({
      allowed: true,
      ordinal: 2,
      firstIssuedOn: '2025-03-17',
    });
    expect(noticeTermsFor(two, '2028-03-17')).toMatchObject({ allowed: true, ordinal: 1 });
  });

  it('a withdrawn notice, or one only requested, does not count', () => {
    expect(
      noticeTermsFor(
        [
          { outcome: 'withdrawn', requestedOn: '2024-11-04', issuedOn: '2024-11-11' },
          { outcome: 'requested', requestedOn: '2025-03-03' },
        ],
        '2025-03-10',
      ),
    ).toMatchObject({ allowed: true, ordinal: 1 });
  });

  it('29 February: the 3 years end with 28 February', () => {
    expect(threeYearsAfter('2024-02-29')).toBe('2027-03-01');
    expect(noticeTermsFor([issued('2024-02-29')], '2027-02-28')).toMatchObject({ ordinal: 2 });
    expect(noticeTermsFor([issued('2024-02-29')], '2027-03-01')).toMatchObject({ ordinal: 1 });
  });
});
