// The audit log: who did what and when (managers and administrators).
import { useState } from 'react';
import { api, qs } from '../api';
import { Link } from '../router';
import { useSession } from '../session';
import { Empty, ErrorBox, Loading, PageHeader, Pagination, useAsync } from '../components/ui';
import { fmtDateTime } from '../format';
import type { AuditEntry } from '../types';

export function AuditPage() {
  const { schoolId } = useSession();
  const [action, setAction] = useState('');
  const [page, setPage] = useState(1);
  const data = useAsync(
    () =>
      api.get<{ total: number; page: number; pageSize: number; entries: AuditEntry[] }>(
        `/api/audit${qs({ action, page, pageSize: 50 })}`,
      ),
    [schoolId, action, page],
  );
  return (
    <>
      <PageHeader title="Audit log">
        <label className="inline">
          Show{' '}
          <select
            value={action}
            onChange={(e) => {
              setAction(e.target.value);
              setPage(1);
            }}
          >
            <option value="">Everything</option>
            <option value="approval.">Decisions on steps</option>
            <option value="case.event.">Events recorded</option>
            <option value="import.">Imports</option>
            <option value="policy.">Policies</option>
            <option value="user.">Accounts</option>
            <option value="auth.">Sign-ins</option>
            <option value="letter.">Letter downloads</option>
          </select>
        </label>
      </PageHeader>
      <ErrorBox error={data.error} />
      {data.loading && !data.data && <Loading />}
      {data.data && data.data.entries.length === 0 && <Empty title="Nothing recorded yet." />}
      {data.data && data.data.entries.length > 0 && (
        <div className="table-wrap">
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What happened</th>
                <th scope="col">Case</th>
              </tr>
            </thead>
            <tbody>
              {grouped(data.data.entries).map((g) => {
                const e = g[0]!;
                const who = `${e.userName ?? (e.role === 'cli' ? 'The command line' : 'The system')}`;
                return (
                  <tr key={e.id}>
                    <td className="nowrap">{fmtDateTime(e.at)}</td>
                    <td>
                      {g.length === 1 ? (
                        <>
                          {who} {e.sentence}
                          {e.pupilName && ` for ${e.pupilName}`}.
                        </>
                      ) : (
                        <details>
                          <summary>
                            {who} approved {g.length} steps:{' '}
                            {countBy(g.map((x) => x.sentence.replace(/^approved /, '')))}.
                          </summary>
                          <ul className="small">
                            {g.map((x) => (
                              <li key={x.id}>
                                {x.sentence}
                                {x.pupilName && ` for ${x.pupilName}`}
                              </li>
                            ))}
                          </ul>
                        </details>
                      )}
                    </td>
                    <td className="small">
                      {g.length === 1 && e.targetType === 'case' && e.targetId ? (
                        <Link to={`/cases/${encodeURIComponent(e.targetId)}`}>open the case</Link>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {data.data && (
        <Pagination page={page} pageSize={data.data.pageSize} total={data.data.total} onPage={setPage} />
      )}
    </>
  );
}

/**
 * Consecutive approvals by one person within five minutes are one bulk approval, shown as one row
 * ("approved 112 steps") that opens to list them; everything else is a row of its own.
 */
function grouped(entries: AuditEntry[]): AuditEntry[][] {
  const out: AuditEntry[][] = [];
  for (const e of entries) {
    const last = out[out.length - 1];
    const prev = last?.[last.length - 1];
    const bulk =
      prev &&
      e.action === 'approval.approve' &&
      prev.action === 'approval.approve' &&
      e.userId === prev.userId &&
      Math.abs(Date.parse(prev.at) - Date.parse(e.at)) < 5 * 60_000;
    if (bulk) last!.push(e);
    else out.push([e]);
  }
  return out;
}

/** "Warning letter 1 × 10, Call to parents × 2". */
function countBy(labels: string[]): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts].map(([l, n]) => (n === 1 ? l : `${l} × ${n}`)).join(', ');
}
