// Penalty notices on a case's page (docs/penalty-notices.md): for each parent with parental
// responsibility, their notices for this child (requested, issued, what came of each, with the days)
// and what a new notice would be today, or why there can be none and what the next legal option is.
// Managers request notices from the local authority, per parent, and record what came of each; the
// rules are the server's, which refuses anything the national framework does not allow.
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api';
import type {
  ConsiderationResult,
  NoticeTerms,
  ParentNotices,
  PenaltyNoticeOutcome,
  PenaltyNoticeOutcomeWords,
  PenaltyNoticeRecord,
  PenaltyNoticesAnswer,
} from '../types';
import { fmtDate, fmtDateTime, plural } from '../format';
import { useSession } from '../session';
import { ConfirmActions, ErrorBox, Loading, useAsync } from './ui';

// The server's own wording (domain/penaltyNotices.ts, OUTCOME_WORDS): the case page and the evidence
// pack say each outcome the same way.
const OUTCOME_WORDS: PenaltyNoticeOutcomeWords = {
  requested: 'requested from the local authority',
  issued: 'issued',
  paid80: 'paid at £80 (within 21 days)',
  paid160: 'paid at £160',
  unpaid: 'not paid',
  withdrawn: 'withdrawn',
};

/** What may follow each outcome (domain/penaltyNotices.ts); £80 only for a first notice. */
const NEXT: Record<PenaltyNoticeOutcome, readonly PenaltyNoticeOutcome[]> = {
  requested: ['issued', 'withdrawn'],
  issued: ['paid80', 'paid160', 'unpaid', 'withdrawn'],
  paid80: [],
  paid160: [],
  unpaid: ['paid160', 'withdrawn'],
  withdrawn: [],
};

function nextOutcomes(n: PenaltyNoticeRecord): PenaltyNoticeOutcome[] {
  return NEXT[n.outcome].filter((o) => o !== 'paid80' || n.ordinal === 1);
}

const OUTCOME_TONE: Record<PenaltyNoticeOutcome, string> = {
  requested: 'info',
  issued: 'warn',
  paid80: 'ok',
  paid160: 'ok',
  unpaid: 'bad',
  withdrawn: 'muted',
};

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The server's sentences name days as YYYY-MM-DD: said here as long UK dates. */
function withUkDates(text: string): string {
  return text.replace(/\b\d{4}-\d{2}-\d{2}\b/g, (d) => fmtDate(d));
}

/** An API error with its days said as long UK dates (the 409s name the days that matter). */
function readable(err: unknown): unknown {
  return err instanceof ApiError ? new ApiError(err.status, withUkDates(err.message), err.body) : err;
}

/** What the parent is asked to pay. */
function amountWords(n: Pick<PenaltyNoticeRecord, 'ordinal'>): string {
  return n.ordinal === 1 ? '£80 within 21 days, or £160 within 28' : '£160';
}

function termsWords(t: Extract<NoticeTerms, { allowed: true }>): string {
  return withUkDates(t.words);
}

