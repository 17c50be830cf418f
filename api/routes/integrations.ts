// A school's connections to its MIS and to GOV.UK Notify, set up by its administrator (docs/
// integrations.md): save, test, sync now, and the record of every sync. Secrets go in and never come
// out: an answer shows a token's last four characters only, and the audit log records who changed a
// connection, never the secret. Notify's callbacks come in here too, with the bearer token the
// school set in Notify (not a login: Notify has none), matched to the school of the message.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  misConfigured,
  tokenHash,
  tokenMatches,
  type ConnectionSource,
  type MisSettings,
  type NotifySettings,
} from '../../integrations/connections';
import { reportStatus } from '../../integrations/deliveryStatus';
import { secretHint } from '../../integrations/secretBox';
import { integrationServices } from '../../integrations/services';
import { MisApiError, WondeClient } from '../../integrations/wonde/client';
import { NotifyTransport, NOTIFY } from '../../messaging/notify';
import { schoolDateAt } from '../../domain/time';
import { getSchool } from '../../store/schools';
import {
  deleteIntegration,
  getIntegration,
  listSyncs,
  putIntegration,
  type MisSyncRecord,
} from '../../store/integrations';
import { getByProviderId } from '../../store/outboxProviders';
import {
  ensureDeliveryCheckSchedule,
  ensureMisSyncSchedule,
  misSyncTimes,
  removeMisSyncSchedule,
} from '../../temporal/schedules';
import { writeAudit } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { assertSchool } from '../auth/scope';
import type { AppContext, ZodApp } from '../context';
import { badRequest, conflict, notFound, unauthorized } from '../errors';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { schoolParams } from './schools';

/** How long "sync now" waits for a run whose sync has finished on the record to end. */
const RUN_CLOSING_WAIT_MS = 10_000;

