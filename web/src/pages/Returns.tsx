// The returns and worklists the law asks a school for (docs/returns.md): the monthly return of 10
// continuous school days of unauthorised absence, illness reaching 15 days, pupils who may be removed
// from roll, today's first-day calls and the termly awards. Each is a table from the server; the team
// records first-day call outcomes and enquiries here, and managers download each list as CSV.
import { Fragment, useState, type FormEvent } from 'react';
import { api, qs } from '../api';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';
import type {
  EnquiryMethod,
  EnquiryMethodLabels,
  FirstDayCall,
  FirstDayCallOutcome,
  FirstDayCallOutcomeLabels,
  ReturnCell,
  ReturnKind,
  ReturnList,
  RollEnquiry,
} from '../types';
import { Empty, ErrorBox, Loading, PageHeader, useAsync } from '../components/ui';
import { fmtDate, fmtPct, yearLabel } from '../format';

/** The lists, in the order the tabs show them, with a short name for each tab. */
const KINDS: Record<ReturnKind, string> = {
  'unauthorised-10-days': '10 days unauthorised',
  sickness: 'Illness (15 days)',
  'removal-from-roll': 'Removal from roll',
  'first-day-calls': 'First-day calls',
  'termly-awards': 'Termly awards',
};
const KIND_KEYS = Object.keys(KINDS) as ReturnKind[];

// The server's own wording (store/returns.ts); the types make any difference a compile error.
const CALL_OUTCOMES: FirstDayCallOutcomeLabels = {
  reasonGiven: 'Spoke to a parent: reason given',
  noReason: 'Spoke to a parent: no reason given',
  noAnswer: 'No answer',
  messageLeft: 'Message left',
  noNumber: 'No working number',
};
const ENQUIRY_METHODS: EnquiryMethodLabels = {
  phone: 'Phone call',
  letter: 'Letter',
  email: 'Email',
  homeVisit: 'Home visit',
  otherSchool: 'Another school',
  localAuthority: 'The local authority',
  otherAgency: 'Another agency',
};

/** The cells that hold an ISO date, shown as long UK dates. */
const DATE_KEYS = new Set(['from', 'to', 'reached', 'spellFrom']);

/** Today in England, as YYYY-MM-DD (the day an enquiry is usually recorded on). */
function todayInEngland(): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date());
  const part = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

function cellText(key: string, value: ReturnCell): string {
  if (value === null || value === '') return '—';
  if (DATE_KEYS.has(key)) return fmtDate(String(value));
  if (key === 'yearGroup' && typeof value === 'number') return yearLabel(value);
  if (key === 'attendancePct' && typeof value === 'number') return fmtPct(value);
  return String(value);
}

