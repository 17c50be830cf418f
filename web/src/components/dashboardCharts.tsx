// The dashboard's charts, hand-drawn in SVG like the others (charts.tsx): the year's trend beside
// England's figures, the workload ahead, and attendance before and after each kind of step. Each is
// an image with a title and a description for screen readers, carries `data-chart` for the browser
// tests, and has its figures as a table under it (a <details>, reachable by keyboard). Colours are
// never the only cue: lines differ in dash as well as colour, and every bar has a dark edge giving
// it 3:1 against the white plot (WCAG 1.4.11).
import { useId } from 'react';
import { fmtPct, fmtShortDate, plural } from '../format';

// ---------------------------------------------------------------------------------------------
// The year's trend

export interface TrendChartPoint {
  weekStart: string;
  to: string;
  complete: boolean;
  pupils: number;
  attendancePct: number | null;
  persistent: number;
  persistentPct: number | null;
}

export function TrendChart({
  weeks,
  nationalAttendancePct,
  nationalPersistentPct,
  nationalLabel,
}: {
  weeks: TrendChartPoint[];
  nationalAttendancePct: number | null;
  nationalPersistentPct: number | null;
  /** "England 2023/24" */
  nationalLabel: string;
}) {
  const id = useId();
  const W = 960;
  const H = 320;
  const pad = { l: 48, r: 230, t: 16, b: 38 };
  const right = W - pad.r;
  const bottom = H - pad.b;
  const x = (i: number) =>
    pad.l +
    12 +
    (weeks.length <= 1 ? (right - pad.l - 24) / 2 : (i * (right - pad.l - 24)) / (weeks.length - 1));
  const y = (v: number) => pad.t + ((100 - v) * (bottom - pad.t)) / 100;
  const line = (key: 'attendancePct' | 'persistentPct') =>
    weeks
      .map((p, i) => (p[key] === null ? null : `${x(i)},${y(p[key]!)}`))
      .filter(Boolean)
      .join(' ');
  const last = weeks.at(-1);
  // Right-hand labels: the school's latest figures and England's, nudged apart when close.
  const labels = [
    last?.attendancePct != null && {
      y: y(last.attendancePct),
      text: `Attendance ${fmtPct(last.attendancePct)}`,
      cls: 'att',
    },
    nationalAttendancePct !== null && {
      y: y(nationalAttendancePct),
      text: `${nationalLabel}: ${fmtPct(nationalAttendancePct)}`,
      cls: 'att national',
    },
    last?.persistentPct != null && {
      y: y(last.persistentPct),
      text: `Persistent absence ${fmtPct(last.persistentPct)}`,
      cls: 'pa',
    },
    nationalPersistentPct !== null && {
      y: y(nationalPersistentPct),
      text: `${nationalLabel}: ${fmtPct(nationalPersistentPct)}`,
      cls: 'pa national',
    },
  ]
    .filter((l): l is { y: number; text: string; cls: string } => Boolean(l))
    .sort((a, b) => a.y - b.y);
  for (let i = 1; i < labels.length; i++)
    if (labels[i]!.y - labels[i - 1]!.y < 15) labels[i]!.y = labels[i - 1]!.y + 15;
  if (weeks.length === 0)
    return (
      <p className="muted">No school weeks with marks yet this year: the trend starts with the first.</p>
    );
  return (
    <figure className="chart" data-chart="trend">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-t ${id}-d`}>
        <title id={`${id}-t`}>Attendance and persistent absence this year, by school week</title>
        <desc id={`${id}-d`}>
          From 0 to 100%. Solid dark line: attendance, year to date. Solid amber line: the share of pupils
          persistently absent, year to date. Dashed lines: England&apos;s published figures. The figures are
          in the table under the chart.
        </desc>
        {[0, 20, 40, 60, 80, 100].map((v) => (
          <g key={v}>
            <line x1={pad.l} x2={right} y1={y(v)} y2={y(v)} className="grid" />
            <text x={pad.l - 8} y={y(v) + 4} className="axis" textAnchor="end">
              {v}%
            </text>
          </g>
        ))}
        {nationalAttendancePct !== null && (
          <line
            x1={pad.l}
            x2={right}
            y1={y(nationalAttendancePct)}
            y2={y(nationalAttendancePct)}
            className="dash-national att"
          />
        )}
        {nationalPersistentPct !== null && (
          <line
            x1={pad.l}
            x2={right}
            y1={y(nationalPersistentPct)}
            y2={y(nationalPersistentPct)}
            className="dash-national pa"
          />
        )}
        <polyline points={line('attendancePct')} className="dash-line att" fill="none" />
        <polyline points={line('persistentPct')} className="dash-line pa" fill="none" />
        {weeks.map((p, i) => (
          <g key={p.weekStart}>
            {p.attendancePct !== null && (
              <circle cx={x(i)} cy={y(p.attendancePct)} r={3.5} className="dash-dot att">
                <title>
                  Week of {fmtShortDate(p.weekStart)}: attendance {fmtPct(p.attendancePct)} year to date
                </title>
              </circle>
            )}
            {p.persistentPct !== null && (
              <circle cx={x(i)} cy={y(p.persistentPct)} r={3.5} className="dash-dot pa">
                <title>
                  Week of {fmtShortDate(p.weekStart)}: {fmtPct(p.persistentPct)} persistently absent
                </title>
              </circle>
            )}
            {(i % Math.ceil(weeks.length / 8) === 0 || i === weeks.length - 1) && (
              <text x={x(i)} y={H - pad.b + 18} className="axis" textAnchor="middle">
                {fmtShortDate(p.weekStart)}
              </text>
            )}
          </g>
        ))}
        {labels.map((l) => (
          <text key={l.text} x={right + 10} y={l.y + 4} className={`dash-label ${l.cls}`}>
            {l.text}
          </text>
        ))}
      </svg>
      <figcaption className="legend">
        <span className="key dash-key att" /> Attendance, year to date <span className="key dash-key pa" />{' '}
        Persistently absent pupils, year to date <span className="key dash-key att national" />{' '}
        <span className="key dash-key pa national" /> {nationalLabel}
      </figcaption>
      <details className="chart-table">
        <summary>Show the trend as a table</summary>
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">Week of</th>
              <th scope="col" className="num">
                Attendance
              </th>
              <th scope="col" className="num">
                Persistently absent
              </th>
              <th scope="col" className="num">
                Pupils
              </th>
            </tr>
          </thead>
          <tbody>
            {weeks.map((p) => (
              <tr key={p.weekStart}>
                <th scope="row">
                  {fmtShortDate(p.weekStart)}
                  {p.complete ? '' : ' (so far)'}
                </th>
                <td className="num">{fmtPct(p.attendancePct)}</td>
                <td className="num">
                  {fmtPct(p.persistentPct)} <span className="muted small">({p.persistent})</span>
                </td>
                <td className="num">{p.pupils}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

// ---------------------------------------------------------------------------------------------
// Workload ahead

export interface WorkloadChartWeek {
  weekStart: string;
  counts: Record<string, number>;
  total: number;
}

const SERIES_TONES = ['tone-1', 'tone-2', 'tone-3', 'tone-4', 'tone-5', 'tone-6'];

export function WorkloadChart({
  weeks,
  series,
}: {
  weeks: WorkloadChartWeek[];
  series: { key: string; label: string }[];
}) {
  const id = useId();
  const W = 960;
  const H = 260;
  const pad = { l: 40, r: 10, t: 14, b: 34 };
  const top = Math.max(4, ...weeks.map((w) => w.total));
  const step = Math.ceil(top / 4);
  const max = step * 4;
  const cw = (W - pad.l - pad.r) / Math.max(1, weeks.length);
  const y = (v: number) => pad.t + ((max - v) * (H - pad.t - pad.b)) / max;
  const tone = (i: number) => SERIES_TONES[i % SERIES_TONES.length]!;
  return (
    <figure className="chart" data-chart="workload">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-t ${id}-d`}>
        <title id={`${id}-t`}>Tasks and meetings due in each of the next school weeks</title>
        <desc id={`${id}-d`}>
          One column per school week, split by kind of work; the total is written above each column and every
          figure is in the table under the chart.
        </desc>
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
          const x0 = pad.l + i * cw + cw * 0.2;
          return (
            <g key={w.weekStart}>
              {series.map((s, n) => {
                const v = w.counts[s.key] ?? 0;
                if (!v) return null;
                const y0 = y(acc);
                acc += v;
                return (
                  <rect
                    key={s.key}
                    x={x0}
                    width={cw * 0.6}
                    y={y(acc)}
                    height={y0 - y(acc)}
                    className={`col dash-col ${tone(n)}`}
                  >
                    <title>
                      Week of {fmtShortDate(w.weekStart)}: {s.label} {v}
                    </title>
                  </rect>
                );
              })}
              <text x={x0 + cw * 0.3} y={y(w.total) - 5} className="dash-value" textAnchor="middle">
                {w.total}
              </text>
              <text x={x0 + cw * 0.3} y={H - pad.b + 18} className="axis" textAnchor="middle">
                {fmtShortDate(w.weekStart)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        {series.map((s, n) => (
          <span key={s.key}>
            <span className={`key col dash-col ${tone(n)}`} /> {s.label}{' '}
          </span>
        ))}
      </figcaption>
      <details className="chart-table">
        <summary>Show the workload as a table</summary>
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">Week of</th>
              {series.map((s) => (
                <th key={s.key} scope="col" className="num">
                  {s.label}
                </th>
              ))}
              <th scope="col" className="num">
                All
              </th>
            </tr>
          </thead>
          <tbody>
            {weeks.map((w) => (
              <tr key={w.weekStart}>
                <th scope="row">{fmtShortDate(w.weekStart)}</th>
                {series.map((s) => (
                  <td key={s.key} className="num">
                    {w.counts[s.key] ?? 0}
                  </td>
                ))}
                <td className="num">{w.total}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

// ---------------------------------------------------------------------------------------------
// Before and after each kind of step

export interface InterventionChartRow {
  kind: string;
  kindLabel: string;
  stageName: string;
  pupils: number;
  beforePct: number | null;
  afterPct: number | null;
  changePts: number | null;
  improved: number;
  tooRecent: number;
}

export function InterventionChart({ rows, weeks }: { rows: InterventionChartRow[]; weeks: number }) {
  const id = useId();
  const counted = rows.filter((r) => r.pupils > 0);
  const W = 960;
  const rowH = 46;
  const lw = 280;
  const H = counted.length * rowH + 30;
  const plotW = W - lw - 200;
  const x = (v: number) => lw + (v * plotW) / 100;
  const rowName = (r: InterventionChartRow) =>
    r.kind === 'stage' ? r.kindLabel : `${r.stageName}: ${r.kindLabel.toLowerCase()}`;
  return (
    <figure className="chart" data-chart="intervention">
      {counted.length > 0 && (
        <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-t ${id}-d`}>
          <title id={`${id}-t`}>
            Attendance in the {weeks} school weeks before and after each stage and kind of step
          </title>
          <desc id={`${id}-d`}>
            Two bars per row, from 0 to 100%: the lighter, upper bar is before, the darker, lower bar after;
            the figures and the number of pupils are written beside them and in the table under the chart.
          </desc>
          {[0, 25, 50, 75, 100].map((v) => (
            <g key={v}>
              <line x1={x(v)} x2={x(v)} y1={4} y2={H - 22} className="grid" />
              <text x={x(v)} y={H - 6} className="axis" textAnchor="middle">
                {v}%
              </text>
            </g>
          ))}
          {counted.map((r, i) => {
            const top = i * rowH + 6;
            return (
              <g key={`${r.stageName}-${r.kind}`}>
                <text x={lw - 10} y={top + 16} textAnchor="end" className="hbar-label">
                  {rowName(r).length > 40 ? `${rowName(r).slice(0, 39)}…` : rowName(r)}
                  <title>{rowName(r)}</title>
                </text>
                <text x={lw - 10} y={top + 32} textAnchor="end" className="axis">
                  {plural(r.pupils, 'pupil')}
                </text>
                {r.beforePct !== null && (
                  <rect
                    x={lw}
                    y={top + 3}
                    width={Math.max(1, x(r.beforePct) - lw)}
                    height={15}
                    className="dash-before"
                  >
                    <title>
                      {rowName(r)}: {fmtPct(r.beforePct)} before
                    </title>
                  </rect>
                )}
                {r.afterPct !== null && (
                  <rect
                    x={lw}
                    y={top + 21}
                    width={Math.max(1, x(r.afterPct) - lw)}
                    height={15}
                    className="dash-after"
                  >
                    <title>
                      {rowName(r)}: {fmtPct(r.afterPct)} after
                    </title>
                  </rect>
                )}
                <text x={x(100) + 8} y={top + 15} className="axis">
                  before {fmtPct(r.beforePct)}
                </text>
                <text x={x(100) + 8} y={top + 33} className="dash-value">
                  after {fmtPct(r.afterPct)} ({signed(r.changePts, true)})
                </text>
              </g>
            );
          })}
        </svg>
      )}
      {counted.length > 0 && (
        <figcaption className="legend">
          <span className="key dash-before" /> {weeks} school weeks before <span className="key dash-after" />{' '}
          {weeks} school weeks after
        </figcaption>
      )}
      <details className="chart-table" open={counted.length === 0 ? true : undefined}>
        <summary>Show the figures as a table</summary>
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">Stage or step</th>
              <th scope="col" className="num">
                Pupils
              </th>
              <th scope="col" className="num">
                Before
              </th>
              <th scope="col" className="num">
                After
              </th>
              <th scope="col" className="num">
                Change
              </th>
              <th scope="col" className="num">
                Improved
              </th>
              <th scope="col" className="num">
                Too recent
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.stageName}-${r.kind}`}>
                <th scope="row">{rowName(r)}</th>
                <td className="num">{r.pupils}</td>
                <td className="num">{fmtPct(r.beforePct)}</td>
                <td className="num">{fmtPct(r.afterPct)}</td>
                <td className="num">{signed(r.changePts)}</td>
                <td className="num">{r.improved}</td>
                <td className="num">{r.tooRecent}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

/** +1.5 points, −2 points (or pts, short), or — */
export function signed(pts: number | null, short = false): string {
  if (pts === null) return '—';
  const n = Math.round(pts * 10) / 10;
  const unit = short ? 'pts' : Math.abs(n) === 1 ? 'point' : 'points';
  return `${n > 0 ? '+' : n < 0 ? '−' : '±'}${Math.abs(n)} ${unit}`;
}