/** An API root: https, or http to this machine only (a stand-in, a tunnel): a token never crosses a network in clear. */
const apiRoot = z
  .string()
  .trim()
  .url('a web address, e.g. https://api.wonde.com/v1.0')
  .refine((u) => {
    // Runs after a failed url() check too (zod reports every issue): an unreadable address is not https.
    if (!URL.canParse(u)) return false;
    const url = new URL(u);
    return (
      url.protocol === 'https:' ||
      (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    );
  }, 'an https address (http only to this machine)');

const codeMapSchema = z
  .record(z.string().trim().min(1).max(8), z.string().trim().min(1).max(3))
  .default({})
  .superRefine((map, ctx) => {
    for (const [mis, dfe] of Object.entries(map)) {
      // The DfE code a school's own code means must be one the DfE defines.
      if (!/^(\/|\\|[A-Z][0-9]?|#)$/.test(dfe.toUpperCase()))
        ctx.addIssue({ code: 'custom', path: [mis], message: `"${dfe}" is not a DfE register code` });
    }
  });

const misBody = z.object({
  baseUrl: apiRoot.default('https://api.wonde.com/v1.0'),
  misSchoolId: z.string().trim().min(1, 'the school’s id at the MIS, e.g. A1930499544').max(64),
  /** Blank keeps the token already saved. */
  token: z.string().trim().min(8, 'the API token the MIS gave for this school').max(500).optional(),
  codeMap: codeMapSchema,
});

const notifyBody = z.object({
  baseUrl: apiRoot.nullable().default(null),
  /** Blank keeps the key already saved. */
  apiKey: z
    .string()
    .trim()
    .regex(
      /^[A-Za-z0-9_-]+-[0-9a-f-]{36}-[0-9a-f-]{36}$/,
      'a Notify API key: name-serviceid-secret, as Notify shows it',
    )
    .optional(),
  emailTemplateId: z.uuid('a Notify template id').nullable().default(null),
  smsTemplateId: z.uuid('a Notify template id').nullable().default(null),
  postage: z.enum(['first', 'second']).default('second'),
  postLetters: z.boolean().default(true),
  /** Make a new bearer token for Notify's callbacks (shown once in the answer). */
  newCallbackToken: z.boolean().default(false),
});

/** GET /api/schools/:id/integrations (and the answer to every change). No secret is ever in it. */
export interface IntegrationsAnswer {
  mis: {
    connected: boolean;
    /** Where the connection comes from: the school's own settings, or the deployment's environment. */
    source: ConnectionSource | null;
    baseUrl: string | null;
    misSchoolId: string | null;
    codeMap: Record<string, string>;
    /** The token's last four characters. */
    tokenHint: string | null;
    updatedAt: string | null;
    /** Local times the Schedule syncs at, on school weekdays. */
    syncTimes: string[];
    syncs: MisSyncRecord[];
  };
  notify: {
    connected: boolean;
    source: ConnectionSource | null;
    baseUrl: string | null;
    emailTemplateId: string | null;
    smsTemplateId: string | null;
    postage: 'first' | 'second';
    postLetters: boolean;
    callbacks: 'set' | 'not set';
    keyHint: string | null;
    updatedAt: string | null;
    /** Where Notify is to send its callbacks (Notify's API integration page). */
    callbackUrls: { deliveryStatus: string; returnedLetter: string };
  };
  /** Only in the answer that made it: the bearer token for Notify's callbacks. */
  callbackToken?: string;
}

export async function registerIntegrationRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;
  const services = integrationServices(db, ctx.config);
  const admin = { roles: ['admin'] as const };

  async function schoolOf(user: ReturnType<typeof currentUser>, schoolId: string) {
    assertSchool(user, schoolId, 'No such school');
    const school = await getSchool(db, schoolId);
    if (!school) throw notFound('No such school');
    return school;
  }

  /**
   * Whether the manual run holding the school's id has closed, waiting a moment for it when its sync
   * is already finished on the record. The record is written by the sync's activity, so the list
   * says "finished" a moment before the run itself ends; a person who saw it finish and clicks again
   * is asking for a new sync, not told one is running. A run whose sync is still running on the
   * record, or that waits to try a refused MIS again, keeps its 409.
   */
  async function lastManualRunClosed(schoolId: string, workflowId: string): Promise<boolean> {
    const [latest] = await listSyncs(db, schoolId, 1);
    if (latest?.status === 'running') return false;
    const run = ctx.temporal.workflow.getHandle(workflowId);
    const until = Date.now() + RUN_CLOSING_WAIT_MS;
    for (;;) {
      const status = await run.describe().then(
        (d) => d.status.name,
        (err: unknown) => {
          if (err instanceof WorkflowNotFoundError) return 'GONE'; // kept no longer: long closed
          throw err;
        },
      );
      if (status !== 'RUNNING') return true;
      if (Date.now() >= until) return false;
      await sleep(200);
    }
  }

  async function describe(schoolId: string): Promise<IntegrationsAnswer> {
    const mis = await getIntegration<MisSettings>(db, schoolId, 'mis');
    const notify = await getIntegration<NotifySettings>(db, schoolId, 'notify');
    const misConn = await services.misConnectionFor(schoolId).catch(() => null);
    const notifyConn = await services.notifyConnectionFor(schoolId).catch(() => null);
    return {
      mis: {
        connected: misConn !== null,
        source: misConn?.source ?? null,
        baseUrl: misConn?.baseUrl ?? null,
        misSchoolId: misConn?.misSchoolId ?? null,
        codeMap: misConn?.codeMap ?? {},
        // The deployment's own token is not shown, not even its end.
        tokenHint: mis?.secretHint ?? null,
        updatedAt: mis?.updatedAt ?? null,
        syncTimes: misConn ? misSyncTimes(ctx.config.MIS_SYNC_TIMES.split(','), ctx.config.SWEEP_TIME) : [],
        syncs: await listSyncs(db, schoolId, 10),
      },
      notify: {
        connected: notifyConn !== null,
        source: notifyConn?.source ?? null,
        baseUrl: notifyConn?.baseUrl ?? null,
        emailTemplateId: notifyConn?.emailTemplateId ?? null,
        smsTemplateId: notifyConn?.smsTemplateId ?? null,
        postage: notifyConn?.postage ?? 'second',
        postLetters: notifyConn?.postLetters ?? false,
        callbacks: notifyConn?.callbackTokenHash ? ('set' as const) : ('not set' as const),
        keyHint: notify?.secretHint ?? null,
        updatedAt: notify?.updatedAt ?? null,
        callbackUrls: {
          deliveryStatus: `${ctx.publicUrl()}/api/integrations/notify/callbacks/delivery-status`,
          returnedLetter: `${ctx.publicUrl()}/api/integrations/notify/callbacks/returned-letter`,
        },
      },
    };
  }

  app.get(
    '/api/schools/:schoolId/integrations',
    {
      config: admin,
      schema: {
        tags: ['integrations'],
        summary: 'The school’s MIS and GOV.UK Notify connections, and its latest syncs (no secrets)',
        params: schoolParams,
      },
    },
    async (req) => {
      await schoolOf(currentUser(req), req.params.schoolId);
      return describe(req.params.schoolId);
    },
  );

  app.put(
    '/api/schools/:schoolId/integrations/mis',
    {
      config: admin,
      schema: {
        tags: ['integrations'],
        summary: 'Connect the school’s MIS (a Wonde-style school data API); syncs are scheduled at once',
        params: schoolParams,
        body: misBody,
      },
    },
    async (req) => {
      const user = currentUser(req);
      const { schoolId } = req.params;
      await schoolOf(user, schoolId);
      const existing = await getIntegration<MisSettings>(db, schoolId, 'mis');
      if (!req.body.token && !existing?.secretSealed)
        throw badRequest('Give the API token the MIS issued for this school.', { field: 'token' });
      // A saved token goes only to the address it was given for: a new address needs it again.
      if (!req.body.token && existing && existing.settings.baseUrl !== req.body.baseUrl)
        throw badRequest(
          'Give the token again for the new address: a saved token is sent only where it was given for.',
          {
            field: 'token',
          },
        );
      const box = await services.box();
      const settings: MisSettings = {
        provider: 'wonde',
        baseUrl: req.body.baseUrl,
        misSchoolId: req.body.misSchoolId,
        codeMap: Object.fromEntries(Object.entries(req.body.codeMap).map(([k, v]) => [k, v.toUpperCase()])),
      };
      await putIntegration(
        db,
        schoolId,
        'mis',
        settings,
        req.body.token ? { sealed: box.seal(req.body.token), hint: secretHint(req.body.token) } : undefined,
        user.id,
      );
      await ensureMisSyncSchedule(ctx.temporal, {
        schoolId,
        times: ctx.config.MIS_SYNC_TIMES.split(','),
        sweepTime: ctx.config.SWEEP_TIME,
        timeZone: ctx.config.SCHOOL_TIMEZONE,
        taskQueue: ctx.taskQueue,
      });
      await writeAudit(db, user, {
        action: 'integration.mis.save',
        targetType: 'school',
        targetId: schoolId,
        schoolId,
        details: {
          baseUrl: settings.baseUrl,
          misSchoolId: settings.misSchoolId,
          tokenChanged: Boolean(req.body.token),
          codeMap: settings.codeMap,
        },
      });
      return describe(schoolId);
    },
  );

  app.delete(
    '/api/schools/:schoolId/integrations/mis',
    {
      config: admin,
      schema: { tags: ['integrations'], summary: 'Disconnect the school’s MIS', params: schoolParams },
    },
    async (req) => {
      const user = currentUser(req);
      const { schoolId } = req.params;
      await schoolOf(user, schoolId);
      const removed = await deleteIntegration(db, schoolId, 'mis');
      if (!(await services.misConnectionFor(schoolId).catch(() => null)))
        await removeMisSyncSchedule(ctx.temporal, schoolId);
      await writeAudit(db, user, {
        action: 'integration.mis.remove',
        targetType: 'school',
        targetId: schoolId,
        schoolId,
        details: { removed },
      });
      return describe(schoolId);
    },
  );

  app.post(
    '/api/schools/:schoolId/integrations/mis/test',
    {
      config: admin,
      schema: {
        tags: ['integrations'],
        summary: 'Test the MIS connection: the MIS names the school, or says why it will not',
        params: schoolParams,
      },
    },
    async (req) => {
      const user = currentUser(req);
      await schoolOf(user, req.params.schoolId);
      const conn = await services.misConnectionFor(req.params.schoolId);
      if (!conn) throw badRequest('The school has no MIS connection yet: save one first.');
      try {
        const school = await new WondeClient({
          baseUrl: conn.baseUrl,
          token: conn.token,
          misSchoolId: conn.misSchoolId,
          // A person is waiting: one try, answered within 10 seconds either way.
          maxAttempts: 1,
          timeoutMs: 10_000,
        }).school();
        return { ok: true, misSchool: school };
      } catch (err) {
        return {
          ok: false,
          error: err instanceof MisApiError ? err.message : 'the MIS could not be reached',
        };
      }
    },
  );

  app.post(
    '/api/schools/:schoolId/integrations/mis/sync',
    {
      config: { roles: ['admin', 'manager', 'officer'] as const },
      schema: {
        tags: ['integrations'],
        summary: 'Sync from the MIS now, as the schedule does (202: follow it in the list of syncs)',
        params: schoolParams,
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const { schoolId } = req.params;
      await schoolOf(user, schoolId);
      if (!(await misConfigured(db, ctx.config, schoolId)))
        throw badRequest('The school has no MIS connection: an administrator connects it in Integrations.');
      // One "sync now" per school at a time (the schedule's own runs are kept apart by overlap SKIP;
      // a sync that fetched first and commits last is refused by the sync itself: integrations/misSync.ts).
      const workflowId = `mis-sync-${schoolId}-manual`;
      const start = () =>
        ctx.temporal.workflow.start('misSync', {
          taskQueue: ctx.taskQueue,
          workflowId,
          args: [{ schoolId, trigger: 'manual' }],
          workflowIdConflictPolicy: 'FAIL',
        });
      try {
        await start();
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        if (!(await lastManualRunClosed(schoolId, workflowId)))
          throw conflict('A sync of this school is running already: its outcome shows in the list of syncs.');
        await start().catch((again: unknown) => {
          if (again instanceof WorkflowExecutionAlreadyStartedError)
            throw conflict(
              'A sync of this school started a moment ago: its outcome shows in the list of syncs.',
            );
          throw again;
        });
      }
      await writeAudit(db, user, {
        action: 'integration.mis.sync',
        targetType: 'school',
        targetId: schoolId,
        schoolId,
        details: { workflowId },
      });
      return reply.code(202).send({ workflowId, status: 'running' });
    },
  );

  app.get(
    '/api/schools/:schoolId/integrations/mis/syncs',
    {
      config: { roles: ['admin', 'manager'] as const },
      schema: {
        tags: ['integrations'],
        summary: 'The school’s syncs from the MIS, newest first, with counts and problems',
        params: schoolParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }),
      },
    },
    async (req) => {
      await schoolOf(currentUser(req), req.params.schoolId);
      return { syncs: await listSyncs(db, req.params.schoolId, req.query.limit) };
    },
  );

  app.put(
    '/api/schools/:schoolId/integrations/notify',
    {
      config: admin,
      schema: {
        tags: ['integrations'],
        summary: 'Connect GOV.UK Notify: emails, texts and posted letters go through it from now on',
        description:
          'With newCallbackToken the answer carries `callbackToken` once: paste it into Notify’s callbacks page.',
        params: schoolParams,
        body: notifyBody,
      },
    },
    async (req) => {
      const user = currentUser(req);
      const { schoolId } = req.params;
      await schoolOf(user, schoolId);
      const existing = await getIntegration<NotifySettings>(db, schoolId, 'notify');
      if (!req.body.apiKey && !existing?.secretSealed)
        throw badRequest('Give the school’s GOV.UK Notify API key.', { field: 'apiKey' });
      if (!req.body.apiKey && existing && existing.settings.baseUrl !== req.body.baseUrl)
        throw badRequest(
          'Give the key again for the new address: a saved key is used only where it was given for.',
          {
            field: 'apiKey',
          },
        );
      const callbackToken = req.body.newCallbackToken ? randomBytes(24).toString('base64url') : null;
      const settings: NotifySettings = {
        baseUrl: req.body.baseUrl,
        emailTemplateId: req.body.emailTemplateId,
        smsTemplateId: req.body.smsTemplateId,
        postage: req.body.postage,
        postLetters: req.body.postLetters,
        callbackTokenHash: callbackToken
          ? tokenHash(callbackToken)
          : (existing?.settings.callbackTokenHash ?? null),
      };
      const box = await services.box();
      await putIntegration(
        db,
        schoolId,
        'notify',
        settings,
        req.body.apiKey
          ? { sealed: box.seal(req.body.apiKey), hint: secretHint(req.body.apiKey) }
          : undefined,
        user.id,
      );
      await ensureDeliveryCheckSchedule(ctx.temporal, { taskQueue: ctx.taskQueue });
      await writeAudit(db, user, {
        action: 'integration.notify.save',
        targetType: 'school',
        targetId: schoolId,
        schoolId,
        details: {
          keyChanged: Boolean(req.body.apiKey),
          callbackTokenChanged: callbackToken !== null,
          email: settings.emailTemplateId !== null,
          sms: settings.smsTemplateId !== null,
          postLetters: settings.postLetters,
          postage: settings.postage,
        },
      });
      return { ...(await describe(schoolId)), ...(callbackToken ? { callbackToken } : {}) };
    },
  );

  app.delete(
    '/api/schools/:schoolId/integrations/notify',
    {
      config: admin,
      schema: { tags: ['integrations'], summary: 'Disconnect GOV.UK Notify', params: schoolParams },
    },
    async (req) => {
      const user = currentUser(req);
      const { schoolId } = req.params;
      await schoolOf(user, schoolId);
      const removed = await deleteIntegration(db, schoolId, 'notify');
      await writeAudit(db, user, {
        action: 'integration.notify.remove',
        targetType: 'school',
        targetId: schoolId,
        schoolId,
        details: { removed },
      });
      return describe(schoolId);
    },
  );

  app.post(
    '/api/schools/:schoolId/integrations/notify/test',
    {
      config: admin,
      schema: {
        tags: ['integrations'],
        summary: 'Test the Notify connection (the key is accepted)',
        params: schoolParams,
      },
    },
    async (req) => {
      await schoolOf(currentUser(req), req.params.schoolId);
      const conn = await services.notifyConnectionFor(req.params.schoolId);
      if (!conn) throw badRequest('The school has no Notify connection yet: save one first.');
      try {
        await new NotifyTransport(conn, 10_000).check();
        return { ok: true };
      } catch (err) {
        return { ok: false, error: (err as Error).message };
      }
    },
  );

  // -------------------------------------------------------------------------------------------
  // Notify's callbacks (docs/integrations.md): a delivery receipt for an email or text, and a letter
  // that came back. The row they name gives the school, whose callback token must be the bearer.

  async function callbackRow(authorization: string | undefined, notificationId: string) {
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1]?.trim();
    if (!token) throw unauthorized('A bearer token is needed.');
    const row = await getByProviderId(db, NOTIFY, notificationId);
    const conn = row ? await services.notifyConnectionFor(row.schoolId) : null;
    // The same answer for an unknown notification and a wrong token: a caller learns nothing.
    if (!row || !tokenMatches(token, conn?.callbackTokenHash ?? null))
      throw unauthorized('Not a callback this service accepts.');
    return row;
  }

  const reportDeps = {
    db,
    temporal: ctx.temporal,
    today: () => schoolDateAt(ctx.now(), ctx.config.SCHOOL_TIMEZONE),
  };

  app.post(
    '/api/integrations/notify/callbacks/delivery-status',
    {
      config: { public: true, csrfExempt: true },
      schema: {
        tags: ['integrations'],
        summary: 'GOV.UK Notify’s delivery receipt for an email or text (bearer token from Integrations)',
        body: z
          .object({ id: z.uuid(), status: z.string().min(1).max(50), reference: z.string().nullish() })
          .passthrough(),
      },
    },
    async (req) => {
      const row = await callbackRow(req.headers.authorization, req.body.id);
      const told = await reportStatus(reportDeps, row, req.body.status);
      return { ok: true, caseTold: told };
    },
  );

  app.post(
    '/api/integrations/notify/callbacks/returned-letter',
    {
      config: { public: true, csrfExempt: true },
      schema: {
        tags: ['integrations'],
        summary: 'GOV.UK Notify’s word that a letter came back (bearer token from Integrations)',
        body: z.object({ notification_id: z.uuid(), reference: z.string().nullish() }).passthrough(),
      },
    },
    async (req) => {
      const row = await callbackRow(req.headers.authorization, req.body.notification_id);
      const told = await reportStatus(reportDeps, row, 'returned-letter');
      return { ok: true, caseTold: told };
    },
  );
}
