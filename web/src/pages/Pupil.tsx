// A pupil: figures and the weekly chart, and their cases.
import { api } from '../api';
import { Link } from '../router';
import { ErrorBox, Flags, Loading, StatusBadge, useAsync, useDocumentTitle } from '../components/ui';
import { AttendanceChart } from '../components/charts';
import { fmtDate, fmtPct, yearLabel } from '../format';
import type { Threshold, WeekPoint } from '../types';

interface PupilDetail {
  pupil: {
    id: string;
    upn: string;
    givenName: string;
    familyName: string;
    yearGroup: number | null;
    flags: string[];
  };
  asOf: string;
  figures: Record<
    'rolling10' | 'halfTerm' | 'term' | 'ytd',
    {
      attendancePct: number | null;
      unauthorised: number;
      unexplained: number;
      lates: number;
      daysMissed: number;
    }
  >;
  series: WeekPoint[];
  thresholds: Threshold[];
  cases: { caseId: string; status: string; stageName: string | null; openedOn: string }[];
}

export function PupilPage({ pupilId }: { pupilId: string }) {
  const data = useAsync(() => api.get<PupilDetail>(`/api/pupils/${encodeURIComponent(pupilId)}`), [pupilId]);
  useDocumentTitle(
    data.data ? `${data.data.pupil.givenName} ${data.data.pupil.familyName} (pupil)` : 'Pupil',
  );
  if (data.loading && !data.data) return <Loading />;
  if (!data.data) return <ErrorBox error={data.error} title="This pupil cannot be shown." />;
  const d = data.data;
  const rows = [
    ['Rolling 10 school weeks', d.figures.rolling10],
    ['This half term', d.figures.halfTerm],
    ['This term', d.figures.term],
    ['Year to date', d.figures.ytd],
  ] as const;
  return (
    <>
      <h1>
        {d.pupil.givenName} {d.pupil.familyName}
      </h1>
      <p className="muted">
        {yearLabel(d.pupil.yearGroup)} · UPN {d.pupil.upn} · figures to {fmtDate(d.asOf)}
      </p>
      <Flags flags={d.pupil.flags} />
      <section className="card" aria-labelledby="pupil-chart-title">
        <h2 id="pupil-chart-title">Attendance this school year</h2>
        <AttendanceChart series={d.series} thresholds={d.thresholds} />
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">Period</span>
              </th>
              <th className="num" scope="col">
                Attendance
              </th>
              <th className="num" scope="col">
                Unauthorised
              </th>
              <th className="num" scope="col">
                Unexplained
              </th>
              <th className="num" scope="col">
                Lates
              </th>
              <th className="num" scope="col">
                Days missed
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([label, f]) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                <td className="num">{fmtPct(f.attendancePct)}</td>
                <td className="num">{f.unauthorised}</td>
                <td className="num">{f.unexplained}</td>
                <td className="num">{f.lates}</td>
                <td className="num">{f.daysMissed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card">
        <h2>Cases</h2>
        {d.cases.length === 0 ? (
          <p className="muted">No cases.</p>
        ) : (
          <ul className="plain">
            {d.cases.map((c) => (
              <li key={c.caseId}>
                <Link to={`/cases/${encodeURIComponent(c.caseId)}`}>{c.stageName ?? 'Case'}</Link> opened{' '}
                {fmtDate(c.openedOn)} <StatusBadge status={c.status} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
