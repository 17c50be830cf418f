// A one-time link: create the first administrator, or set your own password.
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api';
import type { Me } from '../types';
import { ErrorBox, invalidField, Loading, useDocumentTitle } from '../components/ui';

export function SetupPage({ onSignedIn }: { onSignedIn(me: Me): void }) {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const [info, setInfo] = useState<{ purpose: string; email: string | null } | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<unknown>(null);
  const title = info?.purpose === 'first-admin' ? 'Create the administrator' : 'Set your password';
  useDocumentTitle(title);

  useEffect(() => {
    if (!token) {
      setLoadError(new Error('This page needs the link you were given (it ends in ?token=…).'));
      return;
    }
    api
      .get<{ purpose: string; email: string | null }>(`/api/auth/setup/${encodeURIComponent(token)}`)
      .then(setInfo, setLoadError);
  }, [token]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (password !== confirm) {
      setError(new Error('The two passwords differ.'));
      return;
    }
    try {
      onSignedIn(
        await api.post<Me>('/api/auth/setup', {
          token,
          password,
          ...(info?.purpose === 'first-admin' ? { email, displayName: name || undefined } : {}),
        }),
      );
    } catch (err) {
      setError(err instanceof ApiError ? err : new Error('That did not work.'));
    }
  }

  return (
    <main className="auth-page" id="main">
      <form className="auth-card" onSubmit={submit}>
        <h1>{title}</h1>
        {!info && !loadError && <Loading />}
        <ErrorBox error={loadError} title="This link cannot be used." />
        {info && (
          <>
            {info.purpose === 'first-admin' ? (
              <>
                <p className="muted">The administrator manages users, policies and schools.</p>
                <label>
                  Email
                  <input
                    type="email"
                    required
                    value={email}
                    onChange={(e) => setEmail(e.target.value)}
                    autoComplete="username"
                    {...invalidField(error, 'setup-error', 'email')}
                  />
                </label>
                <label>
                  Name
                  <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
                </label>
              </>
            ) : (
              <p className="muted">For {info.email}.</p>
            )}
            <label>
              Password <span className="muted small">(at least 12 characters)</span>
              <input
                type="password"
                required
                minLength={12}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                autoComplete="new-password"
                {...invalidField(error, 'setup-error', error instanceof ApiError ? 'password' : undefined)}
              />
            </label>
            <label>
              Password again
              <input
                type="password"
                required
                value={confirm}
                onChange={(e) => setConfirm(e.target.value)}
                autoComplete="new-password"
                {...invalidField(error, 'setup-error', error instanceof ApiError ? 'password' : undefined)}
              />
            </label>
            <ErrorBox error={error} id="setup-error" />
            <button type="submit" className="btn btn-primary btn-block">
              Continue
            </button>
          </>
        )}
      </form>
    </main>
  );
}
