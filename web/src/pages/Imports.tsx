// Imports: upload a school's calendar, roster and marks (all or nothing, with every bad row listed),
// import the demo school, and run the sweep now.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, qs } from '../api';
import { Link } from '../router';
import { useSession } from '../session';
import { Empty, ErrorBox, PageHeader, ProgressBar, StatusBadge, useAsync } from '../components/ui';
import { CalendarEditor, type EditorCalendar } from '../components/CalendarEditor';
import { fmtDateTime, plural } from '../format';
import type { ImportJobView as Job } from '../types';

const PHASES: Record<string, string> = {
  queued: 'Starting',
  parse: 'Reading',
  validate: 'Checking every row',
  write: 'Saving',
  done: 'Done',
};

export function ImportsPage() {
  const session = useSession();
  return (
    <>
      <PageHeader title="Imports" />
      <p className="lead">
        Bring in a school’s calendar, roster and register marks from your MIS exports. An import is all or
        nothing: if any row is wrong, nothing is saved and every problem is listed.
      </p>
      {session.user.role === 'admin' && <DemoCard />}
      {session.schoolId && <SweepCard schoolId={session.schoolId} />}
      <UploadCard />
      {session.schoolId && <History schoolId={session.schoolId} />}
    </>
  );
}

function DemoCard() {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<{
    schoolId: string;
    marksFrom: string;
    marksTo: string;
    summary: Job['summary'];
    accounts: { role: string; email: string; password: string }[];
  } | null>(null);
  async function go() {
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<NonNullable<typeof result>>('/api/demo/import', {});
      setResult(r);
      await session.refresh();
      session.setSchoolId(r.schoolId);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="card" aria-labelledby="demo-title">
      <h2 id="demo-title">Demo school</h2>
      <p>
        Oakwood Academy: about 600 pupils with this term’s marks and realistic absence, its policy, and a demo
        officer and manager.
      </p>
      <button type="button" className="btn btn-primary" onClick={() => void go()} disabled={busy}>
        {busy ? 'Importing the demo school…' : 'Import the demo school'}
      </button>
      <ErrorBox error={error} />
      {result && (
        <div className="result" aria-live="polite">
          <p className="notice">
            Imported {plural(result.summary?.roster?.rows ?? 0, 'pupil')} and{' '}
            {plural(result.summary?.marks?.rows ?? 0, 'mark')} ({result.marksFrom} to {result.marksTo}). Run
            the sweep below to open cases.
          </p>
          <p>Demo accounts (passwords are shown once; importing again gives new ones):</p>
          <table className="table compact demo-accounts">
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">Email</th>
                <th scope="col">Password</th>
              </tr>
            </thead>
            <tbody>
              {result.accounts.map((a) => (
                <tr key={a.email}>
                  <td>{a.role}</td>
                  <td className="mono" data-role={a.role} data-field="email">
                    {a.email}
                  </td>
                  <td className="mono" data-role={a.role} data-field="password">
                    {a.password}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function SweepCard({ schoolId }: { schoolId: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<{
    status: string;
    result?: { evaluated: number; opened: number; updated: number };
  } | null>(null);
  async function go() {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api.post(`/api/schools/${encodeURIComponent(schoolId)}/sweep?wait=true`));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="card" aria-labelledby="sweep-title">
      <h2 id="sweep-title">Run the sweep now</h2>
      <p>
        The sweep runs every school day after the registers close. Run it now after importing today’s marks:
        every pupil is checked against the policy, and cases open or update.
      </p>
      <button type="button" className="btn" onClick={() => void go()} disabled={busy}>
        {busy ? 'Sweeping…' : 'Run the sweep'}
      </button>
      <ErrorBox error={error} />
      <div aria-live="polite">
        {result?.result && (
          <p className="notice">
            Sweep finished: {plural(result.result.evaluated, 'pupil')} checked,{' '}
            {plural(result.result.opened, 'case')} opened, {plural(result.result.updated, 'case')} updated.{' '}
            <Link to="/approvals">Go to approvals</Link> · <Link to="/cases">Cases</Link>
          </p>
        )}
        {result && !result.result && (
          <p className="notice">The sweep is still running; cases will appear shortly.</p>
        )}
      </div>
    </section>
  );
}

function UploadCard() {
  const session = useSession();
  const [schoolId, setSchoolId] = useState(session.schoolId ?? '');
  const [newSchool, setNewSchool] = useState(false);
  const files = useRef<Record<'calendar' | 'roster' | 'marks', HTMLInputElement | null>>({
    calendar: null,
    roster: null,
    marks: null,
  });
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // A calendar made in the calendar editor, used when no calendar file is chosen.
  const [editorOpen, setEditorOpen] = useState(false);
  const [editorCalendar, setEditorCalendar] = useState<EditorCalendar | null>(null);
  const editorNotice = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    if (!job || job.status !== 'running') return;
    const t = setTimeout(() => {
      api.get<Job>(`/api/imports/${job.id}`).then(setJob, setError);
    }, 400);
    return () => clearTimeout(t);
  }, [job]);

  useEffect(() => {
    if (job?.status === 'succeeded') void session.refresh();
  }, [job?.status]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setJob(null);
    const chosen = (['calendar', 'roster', 'marks'] as const).filter((k) => files.current[k]?.files?.[0]);
    const fromEditor = editorCalendar !== null && !chosen.includes('calendar');
    const only = !fromEditor && chosen.length === 1 && chosen[0] !== 'calendar' ? chosen[0] : null;
    if (only) {
      // One CSV file (today's marks, say) is sent as itself and read as it arrives: a large file is
      // never held whole in the browser's or the server's memory.
      setBusy(true);
      try {
        const file = files.current[only]!.files![0]!;
        setJob(
          await api.uploadCsv<Job>(`/api/imports/csv${qs({ schoolId: schoolId.trim(), kind: only })}`, file),
        );
      } catch (err) {
        setError(err);
      } finally {
        setBusy(false);
      }
      return;
    }
    const body: Record<string, unknown> = { schoolId: schoolId.trim(), fileNames: {} };
    for (const k of ['calendar', 'roster', 'marks'] as const) {
      const f = files.current[k]?.files?.[0];
      if (f) {
        body[k] = await f.text();
        (body.fileNames as Record<string, string>)[k] = f.name;
      }
    }
    if (fromEditor) {
      // The calendar is for the school being imported, whatever id it was made with.
      body.calendar = JSON.stringify({ ...editorCalendar.file, school: schoolId.trim() }, null, 2);
      (body.fileNames as Record<string, string>).calendar = 'calendar editor';
    }
    setBusy(true);
    try {
      setJob(await api.post<Job>('/api/imports', body));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const rows = job?.rejection?.rows ?? (error instanceof ApiError ? error.body.rows : undefined);
  const total =
    job?.rejection?.totalErrors ?? (error instanceof ApiError ? error.body.totalErrors : undefined);
  // A file with problems is marked so, and points at the list of them (read with the field).
  const fileProblems = (file: 'calendar' | 'roster' | 'marks') =>
    rows?.some((r) => r.file === file)
      ? { 'aria-invalid': true as const, 'aria-describedby': 'import-problems' }
      : {};
  return (
    <section className="card" aria-labelledby="upload-title">
      <h2 id="upload-title">Upload files</h2>
      <form className="upload" onSubmit={(e) => void submit(e)}>
        <div className="row">
          {session.schools.length > 0 && !newSchool && schoolId ? (
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
          ) : (
            <label>
              School id (URN)
              <input
                value={schoolId}
                onChange={(e) => setSchoolId(e.target.value)}
                required
                placeholder="e.g. 100001"
              />
            </label>
          )}
          {session.schools.length > 0 && (
            <button
              type="button"
              className="btn btn-quiet btn-small"
              onClick={() => setNewSchool(!newSchool)}
            >
              {newSchool ? 'Choose an existing school' : 'A new school…'}
            </button>
          )}
        </div>
        <p className="small">
          Dates may be written 2026-01-31 or 31/01/2026. Start from a sample:{' '}
          <a href="/api/imports/samples/calendar.json" download>
            calendar.json
          </a>
          ,{' '}
          <a href="/api/imports/samples/roster.csv" download>
            roster.csv
          </a>
          ,{' '}
          <a href="/api/imports/samples/marks.csv" download>
            marks.csv
          </a>
          .
        </p>
        <div className="files">
          <div className="calendar-field">
            <label>
              Calendar <span className="muted small">(JSON or YAML: terms, half terms, closures)</span>
              <input
                type="file"
                accept=".json,.yaml,.yml"
                ref={(el) => void (files.current.calendar = el)}
                // A file chosen here is the calendar: it replaces one from the editor.
                onChange={() => setEditorCalendar(null)}
                {...fileProblems('calendar')}
              />
            </label>
            {editorCalendar && (
              <p className="small notice" ref={editorNotice} tabIndex={-1}>
                Using the calendar from the editor: {editorCalendar.description}.{' '}
                <button type="button" className="linklike" onClick={() => setEditorCalendar(null)}>
                  Stop using it
                </button>
              </p>
            )}
            <button
              type="button"
              className="btn btn-quiet btn-small"
              aria-expanded={editorOpen}
              aria-controls="calendar-editor"
              onClick={() => setEditorOpen(!editorOpen)}
            >
              {editorOpen ? 'Close the calendar editor' : 'Open the calendar editor'}
            </button>
          </div>
          <label>
            Roster{' '}
            <span className="muted small">
              (CSV: upn, given_name, family_name, year_group, date_of_birth, contact1_name, contact1_email,
              contact1_phone, contact2_name, contact2_email, contact2_phone, flags; optional start_date,
              left_on, sex (F/M), sen (N/K/E), pupil_premium (Y/N), and contact1_address and contact1_postcode
              (contact2_ too: address lines separated by |))
            </span>
            <input
              type="file"
              accept=".csv,text/csv"
              ref={(el) => void (files.current.roster = el)}
              {...fileProblems('roster')}
            />
          </label>
          <label>
            Marks <span className="muted small">(CSV: upn, date, session AM or PM, code)</span>
            <input
              type="file"
              accept=".csv,text/csv"
              ref={(el) => void (files.current.marks = el)}
              {...fileProblems('marks')}
            />
          </label>
        </div>
        <button type="submit" className="btn btn-primary" disabled={busy || job?.status === 'running'}>
          Import
        </button>
      </form>
      {editorOpen && (
        <div id="calendar-editor">
          <CalendarEditor
            schoolId={schoolId}
            schoolName={session.schools.find((x) => x.id === schoolId)?.name}
            onUse={(calendar) => {
              setEditorCalendar(calendar);
              // Back to the form, where the calendar now is: the Import button is next.
              setTimeout(() => editorNotice.current?.focus(), 0);
            }}
          />
        </div>
      )}
      {job && (
        <div className="result" aria-live="polite">
          <ProgressBar value={job.percent} label="Import progress" />
          <p className="small muted">
            {PHASES[job.phase] ?? job.phase} · {job.percent}%
          </p>
          {job.status === 'succeeded' && job.summary && (
            <p className="notice">
              Imported.
              {job.summary.calendar && ` Calendar ${job.summary.calendar.status}.`}
              {job.summary.roster &&
                ` Pupils: ${job.summary.roster.inserted} added, ${job.summary.roster.updated} updated, ${job.summary.roster.unchanged} unchanged.`}
              {job.summary.marks &&
                ` Marks: ${job.summary.marks.inserted} new, ${job.summary.marks.changed} changed, ${job.summary.marks.unchanged} unchanged.`}
              {job.summary.roster && job.summary.roster.watched.pending > 0 && (
                <>
                  {' '}
                  {plural(job.summary.roster.watched.pending, 'change')} to parents’ contacts or safeguarding
                  flags {job.summary.roster.watched.pending === 1 ? 'waits' : 'wait'} for a second person’s
                  approval: <Link to="/contact-changes">Contact changes</Link>.
                </>
              )}
              {job.summary.casesNotified !== undefined &&
                job.summary.casesNotified > 0 &&
                ` ${plural(job.summary.casesNotified, 'open case')} told to read the new calendar.`}
              {job.summary.calendarNotice && ` ${job.summary.calendarNotice}`}
            </p>
          )}
          {job.status === 'failed' && <p className="error-box">{job.message}</p>}
        </div>
      )}
      {rows && rows.length > 0 ? (
        <div className="error-box" role="alert" id="import-problems">
          <strong>Nothing was imported: {plural(total ?? rows.length, 'problem')} found.</strong> Correct the
          files and import again.
          <div className="table-wrap">
            <table className="table compact">
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col" className="num">
                    Line
                  </th>
                  <th scope="col">Column</th>
                  <th scope="col">Value</th>
                  <th scope="col">Problem</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={i}>
                    <td>{r.file ?? '—'}</td>
                    <td className="num">{r.line || '—'}</td>
                    <td>
                      <code>{r.column || '—'}</code>
                    </td>
                    <td className="mono clamp">{r.value}</td>
                    <td>{r.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {total !== undefined && total > rows.length && (
            <p className="small">…and {total - rows.length} more.</p>
          )}
        </div>
      ) : (
        <ErrorBox error={error} />
      )}
    </section>
  );
}

function History({ schoolId }: { schoolId: string }) {
  const data = useAsync(
    () =>
      api.get<{
        imports: {
          id: string;
          kind: string;
          rows: number;
          inserted: number;
          changed: number;
          errors: number;
          status: string;
          startedAt: string;
        }[];
      }>(`/api/imports${qs({ schoolId, limit: 15 })}`),
    [schoolId],
  );
  if (!data.data) return <ErrorBox error={data.error} />;
  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">Recent imports</h2>
      {data.data.imports.length === 0 ? (
        <Empty title="No imports yet for this school." />
      ) : (
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col" className="num">
                Rows
              </th>
              <th scope="col" className="num">
                New
              </th>
              <th scope="col" className="num">
                Changed
              </th>
              <th scope="col" className="num">
                Problems
              </th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {data.data.imports.map((i) => (
              <tr key={i.id}>
                <td>{fmtDateTime(i.startedAt)}</td>
                <td>{i.kind}</td>
                <td className="num">{i.rows}</td>
                <td className="num">{i.inserted}</td>
                <td className="num">{i.changed}</td>
                <td className="num">{i.errors || '—'}</td>
                <td>
                  <StatusBadge status={i.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