export function ReturnsPage() {
  const { schoolId, schools, user } = useSession();
  const { query } = useLocation();
  const asked = query.get('kind');
  const kind: ReturnKind = KIND_KEYS.find((k) => k === asked) ?? 'unauthorised-10-days';
  // The period of the 10-day return, when someone chose one (both ends, or the server's default).
  const from = kind === 'unauthorised-10-days' ? (query.get('from') ?? '') : '';
  const to = kind === 'unauthorised-10-days' ? (query.get('to') ?? '') : '';
  const period = from && to ? { from, to } : {};
  const [notice, setNotice] = useState<string | null>(null);
  const data = useAsync(
    () =>
      schoolId
        ? api.get<ReturnList>(`/api/returns/${kind}${qs({ schoolId, ...period })}`)
        : Promise.resolve(null),
    [schoolId, kind, from, to],
  );
  // While another list loads, the one before it is not shown under the new tab.
  const list = data.data && data.data.kind === kind && data.data.schoolId === schoolId ? data.data : null;
  const school = schools.find((s) => s.id === schoolId);
  const mayExport = user.role === 'manager' || user.role === 'admin';
  const mayRecord = user.role === 'officer' || user.role === 'manager';

  const show = (k: ReturnKind) => {
    setNotice(null);
    navigate(`/returns${qs({ kind: k })}`);
  };
  const setPeriod = (p: { from: string; to: string }) =>
    navigate(`/returns${qs({ kind, ...(p.from && p.to ? p : {}) })}`, true);
  const recorded = (message: string) => {
    setNotice(message);
    data.reload();
  };

  if (!schoolId)
    return (
      <>
        <PageHeader title="Returns" />
        <Empty title="No school yet.">
          <p>
            Import a school’s calendar, roster and marks on the <Link to="/imports">Imports</Link> page, or
            import the demo school.
          </p>
        </Empty>
      </>
    );

  const shownPeriod = { from: from || list?.period?.from || '', to: to || list?.period?.to || '' };
  const withForm = mayRecord && (kind === 'first-day-calls' || kind === 'removal-from-roll');
  return (
    <>
      <PageHeader title="Returns">
        {schools.length > 1 && school && <span className="muted">{school.name}</span>}
        {mayExport && list && (
          <a
            className="btn"
            href={`/api/returns/${kind}${qs({
              schoolId,
              ...(kind === 'unauthorised-10-days' && list.period ? list.period : {}),
              format: 'csv',
            })}`}
            download
          >
            Download CSV
          </a>
        )}
      </PageHeader>
      <div className="segmented returns-tabs" role="group" aria-label="Which list">
        {KIND_KEYS.map((k) => (
          <button
            key={k}
            type="button"
            className={kind === k ? 'on' : ''}
            aria-pressed={kind === k}
            onClick={() => show(k)}
          >
            {KINDS[k]}
          </button>
        ))}
      </div>
      {list && (
        <>
          <h2>{list.title}</h2>
          <p className="lead">{list.description}</p>
        </>
      )}
      {kind === 'unauthorised-10-days' ? (
        <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Period of the return">
          <label>
            From
            <input
              type="date"
              value={shownPeriod.from}
              required
              onChange={(e) => setPeriod({ ...shownPeriod, from: e.target.value })}
            />
          </label>
          <label>
            To
            <input
              type="date"
              value={shownPeriod.to}
              required
              onChange={(e) => setPeriod({ ...shownPeriod, to: e.target.value })}
            />
          </label>
        </form>
      ) : (
        list && (
          <p className="small muted">
            {list.period
              ? `${fmtDate(list.period.from)} to ${fmtDate(list.period.to)}; figures as of ${fmtDate(list.asOf)}.`
              : `As of ${fmtDate(list.asOf)}.`}
          </p>
        )
      )}
      <div aria-live="polite">{notice && <p className="notice">{notice}</p>}</div>
      <ErrorBox error={data.error} title="The list cannot be shown." />
      {data.loading && !list && <Loading />}
      {list && !data.error && (
        <>
          {user.role === 'admin' && (kind === 'first-day-calls' || kind === 'removal-from-roll') && (
            <p className="small muted">
              Administrators do not record calls or enquiries; the attendance team and managers do.
            </p>
          )}
          {list.rows.length === 0 ? (
            <Empty title={list.emptyText} />
          ) : (
            <ReturnTable list={list} withForm={withForm} onRecorded={recorded} />
          )}
        </>
      )}
    </>
  );
}