export function PenaltyNotices({
  caseId,
  givenName,
  considerationTaskId,
  onDecided,
}: {
  caseId: string;
  givenName: string;
  /** The case's open penalty-notice consideration task: a request decides it (per parent). */
  considerationTaskId?: string | undefined;
  /** Called when a request decided the consideration (the case's page reloads its record). */
  onDecided?: () => void;
}) {
  const { user } = useSession();
  const isManager = user.role === 'manager';
  const data = useAsync(
    () => api.get<PenaltyNoticesAnswer>(`/api/cases/${encodeURIComponent(caseId)}/penalty-notices`),
    [caseId],
  );
  const [done, setDone] = useState<string | null>(null);
  const a = data.data;
  const recorded = (message: string) => {
    setDone(message);
    data.reload();
  };
  const none = a !== null && a.formerParents.length === 0 && a.parents.every((p) => p.notices.length === 0);
  return (
    <section className="card penalty-notices" aria-labelledby="penalty-title">
      <h2 id="penalty-title">Penalty notices</h2>
      {data.loading && !a && <Loading label="Loading penalty notices…" />}
      {!data.loading && (
        <ErrorBox
          error={data.error}
          title={
            a
              ? 'The penalty notices could not be reloaded: shown as before.'
              : 'The penalty notices cannot be shown.'
          }
        />
      )}
      <div aria-live="polite">{done && <p className="notice small">{done}</p>}</div>
      {a && (
        <>
          {none && (
            <>
              <p>
                <strong>No penalty notice has been requested for {givenName}.</strong>
              </p>
              <p className="small muted">
                A notice is only ever considered, per parent, when the national threshold is met: 10 sessions
                of unauthorised absence in a rolling 10 school weeks.
              </p>
            </>
          )}
          {a.parents.length === 0 && (
            <p className="muted">
              The roster names no parent or carer for {givenName}: a notice is to a named parent with parental
              responsibility.
            </p>
          )}
          {a.parents.map((p) => (
            <ParentBlock
              key={p.contactIndex}
              parent={p}
              today={a.today}
              isManager={isManager}
              onRecorded={recorded}
            />
          ))}
          {a.formerParents.length > 0 && (
            <div className="penalty-parent">
              <h3>No longer among {givenName}’s parents and carers</h3>
              <ul className="plain">
                {a.formerParents.map((n) => (
                  <NoticeItem
                    key={n.id}
                    notice={n}
                    showParent
                    today={a.today}
                    isManager={isManager}
                    onRecorded={recorded}
                  />
                ))}
              </ul>
            </div>
          )}
          {isManager && a.parents.length > 0 && (
            <RequestForm
              caseId={caseId}
              today={a.today}
              parents={a.parents}
              considerationTaskId={considerationTaskId}
              onRequested={(m) => {
                recorded(m);
                if (considerationTaskId) onDecided?.();
              }}
              onStarted={() => setDone(null)}
            />
          )}
        </>
      )}
    </section>
  );
}

/** One parent: their notices for this child, and what a new one would be today. */
function ParentBlock({
  parent: p,
  today,
  isManager,
  onRecorded,
}: {
  parent: ParentNotices;
  today: string;
  isManager: boolean;
  onRecorded(message: string): void;
}) {
  return (
    <div className="penalty-parent">
      <h3>{p.name}</h3>
      {p.notices.length === 0 ? (
        <p className="small muted">No notice for this child so far.</p>
      ) : (
        <ul className="plain">
          {p.notices.map((n) => (
            <NoticeItem key={n.id} notice={n} today={today} isManager={isManager} onRecorded={onRecorded} />
          ))}
        </ul>
      )}
      {p.terms.allowed ? (
        <p className="small">
          A new notice to {p.name} today would be {termsWords(p.terms)}.
        </p>
      ) : (
        <div className="notice notice-warn">
          <strong>No new notice to {p.name}.</strong> {capitalise(withUkDates(p.terms.reason))}.
        </div>
      )}
    </div>
  );
}

/** One notice: which it is, its amount, the days, where it stands, and each outcome recorded. */
function NoticeItem({
  notice: n,
  showParent = false,
  today,
  isManager,
  onRecorded,
}: {
  notice: PenaltyNoticeRecord;
  showParent?: boolean;
  today: string;
  isManager: boolean;
  onRecorded(message: string): void;
}) {
  const next = nextOutcomes(n);
  return (
    <li data-notice-id={n.id}>
      <strong>
        {showParent && `${n.parentName}: `}
        {n.ordinal === 1 ? 'First notice' : 'Second notice within 3 years'}
      </strong>{' '}
      · {amountWords(n)}
      <span className={`pill pill-${OUTCOME_TONE[n.outcome]}`}>{OUTCOME_WORDS[n.outcome]}</span>
      <div className="small">
        Requested {fmtDate(n.requestedOn)} ·{' '}
        {n.issuedOn
          ? `issued ${fmtDate(n.issuedOn)}`
          : n.outcome === 'requested'
            ? 'not yet issued'
            : 'never issued'}
      </div>
      <ol className="reasons small" aria-label="What has happened to this notice">
        {n.history.map((h, i) => (
          <li key={`${h.at}-${i}`}>
            {fmtDate(h.on)}: {OUTCOME_WORDS[h.outcome]}{' '}
            <span className="muted">(recorded {fmtDateTime(h.at)})</span>
          </li>
        ))}
      </ol>
      {isManager && next.length > 0 && (
        <OutcomeForm notice={n} next={next} today={today} onRecorded={onRecorded} />
      )}
    </li>
  );
}

