// The pupil attendance chart's geometry: one y-axis for every pupil, and threshold labels that
// never collide (web/src/components/chartLayout.ts).
import { describe, expect, it } from 'vitest';
import { ATTENDANCE_AXIS, attendanceY, layoutThresholdLabels } from '../../web/src/components/chartLayout';

const GAP = 15;

/** No two labels closer than the gap, in the order of their lines. */
function expectSpread(ideal: number[], placed: number[], gap = GAP) {
  const order = ideal.map((_, i) => i).sort((a, b) => ideal[a]! - ideal[b]! || a - b);
  for (let k = 1; k < order.length; k++)
    expect(placed[order[k]!]! - placed[order[k - 1]!]!).toBeGreaterThanOrEqual(gap - 1e-9);
}

describe('the attendance chart’s y-axis', () => {
  it('is 0–100% with a line every 10%, the same for every pupil', () => {
    expect(ATTENDANCE_AXIS.min).toBe(0);
    expect(ATTENDANCE_AXIS.max).toBe(100);
    expect(ATTENDANCE_AXIS.ticks).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  });

  it('puts 100% at the top, 0% at the bottom, and keeps out-of-range values on the axis', () => {
    expect(attendanceY(100, 10, 310)).toBe(10);
    expect(attendanceY(0, 10, 310)).toBe(310);
    expect(attendanceY(50, 10, 310)).toBe(160);
    expect(attendanceY(120, 10, 310)).toBe(10);
    expect(attendanceY(-5, 10, 310)).toBe(310);
  });
});

describe('layoutThresholdLabels', () => {
  it('leaves labels that are already far enough apart on their lines', () => {
    const ideal = [40, 100, 200];
    expect(layoutThresholdLabels(ideal, GAP)).toEqual(ideal);
  });

  it('spreads four thresholds between 90% and 96% (a few px apart) with the minimum gap, centred on them', () => {
    // 96, 95, 92 and 90% on a 270 px axis: 10.8 px, 13.5 px, 18.9 px from the top.
    const ideal = [96, 95, 92, 90].map((v) => attendanceY(v, 16, 286));
    const placed = layoutThresholdLabels(ideal, GAP, { min: 0, max: 300 });
    expectSpread(ideal, placed);
    // The block sits on its lines: its mean is theirs.
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(placed)).toBeCloseTo(mean(ideal), 6);
    // Top-to-bottom order kept: 96% above 95% above 92% above 90%.
    expect(placed[0]!).toBeLessThan(placed[1]!);
    expect(placed[1]!).toBeLessThan(placed[2]!);
    expect(placed[2]!).toBeLessThan(placed[3]!);
  });

  it('separates two labels on the same line, keeping the input order', () => {
    const placed = layoutThresholdLabels([100, 100], GAP);
    expect(placed).toEqual([92.5, 107.5]);
  });

  it('keeps a crowded block inside the bounds: pushed down from the top edge', () => {
    const ideal = [0, 1, 2, 3];
    const placed = layoutThresholdLabels(ideal, GAP, { min: 10, max: 300 });
    expect(placed).toEqual([10, 25, 40, 55]);
  });

  it('keeps a crowded block inside the bounds: pushed up from the bottom edge', () => {
    const placed = layoutThresholdLabels([299, 300, 300], GAP, { min: 0, max: 300 });
    expect(placed).toEqual([270, 285, 300]);
  });

  it('merges a block that grows into the one above it', () => {
    // 50 and 55 form a block (42.5, 57.5); 70 then overlaps it: all three merge, centred on 58.33.
    const ideal = [50, 55, 70];
    const placed = layoutThresholdLabels(ideal, GAP);
    expectSpread(ideal, placed);
    expect(placed[0]!).toBeCloseTo(43.333, 3);
    expect(placed[2]!).toBeCloseTo(73.333, 3);
  });

  it('answers in the input’s order, whatever order the lines come in', () => {
    const ideal = [200, 20, 25, 110];
    const placed = layoutThresholdLabels(ideal, GAP);
    expectSpread(ideal, placed);
    expect(placed[0]).toBe(200);
    expect(placed[3]).toBe(110);
    expect(placed[1]).toBe(15);
    expect(placed[2]).toBe(30);
  });

  it('runs on past the bottom rather than overlap when the labels cannot fit', () => {
    const placed = layoutThresholdLabels([5, 5, 5, 5], GAP, { min: 0, max: 30 });
    expect(placed).toEqual([0, 15, 30, 45]);
  });

  it('spreads many random thresholds without a collision', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 270;
    for (let run = 0; run < 200; run++) {
      const ideal = Array.from({ length: 1 + (run % 9) }, rand);
      const placed = layoutThresholdLabels(ideal, GAP, { min: 0, max: 270 });
      expectSpread(ideal, placed);
      if (ideal.length * GAP <= 270) for (const p of placed) expect(p).toBeGreaterThanOrEqual(0);
    }
  });

  it('handles no labels and one label', () => {
    expect(layoutThresholdLabels([], GAP)).toEqual([]);
    expect(layoutThresholdLabels([42], GAP, { min: 50, max: 60 })).toEqual([50]);
  });
});
