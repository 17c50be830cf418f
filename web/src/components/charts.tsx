// Hand-drawn SVG charts: calm colours, labelled axes, and a table for screen readers.
import { fmtShortDate } from '../format';
import type { Threshold, WeekPoint } from '../types';

export function AttendanceChart({ series, thresholds }: { series: WeekPoint[]; thresholds: Threshold[] }) {
  const W = 960;
  const H = 320;
  const pad = { l: 44, r: 250, t: 14, b: 36 };
  const values = series
    .flatMap((p) => [p.attendancePct, p.rolling10Pct, p.ytdPct])
    .filter((v): v is number => v !== null);
  const lowest = Math.min(45, ...values, ...thresholds.map((t) => t.value));
  const yMin = Math.max(0, Math.floor((lowest - 5) / 10) * 10);
  const x = (i: number) =>
    pad.l + (series.length <= 1 ? (W - pad.l - pad.r) / 2 : (i * (W - pad.l - pad.r)) / (series.length - 1));
  const y = (v: number) => pad.t + ((100 - v) * (H - pad.t - pad.b)) / (100 - yMin);
  const bw = Math.max(4, Math.min(26, ((W - pad.l - pad.r) / Math.max(1, series.length)) * 0.6));
  const line = (key: 'rolling10Pct' | 'ytdPct') =>
    series
      .map((p, i) => (p[key] === null ? null : `${x(i)},${y(p[key]!)}`))
      .filter(Boolean)
      .join(' ');
  const ticks: number[] = [];
  for (let v = yMin; v <= 100; v += 10) ticks.push(v);
  // Labels at the right edge, nudged apart when close.
  const labelYs: number[] = [];
  const placed = [...thresholds]
    .filter((t) => t.value >= yMin)
    .sort((a, b) => b.value - a.value)
    .map((t) => {
      let ly = y(t.value) + 4;
      for (const other of labelYs) if (Math.abs(other - ly) < 13) ly = other + 13;
      labelYs.push(ly);
      return { ...t, ly };
    });
  if (series.length === 0) return <p className="muted">No marks yet this school year.</p>;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="att-title att-desc">
        <title id="att-title">Attendance by school week</title>
        <desc id="att-desc">
          Bars: each week&apos;s attendance. Solid line: the rolling 10 school weeks. Dotted line: the year to
          date. Dashed lines: thresholds.
        </desc>
        {ticks.map((v) => (
          <g key={v}>
            <line x1={pad.l} x2={W - pad.r} y1={y(v)} y2={y(v)} className="grid" />
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
              height={Math.max(0, y(yMin) - y(p.attendancePct))}
              className={`bar ${p.attendancePct < 90 ? 'bar-low' : ''}`}
              rx={2}
            >
              <title>
                Week of {fmtShortDate(p.weekStart)}: {p.attendancePct}%
              </title>
            </rect>
          ),
        )}
        {placed.map((t) => (
          <g key={`${t.kind}-${t.value}`}>
            <line
              x1={pad.l}
              x2={W - pad.r}
              y1={y(t.value)}
              y2={y(t.value)}
              className={t.kind === 'national' ? 'threshold national' : 'threshold'}
            />
            <text x={W - pad.r + 6} y={t.ly} className="threshold-label">
              {t.label.length > 40 ? `${t.label.slice(0, 39)}…` : t.label}
              <title>{t.label}</title>
            </text>
          </g>
        ))}
        <polyline points={line('ytdPct')} className="line-ytd" fill="none" />
        <polyline points={line('rolling10Pct')} className="line-rolling" fill="none" />
        {series.map((p, i) =>
          i % Math.ceil(series.length / 8) === 0 || i === series.length - 1 ? (
            <text key={p.weekStart} x={x(i)} y={H - pad.b + 16} className="axis" textAnchor="middle">
              {fmtShortDate(p.weekStart)}
            </text>
          ) : null,
        )}
      </svg>
      <figcaption className="legend">
        <span className="key key-bar" /> Week&apos;s attendance <span className="key key-rolling" /> Rolling
        10 school weeks <span className="key key-ytd" /> Year to date <span className="key key-threshold" />{' '}
        Thresholds
      </figcaption>
      <details className="chart-table">
        <summary>Show the figures as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Week of</th>
              <th scope="col">Week</th>
              <th scope="col">Rolling 10 weeks</th>
              <th scope="col">Year to date</th>
            </tr>
          </thead>
          <tbody>
            {series.map((p) => (
              <tr key={p.weekStart}>
                <td>{fmtShortDate(p.weekStart)}</td>
                <td>{p.attendancePct ?? '—'}%</td>
                <td>{p.rolling10Pct ?? '—'}%</td>
                <td>{p.ytdPct ?? '—'}%</td>
              </tr>
            ))}
          </tbody>
        </table>
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

/** 1, 2, 5, 10, 20, 50… at or above x. */
function niceStep(x: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(1, x)));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
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
        {[0, 1, 2, 3, 4].map((k) => (
          <g key={k}>
            <line x1={pad.l} x2={W - pad.r} y1={y(k * step)} y2={y(k * step)} className="grid" />
            <text x={pad.l - 6} y={y(k * step) + 4} className="axis" textAnchor="end">
              {k * step}
            </text>
          </g>
        ))}
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
