// The HTTP API. Built by a factory so tests can start it on a random port (or use app.inject) with
// local services: PGlite in memory, a Temporal test server, a fixed clock.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import { loadConfig, type AppConfig } from '../config/env';
import { schoolDateAt } from '../domain/time';
import type { Db } from '../store/db';
import { loadOrCreateSecret } from '../temporal/secrets';
import { registerAuthRoutes } from './auth/routes';
import { installGuard } from './auth/guard';
import { SessionStore } from './auth/sessions';
import type { AppContext, ZodApp } from './context';
import { installErrorHandler } from './errors';
import { checkHealth } from './health';
import { registerApprovalRoutes } from './routes/approvals';
import { registerAuditRoutes } from './routes/audit';
import { registerCaseRoutes } from './routes/cases';
import { registerContactChangeRoutes } from './routes/contactChanges';
import { registerDashboardRoutes } from './routes/dashboard';
import { registerDemoRoutes } from './routes/demo';
import { registerImportRoutes } from './routes/imports';
import { registerIntegrationRoutes } from './routes/integrations';
import { registerImportSampleRoutes } from './routes/importSamples';
import { registerLetterRoutes } from './routes/letters';
import { registerPolicyRoutes } from './routes/policies';
import { registerWhatIfRoutes } from './routes/whatIf';
import { registerPupilRoutes } from './routes/pupils';
import { registerSchoolRoutes } from './routes/schools';
import { registerEvidenceRoutes } from './routes/evidence';
import { registerPenaltyNoticeRoutes } from './routes/penaltyNotices';
import { registerReturnRoutes } from './routes/returns';
import { registerSafeguardingRoutes } from './routes/safeguarding';
import { installSafeguardingAudit } from './auth/safeguarding';
import { registerTaskRoutes } from './routes/tasks';
import { registerMyWorkRoutes } from './routes/myWork';
import { registerUserRoutes } from './routes/users';
import { ImportJobs } from './services/importJobs';
import { swaggerTransform, zodValidatorCompiler, type ZodTypeProvider } from './zod';

export const WEB_DIST = fileURLToPath(new URL('../web/dist/', import.meta.url));

export interface ApiDeps {
  temporal: Client;
  taskQueue: string;
  db: Db;
  config?: AppConfig;
  logger?: boolean;
  /** Signs session cookies; default SESSION_SECRET or a key generated once into DATA_DIR/secrets. */
  sessionSecret?: string | Buffer;
  /** The built web app (default web/dist); null serves no web app. */
  webDist?: string | null;
  now?: () => number;
  caseQueryTimeoutMs?: number;
  /** The registry of imports in this process (a test passes its own to hold one running). */
  imports?: ImportJobs;
}