function OutcomeForm({
  notice: n,
  next,
  today,
  onRecorded,
}: {
  notice: PenaltyNoticeRecord;
  next: PenaltyNoticeOutcome[];
  today: string;
  onRecorded(message: string): void;
}) {
  const [outcome, setOutcome] = useState<PenaltyNoticeOutcome | ''>('');
  const [on, setOn] = useState(today);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!outcome) return;
    setBusy(true);
    setError(null);
    try {
      await api.post<PenaltyNoticeRecord>(`/api/penalty-notices/${encodeURIComponent(n.id)}/outcome`, {
        outcome,
        on,
      });
      setOutcome('');
      onRecorded(`Recorded for ${n.parentName}’s notice: ${OUTCOME_WORDS[outcome]}, on ${fmtDate(on)}.`);
    } catch (err) {
      setError(readable(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="row-form task-outcome"
      onSubmit={save}
      aria-label={`What came of the notice to ${n.parentName}`}
    >
      <label>
        What came of it
        <select
          value={outcome}
          required
          onChange={(e) => setOutcome(e.target.value as PenaltyNoticeOutcome | '')}
        >
          <option value="">Choose…</option>
          {next.map((o) => (
            <option key={o} value={o}>
              {capitalise(OUTCOME_WORDS[o])}
            </option>
          ))}
        </select>
      </label>
      <label>
        On
        <input
          type="date"
          value={on}
          required
          min={n.outcomeOn}
          max={today}
          onChange={(e) => setOn(e.target.value)}
        />
      </label>
      <button
        type="submit"
        className="btn btn-small btn-primary"
        disabled={busy || !outcome}
        aria-busy={busy}
      >
        {busy ? 'Saving…' : 'Save'}
      </button>
      <ErrorBox error={error} title="The outcome was not recorded." />
    </form>
  );
}

/** What the case recorded when a request decided its consideration step. */
function decidedMessage(r: ConsiderationResult, today: string): string {
  const made = r.notices.map((n) => `${n.ordinal === 1 ? 'a first' : 'a second'} notice to ${n.parentName}`);
  const refused = r.refused.map((p) => p.name);
  return [
    made.length ? `Requested from the local authority on ${fmtDate(today)}: ${made.join(' and ')}.` : '',
    refused.length
      ? `No notice is possible for ${refused.join(' or ')} (a third within 3 years): the case proposes the next legal option to a manager.`
      : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/**
 * A manager ticks the parents a notice is for, then confirms how many, to whom, on what terms. With
 * the case's consideration step open, the request decides it: a parent the 3-year rules refuse may be
 * named too, and the case then proposes the next legal option for them.
 */
function RequestForm({
  caseId,
  today,
  parents,
  considerationTaskId,
  onRequested,
  onStarted,
}: {
  caseId: string;
  today: string;
  parents: ParentNotices[];
  considerationTaskId?: string | undefined;
  onRequested(message: string): void;
  onStarted(): void;
}) {
  const [ticked, setTicked] = useState<number[]>([]);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const allowed = parents.filter(
    (p): p is ParentNotices & { terms: Extract<NoticeTerms, { allowed: true }> } => p.terms.allowed,
  );
  const refused = parents.filter((p) => !p.terms.allowed);
  // Outside a consideration, only parents who may still get a notice today can be chosen (a reload
  // may have changed that); deciding a consideration, a refusal is an outcome too.
  const choosable = considerationTaskId ? parents : allowed;
  const chosen = choosable.filter((p) => ticked.includes(p.contactIndex));

  function toggle(i: number, on: boolean) {
    setConfirming(false);
    setTicked((t) => (on ? [...t.filter((x) => x !== i), i] : t.filter((x) => x !== i)));
  }

  async function request() {
    setBusy(true);
    setError(null);
    onStarted();
    try {
      const contactIndexes = chosen.map((p) => p.contactIndex);
      if (considerationTaskId) {
        const r = await api.post<ConsiderationResult>(
          `/api/cases/${encodeURIComponent(caseId)}/tasks/${encodeURIComponent(considerationTaskId)}/penalty-notices`,
          { contactIndexes },
        );
        onRequested(decidedMessage(r, today));
      } else {
        const made = await api.post<PenaltyNoticeRecord[]>(
          `/api/cases/${encodeURIComponent(caseId)}/penalty-notices`,
          { contactIndexes },
        );
        onRequested(
          `Requested from the local authority on ${fmtDate(today)}: ${made
            .map((n) => `${n.ordinal === 1 ? 'a first' : 'a second'} notice to ${n.parentName}`)
            .join(' and ')}.`,
        );
      }
      setTicked([]);
      setConfirming(false);
    } catch (err) {
      setError(readable(err));
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="penalty-request">
      <h3>
        {considerationTaskId ? 'Decide the penalty-notice consideration' : 'Request from the local authority'}
      </h3>
      {considerationTaskId && (
        <p className="small">
          The case asks a manager to consider a penalty notice (see its task). Name each parent the request is
          for: each gets their own notice, on their own terms. A parent the 3-year rules refuse gets none, and
          the case proposes the next legal option instead.
        </p>
      )}
      {choosable.length === 0 ? (
        <p className="small muted">No parent may be given a new notice for this child today (see above).</p>
      ) : (
        <fieldset disabled={busy}>
          <legend>A penalty notice for</legend>
          {choosable.map((p) => (
            <label key={p.contactIndex} className="check">
              <input
                type="checkbox"
                checked={ticked.includes(p.contactIndex)}
                onChange={(e) => toggle(p.contactIndex, e.target.checked)}
              />
              {p.name}{' '}
              <span className="small muted">
                (
                {!p.terms.allowed
                  ? 'no notice possible: a third within 3 years'
                  : p.terms.ordinal === 1
                    ? 'a first notice'
                    : 'a second notice, £160'}
                )
              </span>
            </label>
          ))}
        </fieldset>
      )}
      {refused.length > 0 && allowed.length > 0 && !considerationTaskId && (
        <p className="small muted">
          Not {refused.map((p) => p.name).join(' or ')}: the 3-year rules refuse a new notice (see above).
        </p>
      )}
      {choosable.length > 0 &&
        (!confirming ? (
          <div className="actions">
            <button
              type="button"
              className="btn btn-primary"
              disabled={chosen.length === 0}
              onClick={() => setConfirming(true)}
            >
              Request penalty notices…
            </button>
          </div>
        ) : (
          <div className="stack">
            <p>
              <strong>
                Request {plural(chosen.length, 'penalty notice')} from the local authority, dated today (
                {fmtDate(today)}), for {chosen.map((p) => p.name).join(' and ')}?
              </strong>
            </p>
            <ul className="reasons small">
              {chosen.map((p) => (
                <li key={p.contactIndex}>
                  {p.name}:{' '}
                  {p.terms.allowed ? termsWords(p.terms) : `no notice: ${withUkDates(p.terms.reason)}`}
                </li>
              ))}
            </ul>
            <p className="small muted">
              Each parent’s notice is recorded separately, and in the audit log. Record what the local
              authority does with each (issued, paid, withdrawn) here as it happens.
            </p>
            <ConfirmActions
              busy={busy}
              label={`Request ${plural(chosen.length, 'notice')}`}
              busyLabel="Requesting…"
              onConfirm={() => void request()}
              onCancel={() => setConfirming(false)}
            />
          </div>
        ))}
      <ErrorBox error={error} title="No notice was requested." />
    </div>
  );
}
