// What-if (managers and administrators): before a school adopts or changes a policy, run it on the
// school's own marks, beside another policy, and see week by week what each would do: letters,
// meetings and home visits, referrals, staff hours, and the pupils whose route would differ.
// Nothing is sent and no case changes (docs/what-if.md). The run is on the server, on a thread of
// its own; the page shows its progress and keeps its id in the address, so a reload finds it again.
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';
import { PairedColumns, type PairedSeries } from '../components/pairedColumns';
import { Empty, ErrorBox, Loading, PageHeader, ProgressBar, useAsync } from '../components/ui';
import { fmtDate, plural, yearLabel } from '../format';
import type { WhatIfCounts, WhatIfReport } from '../../../scripts/simulation/whatIf/report';
import { policyLabels } from '../../../scripts/simulation/whatIf/compare';

// The server's own shapes (scripts/simulation/whatIf/report.ts): the page reads what the report counts.
type Counts = WhatIfCounts;
/** A report as the API gives it: without every pupil's route. */
type Report = Omit<WhatIfReport, 'routes'>;
interface Difference {
  pupilId: string | null;
  name: string;
  yearGroup: number | null;
  from: string;
  why: string;
}
interface Run {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  done: number;
  total: number;
  percent: number;
  error: string | null;
  reports: Report[] | null;
  differences: Difference[] | null;
}
interface PolicyFile {
  name: string;
  title: string;
  version: string | null;
  valid: boolean;
}

const PASTE = '(paste)';
const APPROVE: Record<string, string> = {
  all: 'The team approves every step proposed',
  'auto-only': 'Only the safeguarding holds on letters the policy sends by itself',
  none: 'Nobody approves anything',
};
const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);

/** The Monday eight weeks ago, and today: a half term's worth of marks to try a policy on. */
function defaultPeriod(): { from: string; to: string } {
  const today = new Date();
  const from = new Date(today);
  from.setDate(from.getDate() - 56 - ((from.getDay() + 6) % 7));
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  return { from: iso(from), to: iso(today) };
}

export function WhatIfPage() {
  const { query } = useLocation();
  const runId = query.get('run');
  return (
    <>
      <PageHeader title="What-if" />
      <p className="lead">
        Try a policy on this school’s own marks before adopting it, beside another: what each would send, book
        and refer, week by week, and which pupils would take a different route. Nothing is sent and no case
        changes.
      </p>
      <WhatIfForm />
      {runId && <RunView key={runId} runId={runId} />}
    </>
  );
}

