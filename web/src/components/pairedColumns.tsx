// Columns side by side, week by week: one measure under two policies (or one), so a manager sees at a
// glance which weeks one policy would make busier. The figures are also a table, for screen readers
// and for anyone who prefers numbers.
import { fmtShortDate } from '../format';
import { niceStep, YGrid } from './charts';

export interface PairedSeries {
  label: string;
  /** A colour class of the charts (tone-1 … tone-6). */
  tone: string;
  values: number[];
}

const show = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

export function PairedColumns({
  title,
  weeks,
  series,
}: {
  title: string;
  weeks: string[];
  series: PairedSeries[];
}) {
  const W = 960;
  const H = 220;
  const pad = { l: 40, r: 10, t: 10, b: 34 };
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const step = niceStep(Math.max(4, max) / 4);
  const top = step * 4;
  const cw = (W - pad.l - pad.r) / Math.max(1, weeks.length);
  const bw = (cw * 0.7) / Math.max(1, series.length);
  const y = (v: number) => pad.t + ((top - v) * (H - pad.t - pad.b)) / top;
  return (
    <figure className="chart">
      <figcaption>
        <strong>{title}</strong>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}, week by week`}>
        <YGrid step={step} y={y} left={pad.l} right={W - pad.r} />
        {weeks.map((w, i) => (
          <g key={w}>
            {series.map((s, n) => {
              const v = s.values[i] ?? 0;
              return (
                <rect
                  key={s.label}
                  x={pad.l + i * cw + cw * 0.15 + n * bw}
                  width={bw * 0.92}
                  y={y(v)}
                  height={Math.max(0, y(0) - y(v))}
                  className={`col ${s.tone}`}
                >
                  <title>
                    Week of {fmtShortDate(w)}: {s.label} {show(v)}
                  </title>
                </rect>
              );
            })}
            {(i % Math.ceil(weeks.length / 10) === 0 || i === weeks.length - 1) && (
              <text x={pad.l + i * cw + cw / 2} y={H - pad.b + 16} className="axis" textAnchor="middle">
                {fmtShortDate(w)}
              </text>
            )}
          </g>
        ))}
      </svg>
      <div className="legend">
        {series.map((s) => (
          <span key={s.label}>
            <span className={`key col ${s.tone}`} /> {s.label}{' '}
          </span>
        ))}
      </div>
      <details>
        <summary>The figures</summary>
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">Week of</th>
              {series.map((s) => (
                <th key={s.label} scope="col">
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {weeks.map((w, i) => (
              <tr key={w}>
                <th scope="row">{fmtShortDate(w)}</th>
                {series.map((s) => (
                  <td key={s.label}>{show(s.values[i] ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
