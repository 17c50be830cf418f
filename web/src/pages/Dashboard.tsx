// For managers: where every case stands, absence across the roll, what is overdue, what went out.
import { api, qs } from '../api';
import { Link } from '../router';
import { useSession } from '../session';
import { Empty, ErrorBox, Loading, PageHeader, useAsync } from '../components/ui';
import { HBarChart, StackedColumns } from '../components/charts';
import { fmtDate, fmtPct, plural } from '../format';
import type { DashboardTasks } from '../types';

interface Dashboard {
  today: string;
  cases: {
    open: number;
    paused: number;
    closed: number;
    closedThisWeek: number;
    byStage: {
      stageId: string | null;
      stageName: string;
      rank: number | null;
      open: number;
      paused: number;
    }[];
  };
  absence: {
    asOf: string;
    pupils: number;
    rule: string;
    ytd: {
      from: string;
      to: string;
      persistent: number;
      severe: number;
      persistentPct: number | null;
      severePct: number | null;
      attendancePct: number | null;
    };
    rolling10: {
      from: string;
      to: string;
      persistent: number;
      severe: number;
      persistentPct: number | null;
      severePct: number | null;
      attendancePct: number | null;
    };
  };
  approvals: {
    waiting: number;
    overdue: number;
    forManagers: number;
    oldestProposedOn: string | null;
    overdueRule: string;
  };
  tasks: DashboardTasks;
  letters: { thisWeek: number; casesWritten: number; weekStart: string };
  stageChanges: {
    stages: { id: string; name: string; rank: number | null }[];
    weeks: {
      weekStart: string;
      opened: number;
      escalatedOrChanged: number;
      closed: number;
      enteredStage: Record<string, number>;
    }[];
  };
}

const TONES = ['tone-1', 'tone-2', 'tone-3', 'tone-4', 'tone-5', 'tone-6'];

