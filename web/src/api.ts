// The API client: JSON in and out, the session cookie sent by the browser, and the CSRF token (from
// sign-in or /api/auth/me) on every request that changes something. Errors carry the server's reason.
import type { Issue } from '../../api/zod';
import type { RowError } from '../../store/errors';

export type { Issue, RowError };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: {
      error?: string;
      issues?: Issue[];
      rows?: RowError[];
      totalErrors?: number;
      unlisted?: number;
      policyIssues?: unknown[];
      [k: string]: unknown;
    },
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

/**
 * How long the browser waits for an answer before giving up. Reads answer quickly; a write may wait
 * on work the server bounds itself (the sweep's `?wait=true` answers within 5 minutes), so writes
 * get longer. A page that must not wait that long passes its own `timeoutMs`.
 */
const READ_TIMEOUT_MS = 30_000;
const WRITE_TIMEOUT_MS = 6 * 60_000;

export interface RequestOptions {
  /** Give up after this long (default: 30 s for reads, 6 minutes for writes). */
  timeoutMs?: number;
  /** Abandons the request, e.g. when the page that asked has been left. */
  signal?: AbortSignal;
}

async function request<T>(
  method: string,
  url: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  // A file is sent as itself (the browser streams it from disk); anything else as JSON.
  if (body instanceof Blob) headers['content-type'] = 'text/csv';
  else if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  // Every request ends: answered, timed out, or abandoned by the caller.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      controller.abort();
    },
    options.timeoutMs ?? (method === 'GET' ? READ_TIMEOUT_MS : WRITE_TIMEOUT_MS),
  );
  const abandon = () => controller.abort();
  options.signal?.addEventListener('abort', abandon, { once: true });
  if (options.signal?.aborted) controller.abort();
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : body instanceof Blob ? body : JSON.stringify(body),
      credentials: 'same-origin',
      signal: controller.signal,
    });
    // The body may stall too: reading it is part of the same deadline.
    text = res.status === 204 ? '' : await res.text();
  } catch {
    if (timedOut) {
      throw new ApiError(0, 'The server did not answer in time. Try again in a moment.', { timedOut: true });
    }
    if (options.signal?.aborted) throw new ApiError(0, 'The request was cancelled.', { cancelled: true });
    throw new ApiError(0, 'The server cannot be reached. Check your connection and try again.', {});
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', abandon);
  }
  if (res.status === 204) return undefined as T;
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { error: text };
  }
  if (!res.ok) {
    const b = (data ?? {}) as ApiError['body'];
    if (res.status === 401 && !url.startsWith('/api/auth/')) onUnauthorized?.();
    throw new ApiError(res.status, b.error ?? `Request failed (${res.status})`, b);
  }
  return data as T;
}

export const api = {
  get: <T>(url: string, options?: RequestOptions) => request<T>('GET', url, undefined, options),
  post: <T>(url: string, body?: unknown, options?: RequestOptions) =>
    request<T>('POST', url, body ?? {}, options),
  patch: <T>(url: string, body: unknown, options?: RequestOptions) => request<T>('PATCH', url, body, options),
  put: <T>(url: string, body: unknown, options?: RequestOptions) => request<T>('PUT', url, body, options),
  delete: <T>(url: string, options?: RequestOptions) => request<T>('DELETE', url, undefined, options),
  /** POSTs a CSV file as the request body (POST /api/imports/csv parses it as it arrives). */
  uploadCsv: <T>(url: string, file: Blob, options?: RequestOptions) => request<T>('POST', url, file, options),
};

/** `?a=1&b=2` from an object, skipping empty values. */
export function qs(params: Record<string, string | number | boolean | undefined | null | string[]>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    u.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}
