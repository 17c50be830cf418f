// One case: where it stands, what happens next and why, the attendance chart with the policy's
// thresholds, the timeline (the evidence), letters, meetings, penalty notices and the evidence pack
// for a referral, and forms to record what happened. The page shows the case as last saved (the read
// model) at once, then asks the case itself for anything newer in the background: a busy worker
// leaves it as last saved, never loading.
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api';
import { Link } from '../router';
import type { CaseDetail, TimelineEvent } from '../types';
import {
  ErrorBox,
  Flags,
  Loading,
  StageBadge,
  StatusBadge,
  useAsync,
  useDocumentTitle,
} from '../components/ui';
import { ownerName, TaskNotes, TaskOutcomeForm, TaskResult } from '../components/tasks';
import { AttendanceChart } from '../components/charts';
import { PenaltyNotices } from '../components/penaltyNotices';
import { EvidencePacks } from '../components/evidencePacks';
import { fmtDate, fmtDateTime, fmtPct, outcomeName, plural, yearLabel } from '../format';

/** How long the page waits for the case itself (the server gives up sooner, after a few seconds). */
const LIVE_TIMEOUT_MS = 8_000;

/** GET /api/cases/:caseId/live: the case as its workflow holds it now. */
type LiveCase = Pick<CaseDetail, 'case' | 'permissions'> & { source: 'workflow' };

/** Whether what the page shows is known to be current. */
type Freshness = 'checking' | 'live' | 'saved' | 'final';

/**
 * Asks the case for its live view once the saved one is on screen (again after each reload), and
 * abandons the question when the page is left or reloaded. A closed case has nothing newer.
 */
function useLiveCase(saved: CaseDetail | null): { live: LiveCase | null; freshness: Freshness } {
  // Each answer is kept with the saved view it followed, so a reload never shows an older answer.
  const [state, setState] = useState<{
    after: CaseDetail | null;
    live: LiveCase | null;
    freshness: Freshness;
  }>({ after: null, live: null, freshness: 'checking' });
  useEffect(() => {
    if (!saved || saved.case.status === 'closed') return;
    const asking = new AbortController();
    api
      .get<LiveCase | undefined>(`/api/cases/${encodeURIComponent(saved.case.caseId)}/live`, {
        timeoutMs: LIVE_TIMEOUT_MS,
        signal: asking.signal,
      })
      .then(
        (live) => setState({ after: saved, live: live ?? null, freshness: live ? 'live' : 'final' }),
        () => {
          if (!asking.signal.aborted) setState({ after: saved, live: null, freshness: 'saved' });
        },
      );
    return () => asking.abort();
  }, [saved]);
  if (saved?.case.status === 'closed') return { live: null, freshness: 'final' };
  if (state.after !== saved) return { live: null, freshness: 'checking' };
  return { live: state.live, freshness: state.freshness };
}

