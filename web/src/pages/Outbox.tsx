// Every outgoing message. With no SMTP server configured, mail is held here for the team to read
// (and to print and post); with one, this is the record of what went out, and managers can send the
// mail that was held before the server was set up.
import { Fragment, useState } from 'react';
import { api, qs } from '../api';
import { Link } from '../router';
import { useSession } from '../session';
import type { OutboxAnswer, SendHeldAnswer } from '../types';
import {
  ConfirmActions,
  Empty,
  ErrorBox,
  Loading,
  PageHeader,
  StatusBadge,
  useAsync,
} from '../components/ui';
import { fmtDateTime, plural } from '../format';

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
          {mayManage && ' Once SMTP_URL is set, you can send the held mail from this page.'}
        </p>
      )}
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
