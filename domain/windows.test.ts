// Many windows of one pupil in one pass (prepareWindows, for the dashboard) must give exactly what
// computeWindowStats gives window by window, and the 1-decimal percentages must round as the DfE
// publishes them, exactly.
import { describe, expect, it } from 'vitest';
import { MarkGrid } from './marks';
import { percent1 } from './percent';
import { computeWindowStats, evaluateWindows, evaluateWindowTotals, prepareWindows } from './stats';
import { calendar2024, fill, markDays } from './testFixtures';

const cal = calendar2024();

/** Present all autumn, with illness, an unexplained absence, a holiday, lates and a day not required. */
function grid(): MarkGrid {
  const g = fill(new MarkGrid(), cal, '2024-09-04', '2024-12-20');
  markDays(g, ['2024-09-16', '2024-09-17'], 'I');
  markDays(g, ['2024-10-07'], 'N');
  markDays(g, ['2024-11-11', '2024-11-12', '2024-11-13', '2024-11-14', '2024-11-15'], 'G');
  markDays(g, ['2024-12-02'], 'X');
  g.set('2024-10-08', 'AM', 'L');
  g.set('2024-10-09', 'AM', 'U');
  return g;
}

describe('many windows in one pass', () => {
  // Overlapping, nested, empty (a holiday), one day, and the year to date at several points.
  const windows = [
    { from: '2024-09-04', to: '2024-09-30' },
    { from: '2024-09-16', to: '2024-09-20' },
    { from: '2024-10-28', to: '2024-11-01' },
    { from: '2024-10-07', to: '2024-10-07' },
    { from: '2024-09-04', to: '2024-11-15' },
    { from: '2024-09-04', to: '2024-12-20' },
    { from: '2024-11-11', to: '2024-12-06' },
  ];

  it.each([
    ['no start or leaving date', {}],
    ['joined on 1 October', { startDate: '2024-10-01' }],
    ['left on 13 November', { leftOn: '2024-11-13' }],
  ])('gives computeWindowStats’ figures for every window: %s', (_name, bounds) => {
    const g = grid();
    const prepared = prepareWindows(cal, windows);
    const many = evaluateWindows(prepared, g, bounds);
    windows.forEach((w, i) =>
      expect(many[i]).toEqual(computeWindowStats(g, cal, w.from, w.to, 'custom', bounds)),
    );
    const totals = evaluateWindowTotals(prepared, g, bounds);
    windows.forEach((_w, i) => {
      const s = many[i]!;
      expect(totals.attended[i]).toBe(s.present + s.approvedActivity);
      expect(totals.possible[i]).toBe(s.possible);
      expect(totals.persistent[i]).toBe(s.persistentAbsence ? 1 : 0);
    });
  });

  it('reuses its buffers: a second pupil does not inherit the first one’s marks', () => {
    const prepared = prepareWindows(cal, windows);
    evaluateWindows(prepared, grid());
    const empty = evaluateWindows(prepared, new MarkGrid());
    expect(empty.every((s) => s.possible === 0 && s.attendancePct === null)).toBe(true);
  });

  it('counts exactly 10% absence as persistent (9 of 10 days attended)', () => {
    const g = fill(new MarkGrid(), cal, '2024-09-09', '2024-09-20');
    markDays(g, ['2024-09-20'], 'O');
    const [two] = evaluateWindows(prepareWindows(cal, [{ from: '2024-09-09', to: '2024-09-20' }]), g);
    expect(two).toMatchObject({ possible: 20, attendancePct: 90, persistentAbsence: true });
  });
});

describe('percentages to 1 decimal', () => {
  it.each([
    [8, 9, 88.9, '88.888...'],
    [1, 8, 12.5, 'exactly 12.5'],
    [1, 16, 6.3, '6.25 rounds half up'],
    [3, 16, 18.8, '18.75 rounds half up (floating point would say 18.7 or 18.8 by luck)'],
    [171, 190, 90, 'exactly 90'],
    [0, 5, 0, 'none'],
    [5, 5, 100, 'all'],
  ])('%i / %i = %d (%s)', (num, den, expected) => {
    expect(percent1(num, den)).toBe(expected);
  });

  it('is null with nothing to divide by, and refuses what is not a count', () => {
    expect(percent1(0, 0)).toBeNull();
    expect(() => percent1(1.5, 3)).toThrow(RangeError);
  });
});
