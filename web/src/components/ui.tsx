// Small shared pieces: loading and error states, empty states, badges, pagination, a data hook.
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../api';
import { flagName } from '../format';

export function useAsync<T>(
  load: () => Promise<T>,
  deps: unknown[],
): { data: T | null; error: ApiError | Error | null; loading: boolean; reload(): void } {
  const [state, setState] = useState<{ data: T | null; error: ApiError | Error | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const seq = useRef(0);
  const run = useCallback(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === seq.current && setState({ data, error: null, loading: false }),
      (error: Error) => mine === seq.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, deps);
  useEffect(() => {
    run();
  }, [run]);
  return { ...state, reload: run };
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

/**
 * An error box. Give it an `id` and point the form's fields at it (`invalidField`), so a screen
 * reader reads the error with the field it is about.
 */
export function ErrorBox({ error, title, id }: { error: unknown; title?: string; id?: string }) {
  if (!error) return null;
  const e = error as ApiError;
  const issues = e.body?.issues ?? [];
  return (
    <div className="error-box" role="alert" id={id}>
      <strong>{title ?? 'That did not work.'}</strong> {issues.length === 0 && <span>{e.message}</span>}
      {issues.length > 0 && (
        <ul>
          {issues.map((i, n) => (
            <li key={n}>
              <code>{i.path.replace(/^body\./, '')}</code>: {i.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children && <div className="empty-body">{children}</div>}
    </div>
  );
}

const STAGE_TONES = ['tone-1', 'tone-2', 'tone-3', 'tone-4', 'tone-5', 'tone-6'];
export function StageBadge({ name, rank }: { name: string | null; rank?: number | null }) {
  if (!name) return <span className="badge tone-0">No stage</span>;
  const tone = STAGE_TONES[Math.min(Math.max((rank ?? 1) - 1, 0), STAGE_TONES.length - 1)];
  return <span className={`badge ${tone}`}>{name}</span>;
}

export function StatusBadge({ status }: { status: string }) {
  const tone =
    status === 'open' || status === 'sent' || status === 'succeeded'
      ? 'ok'
      : status === 'paused' || status === 'held' || status === 'queued'
        ? 'warn'
        : status === 'failed' || status === 'rejected'
          ? 'bad'
          : 'muted';
  return <span className={`pill pill-${tone}`}>{status}</span>;
}

export function Flags({ flags }: { flags: string[] | undefined }) {
  if (!flags?.length) return null;
  return (
    <span className="flags">
      {flags.map((f) => (
        <span
          key={f}
          className={`flag ${f === 'cp' || f === 'cin' ? 'flag-strong' : ''}`}
          title={flagName(f)}
        >
          {flagName(f)}
        </span>
      ))}
    </span>
  );
}

export function Pagination({
  page,
  pageSize,
  total,
  onPage,
}: {
  page: number;
  pageSize: number;
  total: number;
  onPage(p: number): void;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return null;
  return (
    <nav className="pagination" aria-label="Pages">
      <button type="button" className="btn btn-quiet" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ← Previous
      </button>
      <span>
        Page {page} of {pages}
      </span>
      <button
        type="button"
        className="btn btn-quiet"
        disabled={page >= pages}
        onClick={() => onPage(page + 1)}
      >
        Next →
      </button>
    </nav>
  );
}

export function ProgressBar({ value, label }: { value: number; label: string }) {
  return (
    <div
      className="progress"
      role="progressbar"
      aria-valuenow={Math.round(value)}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-label={label}
    >
      <div className="progress-fill" style={{ width: `${Math.min(100, Math.max(0, value))}%` }} />
    </div>
  );
}

/** The browser tab's title, for the page on screen: "Cases – Attendance". */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} – Attendance`;
  }, [title]);
}

/**
 * The attributes that tie a field to the error about it: aria-invalid, and aria-describedby naming
 * the error's element. `field` is the request body's key (the API's issues say `body.<field>`);
 * with no `field`, any error counts (a form whose error is about all its fields).
 */
export function invalidField(
  error: unknown,
  errorId: string,
  field?: string,
): { 'aria-invalid'?: true; 'aria-describedby'?: string } {
  if (!error) return {};
  if (field !== undefined) {
    const issues = (error as ApiError).body?.issues ?? [];
    if (!issues.some((i) => i.path.replace(/^body\./, '').split('.')[0] === field)) return {};
  }
  return { 'aria-invalid': true, 'aria-describedby': errorId };
}

/** The page's heading (h1), which also names the browser tab. */
export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  useDocumentTitle(title);
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children && <div className="page-actions">{children}</div>}
    </div>
  );
}

/** The second step of a two-step confirmation: do it (busy while it runs), or cancel. */
export function ConfirmActions({
  busy,
  label,
  busyLabel,
  onConfirm,
  onCancel,
}: {
  busy: boolean;
  label: string;
  busyLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <div className="actions">
      <button type="button" className="btn btn-primary" disabled={busy} aria-busy={busy} onClick={onConfirm}>
        {busy ? busyLabel : label}
      </button>
      <button type="button" className="btn btn-quiet" disabled={busy} onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
