// Test helpers for the API: an app on PGlite in memory with a lazy Temporal client (no server is
// contacted unless a test touches a workflow), users with passwords, and signed-in requests.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../../api/app';
import { hashPassword } from '../../api/auth/passwords';
import { createUser, type Role, type User } from '../../api/auth/users';
import { loadConfig, type AppConfig } from '../../config/env';
import { openDb, type Db } from '../../store/db';
import { ImportJobs } from '../../api/services/importJobs';

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  config: AppConfig;
  /** The app's registry of running imports. */
  imports: ImportJobs;
  close(): Promise<void>;
}

export async function makeTestApp(
  options: {
    temporal?: Client;
    taskQueue?: string;
    env?: Record<string, string>;
    db?: Db;
    now?: () => number;
    /** How long the live case view waits for the workflow (the default suits an idle machine). */
    caseQueryTimeoutMs?: number;
    /** Serve the built web app too (browser tests); the API alone otherwise. */
    serveWeb?: boolean;
  } = {},
): Promise<TestApp> {
  const db = options.db ?? (await openDb({ inMemory: true }));
  const config = loadConfig({ DATA_DIR: '/nonexistent-test-data', ...options.env });
  // Without a `temporal` client the app's engine is down: an address nothing listens on, and no
  // gRPC retries (the default retries for ~20 s before giving up), so "down" is answered at once.
  const temporal =
    options.temporal ??
    new Client({
      connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 300, interceptors: [] }),
    });
  const imports = new ImportJobs(options.now);
  const app = await buildApp({
    imports,
    temporal,
    taskQueue: options.taskQueue ?? 'api-test',
    db,
    config,
    sessionSecret: randomBytes(32),
    ...(options.serveWeb ? {} : { webDist: null }),
    caseQueryTimeoutMs: options.caseQueryTimeoutMs ?? 1_500,
    ...(options.now ? { now: options.now } : {}),
  });
  await app.ready();
  return {
    app,
    db,
    config,
    imports,
    async close() {
      await app.close();
      if (!options.db) await db.close();
    },
  };
}

export const PASSWORD = 'correct horse battery staple';

let counter = 0;
export async function makeUser(
  db: Db,
  role: Role,
  schoolIds: string[],
  extra: { allSchools?: boolean; email?: string } = {},
): Promise<User & { password: string }> {
  counter++;
  const user = await createUser(db, {
    email: extra.email ?? `${role}${counter}@school.example.org`,
    displayName: `${role} ${counter}`,
    role,
    schoolIds,
    allSchools: extra.allSchools ?? false,
    passwordHash: await hashPassword(PASSWORD),
  });
  return { ...user, password: PASSWORD };
}

export interface Agent {
  cookie: string;
  csrf: string;
  request(opts: InjectOptions & { csrf?: string | null }): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  put(url: string, body: unknown): Promise<LightMyRequestResponse>;
}

export function cookiesFrom(res: LightMyRequestResponse): string {
  return res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

export async function signIn(
  app: FastifyInstance,
  email: string,
  password = PASSWORD,
  ip = '10.0.0.1',
): Promise<Agent> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email, password },
    remoteAddress: ip,
  });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const cookie = cookiesFrom(res);
  const csrf = res.json<{ csrfToken: string }>().csrfToken;
  const agent: Agent = {
    cookie,
    csrf,
    request: ({ csrf: token, headers, ...opts }) =>
      app.inject({
        ...opts,
        headers: { cookie, ...(token === null ? {} : { 'x-csrf-token': token ?? csrf }), ...(headers ?? {}) },
      }),
    get: (url) => agent.request({ method: 'GET', url }),
    post: (url, body) =>
      agent.request({
        method: 'POST',
        url,
        ...(body === undefined ? {} : { payload: body as InjectOptions['payload'] }),
      }),
    put: (url, body) => agent.request({ method: 'PUT', url, payload: body as InjectOptions['payload'] }),
  };
  return agent;
}
