// Letters kept as evidence (with their dates), their PDFs, and the outbox of every message — the
// place to read mail when no SMTP server is configured (status "held").
import { z } from 'zod';
import { sendHeldMail, type HeldMailResult } from '../../messaging/heldMail';
import type { Transports } from '../../messaging/types';
import { notifyCarriesEmail } from '../../integrations/connections';
import { integrationServices } from '../../integrations/services';
import { transportsFor } from '../../messaging/deps';
import { mailerFromConfig } from '../../messaging/smtpMailer';
import {
  countOutboxByStatus,
  getLetter,
  getLetterPdf,
  listOutbox,
  type OutboxRecord,
  type OutboxStatus,
} from '../../store/caseServices';
import { getSchool } from '../../store/schools';
import { writeAudit } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { assertSchool, schoolsFor } from '../auth/scope';
import type { AppContext, ZodApp } from '../context';
import { conflict, notFound } from '../errors';
import { registerPostBatchRoutes } from './postBatch';
import { isoDate } from './schools';

/** One message as the outbox page shows it. */
export interface OutboxMessageView extends Pick<
  OutboxRecord,
  | 'id'
  | 'schoolId'
  | 'caseId'
  | 'channel'
  | 'to'
  | 'subject'
  | 'text'
  | 'status'
  | 'error'
  | 'ref'
  | 'createdAt'
  | 'sentAt'
> {
  attachments: { filename: string; contentType: string; letterId: string | null }[];
}

/** GET /api/outbox. */
export interface OutboxAnswer {
  /** How mail leaves: the school's GOV.UK Notify, an SMTP server (SMTP_URL), or none (mail is held here). */
  transport: 'smtp' | 'notify' | 'none';
  /** Every message in the schools asked about, by status (the list itself is capped by `limit`). */
  counts: Record<OutboxStatus, number>;
  /** Whether this user may send held mail now (a manager or administrator, with SMTP set). */
  canSendHeld: boolean;
  messages: OutboxMessageView[];
}

/** POST /api/outbox/send-held: what became of the school's unsent mail. */
export type SendHeldAnswer = HeldMailResult;

/** Why held mail cannot be sent when no mail server is configured. */
export const NO_SMTP_REASON = 'No mail server is set up. Set SMTP_URL to send held mail.';

const letterParams = z.object({ letterId: z.string().min(1).max(100) });

