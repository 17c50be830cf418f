// The signed-in shell: a header with the school and the pages the user's role needs, and the page.
import { useCallback, useEffect, useMemo, useRef, useState, type ReactElement, type ReactNode } from 'react';
import { api, setCsrfToken, setUnauthorizedHandler } from './api';
import { Link, match, navigate, useLocation } from './router';
import { SessionContext, type Session } from './session';
import type { Me, Role } from './types';
import { Loading, useDocumentTitle } from './components/ui';
import { SweepBanner } from './components/SweepBanner';
import { LoginPage } from './pages/Login';
import { SetupPage } from './pages/Setup';
import { ApprovalsPage } from './pages/Approvals';
import { CasesPage } from './pages/Cases';
import { CasePage } from './pages/Case';
import { DashboardPage } from './pages/Dashboard';
import { WhatIfPage } from './pages/WhatIf';
import { ImportsPage } from './pages/Imports';
import { PoliciesPage } from './pages/Policies';
import { OutboxPage } from './pages/Outbox';
import { UsersPage } from './pages/Users';
import { IntegrationsPage } from './pages/Integrations';
import { AuditPage } from './pages/Audit';
import { PupilPage } from './pages/Pupil';
import { TasksPage } from './pages/Tasks';
import { MyWorkPage } from './pages/MyWork';
import { ReturnsPage } from './pages/Returns';
import { ContactChangesPage } from './pages/ContactChanges';

interface NavItem {
  to: string;
  label: string;
  roles: Role[];
}
const NAV: NavItem[] = [
  { to: '/my-work', label: 'My work', roles: ['officer', 'manager'] },
  { to: '/approvals', label: 'Approvals', roles: ['officer', 'manager'] },
  { to: '/tasks', label: 'Tasks', roles: ['officer', 'manager'] },
  { to: '/returns', label: 'Returns', roles: ['officer', 'manager', 'admin'] },
  { to: '/cases', label: 'Cases', roles: ['officer', 'manager', 'admin'] },
  { to: '/dashboard', label: 'Dashboard', roles: ['manager', 'admin', 'officer'] },
  { to: '/imports', label: 'Imports', roles: ['manager', 'admin'] },
  { to: '/contact-changes', label: 'Contact changes', roles: ['manager', 'admin'] },
  { to: '/outbox', label: 'Outbox', roles: ['officer', 'manager', 'admin'] },
  { to: '/policies', label: 'Policies', roles: ['officer', 'manager', 'admin'] },
  { to: '/what-if', label: 'What-if', roles: ['manager', 'admin'] },
  { to: '/audit', label: 'Audit log', roles: ['manager', 'admin'] },
  { to: '/integrations', label: 'Integrations', roles: ['admin'] },
  { to: '/users', label: 'Users', roles: ['admin'] },
];

export function homeFor(role: Role): string {
  return role === 'officer' ? '/my-work' : role === 'manager' ? '/dashboard' : '/imports';
}

const SCHOOL_KEY = 'attendance.school';