export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const config = deps.config ?? loadConfig();
  const now = deps.now ?? Date.now;
  const secret =
    deps.sessionSecret ??
    config.SESSION_SECRET ??
    (await loadOrCreateSecret(config.DATA_DIR, 'session', undefined));

  const base = Fastify({
    logger: deps.logger ? { level: config.LOG_LEVEL } : false,
    logController: new LogController({ disableRequestLogging: true }),
    // Behind a proxy (PUBLIC_URL set) the client address for throttling comes from X-Forwarded-For.
    // X-Forwarded-For is believed only from the proxies configured (docs/security.md, "Logins").
    trustProxy: config.TRUSTED_PROXIES
      ? config.TRUSTED_PROXIES.split(',')
          .map((p) => p.trim())
          .filter(Boolean)
      : false,
    bodyLimit: 2 * 1024 * 1024,
  });
  const app = base.withTypeProvider<ZodTypeProvider>() as unknown as ZodApp;
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installErrorHandler(app);

  const sessions = new SessionStore(deps.db, now);
  const ctx: AppContext = {
    db: deps.db,
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    config,
    sessions,
    imports: deps.imports ?? new ImportJobs(now),
    now,
    today: () => schoolDateAt(now(), config.SCHOOL_TIMEZONE),
    publicUrl: () =>
      (
        config.PUBLIC_URL ??
        `http://${config.API_HOST === '0.0.0.0' ? '127.0.0.1' : config.API_HOST}:${config.API_PORT}`
      ).replace(/\/$/, ''),
    caseQueryTimeoutMs: deps.caseQueryTimeoutMs ?? 3_000,
  };

  await app.register(fastifyCookie, {
    secret: typeof secret === 'string' ? secret : secret.toString('base64'),
  });
  installGuard(app, sessions);
  installSafeguardingAudit(app, deps.db);
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    // Every page, the API's docs included, may be framed by nobody else and runs only its own scripts.
    reply.header('x-frame-options', 'SAMEORIGIN');
    reply.header(
      'content-security-policy',
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'; object-src 'none'; base-uri 'self'; form-action 'self'",
    );
    // Served over https (directly, through a trusted proxy, or at an https public address): browsers
    // are told to keep to https.
    if (req.protocol === 'https' || config.PUBLIC_URL?.startsWith('https://'))
      reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    // Pupil data must not sit in shared caches.
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    return payload;
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Attendance intervention API',
        version: '1.0.0',
        description:
          'Staged attendance intervention for schools in England. Sign in with POST /api/auth/login; the session cookie is sent automatically. ' +
          'Every POST, PUT, PATCH and DELETE must carry the `x-csrf-token` header returned at sign-in (and by GET /api/auth/me). ' +
          'Errors are JSON: `{ error, statusCode, issues? }`; bad input is always a 4xx with the reason.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'sid' },
          csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
        },
      },
      security: [{ session: [], csrf: [] }],
      tags: [
        { name: 'auth', description: 'Signing in and out, set-up links' },
        { name: 'users', description: 'Accounts and roles (administrators)' },
        { name: 'schools', description: 'Schools in your scope, their policy, the sweep' },
        { name: 'imports', description: 'Calendars, rosters and marks' },
        { name: 'pupils' },
        { name: 'cases', description: 'Cases, their timeline and human events' },
        { name: 'approvals', description: 'Proposed steps waiting for a decision' },
        { name: 'tasks', description: 'Work the cases made for people, and what came of it' },
        { name: 'letters', description: 'Letters sent (evidence), PDFs, the outbox' },
        { name: 'returns', description: 'Returns to the council and daily worklists, with CSV exports' },
        { name: 'dashboard' },
        { name: 'policies' },
        { name: 'audit' },
        { name: 'demo' },
      ],
    },
    transform: swaggerTransform as never,
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
  });

  // Health is unauthenticated: it reveals no pupil data, only whether the engine and a worker are
  // up, which load balancers and `npm start` need to know.
  app.get(
    '/health',
    { schema: { tags: ['system'], summary: 'Temporal and worker status', security: [] } },
    async (_req, reply) => {
      const report = await checkHealth(deps.temporal, deps.taskQueue);
      return reply.code(report.status === 'ok' ? 200 : 503).send(report);
    },
  );

  await registerAuthRoutes(app, ctx);
  await registerUserRoutes(app, ctx);
  await registerSchoolRoutes(app, ctx);
  await registerSafeguardingRoutes(app, ctx);
  await registerImportRoutes(app, ctx);
  await registerImportSampleRoutes(app, ctx);
  await registerIntegrationRoutes(app, ctx);
  await registerPupilRoutes(app, ctx);
  await registerContactChangeRoutes(app, ctx);
  await registerCaseRoutes(app, ctx);
  await registerApprovalRoutes(app, ctx);
  await registerTaskRoutes(app, ctx);
  await registerMyWorkRoutes(app, ctx);
  await registerReturnRoutes(app, ctx);
  await registerPenaltyNoticeRoutes(app, ctx);
  await registerEvidenceRoutes(app, ctx);
  await registerLetterRoutes(app, ctx);
  await registerDashboardRoutes(app, ctx);
  await registerPolicyRoutes(app, ctx);
  await registerWhatIfRoutes(app, ctx);
  await registerAuditRoutes(app, ctx);
  await registerDemoRoutes(app, ctx);

  const webDist = deps.webDist === undefined ? WEB_DIST : deps.webDist;
  const indexHtml = webDist ? join(webDist, 'index.html') : null;
  if (webDist && indexHtml && existsSync(indexHtml)) {
    await app.register(fastifyStatic, { root: webDist, prefix: '/', wildcard: false, index: false });
    app.get('/', { schema: { hide: true } }, (_req, reply) =>
      reply.header('cache-control', 'no-cache').sendFile('index.html'),
    );
  }
  // Client-side routing: any other GET outside /api/ gets the app's index.html.
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (req.method === 'GET' && !path.startsWith('/api/') && indexHtml && existsSync(indexHtml)) {
      return reply.header('cache-control', 'no-cache').type('text/html').sendFile('index.html');
    }
    return reply.code(404).send({ error: `No such endpoint: ${req.method} ${path}`, statusCode: 404 });
  });

  return app as unknown as FastifyInstance;
}
