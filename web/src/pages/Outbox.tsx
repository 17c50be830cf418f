// Every outgoing message. With no SMTP server configured, mail is held here for the team to read
// (and to print and post); with one, this is the record of what went out.
import { Fragment, useState } from 'react';
import { api, qs } from '../api';
import { Link } from '../router';
import { useSession } from '../session';
import { Empty, ErrorBox, Loading, PageHeader, StatusBadge, useAsync } from '../components/ui';
import { fmtDateTime } from '../format';

interface Message {
  id: string;
  caseId: string | null;
  channel: string;
  to: string | null;
  subject: string;
  text: string;
  status: string;
  error: string | null;
  attachments: { filename: string; letterId: string | null }[];
  createdAt: string;
  sentAt: string | null;
}

export function OutboxPage() {
  const { schoolId } = useSession();
  const [status, setStatus] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const data = useAsync(
    () => api.get<{ transport: string; messages: Message[] }>(`/api/outbox${qs({ schoolId, status })}`),
    [schoolId, status],
  );
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
        </p>
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
