// The one gate every request passes. Routes under /api/ need a signed-in user unless they say
// `config: { public: true }` (login, set-up link); `config: { roles: [...] }` narrows them further.
// Requests that change state must carry the session's CSRF token in `x-csrf-token` (double submit:
// the token is handed to the page at login and by /api/auth/me; a cross-site form cannot read it).
// Outside /api/ are /health and the web app's static files, which hold no pupil data.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../errors';
import type { Session, SessionStore } from './sessions';
import type { Role, User } from './users';

export const SESSION_COOKIE = 'sid';
export const CSRF_COOKIE = 'csrf_token';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    user?: User;
    session?: Session;
    sessionToken?: string;
  }
  interface FastifyContextConfig {
    /** No sign-in needed (login, set-up link). */
    public?: boolean;
    /** Only these roles. */
    roles?: readonly Role[];
    /** A state-changing route that is exempt from the CSRF check (login: there is no session yet). */
    csrfExempt?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function needsLogin(req: FastifyRequest): boolean {
  const url = req.routeOptions.url ?? req.url;
  if (!url.startsWith('/api/') && url !== '/api') return false;
  return req.routeOptions.config?.public !== true;
}

/** Reads the session cookie (signed) and attaches user and session; no error when absent. */
export async function loadSession(req: FastifyRequest, sessions: SessionStore): Promise<void> {
  const raw = req.cookies?.[SESSION_COOKIE];
  if (!raw) return;
  const unsigned = req.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return;
  const session = await sessions.lookup(unsigned.value);
  if (!session) return;
  req.session = session;
  req.user = session.user;
  req.sessionToken = unsigned.value;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function installGuard(app: FastifyInstance, sessions: SessionStore): void {
  app.addHook('onRequest', async (req: FastifyRequest, _reply: FastifyReply) => {
    if (!needsLogin(req)) return;
    await loadSession(req, sessions);
    const config = req.routeOptions.config ?? {};
    if (config.public) return;
    if (!req.user || !req.session) throw unauthorized();
    if (!SAFE_METHODS.has(req.method) && !config.csrfExempt) {
      const header = req.headers[CSRF_HEADER];
      const token = Array.isArray(header) ? header[0] : header;
      if (!token || !sameToken(token, req.session.csrfToken)) {
        throw forbidden(
          'This change needs the x-csrf-token header from your session (reload the page and try again).',
        );
      }
    }
    if (config.roles && !config.roles.includes(req.user.role)) {
      throw forbidden(`Your role (${req.user.role}) cannot do this; it needs ${config.roles.join(' or ')}.`);
    }
  });
}

/** The signed-in user (routes behind the guard always have one). */
export function currentUser(req: FastifyRequest): User {
  if (!req.user) throw unauthorized();
  return req.user;
}
