// Pure geometry for the pupil attendance chart (charts.tsx): the one y-axis every pupil's chart
// shares, and where the threshold lines' labels go so that none collide. No React, no DOM, so it
// is tested on its own (test/web/chartLayout.test.ts).

/**
 * Every pupil's chart has the same y-axis, 0–100% with a line every 10%, whatever their figures: two
 * pupils' charts compare at a glance, and a week at 30% is drawn as low as it is, never cut off by an
 * axis that starts higher. The thresholds (mostly between 90% and 96%) crowd together near the top;
 * their labels are spread apart by layoutThresholdLabels.
 */
export const ATTENDANCE_AXIS = {
  min: 0,
  max: 100,
  ticks: [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
} as const;

/** The y of a percentage on an axis drawn from `top` (100%) to `bottom` (0%), in px; clamped to it. */
export function attendanceY(pct: number, top: number, bottom: number): number {
  const { min, max } = ATTENDANCE_AXIS;
  const v = Math.min(max, Math.max(min, pct));
  return top + ((max - v) * (bottom - top)) / (max - min);
}

/**
 * Where each threshold's label goes: as near its own line as it can be, no two closer than
 * `minGapPx`, all within `bounds` when they fit (when they cannot, they start at `bounds.min` and
 * run on past `bounds.max` rather than overlap).
 *
 * `ideal` holds each line's y in px, in any order; the answer holds each label's y in the same
 * order. Labels keep their lines' top-to-bottom order (equal lines keep the input's order), and the
 * total distance moved is the least possible: labels that would overlap form a block centred on
 * their lines, blocks that then overlap merge, and so on (the classic cluster-merging method).
 */
export function layoutThresholdLabels(
  ideal: readonly number[],
  minGapPx: number,
  bounds: { min: number; max: number } = { min: -Infinity, max: Infinity },
): number[] {
  const gap = Math.max(0, minGapPx);
  const order = ideal.map((_, i) => i).sort((a, b) => ideal[a]! - ideal[b]! || a - b);
  interface Block {
    members: number[];
    /** Sum over members of (ideal y − the member's offset in the block): start = sum / size. */
    sum: number;
    start: number;
  }
  const place = (b: Block) => {
    const span = (b.members.length - 1) * gap;
    const wanted = b.sum / b.members.length;
    // Within the bounds when the block fits; from the top when it does not.
    b.start = Math.max(bounds.min, Math.min(wanted, bounds.max - span));
  };
  const blocks: Block[] = [];
  for (const i of order) {
    const block: Block = { members: [i], sum: ideal[i]!, start: ideal[i]! };
    place(block);
    blocks.push(block);
    // Merge with the block above while they overlap.
    while (blocks.length > 1) {
      const cur = blocks[blocks.length - 1]!;
      const prev = blocks[blocks.length - 2]!;
      const prevEnd = prev.start + (prev.members.length - 1) * gap;
      if (prevEnd + gap <= cur.start + 1e-9) break;
      const offset = prev.members.length;
      prev.sum += cur.members.reduce((s, m, k) => s + ideal[m]! - (offset + k) * gap, 0);
      prev.members.push(...cur.members);
      blocks.pop();
      place(prev);
    }
  }
  const out = new Array<number>(ideal.length);
  for (const b of blocks) b.members.forEach((m, k) => (out[m] = b.start + k * gap));
  return out;
}