export async function registerLetterRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;
  await registerPostBatchRoutes(app, ctx);

  app.get(
    '/api/letters',
    {
      schema: {
        tags: ['letters'],
        summary: 'Letters sent, newest first',
        querystring: z.object({
          schoolId: z.string().min(1).max(64).optional(),
          caseId: z.string().min(1).max(200).optional(),
          from: isoDate.optional(),
          to: isoDate.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      const q = req.query;
      const schools = schoolsFor(user, q.schoolId);
      const { rows } = await db.query<{
        id: string;
        case_id: string;
        school_id: string;
        pupil_id: string;
        given_name: string | null;
        family_name: string | null;
        subject: string;
        template_id: string;
        stage_id: string;
        sent_on: string;
        amended: boolean;
        recipients: { name: string; channel: string }[];
      }>(
        `SELECT l.id, l.case_id, l.school_id, l.pupil_id::text AS pupil_id, p.given_name, p.family_name, l.subject, l.template_id,
                l.stage_id, l.sent_on::text AS sent_on, l.amended, l.recipients
         FROM letters l LEFT JOIN pupils p ON p.id = l.pupil_id
         WHERE ($1::text[] IS NULL OR l.school_id = ANY($1::text[])) AND ($2::text IS NULL OR l.case_id = $2)
           AND ($3::date IS NULL OR l.sent_on >= $3::date) AND ($4::date IS NULL OR l.sent_on <= $4::date)
         ORDER BY l.sent_on DESC, l.created_at DESC LIMIT $5`,
        [schools, q.caseId ?? null, q.from ?? null, q.to ?? null, q.limit],
      );
      return {
        letters: rows.map((r) => ({
          id: r.id,
          caseId: r.case_id,
          schoolId: r.school_id,
          pupil: { id: r.pupil_id, givenName: r.given_name, familyName: r.family_name },
          subject: r.subject,
          templateId: r.template_id,
          stageId: r.stage_id,
          sentOn: r.sent_on,
          amended: r.amended,
          recipients: (r.recipients ?? []).map((x) => ({ name: x.name, channel: x.channel })),
        })),
      };
    },
  );

  app.get(
    '/api/letters/:letterId',
    {
      schema: {
        tags: ['letters'],
        summary: 'A letter as sent: subject, text and HTML',
        params: letterParams,
      },
    },
    async (req) => {
      const user = currentUser(req);
      const letter = await getLetter(db, req.params.letterId);
      if (!letter) throw notFound('No such letter');
      assertSchool(user, letter.schoolId, 'No such letter');
      return letter;
    },
  );

  app.get(
    '/api/letters/:letterId/pdf',
    {
      schema: {
        tags: ['letters'],
        summary: 'The letter’s PDF (as attached to the email and kept as evidence)',
        params: letterParams,
        querystring: z.object({
          inline: z
            .enum(['true', 'false'])
            .default('false')
            .transform((v) => v === 'true'),
        }),
        produces: ['application/pdf'],
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const letter = await getLetter(db, req.params.letterId);
      if (!letter) throw notFound('No such letter');
      assertSchool(user, letter.schoolId, 'No such letter');
      const pdf = await getLetterPdf(db, letter.id);
      if (!pdf) throw notFound('No such letter');
      await writeAudit(db, user, {
        action: 'letter.download',
        targetType: 'letter',
        targetId: letter.id,
        schoolId: letter.schoolId,
        details: { caseId: letter.caseId },
      });
      const name = `letter-${letter.sentOn}-${letter.templateId.replace(/[^\w-]+/g, '-')}.pdf`;
      return reply
        .type('application/pdf')
        .header('content-disposition', `${req.query.inline ? 'inline' : 'attachment'}; filename="${name}"`)
        .send(pdf);
    },
  );

  app.get(
    '/api/outbox',
    {
      schema: {
        tags: ['letters'],
        summary: 'Outgoing messages: held (no SMTP server set), queued, sent, failed',
        querystring: z.object({
          schoolId: z.string().min(1).max(64).optional(),
          status: z.enum(['queued', 'sent', 'failed', 'held']).optional(),
          caseId: z.string().min(1).max(200).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
    },
    async (req): Promise<OutboxAnswer> => {
      const user = currentUser(req);
      const q = req.query;
      let schools = schoolsFor(user, q.schoolId);
      if (schools === null)
        schools = (await db.query<{ id: string }>('SELECT id FROM schools ORDER BY id')).rows.map(
          (r) => r.id,
        );
      const all = [];
      for (const s of schools) {
        all.push(
          ...(await listOutbox(db, s, {
            ...(q.status ? { status: q.status as OutboxStatus } : {}),
            ...(q.caseId ? { caseId: q.caseId } : {}),
            limit: q.limit,
          })),
        );
      }
      all.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
      // One school's outbox: its own Notify, when it has one, is how its email leaves.
      const notifyEmail = schools.length === 1 && (await notifyCarriesEmail(db, ctx.config, schools[0]!));
      const transport = notifyEmail ? 'notify' : ctx.config.SMTP_URL ? 'smtp' : 'none';
      return {
        transport,
        counts: await countOutboxByStatus(db, schools),
        canSendHeld: transport !== 'none' && (user.role === 'manager' || user.role === 'admin'),
        messages: all.slice(0, q.limit).map((m) => ({
          id: m.id,
          schoolId: m.schoolId,
          caseId: m.caseId,
          channel: m.channel,
          to: m.to,
          subject: m.subject,
          text: m.text,
          status: m.status,
          error: m.error,
          attachments: m.attachments.map((a) => ({
            filename: a.filename,
            contentType: a.contentType,
            letterId: 'letterId' in a ? a.letterId : null,
          })),
          ref: m.ref,
          createdAt: m.createdAt,
          sentAt: m.sentAt,
        })),
      };
    },
  );

  app.post(
    '/api/outbox/send-held',
    {
      config: { roles: ['manager', 'admin'] },
      schema: {
        tags: ['letters'],
        summary: 'Send the mail held in a school’s outbox, now that a mail server is set up',
        description:
          'For mail written while no SMTP server was configured (and mail that failed or is still queued). Each case whose held letter or message now went is told, so its timeline says "sent from the outbox". Through the school’s GOV.UK Notify when it has one (Integrations), else SMTP; 409 when neither is set up. Texts and app messages with no gateway stay held.',
        body: z.object({ schoolId: z.string().trim().min(1, 'give the school id (URN)').max(64) }),
      },
    },
    async (req): Promise<SendHeldAnswer> => {
      const user = currentUser(req);
      const { schoolId } = req.body;
      assertSchool(user, schoolId, 'No such school');
      if (!(await getSchool(db, schoolId))) throw notFound('No such school');
      // The school's Notify when it carries email (held mail from before it was connected), else SMTP.
      const notify = (await notifyCarriesEmail(db, ctx.config, schoolId))
        ? await integrationServices(db, ctx.config).notifyFor(schoolId)
        : null;
      const mailer = notify ? null : mailerFromConfig(ctx.config);
      if (!notify && !mailer) throw conflict(NO_SMTP_REASON);
      const transports: Transports = notify
        ? await transportsFor({ db, mailer: null, notifyFor: async () => notify }, schoolId)
        : { mailer };
      let result: HeldMailResult;
      try {
        result = await sendHeldMail(db, transports, ctx.temporal, {
          schoolId,
          actor: { userId: user.id, role: user.role },
          today: ctx.today(),
        });
      } finally {
        mailer?.close();
      }
      await writeAudit(db, user, {
        action: 'outbox.send-held',
        targetType: 'school',
        targetId: schoolId,
        schoolId,
        details: { ...result },
      });
      return result;
    },
  );
}