export function DashboardPage() {
  const { schoolId, schools } = useSession();
  const data = useAsync(
    () => (schoolId ? api.get<Dashboard>(`/api/dashboard${qs({ schoolId })}`) : Promise.resolve(null)),
    [schoolId],
  );
  const school = schools.find((s) => s.id === schoolId);
  if (!schoolId)
    return (
      <>
        <PageHeader title="Dashboard" />
        <Empty title="No school yet.">
          <p>
            Import a school’s calendar, roster and marks on the <Link to="/imports">Imports</Link> page, or
            import the demo school.
          </p>
        </Empty>
      </>
    );
  const d = data.data;
  return (
    <>
      <PageHeader title="Dashboard">{school && <span className="muted">{school.name}</span>}</PageHeader>
      <ErrorBox error={data.error} />
      {data.loading && !d && <Loading />}
      {d && (
        <>
          <div className="tiles">
            <Tile
              label="Open cases"
              value={String(d.cases.open)}
              note={`${d.cases.paused} paused · ${d.cases.closedThisWeek} closed this week`}
              to="/cases"
            />
            <Tile
              label="Persistent absence"
              value={fmtPct(d.absence.ytd.persistentPct)}
              note={`${d.absence.ytd.persistent} pupils, year to date`}
              tone={
                d.absence.ytd.persistentPct !== null && d.absence.ytd.persistentPct >= 20 ? 'warn' : undefined
              }
            />
            <Tile
              label="Severe absence"
              value={fmtPct(d.absence.ytd.severePct)}
              note={`${d.absence.ytd.severe} pupils, year to date`}
              tone={d.absence.ytd.severe > 0 ? 'warn' : undefined}
            />
            <Tile
              label="Approvals overdue"
              value={String(d.approvals.overdue)}
              note={`${d.approvals.waiting} waiting · ${d.approvals.forManagers} for managers`}
              tone={d.approvals.overdue > 0 ? 'bad' : 'ok'}
              to="/approvals"
            />
            <Tile
              label="Open tasks"
              value={String(d.tasks.open)}
              note={`calls, visits and other work for people${d.tasks.forManagers ? ` · ${d.tasks.forManagers} for managers` : ''}`}
              to="/tasks"
            />
            <Tile
              label="Tasks overdue"
              value={String(d.tasks.overdue)}
              note="past their due day with no outcome recorded"
              tone={d.tasks.overdue > 0 ? 'bad' : 'ok'}
              to="/tasks"
            />
            <Tile
              label="Letters this week"
              value={String(d.letters.thisWeek)}
              note={`to ${plural(d.letters.casesWritten, 'family', 'families')}, since ${fmtDate(d.letters.weekStart)}`}
              to="/outbox"
            />
          </div>

          <div className="two-col-even">
            <section className="card" aria-labelledby="bystage-title">
              <h2 id="bystage-title">Cases by stage</h2>
              {d.cases.byStage.length === 0 ? (
                <p className="muted">
                  No open cases. The sweep opens one when a pupil meets a stage’s entry trigger.
                </p>
              ) : (
                <HBarChart
                  label="Open cases by stage"
                  rows={d.cases.byStage.map((s) => ({
                    label: s.stageName,
                    value: s.open + s.paused,
                    tone: TONES[Math.max(0, (s.rank ?? 1) - 1)],
                  }))}
                />
              )}
            </section>
            <section className="card" aria-labelledby="absence-title">
              <h2 id="absence-title">Absence across the roll</h2>
              <table className="table compact">
                <thead>
                  <tr>
                    <th scope="col" />
                    <th scope="col" className="num">
                      Year to date
                    </th>
                    <th scope="col" className="num">
                      Rolling 10 weeks
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <tr>
                    <th scope="row">Attendance</th>
                    <td className="num">{fmtPct(d.absence.ytd.attendancePct)}</td>
                    <td className="num">{fmtPct(d.absence.rolling10.attendancePct)}</td>
                  </tr>
                  <tr>
                    <th scope="row">Persistent absence</th>
                    <td className="num">
                      {fmtPct(d.absence.ytd.persistentPct)}{' '}
                      <span className="muted small">({d.absence.ytd.persistent})</span>
                    </td>
                    <td className="num">
                      {fmtPct(d.absence.rolling10.persistentPct)}{' '}
                      <span className="muted small">({d.absence.rolling10.persistent})</span>
                    </td>
                  </tr>
                  <tr>
                    <th scope="row">Severe absence</th>
                    <td className="num">
                      {fmtPct(d.absence.ytd.severePct)}{' '}
                      <span className="muted small">({d.absence.ytd.severe})</span>
                    </td>
                    <td className="num">
                      {fmtPct(d.absence.rolling10.severePct)}{' '}
                      <span className="muted small">({d.absence.rolling10.severe})</span>
                    </td>
                  </tr>
                </tbody>
              </table>
              <p className="small muted">
                {d.absence.pupils} pupils on the roll, figures to {fmtDate(d.absence.asOf)}. {d.absence.rule}
              </p>
            </section>
          </div>

          <section className="card" aria-labelledby="changes-title">
            <h2 id="changes-title">Stage changes over time</h2>
            <p className="small muted">
              Cases entering each stage per week (opened or moved), and cases closed.
            </p>
            {d.stageChanges.weeks.every((w) => w.opened + w.escalatedOrChanged + w.closed === 0) ? (
              <p className="muted">No stage changes in the last {d.stageChanges.weeks.length} weeks.</p>
            ) : (
              <StackedColumns
                label="Cases entering each stage, and closed, per week"
                weeks={d.stageChanges.weeks.map((w) => w.weekStart)}
                series={[
                  ...d.stageChanges.stages.map((s, i) => ({
                    key: s.id,
                    label: s.name,
                    tone: TONES[Math.min(TONES.length - 1, Math.max(0, (s.rank ?? i + 1) - 1))]!,
                  })),
                  { key: '__closed', label: 'Closed', tone: 'tone-closed' },
                ]}
                values={(i, key) => {
                  const w = d.stageChanges.weeks[i]!;
                  return key === '__closed' ? w.closed : (w.enteredStage[key] ?? 0);
                }}
              />
            )}
          </section>
        </>
      )}
    </>
  );
}

function Tile({
  label,
  value,
  note,
  tone,
  to,
}: {
  label: string;
  value: string;
  note: string;
  tone?: 'ok' | 'warn' | 'bad';
  to?: string;
}) {
  const body = (
    <>
      <span className="tile-label">{label}</span>
      <span className="tile-value">{value}</span>
      <span className="tile-note">{note}</span>
    </>
  );
  return to ? (
    <Link to={to} className={`tile ${tone ? `tile-${tone}` : ''}`}>
      {body}
    </Link>
  ) : (
    <div className={`tile ${tone ? `tile-${tone}` : ''}`}>{body}</div>
  );
}
