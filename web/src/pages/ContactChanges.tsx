// Changes to who gets letters (docs/contact-changes.md): what the roster changed in parents' contact
// details and safeguarding flags, and, where the school asks for a second approval, the changes
// waiting for one. Letters keep using the value in force until a different manager approves.
import { useState } from 'react';
import { api, qs } from '../api';
import { Link } from '../router';
import { useSession } from '../session';
import type { PupilChange } from '../types';
import { Empty, ErrorBox, Loading, PageHeader, useAsync } from '../components/ui';
import { flagName, fmtDateTime, pupilName } from '../format';

/** "Contact 1 email", "Child Protection". */
export function fieldName(field: string): string {
  const contact = /^contact(\d+)_(name|email|phone|address|postcode)$/.exec(field);
  if (contact) return `Contact ${contact[1]} ${contact[2]}`;
  return flagName(field.replace(/^flag_/, ''));
}

function value(change: PupilChange, v: string | null): string {
  if (change.field.startsWith('flag_')) return v === 'yes' ? 'set' : 'not set';
  // An address's lines are kept one per line; on one line here, as an envelope would read.
  return v === null ? '(none)' : v.replace(/\n/g, ', ');
}

export function ContactChangesPage() {
  const { schoolId, user } = useSession();
  const settings = useAsync(
    () =>
      schoolId
        ? api.get<{ contactChangesNeedApproval: boolean }>(
            `/api/schools/${encodeURIComponent(schoolId)}/settings`,
          )
        : Promise.resolve(null),
    [schoolId],
  );
  const [status, setStatus] = useState<'pending' | 'applied' | 'approved' | 'rejected' | 'superseded'>(
    'pending',
  );
  const list = useAsync(
    () =>
      schoolId
        ? api.get<{ total: number; changes: PupilChange[] }>(
            `/api/schools/${encodeURIComponent(schoolId)}/contact-changes${qs({ status })}`,
          )
        : Promise.resolve(null),
    [schoolId, status],
  );
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function decide(change: PupilChange, decision: 'approve' | 'reject') {
    setBusy(change.id);
    setError(null);
    try {
      await api.post(`/api/contact-changes/${change.id}/${decision}`, {});
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  async function toggle(on: boolean) {
    if (!schoolId) return;
    setError(null);
    try {
      await api.put(`/api/schools/${encodeURIComponent(schoolId)}/settings`, {
        contactChangesNeedApproval: on,
      });
      settings.reload();
    } catch (err) {
      setError(err);
    }
  }

  const on = settings.data?.contactChangesNeedApproval;
  return (
    <>
      <PageHeader title="Contact changes">
        <label className="inline">
          Show{' '}
          <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="pending">Waiting for approval</option>
            <option value="applied">In force at once</option>
            <option value="approved">Approved</option>
            <option value="rejected">Rejected</option>
            <option value="superseded">Replaced by a later import</option>
          </select>
        </label>
      </PageHeader>
      <p className="lead">
        When a roster import changes a parent’s name, email or phone, or a safeguarding flag, the change is
        kept here with the old and new value and who imported it.
      </p>
      {on !== undefined && (
        <section className="card" aria-labelledby="second-approval">
          <h2 id="second-approval">Second approval</h2>
          <p>
            {on
              ? 'On: a changed contact detail, or a safeguarding flag taken off, waits for a second manager or administrator before letters use it. A flag newly set takes effect at once.'
              : 'Off: changes take effect as soon as the roster is imported (each is still kept here).'}
          </p>
          {user.role === 'admin' && (
            <button type="button" className="btn" onClick={() => void toggle(!on)}>
              {on ? 'Turn second approval off' : 'Turn second approval on'}
            </button>
          )}
        </section>
      )}
      <ErrorBox error={error ?? list.error ?? settings.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.changes.length === 0 && (
        <Empty title={status === 'pending' ? 'Nothing is waiting for approval.' : 'No changes to show.'} />
      )}
      {list.data && list.data.changes.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Pupil</th>
                <th scope="col">What</th>
                <th scope="col">In force</th>
                <th scope="col">New</th>
                <th scope="col">Imported by</th>
                {status === 'pending' && <th scope="col">Decision</th>}
              </tr>
            </thead>
            <tbody>
              {list.data.changes.map((c) => {
                const own = c.changedBy.userId === user.id;
                return (
                  <tr key={c.id}>
                    <td>
                      <Link to={`/pupils/${c.pupilId}`}>{pupilName(c.pupil)}</Link>
                    </td>
                    <td>{fieldName(c.field)}</td>
                    <td className="mono">{value(c, c.oldValue)}</td>
                    <td className="mono">{value(c, c.newValue)}</td>
                    <td>
                      {c.changedBy.name ?? c.changedBy.osUser ?? c.changedBy.role}{' '}
                      <span className="small muted">{fmtDateTime(c.changedAt)}</span>
                    </td>
                    {status === 'pending' && (
                      <td>
                        <div className="actions">
                          <button
                            type="button"
                            className="btn btn-small btn-primary"
                            disabled={own || busy === c.id}
                            title={own ? 'You made this change: someone else must approve it.' : undefined}
                            onClick={() => void decide(c, 'approve')}
                          >
                            Approve
                          </button>
                          <button
                            type="button"
                            className="btn btn-small"
                            disabled={busy === c.id}
                            onClick={() => void decide(c, 'reject')}
                          >
                            Reject
                          </button>
                        </div>
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
