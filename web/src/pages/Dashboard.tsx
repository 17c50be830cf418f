// For a head teacher and a senior attendance lead: who needs attention today, attendance this year
// beside England's, breakdowns by group, the workload ahead, whether interventions worked, what
// went out this week (honestly: sent, held or failed), and where every case stands. Every figure is
// defined in docs/dashboard.md and computed by the API from the store (api/services/dashboard/).
import { api, qs } from '../api';
import { Link } from '../router';
import { useSession } from '../session';
import { Empty, ErrorBox, Flags, Loading, PageHeader, useAsync } from '../components/ui';
import { DataFeedLine } from '../components/dataFeed';
import { HBarChart, StackedColumns } from '../components/charts';
import { InterventionChart, signed, TrendChart, WorkloadChart } from '../components/dashboardCharts';
import { fmtDate, fmtPct, plural, pupilName, yearLabel } from '../format';
import type { DashboardAnswer } from '../types';
import './dashboard.css';

type Dashboard = DashboardAnswer;

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
      {d && <DashboardBody d={d} />}
    </>
  );
}

function DashboardBody({ d }: { d: Dashboard }) {
  const nat = d.national;
  const natLabel = `England ${nat.source.academicYear}`;
  const m = d.mail;
  const messagesHeld = m.messages.message.held + m.messages.invitation.held + m.messages.staff.held;
  return (
    <>
      <DataFeedLine feed={d.dataFeed} />
      {m.showHeldBanner && (
        <div className="held-banner" role="status">
          <strong>Mail is only being held: no mail server is set up.</strong>
          {plural(m.heldForNoServer, 'email is', 'emails are')} waiting in the{' '}
          <Link to="/outbox">outbox</Link>, not sent. Set <code>SMTP_URL</code> to send them; until then
          families receive nothing by email.
        </div>
      )}
      <div className="tiles">
        <Tile
          label="Attendance, year to date"
          value={fmtPct(nat.school.attendancePct)}
          note={
            nat.attendancePct === null
              ? 'year to date'
              : `${natLabel}: ${fmtPct(nat.attendancePct)} (${signed(nat.difference.attendancePts)})`
          }
          tone={
            nat.difference.attendancePts !== null && nat.difference.attendancePts < 0 ? 'warn' : undefined
          }
        />
        <Tile
          label="Persistent absence"
          value={fmtPct(d.absence.ytd.persistentPct)}
          note={`${d.absence.ytd.persistent} pupils, year to date${
            nat.persistentAbsencePct === null ? '' : ` · ${natLabel}: ${fmtPct(nat.persistentAbsencePct)}`
          }`}
          tone={
            d.absence.ytd.persistentPct !== null &&
            (d.absence.ytd.persistentPct >= 20 ||
              (nat.persistentAbsencePct !== null && d.absence.ytd.persistentPct > nat.persistentAbsencePct))
              ? 'warn'
              : undefined
          }
        />
        <Tile
          label="Severe absence"
          value={fmtPct(d.absence.ytd.severePct)}
          note={`${d.absence.ytd.severe} pupils, year to date`}
          tone={d.absence.ytd.severe > 0 ? 'warn' : undefined}
        />
        <Tile
          label="Open cases"
          value={String(d.cases.open)}
          note={`${d.cases.paused} paused · ${d.cases.closedThisWeek} closed this week`}
          to="/cases"
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
          value={String(m.letters.written)}
          note={`${m.letters.sent} sent · ${m.letters.held} held · ${m.letters.failed} failed · ${m.letters.paperOnly} paper only`}
          tone={m.letters.failed > 0 ? 'bad' : m.letters.held > 0 ? 'warn' : undefined}
          to="/outbox"
        />
      </div>

      <section className="card" aria-labelledby="attention-title">
        <h2 id="attention-title">Needs attention today</h2>
        <AttentionList attention={d.attention} />
      </section>

      <section className="card" aria-labelledby="trend-title">
        <h2 id="trend-title">Attendance this year</h2>
        <TrendChart
          weeks={d.trend.weeks}
          nationalAttendancePct={nat.attendancePct}
          nationalPersistentPct={nat.persistentAbsencePct}
          nationalLabel={natLabel}
        />
        <div className="comparison">
          <div className="figure-box">
            <div className="muted small">Attendance, this school this year</div>
            <div className="big">{fmtPct(nat.school.attendancePct)}</div>
            <div className="small">
              {natLabel}: {fmtPct(nat.attendancePct)} · {signed(nat.difference.attendancePts)}
            </div>
          </div>
          <div className="figure-box">
            <div className="muted small">Persistently absent, this school this year</div>
            <div className="big">{fmtPct(nat.school.persistentPct)}</div>
            <div className="small">
              {natLabel}:{' '}
              {nat.persistentAbsencePct === null ? 'not available' : fmtPct(nat.persistentAbsencePct)}
              {nat.difference.persistentPts !== null && ` · ${signed(nat.difference.persistentPts)}`}
            </div>
          </div>
        </div>
        <p className="small muted">
          {d.trend.rule} {nat.caveat}
        </p>
        <div className="source">
          Source: <a href={nat.source.url}>{nat.source.publication}</a>, {nat.source.publisher}, academic year{' '}
          {nat.source.academicYear} (published {nat.source.publishedIn}); compared with{' '}
          {nat.figure?.phaseLabel.toLowerCase() ?? 'all state-funded schools'}, from this school&apos;s year
          groups.
          <ul>
            {nat.figures.map((f) => (
              <li key={f.phase}>
                {f.phaseLabel}: overall absence {fmtPct(f.overallAbsencePct)}, persistent absence{' '}
                {f.persistentAbsencePct === null ? 'not given' : fmtPct(f.persistentAbsencePct)}
                {f.note ? `. ${f.note}` : ''}
              </li>
            ))}
          </ul>
        </div>
      </section>

      <section className="card" aria-labelledby="breakdowns-title">
        <h2 id="breakdowns-title">Breakdowns</h2>
        <p className="small muted">{d.breakdowns.rule}</p>
        <div className="breakdowns">
          {d.breakdowns.dimensions.map((dim) => (
            <div key={dim.dimension}>
              <table className="table compact">
                <caption>{dim.label}</caption>
                <thead>
                  <tr>
                    <th scope="col">Group</th>
                    <th scope="col" className="num">
                      Pupils
                    </th>
                    <th scope="col" className="num">
                      Attendance
                    </th>
                    <th scope="col" className="num">
                      Persistently absent
                    </th>
                    <th scope="col" className="num">
                      Open cases
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {dim.groups.map((g) => (
                    <tr key={g.key}>
                      <th scope="row">{g.label}</th>
                      <td className="num">{g.pupils}</td>
                      <td className="num">{fmtPct(g.attendancePct)}</td>
                      <td className="num">
                        {fmtPct(g.persistentPct)} <span className="muted small">({g.persistent})</span>
                      </td>
                      <td className="num">{g.openCases}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {!dim.recorded && (
                <p className="small muted">
                  The roster does not record this yet: add the{' '}
                  <code>
                    {dim.dimension === 'pupilPremium'
                      ? 'pupil_premium'
                      : dim.dimension === 'yearGroup'
                        ? 'year_group'
                        : dim.dimension}
                  </code>{' '}
                  column on the <Link to="/imports">Imports</Link> page.
                </p>
              )}
            </div>
          ))}
        </div>
      </section>

      <section className="card" aria-labelledby="workload-title">
        <h2 id="workload-title">Workload ahead</h2>
        {d.workload.weeks.length === 0 ? (
          <p className="muted">
            The school calendar has no school weeks ahead. Import next year&apos;s calendar on the{' '}
            <Link to="/imports">Imports</Link> page.
          </p>
        ) : d.workload.weeks.every((w) => w.total === 0) ? (
          <p className="muted">
            Nothing is booked or due in the next {plural(d.workload.weeks.length, 'school week')}: tasks
            appear here when steps are approved and meetings when they are booked.
          </p>
        ) : (
          <WorkloadChart weeks={d.workload.weeks} series={d.workload.series} />
        )}
        <p className="small muted">
          {d.workload.overdueTasks > 0 && (
            <>
              <Link to="/tasks">{plural(d.workload.overdueTasks, 'task')} already overdue</Link>, not counted
              above.{' '}
            </>
          )}
          {d.workload.rule}
        </p>
      </section>

      <section className="card" aria-labelledby="interventions-title">
        <h2 id="interventions-title">Did interventions work?</h2>
        {d.interventions.rows.length === 0 ? (
          <p className="muted">
            No stage or step has {d.interventions.weeksEachSide} school weeks behind it yet. The figures
            appear once cases have run that long.
          </p>
        ) : (
          <InterventionChart rows={d.interventions.rows} weeks={d.interventions.weeksEachSide} />
        )}
        {d.interventions.tooRecent > 0 && (
          <p className="small">
            {plural(d.interventions.tooRecent, 'step or stage is', 'steps or stages are')} too recent to judge
            yet.
          </p>
        )}
        <p className="small muted">
          {d.interventions.rule} {d.interventions.caveat}
        </p>
      </section>

      <section className="card" aria-labelledby="mail-title">
        <h2 id="mail-title">Letters and messages this week</h2>
        <table className="table compact">
          <caption className="small muted">
            Written {fmtDate(m.weekStart)} to {fmtDate(m.weekEnd)}; how each went out
            {m.transport === 'none' ? ' (no mail server is set up: email is held)' : ''}.
          </caption>
          <thead>
            <tr>
              <th scope="col" />
              <th scope="col" className="num">
                Sent
              </th>
              <th scope="col" className="num">
                Held, not sent
              </th>
              <th scope="col" className="num">
                Failed
              </th>
              <th scope="col" className="num">
                Waiting
              </th>
            </tr>
          </thead>
          <tbody>
            {(
              [
                ['letter', 'Letters (email and text copies)'],
                ['message', 'Messages to families'],
                ['invitation', 'Meeting invitations'],
                ['staff', 'Automatic emails to staff'],
              ] as const
            ).map(([k, label]) => (
              <tr key={k}>
                <th scope="row">{label}</th>
                <td className="num">{m.messages[k].sent}</td>
                <td className="num">{m.messages[k].held}</td>
                <td className="num">{m.messages[k].failed}</td>
                <td className="num">{m.messages[k].queued}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="small">
          {plural(m.letters.written, 'letter')} written: {m.letters.sent} sent, {m.letters.held} held,{' '}
          {m.letters.failed} failed, {m.letters.paperOnly} on paper only; {m.letters.withPaperCopy} with a
          paper copy for the office to post.
          {m.heldBecause.noMailServer + m.heldBecause.noAddress + m.heldBecause.noGateway > 0 &&
            ` Held this week: ${m.heldBecause.noMailServer} waiting for a mail server, ${m.heldBecause.noAddress} with no address, ${m.heldBecause.noGateway} waiting for a text or app gateway.`}
          {messagesHeld > 0 &&
            m.transport === 'none' &&
            ' Held mail is sent from the outbox once SMTP_URL is set.'}
        </p>
        <p className="small muted">{m.rule}</p>
      </section>

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
        <p className="small muted">Cases entering each stage per week (opened or moved), and cases closed.</p>
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
  );
}

/** Who needs attention today: the case page (or the pupil's) one click away, the reasons in words. */
function AttentionList({ attention }: { attention: Dashboard['attention'] }) {
  if (attention.items.length === 0)
    return (
      <p className="muted">
        Nobody needs attention today: no unexplained absence marked today, no overdue task or approval, and no
        case with a step due.
      </p>
    );
  return (
    <>
      <ul className="attention-list">
        {attention.items.map((item) => (
          <li key={item.pupilId}>
            <div>
              <Link
                to={item.caseId ? `/cases/${encodeURIComponent(item.caseId)}` : `/pupils/${item.pupilId}`}
              >
                {pupilName(item)}
              </Link>{' '}
              <span className="muted small">
                {yearLabel(item.yearGroup)}
                {item.stageName ? ` · ${item.stageName}` : ''}
              </span>{' '}
              <Flags flags={item.flags} />
            </div>
            <ul>
              {item.reasons.map((r, n) => (
                <li key={n}>
                  <strong>{r.label}</strong>: {r.detail}
                  {r.on && r.kind !== 'absentToday' ? ` (${fmtDate(r.on)})` : ''}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
      <p className="small muted">
        {attention.total > attention.items.length
          ? `The ${attention.items.length} most pressing of ${attention.total} pupils. `
          : ''}
        {attention.rules}
      </p>
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
