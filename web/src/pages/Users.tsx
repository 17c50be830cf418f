// Accounts (administrators): who can sign in, their role and their schools.
import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { useSession } from '../session';
import { ErrorBox, invalidField, Loading, PageHeader, useAsync } from '../components/ui';
import { fmtDate } from '../format';
import type { AdminUser, Role } from '../types';

export function UsersPage() {
  const { schools, user: me } = useSession();
  const data = useAsync(() => api.get<{ users: AdminUser[] }>('/api/users'), []);
  const [form, setForm] = useState({
    email: '',
    displayName: '',
    role: 'officer' as Role,
    schoolIds: [] as string[],
    safeguardingLead: false,
  });
  const [link, setLink] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function create(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const r = await api.post<{ setupUrl: string | null }>('/api/users', form);
      setLink(r.setupUrl);
      setForm({ email: '', displayName: '', role: 'officer', schoolIds: [], safeguardingLead: false });
      data.reload();
    } catch (err) {
      setError(err);
    }
  }
  async function toggle(u: AdminUser) {
    setError(null);
    try {
      await api.patch(`/api/users/${u.id}`, { disabled: !u.disabled });
      data.reload();
    } catch (err) {
      setError(err);
    }
  }
  async function toggleLead(u: AdminUser) {
    setError(null);
    try {
      await api.patch(`/api/users/${u.id}`, { safeguardingLead: !u.safeguardingLead });
      data.reload();
    } catch (err) {
      setError(err);
    }
  }
  async function newLink(u: AdminUser) {
    try {
      setLink((await api.post<{ setupUrl: string }>(`/api/users/${u.id}/setup-link`)).setupUrl);
    } catch (err) {
      setError(err);
    }
  }

  return (
    <>
      <PageHeader title="Users" />
      <ErrorBox error={error} id="users-error" />
      {link && (
        <p className="notice">
          Send this one-time link to the user so they can set their password (valid 72 hours):{' '}
          <code className="break">{link}</code>
        </p>
      )}
      <div className="two-col">
        <section className="card">
          {data.loading && !data.data && <Loading />}
          {data.data && (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Schools</th>
                  <th scope="col">Since</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.data.users.map((u) => (
                  <tr key={u.id} className={u.disabled ? 'muted' : ''}>
                    <td>
                      {u.displayName}
                      <div className="small muted">{u.email}</div>
                    </td>
                    <td>
                      {u.role}
                      {u.safeguardingLead && <div className="small">Safeguarding lead</div>}
                    </td>
                    <td className="small">
                      {u.allSchools
                        ? 'Every school'
                        : u.schoolIds.map((id) => schools.find((s) => s.id === id)?.name ?? id).join(', ')}
                    </td>
                    <td className="small">{fmtDate(u.createdAt)}</td>
                    <td className="nowrap">
                      {u.id !== me.id && (
                        <button
                          type="button"
                          className="btn btn-quiet btn-small"
                          onClick={() => void toggle(u)}
                        >
                          {u.disabled ? 'Enable' : 'Disable'}
                          <span className="visually-hidden"> {u.displayName}</span>
                        </button>
                      )}
                      <button
                        type="button"
                        className="btn btn-quiet btn-small"
                        onClick={() => void toggleLead(u)}
                      >
                        {u.safeguardingLead ? 'Not safeguarding lead' : 'Make safeguarding lead'}
                        <span className="visually-hidden">: {u.displayName}</span>
                      </button>
                      <button
                        type="button"
                        className="btn btn-quiet btn-small"
                        onClick={() => void newLink(u)}
                      >
                        Set-up link<span className="visually-hidden"> for {u.displayName}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="card" aria-labelledby="new-user">
          <h2 id="new-user">Add a user</h2>
          <form className="stack" onSubmit={create}>
            <label>
              Name
              <input
                required
                value={form.displayName}
                onChange={(e) => setForm({ ...form, displayName: e.target.value })}
                {...invalidField(error, 'users-error', 'displayName')}
              />
            </label>
            <label>
              Email
              <input
                type="email"
                required
                value={form.email}
                onChange={(e) => setForm({ ...form, email: e.target.value })}
                {...invalidField(error, 'users-error', 'email')}
              />
            </label>
            <label>
              Role
              <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
                <option value="officer">Attendance officer: approves team steps, records outcomes</option>
                <option value="manager">Manager: sees everything in scope, approves manager steps</option>
                <option value="admin">Administrator: users, policies, schools</option>
              </select>
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={form.safeguardingLead}
                onChange={(e) => setForm({ ...form, safeguardingLead: e.target.checked })}
              />
              Designated safeguarding lead: sees child protection, child in need and looked-after flags
            </label>
            <fieldset>
              <legend>Schools</legend>
              {schools.map((s) => (
                <label key={s.id} className="check">
                  <input
                    type="checkbox"
                    checked={form.schoolIds.includes(s.id)}
                    onChange={(e) =>
                      setForm({
                        ...form,
                        schoolIds: e.target.checked
                          ? [...form.schoolIds, s.id]
                          : form.schoolIds.filter((x) => x !== s.id),
                      })
                    }
                  />
                  {s.name}
                </label>
              ))}
            </fieldset>
            <button type="submit" className="btn btn-primary">
              Add user
            </button>
          </form>
        </section>
      </div>
    </>
  );
}
