// Every outgoing message. With no SMTP server configured, mail is held here for the team to read
// (and to print and post); with one, this is the record of what went out, and managers can send the
// mail that was held before the server was set up.
import { Fragment, useState } from 'react';
import { api, qs } from '../api';
import { Link } from '../router';
import { useSession } from '../session';
import type { OutboxAnswer, PostBatchSummary, SendHeldAnswer } from '../types';
import {
  ConfirmActions,
  Empty,
  ErrorBox,
  Loading,
  PageHeader,
  StatusBadge,
  useAsync,
} from '../components/ui';
import { fmtDate, fmtDateTime, plural } from '../format';

export function OutboxPage() {
  const { schoolId, schools, user } = useSession();
  const [status, setStatus] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const data = useAsync(
    () => api.get<OutboxAnswer>(`/api/outbox${qs({ schoolId, status })}`),
    [schoolId, status],
  );
  const counts = data.data?.counts;
  const mayManage = user.role === 'manager' || user.role === 'admin';
  return (
    <>
      <PageHeader title="Outbox">
        <label className="inline">
          Show{' '}
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">All</option>
            <option value="held">Held</option>
            <option value="sent">Sent</option>
            <option value="queued">Queued</option>
            <option value="failed">Failed</option>
          </select>
        </label>
      </PageHeader>
      {data.data?.transport === 'none' && (
        <p className="notice">
          No mail server is set up (SMTP_URL), so emails are held here instead of being sent. Read them here,
          or print the attached letters and post them.
          {mayManage &&
            ' Once SMTP_URL is set, or the school’s GOV.UK Notify is connected in Integrations, you can send the held mail from this page.'}
        </p>
      )}
      {schoolId && (user.role === 'officer' || user.role === 'manager') && <PostBatch schoolId={schoolId} />}
      {data.data?.canSendHeld && schoolId && counts && (
        <SendHeld
          schoolId={schoolId}
          schoolName={schools.find((x) => x.id === schoolId)?.name ?? schoolId}
          held={counts.held}
          failed={counts.failed}
          queued={counts.queued}
          onSent={data.reload}
        />
      )}
      <ErrorBox error={data.error} />
      {data.loading && !data.data && <Loading />}
      {data.data && data.data.messages.length === 0 && (
        <Empty title="No messages yet.">
          <p>
            Letters and messages appear here when a case sends them (after approval on the{' '}
            <Link to="/approvals">Approvals</Link> page, or by themselves where the policy says so).
          </p>
        </Empty>
      )}
      {data.data && data.data.messages.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
                <th scope="col">Created</th>
                <th scope="col">Sent</th>
              </tr>
            </thead>
            <tbody>
              {data.data.messages.map((m) => (
                <Fragment key={m.id}>
                  <tr className="clickable" onClick={() => setOpen(open === m.id ? null : m.id)}>
                    <td>
                      <StatusBadge status={m.status} />
                    </td>
                    <td>
                      <span className="small muted">{m.channel}</span> {m.to ?? <em>no address</em>}
                    </td>
                    <td>
                      <button type="button" className="linklike" aria-expanded={open === m.id}>
                        {m.subject || '(no subject)'}
                      </button>
                    </td>
                    <td>{fmtDateTime(m.createdAt)}</td>
                    <td>{fmtDateTime(m.sentAt)}</td>
                  </tr>
                  {open === m.id && (
                    <tr className="expanded">
                      <td colSpan={5}>
                        <pre className="message-preview">{m.text}</pre>
                        {m.attachments.map((a) =>
                          a.letterId ? (
                            <a
                              key={a.filename}
                              href={`/api/letters/${encodeURIComponent(a.letterId)}/pdf`}
                              className="btn btn-small"
                            >
                              {a.filename}
                            </a>
                          ) : (
                            <span key={a.filename} className="small muted">
                              {a.filename}
                            </span>
                          ),
                        )}
                        {m.caseId && (
                          <p className="small">
                            <Link to={`/cases/${encodeURIComponent(m.caseId)}`}>Open the case</Link>
                          </p>
                        )}
                        {m.error && <p className="small muted">{m.error}</p>}
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/**
 * Sends the school's held mail now that a mail server is set up, after saying how much will go.
 * Each case whose letter went is told, so its timeline says "sent from the outbox".
 */
function SendHeld({
  schoolId,
  schoolName,
  held,
  failed,
  queued,
  onSent,
}: {
  schoolId: string;
  schoolName: string;
  held: number;
  failed: number;
  queued: number;
  onSent(): void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<SendHeldAnswer | null>(null);
  const waiting = held + failed + queued;

  async function send() {
    setBusy(true);
    setError(null);
    try {
      setResult(await api.post<SendHeldAnswer>('/api/outbox/send-held', { schoolId }));
      setConfirming(false);
      onSent();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card send-held" aria-labelledby="send-held-title">
      <h2 id="send-held-title">Held mail</h2>
      <div aria-live="polite">
        {result && (
          <p className="notice">
            {plural(result.sent, 'message')} sent
            {result.casesTold > 0 && `; ${plural(result.casesTold, 'case')} updated to say so`}.
            {result.stillHeld > 0 &&
              ` ${plural(result.stillHeld, 'message')} still held (texts and app messages wait for their gateway, and mail with no address stays here).`}
            {result.failed > 0 &&
              ` ${plural(result.failed, 'message')} could not be sent: they are marked failed below, with the reason.`}
          </p>
        )}
      </div>
      {waiting === 0 ? (
        <p className="muted">Nothing is waiting to be sent.</p>
      ) : !confirming ? (
        <>
          <p>
            {plural(held, 'message')} held{failed > 0 && `, ${failed} failed`}
            {queued > 0 && `, ${queued} waiting to go`}. A mail server is now set up, so they can be sent.
          </p>
          <button type="button" className="btn btn-primary" onClick={() => setConfirming(true)}>
            Send held mail…
          </button>
        </>
      ) : (
        <div className="stack">
          <p>
            <strong>
              Send {plural(held, 'held message')}
              {failed > 0 && ` and try ${plural(failed, 'failed one')} again`}
              {queued > 0 && ` (and ${queued} waiting to go)`} for {schoolName} now?
            </strong>{' '}
            Each goes exactly as it was approved, and each case records that it was sent from the outbox
            today.
          </p>
          <ConfirmActions
            busy={busy}
            label={`Send ${plural(waiting, 'message')}`}
            busyLabel="Sending…"
            onConfirm={() => void send()}
            onCancel={() => setConfirming(false)}
          />
        </div>
      )}
      <ErrorBox error={error} title="The held mail was not sent." />
    </section>
  );
}

/**
 * Today's post: every letter copy going by post on a day, in one PDF addressed for window envelopes,
 * with what is in it and what cannot be printed yet (no address). Printing it records nothing: each
 * letter's "print and post" task (Tasks page) says when it is in the post.
 */
function PostBatch({ schoolId }: { schoolId: string }) {
  const [on, setOn] = useState('');
  const [printed, setPrinted] = useState(false);
  const data = useAsync(
    () => api.get<PostBatchSummary>(`/api/letters/post-batch/summary${qs({ schoolId, on })}`),
    [schoolId, on],
  );
  const s = data.data;
  const day = s ? fmtDate(s.on) : '';
  const isToday = on === '';

  function print() {
    if (!s) return;
    const a = document.createElement('a');
    a.href = `/api/letters/post-batch${qs({ schoolId, on: s.on })}`;
    a.download = `post-${s.on}.pdf`;
    document.body.append(a);
    a.click();
    a.remove();
    setPrinted(true);
  }

  return (
    <section className="card post-batch" aria-labelledby="post-batch-title">
      <h2 id="post-batch-title">{isToday ? 'Today’s post' : `Post for ${day}`}</h2>
      <div>
        <label className="inline">
          Day{' '}
          <input
            type="date"
            value={on || s?.on || ''}
            onChange={(e) => {
              setPrinted(false);
              setOn(e.target.value);
            }}
          />
        </label>
      </div>
      <ErrorBox error={data.error} />
      {data.loading && !s && <Loading />}
      {s && (
        <div aria-live="polite">
          {s.letters === 0 ? (
            <p className="muted">
              Nothing to post {isToday ? 'today' : `on ${day}`}. A letter goes by post to a parent with no
              email address, and the formal warnings go by post as well to every parent with an address on the
              roster; they appear here on the day they are sent.
            </p>
          ) : (
            <>
              <p>
                {plural(s.letters, 'letter')} to post {isToday ? 'today' : `on ${day}`}, in{' '}
                {plural(s.copies, 'envelope')}. Each copy is addressed for a DL or C5 window envelope and
                starts on a new page.
              </p>
              <button type="button" className="btn btn-primary" onClick={print}>
                {isToday ? 'Print today’s post' : `Print the post for ${day}`} ({plural(s.letters, 'letter')})
              </button>
              <details>
                <summary>What is in it</summary>
                <ul>
                  {s.items.map((l) => (
                    <li key={l.letterId}>
                      <Link to={`/cases/${encodeURIComponent(l.caseId)}`}>{l.pupilName}</Link>: {l.subject}
                      <ul className="envelopes small">
                        {l.copies.map((c, i) => (
                          <li key={i}>
                            {c.name}, {c.address}
                          </li>
                        ))}
                      </ul>
                    </li>
                  ))}
                </ul>
              </details>
            </>
          )}
          {printed && (
            <p className="notice">
              Printing does not mark the letters as posted. Once they are in the post, record “Printed and
              posted” on each letter’s task on the <Link to="/tasks">Tasks</Link> page.
            </p>
          )}
          {s.needAddress.length > 0 && (
            <div className="notice-warn">
              <p>
                <strong>
                  {plural(s.needAddress.length, 'letter')} cannot be printed for want of an address.
                </strong>{' '}
                The roster had no postal address for the people below when the letter was written. Once you
                have it, print the letter’s PDF from the case and address the envelope by hand; add the
                address in your MIS so the next letter carries it. Never guess an address.
              </p>
              <ul>
                {s.needAddress.map((l) => (
                  <li key={l.letterId}>
                    <Link to={`/cases/${encodeURIComponent(l.caseId)}`}>{l.pupilName}</Link>: {l.subject}, to{' '}
                    {l.names.join(' and ')}
                  </li>
                ))}
              </ul>
            </div>
          )}
          {s.alreadyPosted > 0 && (
            <p className="small muted">
              {plural(s.alreadyPosted, 'letter')} of the day already recorded as posted (not in the batch).
            </p>
          )}
          {s.notPrintable > 0 && (
            <p className="small muted">
              {plural(s.notPrintable, 'letter')} written before letters were addressed for the post: print{' '}
              {s.notPrintable === 1 ? 'its' : 'their'} PDF from the case.
            </p>
          )}
          {s.earlier.length > 0 && (
            <p className="small">
              Post from earlier days not yet recorded as posted:{' '}
              {s.earlier.map((e, i) => (
                <span key={e.on}>
                  {i > 0 && ', '}
                  <button type="button" className="linklike" onClick={() => setOn(e.on)}>
                    {fmtDate(e.on)} ({plural(e.letters, 'letter')})
                  </button>
                </span>
              ))}
              .
            </p>
          )}
        </div>
      )}
    </section>
  );
}
