// Hand-drawn SVG charts: calm colours, labelled axes, and a table for screen readers.
import { useId } from 'react';
import { fmtPct, fmtShortDate } from '../format';
import type { Threshold, WeekPoint } from '../types';
import { ATTENDANCE_AXIS, attendanceY, layoutThresholdLabels } from './chartLayout';

/** The space kept between two threshold labels, in the chart's own units (px at full size). */
const LABEL_GAP = 15;
/** Labels longer than this are shortened on the chart; the list under it has them whole. */
const LABEL_CHARS = 38;

/**
 * A pupil's attendance week by week, with the national measures and the policy's stage thresholds.
 * The y-axis is always 0–100% (ATTENDANCE_AXIS), so any two pupils' charts compare at a glance; the
 * threshold labels sit to the right of the plot, spread apart by layoutThresholdLabels and joined to
 * their lines, so none collide however closely the thresholds crowd. The figures and every threshold
 * are also given as a table and a list, for screen readers and for anyone who prefers numbers.
 */
export function AttendanceChart({ series, thresholds }: { series: WeekPoint[]; thresholds: Threshold[] }) {
  const id = useId();
  const W = 960;
  const H = 340;
  const pad = { l: 44, r: 262, t: 16, b: 36 };
  const right = W - pad.r;
  const bottom = H - pad.b;
  const bw = Math.max(4, Math.min(26, ((right - pad.l) / Math.max(1, series.length)) * 0.6));
  // The first and last weeks' bars stand clear of the axis labels and of the threshold labels' leaders.
  const inset = bw / 2 + 8;
  const x = (i: number) =>
    pad.l +
    inset +
    (series.length <= 1
      ? (right - pad.l - 2 * inset) / 2
      : (i * (right - pad.l - 2 * inset)) / (series.length - 1));
  const y = (v: number) => attendanceY(v, pad.t, bottom);
  const line = (key: 'rolling10Pct' | 'ytdPct') =>
    series
      .map((p, i) => (p[key] === null ? null : `${x(i)},${y(p[key]!)}`))
      .filter(Boolean)
      .join(' ');
  const lines = [...thresholds]
    .filter((t) => t.value >= ATTENDANCE_AXIS.min && t.value <= ATTENDANCE_AXIS.max)
    .sort((a, b) => b.value - a.value);
  const labelYs = layoutThresholdLabels(
    lines.map((t) => y(t.value)),
    LABEL_GAP,
    { min: LABEL_GAP / 2, max: H - LABEL_GAP / 2 },
  );
  // A national measure is drawn over a policy threshold at the same value, so both stay visible.
  const drawOrder = lines
    .map((_, n) => n)
    .sort((a, b) => Number(lines[a]!.kind === 'national') - Number(lines[b]!.kind === 'national'));
  if (series.length === 0) return <p className="muted">No marks yet this school year.</p>;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-title ${id}-desc`}>
        <title id={`${id}-title`}>Attendance by school week</title>
        <desc id={`${id}-desc`}>
          From 0 to 100%. Bars: each week&apos;s attendance. Solid line: the rolling 10 school weeks. Dotted
          line: the year to date. Dashed lines: thresholds, listed under the chart.
        </desc>
        {ATTENDANCE_AXIS.ticks.map((v) => (
          <g key={v}>
            <line x1={pad.l} x2={right} y1={y(v)} y2={y(v)} className="grid" />
            <text x={pad.l - 8} y={y(v) + 4} className="axis" textAnchor="end">
              {v}%
            </text>
          </g>
        ))}
        {series.map((p, i) =>
          p.attendancePct === null ? null : (
            <rect
              key={p.weekStart}
              x={x(i) - bw / 2}
              y={y(p.attendancePct)}
              width={bw}
              height={Math.max(0, bottom - y(p.attendancePct))}
              className={`bar ${p.attendancePct < 90 ? 'bar-low' : ''}`}
              rx={2}
            >
              <title>
                Week of {fmtShortDate(p.weekStart)}: {p.attendancePct}%
              </title>
            </rect>
          ),
        )}
        {drawOrder.map((n) => {
          const t = lines[n]!;
          const ly = labelYs[n]!;
          const ty = y(t.value);
          return (
            <g key={`${t.kind}-${t.value}-${n}`}>
              <line
                x1={pad.l}
                x2={right}
                y1={ty}
                y2={ty}
                className={t.kind === 'national' ? 'threshold national' : 'threshold'}
              />
              {/* From the line's end to its label, bent when the label had to move. */}
              <polyline
                points={`${right},${ty} ${right + 8},${ty} ${right + 20},${ly} ${right + 24},${ly}`}
                className={t.kind === 'national' ? 'threshold-leader national' : 'threshold-leader'}
                fill="none"
              />
              <text x={right + 28} y={ly} dominantBaseline="middle" className="threshold-label">
                {t.label.length > LABEL_CHARS ? `${t.label.slice(0, LABEL_CHARS - 1)}…` : t.label}
                <title>{t.label}</title>
              </text>
            </g>
          );
        })}
        <polyline points={line('ytdPct')} className="line-ytd" fill="none" />
        <polyline points={line('rolling10Pct')} className="line-rolling" fill="none" />
        {series.map((p, i) =>
          i % Math.ceil(series.length / 8) === 0 || i === series.length - 1 ? (
            <text key={p.weekStart} x={x(i)} y={bottom + 16} className="axis" textAnchor="middle">
              {fmtShortDate(p.weekStart)}
            </text>
          ) : null,
        )}
      </svg>
      <figcaption className="legend">
        <span>
          <span className="key key-bar" aria-hidden="true" /> Week&apos;s attendance
        </span>
        <span>
          <span className="key key-rolling" aria-hidden="true" /> Rolling 10 school weeks
        </span>
        <span>
          <span className="key key-ytd" aria-hidden="true" /> Year to date
        </span>
        <span>
          <span className="key key-threshold national" aria-hidden="true" /> National measures
        </span>
        <span>
          <span className="key key-threshold" aria-hidden="true" /> Policy thresholds
        </span>
      </figcaption>
      <details className="chart-table">
        <summary>Show the figures and thresholds as a table</summary>
        <table className="table compact">
          <caption className="visually-hidden">Attendance by school week</caption>
          <thead>
            <tr>
              <th scope="col">Week of</th>
              <th scope="col" className="num">
                Week
              </th>
              <th scope="col" className="num">
                Rolling 10 weeks
              </th>
              <th scope="col" className="num">
                Year to date
              </th>
            </tr>
          </thead>
          <tbody>
            {series.map((p) => (
              <tr key={p.weekStart}>
                <th scope="row">{fmtShortDate(p.weekStart)}</th>
                <td className="num">{fmtPct(p.attendancePct)}</td>
                <td className="num">{fmtPct(p.rolling10Pct)}</td>
                <td className="num">{fmtPct(p.ytdPct)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {lines.length > 0 && (
          <>
            <p className="small">The dashed lines on the chart:</p>
            <ul className="small">
              {lines.map((t, n) => (
                <li key={`${t.kind}-${t.value}-${n}`}>
                  {t.label} ({t.kind === 'national' ? 'national measure' : 'policy'})
                </li>
              ))}
            </ul>
          </>
        )}
      </details>
    </figure>
  );
}

export function HBarChart({
  rows,
  label,
}: {
  rows: { label: string; value: number; tone?: string }[];
  label: string;
}) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const H = rows.length * 34 + 8;
  const W = 520;
  const lw = 190;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} className="hbar">
      {rows.map((r, i) => {
        const w = ((W - lw - 50) * r.value) / max;
        return (
          <g key={r.label} transform={`translate(0, ${i * 34 + 4})`}>
            <text x={lw - 10} y={19} textAnchor="end" className="hbar-label">
              {r.label.length > 26 ? `${r.label.slice(0, 25)}…` : r.label}
              <title>{r.label}</title>
            </text>
            <rect
              x={lw}
              y={4}
              width={Math.max(2, w)}
              height={22}
              rx={3}
              className={`hbar-bar ${r.tone ?? ''}`}
            />
            <text x={lw + Math.max(2, w) + 6} y={20} className="hbar-value">
              {r.value}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** 1, 2, 5, 10, 20, 50… at or above x: a column chart's gridline step. */
export function niceStep(x: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(1, x)));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/** A column chart's five gridlines (0 to four steps), each labelled on the left. */
export function YGrid({
  step,
  y,
  left,
  right,
}: {
  step: number;
  y: (v: number) => number;
  left: number;
  right: number;
}) {
  return (
    <>
      {[0, 1, 2, 3, 4].map((k) => (
        <g key={k}>
          <line x1={left} x2={right} y1={y(k * step)} y2={y(k * step)} className="grid" />
          <text x={left - 6} y={y(k * step) + 4} className="axis" textAnchor="end">
            {k * step}
          </text>
        </g>
      ))}
    </>
  );
}

export interface StackSeries {
  key: string;
  label: string;
  tone: string;
}

export function StackedColumns({
  weeks,
  series,
  values,
  label,
}: {
  weeks: string[];
  series: StackSeries[];
  values: (week: number, key: string) => number;
  label: string;
}) {
  const W = 960;
  const H = 260;
  const pad = { l: 40, r: 10, t: 10, b: 34 };
  const totals = weeks.map((_, i) => series.reduce((s, k) => s + values(i, k.key), 0));
  const step = niceStep(Math.max(4, ...totals) / 4);
  const top = step * 4;
  const cw = (W - pad.l - pad.r) / Math.max(1, weeks.length);
  const y = (v: number) => pad.t + ((top - v) * (H - pad.t - pad.b)) / top;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        <YGrid step={step} y={y} left={pad.l} right={W - pad.r} />
        {weeks.map((w, i) => {
          let acc = 0;
          return (
            <g key={w}>
              {series.map((s) => {
                const v = values(i, s.key);
                if (!v) return null;
                const y0 = y(acc);
                acc += v;
                return (
                  <rect
                    key={s.key}
                    x={pad.l + i * cw + cw * 0.18}
                    width={cw * 0.64}
                    y={y(acc)}
                    height={y0 - y(acc)}
                    className={`col ${s.tone}`}
                  >
                    <title>
                      Week of {fmtShortDate(w)}: {s.label} {v}
                    </title>
                  </rect>
                );
              })}
              {(i % Math.ceil(weeks.length / 8) === 0 || i === weeks.length - 1) && (
                <text x={pad.l + i * cw + cw / 2} y={H - pad.b + 16} className="axis" textAnchor="middle">
                  {fmtShortDate(w)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        {series.map((s) => (
          <span key={s.key}>
            <span className={`key col ${s.tone}`} /> {s.label}{' '}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
