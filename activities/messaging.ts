// Short messages for `message` steps (e.g. Bradford's school-app message "attendance is dropping
// towards 95%") and notifications to staff (approval reminders, escalations). Every message goes
// through the outbox under a key made from the workflow's id, so a retry never sends twice.
import type { Channel } from '../domain/caseTypes';
import { composeMessage, type Carer } from '../letters/compose';
import { serviceLog, transportsFor, type CaseServicesDeps } from '../messaging/deps';
import { enqueueAndDeliver } from '../messaging/outbox';
import {
  getSchoolContact,
  insertStaffTask,
  type OutboxChannel,
  type StaffAudience,
} from '../store/caseServices';
import { asActivityFailure, type SendLetterInput } from './letters';

/**
 * A message step takes the same input as a letter. Its channel decides the route: app / sms / email
 * are sent; phone / inPerson / none become a task for the team (with the script).
 */
export type SendMessageInput = SendLetterInput;

export interface SendMessageResult {
  /** The message's reference (the sendId): outbox rows carry it as `ref`. Named like sendLetter's. */
  letterId: string;
  /** Parents/carers messaged (or, for a phone step, to be called). */
  recipients: number;
  alreadySent: boolean;
  held: number;
  /** `outbox` when sent as messages, `staffTask` when the step needs a person (a phone call). */
  delivery: 'outbox' | 'staffTask';
  templateId: string;
  fellBack: boolean;
}

export interface NotifyStaffInput {
  notificationId: string;
  schoolId: string;
  caseId: string;
  audience: StaffAudience;
  subject: string;
  text: string;
}

export interface NotifyStaffResult {
  outboxId: string;
  status: 'sent' | 'held' | 'queued' | 'failed';
  alreadySent: boolean;
}

const PERSON_CHANNELS: ReadonlySet<Channel> = new Set(['phone', 'inPerson', 'none']);

export function createMessagingActivities(deps: CaseServicesDeps) {
  const { db } = deps;

  /** The channel and address for one carer: the step's channel when the carer can receive it. */
  function routeFor(channel: Channel, c: Carer): { channel: OutboxChannel; to: string } | null {
    if (channel === 'app' && deps.app && (c.email || c.phone))
      return { channel: 'app', to: (c.email ?? c.phone)! };
    if (channel === 'sms' && c.phone) return { channel: 'sms', to: c.phone };
    if (c.email) return { channel: 'email', to: c.email };
    if (c.phone) return { channel: 'sms', to: c.phone };
    return null;
  }

  return {
    async sendMessage(input: SendMessageInput): Promise<SendMessageResult> {
      let composed: Awaited<ReturnType<typeof composeMessage>>;
      try {
        composed = await composeMessage(
          db,
          {
            schoolId: input.schoolId,
            pupilId: input.pupilId,
            template: input.template,
            date: input.date,
            figures: input.figures,
            ...(input.story ? { story: input.story } : {}),
            ...(input.amendedText !== undefined ? { amendedText: input.amendedText } : {}),
            ...(input.meeting ? { meeting: input.meeting } : {}),
          },
          {
            ...(deps.signature ? { signature: deps.signature } : {}),
            ...(deps.templatesDir ? { templatesDir: deps.templatesDir } : {}),
          },
        );
      } catch (err) {
        throw asActivityFailure(err);
      }
      const { context, rendered } = composed;
      const fellBack = context.resolved.source === 'fallback';
      if (fellBack) {
        serviceLog(deps).warn('message template unknown, generic message used', {
          caseId: input.caseId,
          stepId: input.stepId,
          requestedTemplate: input.template,
        });
      }
      const base = { letterId: input.sendId, templateId: rendered.templateId, fellBack };

      if (PERSON_CHANNELS.has(input.channel)) {
        // We cannot phone anyone: the team gets the task, with the script and the numbers to call.
        const toCall = context.carers.filter((c) => c.phone);
        const created = await insertStaffTask(db, {
          id: `${input.sendId}:call`,
          caseId: input.caseId,
          schoolId: input.schoolId,
          pupilId: input.pupilId,
          stageId: input.stageId,
          stepId: input.stepId,
          kind: input.channel === 'phone' ? 'phoneCall' : 'message',
          title: rendered.subject,
          dueOn: input.date,
          notes: [
            rendered.text,
            '',
            ...context.carers.map(
              (c) => `${c.name}: ${c.phone ?? 'no phone'}${c.email ? `, ${c.email}` : ''}`,
            ),
          ].join('\n'),
        });
        serviceLog(deps).info('message step handed to the team', {
          caseId: input.caseId,
          sendId: input.sendId,
        });
        return { ...base, recipients: toCall.length, alreadySent: !created, held: 0, delivery: 'staffTask' };
      }

      const transports = await transportsFor(deps, input.schoolId);
      let recipients = 0;
      let held = 0;
      let newlySent = 0;
      let existing = 0;
      const failures: unknown[] = [];
      for (const c of context.carers) {
        const route = routeFor(input.channel, c);
        if (!route) continue;
        recipients++;
        try {
          const res = await enqueueAndDeliver(db, transports, {
            idempotencyKey: `${input.sendId}:${c.contactIndex}`,
            schoolId: input.schoolId,
            caseId: input.caseId,
            channel: route.channel,
            to: route.to,
            subject: rendered.subject,
            text: rendered.text,
            ref: input.sendId,
          });
          if (res.status === 'held') held++;
          if (res.alreadySent) existing++;
          else if (res.status === 'sent') newlySent++;
        } catch (err) {
          failures.push(err);
        }
      }
      if (failures.length > 0) {
        serviceLog(deps).warn('message delivery failed for some recipients; will retry', {
          sendId: input.sendId,
          caseId: input.caseId,
          failed: failures.length,
        });
        throw failures[0];
      }
      serviceLog(deps).info('message sent', { sendId: input.sendId, caseId: input.caseId, recipients, held });
      return {
        ...base,
        recipients,
        alreadySent: recipients > 0 && existing === recipients && newlySent === 0,
        held,
        delivery: 'outbox',
      };
    },

    async notifyStaff(input: NotifyStaffInput): Promise<NotifyStaffResult> {
      const contact =
        (await getSchoolContact(db, input.schoolId, input.audience)) ??
        (input.audience === 'manager' ? await getSchoolContact(db, input.schoolId, 'officer') : null);
      const to = contact?.email ?? deps.staffEmail ?? null;
      const res = await enqueueAndDeliver(db, await transportsFor(deps, input.schoolId), {
        idempotencyKey: `notify:${input.notificationId}`,
        schoolId: input.schoolId,
        caseId: input.caseId,
        channel: 'email',
        to,
        subject: input.subject,
        text: input.text,
        ref: input.notificationId,
      });
      serviceLog(deps).info('staff notified', {
        notificationId: input.notificationId,
        caseId: input.caseId,
        audience: input.audience,
        status: res.status,
      });
      return { outboxId: res.outboxId, status: res.status, alreadySent: res.alreadySent };
    },
  };
}