export function CasePage({ caseId }: { caseId: string }) {
  const data = useAsync(() => api.get<CaseDetail>(`/api/cases/${encodeURIComponent(caseId)}`), [caseId]);
  const { live, freshness } = useLiveCase(data.data);
  useDocumentTitle(data.data ? `${data.data.pupil.givenName} ${data.data.pupil.familyName}: case` : 'Case');
  if (data.loading && !data.data) return <Loading />;
  if (!data.data) return <ErrorBox error={data.error} title="This case cannot be shown." />;
  const saved = data.data;
  const d: CaseDetail = live ? { ...saved, ...live } : saved;
  const c = d.case;
  const rank = d.policy ? d.policy.stages.findIndex((s) => s.id === c.stageId) + 1 : null;
  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/cases">Cases</Link> /{' '}
        <span aria-current="page">
          {d.pupil.givenName} {d.pupil.familyName}
        </span>
      </nav>
      <div className="case-head">
        <div>
          <h1>
            {d.pupil.givenName} {d.pupil.familyName}
          </h1>
          <p className="muted">
            {yearLabel(d.pupil.yearGroup)} · UPN {d.pupil.upn} · case opened {fmtDate(c.openedOn)}
            {d.policy && ` · ${d.policy.name} (version ${d.policy.version})`}
          </p>
          <Flags flags={d.pupil.flags} />
        </div>
        <div className="case-state">
          <StageBadge name={c.stageName} rank={rank} />
          <StatusBadge status={c.status} />
        </div>
      </div>
      <p className="small muted" role="status">
        {freshness === 'checking' && 'Shown as last saved; checking the case for anything newer…'}
        {freshness === 'saved' &&
          'Shown as last saved: the case did not answer just now. Reload to try again.'}
      </p>

      <div className="cards3">
        <section className="card" aria-labelledby="next-title">
          <h2 id="next-title">Next scheduled action</h2>
          {c.status === 'closed' ? (
            <p>Closed{c.closedReason ? `: ${c.closedReason}` : ''}.</p>
          ) : (
            <>
              <p className="big">{fmtDate(c.next.on)}</p>
              <p>{c.next.action}</p>
              {c.next.reasons.length > 0 && (
                <ul className="reasons small">
                  {c.next.reasons.map((r) => (
                    <li key={r.rule}>{r.text}</li>
                  ))}
                </ul>
              )}
              {c.monitoringUntil && (
                <p className="small muted">Monitoring window ends {fmtDate(c.monitoringUntil)}.</p>
              )}
              {c.sweptOn && (
                <p className="small muted">
                  Checked by the evening sweep on {fmtDate(c.sweptOn)}: nothing to change.
                </p>
              )}
            </>
          )}
        </section>
        <section className="card" aria-labelledby="figures-title">
          <h2 id="figures-title">Latest figures</h2>
          {c.latestFacts ? (
            <dl className="figures">
              <div>
                <dt>Attendance</dt>
                <dd
                  className={
                    c.latestFacts.attendancePct !== null && c.latestFacts.attendancePct < 90 ? 'low' : ''
                  }
                >
                  {fmtPct(c.latestFacts.attendancePct)}
                </dd>
              </div>
              <div>
                <dt>Unauthorised</dt>
                <dd>{c.latestFacts.unauthorised}</dd>
              </div>
              <div>
                <dt>Unexplained (N)</dt>
                <dd>{c.latestFacts.unexplained}</dd>
              </div>
              <div>
                <dt>Lates</dt>
                <dd>{c.latestFacts.lates}</dd>
              </div>
            </dl>
          ) : (
            <p className="muted">Not yet evaluated.</p>
          )}
          {c.latestFacts && (
            <p className="small muted">
              Rolling 10 school weeks, as of {fmtDate(c.latestFacts.asOf)}. Sessions, not days.
            </p>
          )}
        </section>
        <section className="card" aria-labelledby="waiting-title">
          <h2 id="waiting-title">Waiting for approval</h2>
          {c.pending.length === 0 ? (
            <p className="muted">Nothing.</p>
          ) : (
            <ul className="plain">
              {c.pending.map((p) => (
                <li key={p.proposalId}>
                  <strong>{p.step.title}</strong>{' '}
                  <span className="small muted">since {fmtDate(p.proposedOn)}</span>
                  {p.approver === 'manager' && <span className="pill pill-info">Manager</span>}
                </li>
              ))}
            </ul>
          )}
          {c.pending.length > 0 && <Link to="/approvals">Open approvals →</Link>}
        </section>
      </div>

      <section className="card" aria-labelledby="chart-title">
        <h2 id="chart-title">Attendance this school year</h2>
        <AttendanceChart series={d.series} thresholds={d.thresholds} />
      </section>

      <div className="two-col">
        <section className="card" aria-labelledby="timeline-title">
          <h2 id="timeline-title">Timeline</h2>
          <Timeline events={c.timeline} />
        </section>
        <div className="stack">
          {d.permissions.recordEvents && <RecordForms detail={d} onRecorded={data.reload} />}
          <section className="card" aria-labelledby="letters-title">
            <h2 id="letters-title">Letters</h2>
            {d.letters.length === 0 ? (
              <p className="muted">No letters yet.</p>
            ) : (
              <ul className="plain">
                {d.letters.map((l) => (
                  <li key={l.id}>
                    <a href={`/api/letters/${encodeURIComponent(l.id)}/pdf`} download>
                      {l.subject}
                    </a>{' '}
                    <span className="small muted">
                      dated {fmtDate(l.sentOn)}
                      {l.amended && ' · amended'}
                    </span>
                    {l.recipients.some((r) => r.byPost && r.addressed) && (
                      <>
                        {' '}
                        ·{' '}
                        <a
                          href={`/api/letters/${encodeURIComponent(l.id)}/post-copies`}
                          className="small"
                          download
                        >
                          Copies for the post (addressed)
                        </a>
                      </>
                    )}
                    <div className="small">
                      <LetterDelivery delivery={l.delivery} />
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section className="card" aria-labelledby="meetings-title">
            <h2 id="meetings-title">Meetings and visits</h2>
            {d.meetings.length === 0 ? (
              <p className="muted">None booked.</p>
            ) : (
              <ul className="plain">
                {d.meetings.map((m) => (
                  <li key={m.id}>
                    <strong>{m.title}</strong> <StatusBadge status={m.status} />
                    <div className="small muted">
                      {fmtDateTime(m.startsAt)} with {m.staffName}, {m.location}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <PenaltyNotices
            caseId={c.caseId}
            givenName={d.pupil.givenName || 'this pupil'}
            considerationTaskId={
              c.tasks?.find((t) => t.kind === 'penaltyNoticeConsideration' && t.status === 'open')?.taskId
            }
            onDecided={data.reload}
          />
          <EvidencePacks caseId={c.caseId} onApproved={data.reload} />
          {c.tasks ? (
            c.tasks.length > 0 && (
              <CaseTasks
                caseId={c.caseId}
                today={c.today}
                tasks={c.tasks}
                people={d.people}
                canRecord={d.permissions.recordEvents}
                onRecorded={data.reload}
              />
            )
          ) : d.tasks.length > 0 ? (
            <section className="card" aria-labelledby="tasks-title">
              <h2 id="tasks-title">Tasks for the team</h2>
              <ul className="plain">
                {d.tasks.map((t) => (
                  <li key={t.id}>
                    {t.title} <span className="small muted">due {fmtDate(t.dueOn)}</span>{' '}
                    <StatusBadge status={t.status} />
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          <section className="card" aria-labelledby="contacts-title">
            <h2 id="contacts-title">Parents and carers</h2>
            <ul className="plain">
              {d.pupil.contacts.map((ct, i) => (
                <li key={i}>
                  <strong>{ct.name || 'Unnamed contact'}</strong>
                  <div className="small muted">
                    {[ct.email, ct.phone].filter(Boolean).join(' · ') ||
                      'No email or phone: letters are printed and posted'}
                  </div>
                </li>
              ))}
            </ul>
          </section>
        </div>
      </div>
    </>
  );
}

const TYPE_LABEL: Record<TimelineEvent['type'], string> = {
  opened: 'Opened',
  stageChanged: 'Stage',
  proposed: 'Proposed',
  approved: 'Approved',
  rejected: 'Rejected',
  amended: 'Amended',
  reminderSent: 'Reminder',
  escalatedToManager: 'Escalated',
  letterSent: 'Letter sent',
  messageSent: 'Message sent',
  meetingBooked: 'Meeting',
  taskCreated: 'Task',
  councilNotified: 'Council',
  stepFailed: 'Not done',
  outcomeRecorded: 'Outcome',
  paused: 'Paused',
  resumed: 'Resumed',
  note: 'Note',
  check: 'Check',
  closed: 'Closed',
  // Held mail has not gone: it waits in the outbox until a mail server is set up and it is sent.
  letterHeld: 'Held, not sent',
  messageHeld: 'Held, not sent',
  toPost: 'To post',
  deliveryCompleted: 'Sent from outbox',
  deliveryStatus: 'Delivery',
  taskCompleted: 'Task done',
  taskAttempt: 'Attempt',
  withdrawn: 'Withdrawn',
  calendarEnded: 'Calendar ended',
  calendarResumed: 'Calendar',
  periodJudged: 'Judged',
};

/** The letter's PDF, for the timeline entries that are about a letter. */
const PDF_LINK: Partial<Record<TimelineEvent['type'], string>> = {
  letterSent: 'PDF',
  letterHeld: 'PDF (not yet sent)',
  toPost: 'PDF to print',
};

function Timeline({ events }: { events: TimelineEvent[] }) {
  if (events.length === 0) return <p className="muted">Nothing has happened yet.</p>;
  return (
    <ol className="timeline">
      {[...events].reverse().map((e, i) => (
        <li key={`${e.at}-${i}`} className={`tl tl-${e.type}`}>
          <div className="tl-when">
            <span>{fmtDate(e.date)}</span>
            <span className={`tl-type tl-type-${e.type}`}>{TYPE_LABEL[e.type] ?? e.type}</span>
          </div>
          <div className="tl-what">
            {e.text}
            {e.actor && <span className="small muted"> · by {e.actor.role}</span>}
            {PDF_LINK[e.type] && e.ref && (
              <>
                {' '}
                · <a href={`/api/letters/${encodeURIComponent(e.ref)}/pdf`}>{PDF_LINK[e.type]}</a>
              </>
            )}
            {e.reasons && e.reasons.length > 0 && (
              <ul className="reasons small">
                {e.reasons.map((r) => (
                  <li key={r.rule}>{r.text}</li>
                ))}
              </ul>
            )}
          </div>
        </li>
      ))}
    </ol>
  );
}

/** How a letter went out: sent, held in the outbox (not sent), to be posted, failed. */
function LetterDelivery({ delivery: d }: { delivery: CaseDetail['letters'][number]['delivery'] }) {
  const parts: [string, string][] = [];
  if (d.sent) parts.push(['ok', `sent to ${plural(d.sent, 'parent/carer', 'parents/carers')}`]);
  if (d.held) parts.push(['warn', `held in the outbox for ${d.held}, not yet sent`]);
  if (d.queued) parts.push(['warn', `${d.queued} being sent`]);
  if (d.failed) parts.push(['bad', `${d.failed} could not be sent`]);
  if (d.toPost) parts.push(['info', `${d.toPost} to print and post`]);
  if (parts.length === 0) return <span className="muted">Kept on file: no one to send it to</span>;
  return (
    <>
      {parts.map(([tone, text]) => (
        <span key={text} className={`pill pill-${tone}`}>
          {text}
        </span>
      ))}
    </>
  );
}

/** The case's tasks: open ones first, each with its outcome buttons; done ones with what came of them. */
function CaseTasks({
  caseId,
  today,
  tasks,
  people,
  canRecord,
  onRecorded,
}: {
  caseId: string;
  today: string;
  tasks: NonNullable<CaseDetail['case']['tasks']>;
  people: Record<string, string>;
  canRecord: boolean;
  onRecorded(): void;
}) {
  const [notice, setNotice] = useState<string | null>(null);
  const ordered = [...tasks].sort((a, b) =>
    a.status !== b.status ? (a.status === 'open' ? -1 : 1) : a.dueOn.localeCompare(b.dueOn),
  );
  return (
    <section className="card" aria-labelledby="tasks-title">
      <h2 id="tasks-title">Tasks</h2>
      <div aria-live="polite">{notice && <p className="notice small">{notice}</p>}</div>
      <ul className="plain task-items">
        {ordered.map((t) => {
          const overdue = t.status === 'open' && t.dueOn < today;
          return (
            <li key={t.taskId} data-task-id={t.taskId} className={overdue ? 'overdue' : ''}>
              <strong>{t.title}</strong> <StatusBadge status={t.status} />
              {overdue && <span className="pill pill-bad">overdue</span>}
              <div className="small muted">
                For {ownerName(t.owner, people)} · due {fmtDate(t.dueOn)}
              </div>
              <TaskResult task={t} people={people} />
              {t.status === 'open' && <TaskNotes task={t} />}
              {t.canComplete && canRecord && t.kind === 'penaltyNoticeConsideration' && (
                <p className="small">
                  To request a notice, name each parent under <strong>Penalty notices</strong>: each gets
                  their own, on their own terms.
                </p>
              )}
              {t.canComplete && canRecord && (
                <TaskOutcomeForm
                  caseId={caseId}
                  task={
                    t.kind === 'penaltyNoticeConsideration'
                      ? {
                          ...t,
                          outcomes: t.outcomes.filter((o) => o.id !== 'requested' && o.id !== 'refused'),
                        }
                      : t
                  }
                  onRecorded={(m) => {
                    setNotice(m);
                    onRecorded();
                  }}
                />
              )}
              {t.status === 'open' && !t.canComplete && canRecord && (
                <p className="small muted">This task is for a manager.</p>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/**
 * The case's next action once it has taken in a recorded outcome (its read model moves past
 * `version` twice: the outcome, then the case's fresh look). Null if it has not within ten seconds.
 */
async function nextAfter(caseId: string, version: number): Promise<CaseDetail['case']['next'] | null> {
  for (let i = 0; i < 20; i++) {
    const d = await api.get<CaseDetail>(`/api/cases/${encodeURIComponent(caseId)}`);
    if ((d.case.version ?? 0) >= version + 2) return d.case.next;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return null;
}

type Kind = 'outcome' | 'note' | 'pause' | 'resume' | 'close';

function RecordForms({ detail, onRecorded }: { detail: CaseDetail; onRecorded(): void }) {
  const c = detail.case;
  const [kind, setKind] = useState<Kind>('outcome');
  const [outcome, setOutcome] = useState(detail.outcomeKinds[0] ?? '');
  const [meeting, setMeeting] = useState('');
  const [on, setOn] = useState('');
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const meetingOutcome = outcome === 'meetingAttended' || outcome === 'meetingMissed';

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setNotice(null);
    const body =
      kind === 'outcome'
        ? {
            type: 'outcome',
            outcome,
            ...(meetingOutcome && meeting ? { stepId: meeting } : {}),
            ...(on ? { on } : {}),
            ...(text ? { note: text } : {}),
          }
        : kind === 'note'
          ? { type: 'note', note: text, ...(on ? { on } : {}) }
          : kind === 'resume'
            ? { type: 'resume', ...(text ? { note: text } : {}) }
            : { type: kind, reason: text };
    try {
      await api.post(`/api/cases/${encodeURIComponent(c.caseId)}/events`, body);
      if (kind === 'outcome') {
        // The case looks again at once: say what it now plans, so the person sees what the outcome did.
        setNotice(`Recorded: ${outcomeName(outcome)}. The case is looking at what comes next…`);
        const next = await nextAfter(c.caseId, c.version ?? 0);
        setNotice(
          `Recorded: ${outcomeName(outcome)}. ` +
            (next
              ? `Next: ${next.action}${next.on ? `, ${fmtDate(next.on)}` : ''}.`
              : 'The page shows the case as last saved; refresh in a moment to see its next step.'),
        );
        setText('');
        onRecorded();
        return;
      }
      setNotice(
        kind === 'note'
          ? 'Note added.'
          : kind === 'pause'
            ? 'Case paused.'
            : kind === 'resume'
              ? 'Case resumed.'
              : 'Case closed.',
      );
      setText('');
      onRecorded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const kinds: [Kind, string][] = [
    ['outcome', 'Outcome'],
    ['note', 'Note'],
    c.status === 'paused' ? ['resume', 'Resume'] : ['pause', 'Pause'],
    ['close', 'Close'],
  ];
  return (
    <section className="card" aria-labelledby="record-title">
      <h2 id="record-title">Record what happened</h2>
      <div className="segmented" role="group" aria-label="What to record">
        {kinds.map(([k, label]) => (
          <button
            key={k}
            type="button"
            className={kind === k ? 'on' : ''}
            aria-pressed={kind === k}
            onClick={() => setKind(k)}
          >
            {label}
          </button>
        ))}
      </div>
      <form className="stack" onSubmit={submit}>
        {kind === 'outcome' && (
          <>
            <label>
              Outcome
              <select value={outcome} onChange={(e) => setOutcome(e.target.value)}>
                {detail.outcomeKinds.map((k) => (
                  <option key={k} value={k}>
                    {outcomeName(k)}
                  </option>
                ))}
              </select>
            </label>
            {meetingOutcome && detail.meetings.length > 0 && (
              <label>
                Which meeting
                <select value={meeting} onChange={(e) => setMeeting(e.target.value)}>
                  <option value="">Not linked to a meeting</option>
                  {detail.meetings.map((m) => (
                    <option key={m.id} value={m.stepId}>
                      {m.title}, {fmtDateTime(m.startsAt)}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </>
        )}
        {(kind === 'outcome' || kind === 'note') && (
          <label>
            On <span className="muted small">(defaults to today)</span>
            <input type="date" value={on} onChange={(e) => setOn(e.target.value)} />
          </label>
        )}
        <label>
          {kind === 'pause'
            ? 'Why pause?'
            : kind === 'close'
              ? 'Why close the case?'
              : kind === 'note'
                ? 'Note'
                : 'Note (optional)'}
          <textarea
            rows={3}
            value={text}
            required={kind === 'pause' || kind === 'close' || kind === 'note'}
            onChange={(e) => setText(e.target.value)}
          />
        </label>
        <ErrorBox error={error} />
        <div aria-live="polite">{notice && <p className="notice small">{notice}</p>}</div>
        <button
          type="submit"
          className={`btn ${kind === 'close' ? 'btn-danger' : 'btn-primary'}`}
          disabled={busy}
        >
          {kind === 'outcome'
            ? 'Record outcome'
            : kind === 'note'
              ? 'Add note'
              : kind === 'pause'
                ? 'Pause case'
                : kind === 'resume'
                  ? 'Resume case'
                  : 'Close case'}
        </button>
      </form>
    </section>
  );
}