export function App() {
  const { path } = useLocation();
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [schoolId, setSchoolIdState] = useState<string | null>(null);

  const adopt = useCallback((m: Me | null) => {
    setMe(m);
    setCsrfToken(m?.csrfToken ?? null);
    if (m) {
      const saved = localStorage.getItem(SCHOOL_KEY);
      const pick = m.schools.find((s) => s.id === saved)?.id ?? m.schools[0]?.id ?? null;
      setSchoolIdState(pick);
    }
  }, []);

  const refresh = useCallback(async () => {
    try {
      const m = await api.get<Me>('/api/auth/me');
      adopt(m);
      return m;
    } catch {
      adopt(null);
      return null;
    }
  }, [adopt]);

  useEffect(() => {
    setUnauthorizedHandler(() => setMe(null));
    if (path === '/setup') setMe(null);
    else void refresh();
  }, []);

  // A new page: focus moves to its main region, so a screen reader starts reading there and the next
  // Tab goes into the page, not back along the menu (the first page keeps the browser's own focus).
  const shownPath = useRef(path);
  useEffect(() => {
    if (shownPath.current === path) return;
    shownPath.current = path;
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [path]);

  const session: Session | null = useMemo(
    () =>
      me
        ? {
            user: me.user,
            schools: me.schools,
            schoolId,
            setSchoolId: (id: string) => {
              localStorage.setItem(SCHOOL_KEY, id);
              setSchoolIdState(id);
            },
            refresh,
            signOut: async () => {
              await api.post('/api/auth/logout').catch(() => undefined);
              adopt(null);
              navigate('/login');
            },
          }
        : null,
    [me, schoolId, refresh, adopt],
  );

  if (path === '/setup')
    return (
      <SetupPage
        onSignedIn={(m) => {
          adopt(m);
          navigate(homeFor(m.user.role));
        }}
      />
    );
  if (me === undefined) return <Loading label="Starting…" />;
  if (!session) {
    return (
      <LoginPage
        onSignedIn={(m) => {
          adopt(m);
          navigate(path === '/' || path === '/login' ? homeFor(m.user.role) : path + location.search, true);
        }}
      />
    );
  }
  if (path === '/' || path === '/login') {
    navigate(homeFor(session.user.role), true);
    return null;
  }

  let page: ReactElement;
  let params: Record<string, string> | null;
  // A page the role cannot use is not shown at all (its link is not in the menu either).
  const forbidden = NAV.find((n) => n.to === path && !n.roles.includes(session.user.role));
  if (forbidden)
    page = (
      <MessagePage title={forbidden.label}>
        <p>
          This page is for {forbidden.roles.map((r) => `${roleName(r)}s`).join(' and ')}; your account is{' '}
          {article(roleName(session.user.role))} {roleName(session.user.role)}’s.{' '}
          <Link to={homeFor(session.user.role)}>Go to your start page</Link>.
        </p>
      </MessagePage>
    );
  else if ((params = match('/cases/:caseId', path))) page = <CasePage caseId={params.caseId!} />;
  else if ((params = match('/pupils/:pupilId', path))) page = <PupilPage pupilId={params.pupilId!} />;
  else if (path === '/my-work') page = <MyWorkPage />;
  else if (path === '/approvals') page = <ApprovalsPage />;
  else if (path === '/tasks') page = <TasksPage />;
  else if (path === '/returns') page = <ReturnsPage />;
  else if (path === '/cases') page = <CasesPage />;
  else if (path === '/dashboard') page = <DashboardPage />;
  else if (path === '/imports') page = <ImportsPage />;
  else if (path === '/contact-changes') page = <ContactChangesPage />;
  else if (path === '/outbox') page = <OutboxPage />;
  else if (path === '/policies') page = <PoliciesPage />;
  else if (path === '/what-if') page = <WhatIfPage />;
  else if (path === '/users') page = <UsersPage />;
  else if (path === '/integrations') page = <IntegrationsPage />;
  else if (path === '/audit') page = <AuditPage />;
  else
    page = (
      <MessagePage title="Page not found">
        <p>
          There is no page at <code>{path}</code>.{' '}
          <Link to={homeFor(session.user.role)}>Go to your start page</Link>.
        </p>
      </MessagePage>
    );

  const nav = NAV.filter((n) => n.roles.includes(session.user.role));
  return (
    <SessionContext.Provider value={session}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to={homeFor(session.user.role)} className="brand">
            <svg viewBox="0 0 32 32" width="26" height="26" aria-hidden="true">
              <rect width="32" height="32" rx="7" fill="currentColor" />
              <path
                d="M9 17l5 5 9-11"
                stroke="white"
                strokeWidth="3.5"
                fill="none"
                strokeLinecap="round"
                strokeLinejoin="round"
              />
            </svg>
            Attendance
          </Link>
          <nav aria-label="Main" className="mainnav">
            {nav.map((n) => (
              <Link
                key={n.to}
                to={n.to}
                className={path === n.to || path.startsWith(`${n.to}/`) ? 'active' : ''}
                aria-current={path === n.to ? 'page' : undefined}
              >
                {n.label}
              </Link>
            ))}
          </nav>
          <div className="topbar-right">
            {session.schools.length > 1 && (
              <label className="school-picker">
                <span className="visually-hidden">School</span>
                <select value={session.schoolId ?? ''} onChange={(e) => session.setSchoolId(e.target.value)}>
                  {session.schools.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
            {session.schools.length === 1 && <span className="school-name">{session.schools[0]!.name}</span>}
            <span className="who" title={session.user.email}>
              {session.user.displayName} · <span className="role">{session.user.role}</span>
            </span>
            <button type="button" className="btn btn-quiet btn-small" onClick={() => void session.signOut()}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <SweepBanner
        schoolId={session.schoolId}
        schoolName={session.schools.find((s) => s.id === session.schoolId)?.name ?? 'the school'}
      />
      <main id="main" className="content" tabIndex={-1}>
        {page}
      </main>
    </SessionContext.Provider>
  );
}

/** A page that is only a message (not found, not for this role). */
function MessagePage({ title, children }: { title: string; children: ReactNode }) {
  useDocumentTitle(title);
  return (
    <div className="card">
      <h1>{title}</h1>
      {children}
    </div>
  );
}

function roleName(role: Role): string {
  return role === 'admin' ? 'administrator' : role === 'officer' ? 'attendance officer' : 'manager';
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}
