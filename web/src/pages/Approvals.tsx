// What to approve today. Each step is previewed exactly as it will be sent (the server renders it
// with the same function the send uses); approve, reject with a reason, or amend the text. Several
// can be approved at once.
import { useEffect, useMemo, useState } from 'react';
import { api, ApiError, qs } from '../api';
import { Link } from '../router';
import { useSession } from '../session';
import type { ApprovalItem, MeetingPlan, Preview, StepPlan, TaskPlan } from '../types';
import { ConfirmActions, Empty, ErrorBox, Flags, Loading, PageHeader, useAsync } from '../components/ui';
import { fmtDate, fmtDateTime, fmtPct, plural, pupilName, yearLabel } from '../format';

type Filter = 'mine' | 'all' | 'overdue';
const key = (i: { caseId: string; proposalId: string }) => `${i.caseId}/${i.proposalId}`;

/** How many approvals go in one request of a bulk approval (the API takes up to 200). */
const BULK_PIECE = 20;

export function ApprovalsPage() {
  const { schoolId, user } = useSession();
  const [filter, setFilter] = useState<Filter>('mine');
  const list = useAsync(
    () =>
      api.get<{ total: number; overdue: number; items: ApprovalItem[] }>(
        `/api/approvals${qs({ schoolId, mine: filter === 'mine' ? true : undefined, overdue: filter === 'overdue' ? true : undefined })}`,
      ),
    [schoolId, filter],
  );
  const [done, setDone] = useState<Set<string>>(new Set());
  const items = useMemo(() => (list.data?.items ?? []).filter((i) => !done.has(key(i))), [list.data, done]);
  // My work links to one step: ?step=<caseId>/<proposalId> opens it.
  const [selected, setSelected] = useState<string | null>(() =>
    new URLSearchParams(location.search).get('step'),
  );
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<string | null>(null);
  const [bulkError, setBulkError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);

  useEffect(() => {
    // Not before the list has loaded: a step asked for by the link (?step=) would be lost.
    if (!list.data) return;
    if (!items.some((i) => key(i) === selected)) setSelected(items[0] ? key(items[0]) : null);
  }, [list.data, items, selected]);

  const current = items.find((i) => key(i) === selected) ?? null;
  const decidable = items.filter((i) => i.canDecide);

  function markDone(k: string[], message: string) {
    setDone((d) => new Set([...d, ...k]));
    setChecked((c) => new Set([...c].filter((x) => !k.includes(x))));
    setNotice(message);
    // The case updates its summary a moment after the decision: refresh the list shortly.
    setTimeout(() => list.reload(), 1500);
  }

  /** The selection, counted by kind of step, for the confirmation ("12 × Warning Letter 1"). */
  const chosen = items.filter((i) => checked.has(key(i)));
  const byTitle = [
    ...chosen.reduce(
      (m, i) => m.set(i.step.title, (m.get(i.step.title) ?? 0) + 1),
      new Map<string, number>(),
    ),
  ];

  async function bulkApprove() {
    setBulkError(null);
    setConfirming(false);
    const approved: string[] = [];
    const skipped: string[] = [];
    setProgress({ done: 0, total: chosen.length });
    try {
      // In pieces, so a long selection shows its progress and no request is ever too big.
      for (let at = 0; at < chosen.length; at += BULK_PIECE) {
        const piece = chosen.slice(at, at + BULK_PIECE);
        const res = await api.post<{
          results: { caseId: string; proposalId: string; ok: boolean; error?: string }[];
        }>('/api/approvals/bulk', {
          decision: 'approve',
          items: piece.map((i) => ({
            caseId: i.caseId,
            proposalId: i.proposalId,
            ...(i.planHash ? { planHash: i.planHash } : {}),
          })),
        });
        for (const r of res.results) {
          if (r.ok) approved.push(key(r));
          else {
            const item = piece.find((i) => key(i) === key(r));
            skipped.push(
              `${item ? `${item.pupil.givenName} ${item.pupil.familyName}, ${item.step.title}` : r.caseId}: ${r.error}`,
            );
          }
        }
        setProgress({ done: Math.min(at + BULK_PIECE, chosen.length), total: chosen.length });
      }
    } catch (err) {
      setBulkError(err);
    } finally {
      setProgress(null);
      markDone(
        approved,
        `${plural(approved.length, 'step')} approved.${
          skipped.length ? ` ${plural(skipped.length, 'step')} skipped: ${skipped.join('; ')}` : ''
        }`,
      );
    }
  }

  return (
    <>
      <PageHeader title="Approvals">
        <div className="segmented" role="group" aria-label="Show">
          {(
            [
              ['mine', 'Mine to decide'],
              ['overdue', 'Overdue'],
              ['all', 'All waiting'],
            ] as const
          ).map(([f, label]) => (
            <button
              key={f}
              type="button"
              className={filter === f ? 'on' : ''}
              aria-pressed={filter === f}
              onClick={() => setFilter(f)}
            >
              {label}
            </button>
          ))}
        </div>
      </PageHeader>
      <p className="lead">
        {user.role === 'manager'
          ? 'You can decide every step, including those the policy reserves for managers.'
          : 'You decide the team’s steps; steps marked “Manager” wait for a manager.'}{' '}
        {list.data &&
          `${plural(items.length, 'step')} waiting${list.data.overdue ? `, ${list.data.overdue} overdue` : ''}.`}
      </p>
      <div aria-live="polite">{notice && <p className="notice">{notice}</p>}</div>
      <ErrorBox error={list.error} />
      <ErrorBox error={bulkError} />
      {list.loading && !list.data && <Loading />}
      {list.data && items.length === 0 && (
        <Empty title={filter === 'overdue' ? 'Nothing is overdue.' : 'Nothing is waiting for you.'}>
          <p>
            When the daily sweep proposes a letter, meeting or referral that needs a person’s approval, it
            appears here with a preview.
          </p>
          <p>
            <Link to="/cases">See all cases</Link>
          </p>
        </Empty>
      )}
      {items.length > 0 && (
        <div className="split">
          <section className="queue" aria-label="Steps waiting">
            <div className="queue-tools">
              <label className="check">
                <input
                  type="checkbox"
                  checked={decidable.length > 0 && decidable.every((i) => checked.has(key(i)))}
                  onChange={(e) => setChecked(e.target.checked ? new Set(decidable.map(key)) : new Set())}
                />
                Select all I can decide
              </label>
              <button
                type="button"
                className="btn btn-primary btn-small"
                disabled={checked.size === 0 || progress !== null}
                onClick={() => setConfirming(true)}
              >
                Approve {checked.size > 0 ? checked.size : ''} selected
              </button>
            </div>
            {confirming && chosen.length > 0 && (
              <div className="bulk-confirm" role="group" aria-label="Confirm the approvals">
                <p>
                  Approve {plural(chosen.length, 'step')}? Each goes out as previewed; a step whose case has
                  changed since it was listed is skipped, with the reason.
                </p>
                <ul className="small">
                  {byTitle.map(([title, n]) => (
                    <li key={title}>
                      {n} × {title}
                    </li>
                  ))}
                </ul>
                <ConfirmActions
                  busy={false}
                  label={`Approve ${plural(chosen.length, 'step')}`}
                  busyLabel="Approving…"
                  onConfirm={() => void bulkApprove()}
                  onCancel={() => setConfirming(false)}
                />
              </div>
            )}
            {progress && (
              <div className="bulk-progress" role="status">
                Approving: {progress.done} of {progress.total}
                <progress max={progress.total} value={progress.done} aria-label="Approvals sent" />
              </div>
            )}
            <ul className="queue-list">
              {items.map((i) => (
                <li
                  key={key(i)}
                  data-kind={i.step.kind}
                  data-case-id={i.caseId}
                  className={`${key(i) === selected ? 'selected' : ''} ${i.overdue ? 'overdue' : ''}`}
                >
                  <input
                    type="checkbox"
                    aria-label={`Select ${i.step.title} for ${pupilName(i.pupil)}`}
                    disabled={!i.canDecide}
                    checked={checked.has(key(i))}
                    onChange={(e) =>
                      setChecked((c) => {
                        const n = new Set(c);
                        if (e.target.checked) n.add(key(i));
                        else n.delete(key(i));
                        return n;
                      })
                    }
                  />
                  <button
                    type="button"
                    className="queue-item"
                    onClick={() => setSelected(key(i))}
                    aria-current={key(i) === selected}
                  >
                    <span className="queue-title">{i.step.title}</span>
                    <span className="queue-meta">
                      {pupilName(i.pupil)} · {yearLabel(i.pupil.yearGroup)} · {i.stageName}
                    </span>
                    {i.figures && (
                      <span className="queue-meta">
                        Attendance {fmtPct(i.figures.attendancePct)} ·{' '}
                        {plural(i.figures.unauthorised, 'unauthorised session')}
                      </span>
                    )}
                    <Flags flags={i.pupil.flags} />
                    <span className="queue-meta">
                      Proposed {fmtDate(i.proposedOn)}
                      {i.overdue && <span className="pill pill-bad">overdue</span>}
                      {i.approver === 'manager' && <span className="pill pill-info">Manager</span>}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
          {current && (
            <Decision key={key(current)} item={current} onDone={(m) => markDone([key(current)], m)} />
          )}
        </div>
      )}
    </>
  );
}

/** GET/POST /api/approvals/:caseId/:proposalId/preview. */
interface PreviewAnswer {
  proposal: { plan?: StepPlan };
  preview: Preview;
}

/** What the preview of each kind of step is headed. */
const PREVIEW_HEADING: Record<Preview['kind'], string> = {
  letter: 'The letter, as it will be sent',
  message: 'The message, as it will be sent',
  call: 'The call to make',
  meeting: 'The meeting to book',
  task: 'The task to create',
  other: 'What happens',
};

/** What approving does, on the button. */
const APPROVE_LABEL: Record<Preview['kind'], string> = {
  letter: 'Approve and send',
  message: 'Approve and send',
  call: 'Approve: add the call to the tasks',
  meeting: 'Approve and book',
  task: 'Approve: create the task',
  other: 'Approve',
};

const HOW_INVITED: Record<string, string> = {
  email: 'by email',
  sms: 'by text message',
  app: 'in the school app',
  post: 'by post (printed by the office)',
};

function Decision({ item, onDone }: { item: ApprovalItem; onDone(message: string): void }) {
  const base = `/api/approvals/${encodeURIComponent(item.caseId)}/${encodeURIComponent(item.proposalId)}`;
  const preview = useAsync(() => api.get<PreviewAnswer>(`${base}/preview`), [item.caseId, item.proposalId]);
  const [mode, setMode] = useState<'view' | 'reject' | 'amend'>('view');
  const [reason, setReason] = useState('');
  const [text, setText] = useState('');
  /** The amended preview, and the text it was made from: what "Send amended" sends. */
  const [amended, setAmended] = useState<{ preview: Preview; text: string } | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const shown = preview.data?.preview ?? null;
  const p = amended?.preview ?? shown;
  const plan = preview.data?.proposal.plan;
  const amendedCurrent = amended !== null && amended.text === text;

  async function decide(decision: 'approve' | 'reject' | 'amend') {
    setBusy(true);
    setError(null);
    // The decision names what the person saw: the preview's plan, or the amended preview's.
    const planHash = decision === 'amend' ? amended?.preview.planHash : shown?.planHash;
    try {
      await api.post(`${base}/decision`, {
        decision,
        ...(decision === 'reject' ? { reason } : {}),
        ...(decision === 'amend' ? { amendedText: text } : {}),
        ...(planHash ? { planHash } : {}),
      });
      const verb =
        decision === 'approve' ? 'Approved' : decision === 'reject' ? 'Rejected' : 'Amended and approved';
      onDone(`${verb}: ${item.step.title} for ${pupilName(item.pupil)}.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function previewAmended() {
    setError(null);
    setPreviewing(true);
    try {
      const r = await api.post<PreviewAnswer>(`${base}/preview`, { amendedText: text });
      setAmended({ preview: r.preview, text });
    } catch (err) {
      setError(err);
    } finally {
      setPreviewing(false);
    }
  }

  return (
    <section className="card decision" aria-labelledby="decision-title">
      <div className="decision-head">
        <div>
          <h2 id="decision-title">{item.step.title}</h2>
          <p className="muted">
            <Link to={`/cases/${encodeURIComponent(item.caseId)}`}>{pupilName(item.pupil)}</Link> ·{' '}
            {yearLabel(item.pupil.yearGroup)} · {item.stageName} · proposed {fmtDateTime(item.proposedAt)}
          </p>
          <Flags flags={item.pupil.flags} />
        </div>
      </div>
      <h3>Why</h3>
      <ul className="reasons">
        {[...(item.stageReasons ?? []), ...item.step.reasons]
          .filter((r, n, all) => all.findIndex((x) => x.text === r.text) === n)
          .map((r, n) => (
            <li key={`${r.rule}-${n}`}>{r.text}</li>
          ))}
      </ul>
      <h3>{p ? PREVIEW_HEADING[p.kind] : 'What happens'}</h3>
      {preview.loading && !p && <Loading label="Preparing the preview…" />}
      <ErrorBox error={preview.error} title="The preview could not be prepared." />
      {p && p.kind === 'call' && plan?.kind === 'task' && <CallPreview plan={plan} />}
      {p && p.kind === 'task' && plan?.kind === 'task' && <TaskPreview plan={plan} />}
      {p && p.kind === 'meeting' && plan?.kind === 'meeting' && <MeetingPreview plan={plan} />}
      {p && (p.kind === 'letter' || p.kind === 'message' || p.kind === 'other' || !plan) && (
        <>
          {p.recipients.length > 0 && (
            <p className="small muted">
              To{' '}
              {p.recipients
                .map((r) => `${r.name} (${r.channel === 'post' ? 'print and post' : r.channel})`)
                .join(', ')}
              {p.templateSource === 'fallback' &&
                ' · the policy’s template is missing, so the generic letter is used'}
            </p>
          )}
          {p.html ? (
            // No scripts run in the frame (no allow-scripts); same origin only so it paints in-process.
            <iframe
              className="letter-frame"
              title={`Preview: ${p.subject}`}
              sandbox="allow-same-origin"
              srcDoc={p.html}
            />
          ) : (
            <pre className="message-preview">
              {p.subject ? `${p.subject}\n\n` : ''}
              {p.text}
            </pre>
          )}
          {amended && (
            <p className="notice small">
              {amendedCurrent
                ? 'Showing your amended text. It is sent exactly as written.'
                : 'You have changed the text since this preview: preview it again before sending.'}
            </p>
          )}
        </>
      )}
      <ErrorBox error={error} />
      {!item.canDecide ? (
        <p className="notice">
          {item.approver === 'manager'
            ? 'The policy reserves this step for a manager.'
            : 'Your role cannot decide steps.'}
        </p>
      ) : mode === 'view' ? (
        <div className="actions">
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy || !p}
            onClick={() => void decide('approve')}
          >
            {busy ? 'Approving…' : p ? APPROVE_LABEL[p.kind] : 'Approve'}
          </button>
          {p && (p.kind === 'letter' || p.kind === 'message') && (
            <button
              type="button"
              className="btn"
              onClick={() => {
                setText(p.body);
                setMode('amend');
              }}
            >
              Amend…
            </button>
          )}
          <button type="button" className="btn btn-danger-quiet" onClick={() => setMode('reject')}>
            Reject…
          </button>
        </div>
      ) : mode === 'reject' ? (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void decide('reject');
          }}
        >
          <label>
            Why is this step rejected? <span className="muted small">(kept in the case’s record)</span>
            <textarea
              required
              rows={3}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              autoFocus
            />
          </label>
          <div className="actions">
            <button type="submit" className="btn btn-danger" disabled={busy || !reason.trim()}>
              Reject
            </button>
            <button type="button" className="btn btn-quiet" onClick={() => setMode('view')}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void decide('amend');
          }}
        >
          <label>
            {p?.kind === 'message' ? 'Message text' : 'Letter text'}{' '}
            <span className="muted small">
              (paragraphs separated by a blank line; lines starting “- ” become a list)
            </span>
            <textarea rows={12} value={text} onChange={(e) => setText(e.target.value)} autoFocus />
          </label>
          <div className="actions">
            <button
              type="button"
              className="btn"
              disabled={previewing || !text.trim()}
              onClick={() => void previewAmended()}
            >
              {previewing ? 'Preparing…' : 'Preview amended'}
            </button>
            <button
              type="submit"
              className="btn btn-primary"
              disabled={busy || !text.trim() || !amendedCurrent}
              title={amendedCurrent ? undefined : 'Preview the amended text first'}
            >
              {busy ? 'Sending…' : 'Send amended'}
            </button>
            <button
              type="button"
              className="btn btn-quiet"
              onClick={() => {
                setMode('view');
                setAmended(null);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      )}
      {mode === 'amend' && !amendedCurrent && (
        <p className="small muted">Preview the amended text to see it as it will be sent; then send it.</p>
      )}
      {error instanceof ApiError && error.status === 409 && (
        <p className="small muted">
          Someone may have decided this step already, or it has changed since it was shown: reload the list to
          see it as it is now.
        </p>
      )}
    </section>
  );
}

/** A phone call: who to ring, the script, and what can be recorded. Nothing is sent to the family. */
function CallPreview({ plan }: { plan: TaskPlan }) {
  return (
    <div className="plan-preview">
      <p>
        Approving adds this call to the <Link to="/tasks">tasks</Link>, due {fmtDate(plan.dueOn)}. Nothing is
        sent to the family: someone rings them and records what came of it.
      </p>
      <h4>Who to ring</h4>
      {plan.toCall?.length ? (
        <ul className="plain">
          {plan.toCall.map((c) => (
            <li key={c.contactIndex}>
              <strong>{c.name || 'Parent/carer'}</strong>{' '}
              {c.phone ? (
                <span className="mono">{c.phone}</span>
              ) : (
                <span className="muted">no phone number</span>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No parent or carer has a phone number on record.</p>
      )}
      {plan.notes && (
        <>
          <h4>The script</h4>
          <pre className="message-preview">{plan.notes}</pre>
        </>
      )}
      <Outcomes plan={plan} />
    </div>
  );
}

/** Work for a person: what, by when, and what can be recorded when it is done. */
function TaskPreview({ plan }: { plan: TaskPlan }) {
  return (
    <div className="plan-preview">
      <p>
        <strong>{plan.title}</strong>
      </p>
      <p>
        Approving adds this to the <Link to="/tasks">tasks</Link>, due {fmtDate(plan.dueOn)}. It is done when
        its outcome is recorded.
      </p>
      {plan.notes && <pre className="message-preview">{plan.notes}</pre>}
      <Outcomes plan={plan} />
    </div>
  );
}

function Outcomes({ plan }: { plan: TaskPlan }) {
  return (
    <>
      <h4>What can be recorded</h4>
      <ul className="plain">
        {plan.outcomes.map((o) => (
          <li key={o.id}>
            {o.label}
            {!o.completesStep && <span className="small muted"> (the task stays open)</span>}
          </li>
        ))}
      </ul>
    </>
  );
}

/** A meeting: when it may be held, and who is invited and how. */
function MeetingPreview({ plan }: { plan: MeetingPlan }) {
  return (
    <div className="plan-preview">
      <p>
        <strong>{plan.title}</strong>
      </p>
      <p>
        Approving books the first free slot on or after <strong>{fmtDate(plan.earliestDate)}</strong> and
        invites each parent or carer below.
      </p>
      <h4>Who is invited</h4>
      {plan.recipients.length ? (
        <ul className="plain">
          {plan.recipients.map((r) => (
            <li key={r.contactIndex}>
              <strong>{r.name || 'Parent/carer'}</strong>{' '}
              <span className="small muted">{HOW_INVITED[r.channel] ?? r.channel}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No parent or carer has contact details: the invitation will be kept on file.</p>
      )}
    </div>
  );
}