function WhatIfForm() {
  const session = useSession();
  const files = useAsync(() => api.get<{ files: PolicyFile[]; defaultPolicy: string }>('/api/policies'), []);
  const [schoolId, setSchoolId] = useState(session.schoolId ?? session.schools[0]?.id ?? '');
  const [policy, setPolicy] = useState('');
  const [pasted, setPasted] = useState('');
  const [compare, setCompare] = useState('');
  const [period, setPeriod] = useState(defaultPeriod);
  const [approve, setApprove] = useState('all');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const shipped = (files.data?.files ?? []).filter((f) => f.valid);
  const chosen = policy || files.data?.defaultPolicy || shipped[0]?.name || '';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const started = await api.post<{ id: string }>('/api/what-if', {
        schoolId,
        policy: chosen === PASTE ? { text: pasted } : { file: chosen },
        ...(compare ? { compare: { file: compare } } : {}),
        from: period.from,
        to: period.to,
        approve,
      });
      navigate(`/what-if?run=${started.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (files.loading && !files.data) return <Loading label="Loading the policies…" />;
  if (files.error) return <ErrorBox error={files.error} title="The policies could not be loaded." />;
  return (
    <section className="card" aria-labelledby="whatif-form-title">
      <h2 id="whatif-form-title">What to try</h2>
      <form className="upload whatif-form" onSubmit={(e) => void submit(e)}>
        <div className="row">
          {session.schools.length > 1 && (
            <label>
              School
              <select value={schoolId} onChange={(e) => setSchoolId(e.target.value)}>
                {session.schools.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name} ({s.id})
                  </option>
                ))}
              </select>
            </label>
          )}
          <label>
            Policy
            <select value={chosen} onChange={(e) => setPolicy(e.target.value)}>
              {shipped.map((f) => (
                <option key={f.name} value={f.name}>
                  {f.title} (version {f.version})
                </option>
              ))}
              <option value={PASTE}>An edited policy: paste it…</option>
            </select>
          </label>
          <label>
            Compare with
            <select value={compare} onChange={(e) => setCompare(e.target.value)}>
              <option value="">Nothing: this policy alone</option>
              {shipped.map((f) => (
                <option key={f.name} value={f.name}>
                  {f.title} (version {f.version})
                </option>
              ))}
            </select>
          </label>
        </div>
        {chosen === PASTE && (
          <label className="block">
            The policy (YAML, as on the Policies page)
            <textarea
              value={pasted}
              onChange={(e) => setPasted(e.target.value)}
              rows={12}
              required
              spellCheck={false}
              className="mono"
            />
          </label>
        )}
        <div className="row">
          <label>
            From
            <input
              type="date"
              value={period.from}
              onChange={(e) => setPeriod({ ...period, from: e.target.value })}
              required
            />
          </label>
          <label>
            To
            <input
              type="date"
              value={period.to}
              onChange={(e) => setPeriod({ ...period, to: e.target.value })}
              required
            />
          </label>
          <label>
            Approvals
            <select value={approve} onChange={(e) => setApprove(e.target.value)}>
              {Object.entries(APPROVE).map(([k, v]) => (
                <option key={k} value={k}>
                  {v}
                </option>
              ))}
            </select>
          </label>
        </div>
        <ErrorBox error={error} title="The what-if could not start." />
        <button type="submit" className="btn" disabled={busy || !schoolId}>
          {busy ? 'Starting…' : 'Run the what-if'}
        </button>
      </form>
    </section>
  );
}

function RunView({ runId }: { runId: string }) {
  const [run, setRun] = useState<Run | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const r = await api.get<Run>(`/api/what-if/${runId}`);
        if (stopped) return;
        setRun(r);
        if (r.status === 'queued' || r.status === 'running') timer = setTimeout(() => void poll(), 1000);
      } catch (err) {
        if (!stopped) setError(err);
      }
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [runId]);

  if (error) return <ErrorBox error={error} title="The what-if could not be read." />;
  if (!run) return <Loading label="Reading the what-if…" />;
  if (run.status === 'failed')
    return <ErrorBox error={new Error(run.error ?? 'it stopped')} title="The what-if did not finish." />;
  if (run.status !== 'done' || !run.reports)
    return (
      <section className="card" aria-labelledby="whatif-progress">
        <h2 id="whatif-progress">Running</h2>
        <p role="status">
          {run.status === 'queued'
            ? 'Waiting for another what-if to finish…'
            : run.total
              ? `Simulating school day ${run.done} of ${run.total}…`
              : 'Copying the school’s marks…'}
        </p>
        <ProgressBar value={run.percent} label="What-if progress" />
      </section>
    );
  return <Results reports={run.reports} differences={run.differences ?? []} />;
}

function Results({ reports, differences }: { reports: Report[]; differences: Difference[] }) {
  const [a, b] = reports as [Report, Report | undefined];
  // The same names the command line gives the two policies (one rule, so the page and the CSV agree).
  const labels = b ? policyLabels(a.policy, b.policy) : [a.policy.name];
  const weeks = a.weeks.map((w) => w.weekOf);
  const series = (of: (c: Counts) => number): PairedSeries[] =>
    reports.map((r, i) => ({
      label: labels[i]!,
      tone: i === 0 ? 'tone-1' : 'tone-5',
      values: r.weeks.map(of),
    }));
  const rows: [string, (c: Counts) => number][] = [
    ['Cases opened', (c) => sum(c.casesOpened)],
    ['Letters and invitations', (c) => sum(c.letters)],
    ['… of which held for a person', (c) => c.held],
    ['Meetings', (c) => c.meetings],
    ['Home visits', (c) => c.homeVisits],
    ['Staff hours', (c) => c.staffHours],
    ['Referrals to the council', (c) => c.referrals],
    ['Penalty notices considered', (c) => c.penaltyNoticeConsiderations],
    ['Families written to', (c) => c.familiesReached],
  ];
  return (
    <>
      <section className="card" aria-labelledby="whatif-totals">
        <h2 id="whatif-totals">
          {fmtDate(a.from)} to {fmtDate(a.to)}, {a.pupils} pupils
        </h2>
        <div className="table-wrap">
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">In total</th>
                {labels.map((l) => (
                  <th key={l} scope="col">
                    {l}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map(([name, of]) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  {reports.map((r, i) => (
                    <td key={i}>{of(r.total)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="small muted">
          Staff hours count an hour a meeting and an hour and a half a home visit, unless the policy gives its
          own (<code>staffMinutes</code> on a step).
        </p>
      </section>
      <section className="card" aria-labelledby="whatif-charts">
        <h2 id="whatif-charts">Week by week</h2>
        <PairedColumns title="Letters and invitations" weeks={weeks} series={series((c) => sum(c.letters))} />
        <PairedColumns
          title="Meetings and home visits"
          weeks={weeks}
          series={series((c) => c.meetings + c.homeVisits)}
        />
        <PairedColumns title="Referrals to the council" weeks={weeks} series={series((c) => c.referrals)} />
        <PairedColumns title="Staff hours" weeks={weeks} series={series((c) => c.staffHours)} />
      </section>
      {b && (
        <section className="card" aria-labelledby="whatif-differences">
          <h2 id="whatif-differences">
            {differences.length === 0
              ? 'Every pupil takes the same route'
              : `${plural(differences.length, 'pupil')} would take a different route`}
          </h2>
          {differences.length === 0 ? (
            <Empty title="No pupil’s route differs">
              Under both policies every case opens, moves and acts on the same days.
            </Empty>
          ) : (
            <div className="table-wrap">
              <table className="table compact">
                <thead>
                  <tr>
                    <th scope="col">Pupil</th>
                    <th scope="col">Year</th>
                    <th scope="col">From</th>
                    <th scope="col">Where the routes part</th>
                  </tr>
                </thead>
                <tbody>
                  {differences.map((d) => (
                    <tr key={`${d.pupilId ?? d.name}`}>
                      <td>{d.pupilId ? <Link to={`/pupils/${d.pupilId}`}>{d.name}</Link> : d.name}</td>
                      <td>{yearLabel(d.yearGroup)}</td>
                      <td>{fmtDate(d.from)}</td>
                      <td>{d.why}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </>
  );
}
