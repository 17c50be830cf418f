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
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">On</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {data.data.entries.map((e) => (
                <tr key={e.id}>
                  <td className="nowrap">{fmtDateTime(e.at)}</td>
                  <td>
                    {e.userName ?? 'system'} {e.role && <span className="small muted">({e.role})</span>}
                  </td>
                  <td className="mono small">{e.action}</td>
                  <td className="small">
                    {e.targetType === 'case' && e.targetId ? (
                      <Link to={`/cases/${encodeURIComponent(e.targetId)}`}>case</Link>
                    ) : (
                      (e.targetType ?? '—')
                    )}
                  </td>
                  <td className="small mono clamp">
                    {Object.entries(e.details)
                      .filter(([, v]) => v !== undefined && v !== null && v !== false)
                      .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
                      .join(' · ')}
                  </td>
                </tr>
              ))}
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