function ReturnTable({
  list,
  withForm,
  onRecorded,
}: {
  list: ReturnList;
  withForm: boolean;
  onRecorded(message: string): void;
}) {
  // The removal-from-roll row whose enquiry form is open.
  const [open, setOpen] = useState<string | null>(null);
  const span = list.columns.length + (withForm ? 1 : 0);
  // Columns of figures are right-aligned (the year group reads as words).
  const numeric = new Set(
    list.columns
      .filter((c) => c.key !== 'yearGroup' && list.rows.some((r) => typeof r.cells[c.key] === 'number'))
      .map((c) => c.key),
  );
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            {list.columns.map((c) => (
              <th key={c.key} scope="col" className={numeric.has(c.key) ? 'num' : undefined}>
                {c.label}
              </th>
            ))}
            {withForm && (
              <th scope="col">{list.kind === 'first-day-calls' ? 'Record the call' : 'Enquiry'}</th>
            )}
          </tr>
        </thead>
        <tbody>
          {list.rows.map((r, n) => {
            const name = String(r.cells.name ?? 'this pupil');
            return (
              <Fragment key={`${r.pupilId}-${n}`}>
                <tr>
                  {list.columns.map((c) => {
                    const v = r.cells[c.key] ?? null;
                    return (
                      <td key={c.key} className={numeric.has(c.key) ? 'num' : undefined}>
                        {c.key === 'name' ? (
                          <Link to={`/pupils/${encodeURIComponent(r.pupilId)}`}>{cellText(c.key, v)}</Link>
                        ) : (
                          cellText(c.key, v)
                        )}
                      </td>
                    );
                  })}
                  {withForm && list.kind === 'first-day-calls' && (
                    <td>
                      <CallForm
                        pupilId={r.pupilId}
                        name={name}
                        onSaved={(outcome) => onRecorded(`Recorded for ${name}: ${CALL_OUTCOMES[outcome]}.`)}
                      />
                    </td>
                  )}
                  {withForm && list.kind === 'removal-from-roll' && (
                    <td>
                      <button
                        type="button"
                        className="btn btn-small"
                        aria-expanded={open === r.pupilId}
                        onClick={() => setOpen(open === r.pupilId ? null : r.pupilId)}
                      >
                        Record an enquiry
                      </button>
                    </td>
                  )}
                </tr>
                {withForm && list.kind === 'removal-from-roll' && open === r.pupilId && (
                  <tr className="expanded">
                    <td colSpan={span}>
                      <EnquiryForm
                        pupilId={r.pupilId}
                        name={name}
                        onCancel={() => setOpen(null)}
                        onSaved={() => {
                          setOpen(null);
                          onRecorded(`Enquiry recorded for ${name}.`);
                        }}
                      />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** What came of a first-day call: an outcome and an optional note. */
function CallForm({
  pupilId,
  name,
  onSaved,
}: {
  pupilId: string;
  name: string;
  onSaved(outcome: FirstDayCallOutcome): void;
}) {
  const [outcome, setOutcome] = useState<FirstDayCallOutcome | ''>('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!outcome) return;
    setBusy(true);
    setError(null);
    try {
      await api.post<FirstDayCall>('/api/returns/first-day-calls', {
        pupilId,
        outcome,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      setOutcome('');
      setNote('');
      onSaved(outcome);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="row-form" onSubmit={(e) => void submit(e)} aria-label={`The call about ${name}`}>
      <select
        value={outcome}
        required
        aria-label="What came of the call"
        onChange={(e) => setOutcome(e.target.value as FirstDayCallOutcome | '')}
      >
        <option value="">What came of the call?</option>
        {(Object.keys(CALL_OUTCOMES) as FirstDayCallOutcome[]).map((k) => (
          <option key={k} value={k}>
            {CALL_OUTCOMES[k]}
          </option>
        ))}
      </select>
      <input
        type="text"
        value={note}
        maxLength={2000}
        placeholder="Note (optional)"
        aria-label="Note (optional)"
        onChange={(e) => setNote(e.target.value)}
      />
      <button type="submit" className="btn btn-small btn-primary" disabled={busy} aria-busy={busy}>
        {busy ? 'Saving…' : 'Save'}
      </button>
      <ErrorBox error={error} title="The call was not recorded." />
    </form>
  );
}

/** An enquiry into the whereabouts of a pupil who may be removed from roll: when, how, what it found. */
function EnquiryForm({
  pupilId,
  name,
  onSaved,
  onCancel,
}: {
  pupilId: string;
  name: string;
  onSaved(): void;
  onCancel(): void;
}) {
  const today = todayInEngland();
  const [madeOn, setMadeOn] = useState(today);
  const [method, setMethod] = useState<EnquiryMethod | ''>('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!method) return;
    setBusy(true);
    setError(null);
    try {
      await api.post<RollEnquiry>('/api/returns/removal-from-roll/enquiries', {
        pupilId,
        ...(madeOn ? { madeOn } : {}),
        method,
        note: note.trim(),
      });
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="stack" onSubmit={(e) => void submit(e)} aria-label={`An enquiry about ${name}`}>
      <div className="row-form">
        <label>
          Made on
          <input
            type="date"
            value={madeOn}
            max={today}
            required
            onChange={(e) => setMadeOn(e.target.value)}
          />
        </label>
        <label>
          How
          <select value={method} required onChange={(e) => setMethod(e.target.value as EnquiryMethod | '')}>
            <option value="">Choose…</option>
            {(Object.keys(ENQUIRY_METHODS) as EnquiryMethod[]).map((k) => (
              <option key={k} value={k}>
                {ENQUIRY_METHODS[k]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label>
        What the enquiry found
        <textarea rows={3} value={note} required maxLength={2000} onChange={(e) => setNote(e.target.value)} />
      </label>
      <ErrorBox error={error} title="The enquiry was not recorded." />
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy} aria-busy={busy}>
          {busy ? 'Saving…' : 'Save the enquiry'}
        </button>
        <button type="button" className="btn btn-quiet" disabled={busy} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
