import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api';
import type { Me } from '../types';
import { invalidField, useDocumentTitle } from '../components/ui';

export function LoginPage({ onSignedIn }: { onSignedIn(me: Me): void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const demo = useDemoAccounts();
  useDocumentTitle('Sign in');

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.post<Me>('/api/auth/login', { email, password }));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Sign-in failed.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="auth-page" id="main">
      <form className="auth-card" onSubmit={submit} aria-labelledby="signin-title">
        <div className="auth-brand">
          <svg viewBox="0 0 32 32" width="34" height="34" aria-hidden="true">
            <rect width="32" height="32" rx="7" fill="#215a6d" />
            <path
              d="M9 17l5 5 9-11"
              stroke="white"
              strokeWidth="3.5"
              fill="none"
              strokeLinecap="round"
              strokeLinejoin="round"
            />
          </svg>
          <span>Attendance</span>
        </div>
        <h1 id="signin-title">Sign in</h1>
        <p className="muted">For the school attendance team and managers.</p>
        <label>
          Email
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            autoFocus
            {...invalidField(error, 'signin-error')}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            {...invalidField(error, 'signin-error')}
          />
        </label>
        {error && (
          <p className="error-box" role="alert" id="signin-error">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">Forgotten your password? Ask your administrator for a new set-up link.</p>
        {demo.length > 0 && (
          <section className="demo-accounts" aria-labelledby="demo-title">
            <h2 id="demo-title">Trying the demo school?</h2>
            <p className="small">
              Oakwood Academy is invented: its pupils and families are not real. Sign in as one of its staff:
            </p>
            <ul>
              {demo.map((a) => (
                <li key={a.email}>
                  <button
                    type="button"
                    className="btn btn-quiet btn-small"
                    onClick={() => {
                      setEmail(a.email);
                      setPassword(a.password);
                    }}
                  >
                    Use the demo {a.role}
                  </button>{' '}
                  <span className="small">
                    {a.email} · password <code>{a.password}</code>
                  </span>
                </li>
              ))}
            </ul>
          </section>
        )}
      </form>
    </main>
  );
}

interface DemoAccount {
  role: string;
  email: string;
  password: string;
}

/** The demo school's accounts while the demo is on (none otherwise, or if the server cannot say). */
function useDemoAccounts(): DemoAccount[] {
  const [accounts, setAccounts] = useState<DemoAccount[]>([]);
  useEffect(() => {
    api
      .get<{ accounts: DemoAccount[] }>('/api/auth/demo-accounts')
      .then((r) => setAccounts(r.accounts))
      .catch(() => setAccounts([]));
  }, []);
  return accounts;
}
