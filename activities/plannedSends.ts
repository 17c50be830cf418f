// Engine 2's sends: a planned letter or message goes out exactly as approved. The plan's contents
// are hashed again here and compared with the hash the officer approved; a plan that differs is
// never sent (the step goes to a person). Each recipient's delivery is reported as it happened:
// sent, held in the outbox (no transport), or to be printed and posted by the office.
import { addressOnOneLine, type PostalAddress } from '../domain/postalAddress';
import type { PlannedChannel, LetterPlan } from '../domain/stepPlan';
import type { IsoDate } from '../domain/types';
import { outcomeChoicesFor } from '../domain/taskOutcomes';
import { formatLongDate, fromLondon } from '../letters/format';
import { renderLetterPdf } from '../letters/pdf';
import { planIntact } from '../letters/plan';
import { loadDefaultTemplate } from '../letters/templates';
import { serviceLog, transportsFor, type CaseServicesDeps } from '../messaging/deps';
import { enqueueAndDeliver } from '../messaging/outbox';
import type { Transports } from '../messaging/types';
import {
  completeStaffTask,
  getLetter,
  getOutboxByKey,
  insertLetter,
  insertStaffTask,
  type LetterLayout,
  type LetterRecipient,
} from '../store/caseServices';
import { postTaskNotes } from './postTask';
import { planChanged } from './planning';

export interface SendPlannedInput {
  /** Made once by the workflow: the letter's id and the root of every idempotency key. */
  sendId: string;
  caseId: string;
  schoolId: string;
  pupilId: string;
  stageId: string;
  stepId: string;
  plan: LetterPlan;
  /** The hash of the plan as approved (an auto step's own plan hash). */
  approvedHash: string;
  /** The school day it goes out. */
  sentOn: IsoDate;
}

export interface Delivery {
  contactIndex: number;
  channel: PlannedChannel;
  status: 'sent' | 'held' | 'toPost';
  /** Why it was held (no SMTP server configured, ...). */
  reason?: string;
}

export interface SendPlannedResult {
  letterId: string;
  deliveries: Delivery[];
  /** The office's print-and-post task, when some carers have no email address. */
  postTask: {
    taskId: string;
    title: string;
    dueOn: IsoDate;
    outcomes: ReturnType<typeof outcomeChoicesFor>;
  } | null;
}

export function createPlannedSendActivities(deps: CaseServicesDeps) {
  const { db } = deps;

  /** Sends one outbox message and says what became of it. */
  async function deliver(
    key: string,
    msg: Parameters<typeof enqueueAndDeliver>[2],
  ): Promise<Pick<Delivery, 'status' | 'reason'>> {
    const res = await enqueueAndDeliver(db, await transportsFor(deps, msg.schoolId), {
      ...msg,
      idempotencyKey: key,
    });
    if (res.status === 'sent') return { status: 'sent' };
    const row = await getOutboxByKey(db, key);
    return { status: 'held', ...(row?.error ? { reason: row.error } : {}) };
  }

  async function storeEvidence(input: SendPlannedInput): Promise<void> {
    if (await getLetter(db, input.sendId)) return;
    const { plan } = input;
    const stored = layoutOf(plan);
    const pdf = await (deps.renderLetterPdf ?? renderLetterPdf)(stored.parts, {
      ...stored.letterhead,
      createdAt: fromLondon(plan.recipe.date, '12:00'),
    });
    const recipients: LetterRecipient[] = [];
    for (const r of plan.recipients) {
      const byPost = r.channel === 'post' ? { byPost: true, postal: r.postal ?? null } : {};
      // A paper copy for a carer also emailed (a letter that goes by post too) joins their entry.
      const emailed = recipients.find((x) => x.contactIndex === r.contactIndex);
      if (emailed && r.channel === 'post' && !r.address) {
        Object.assign(emailed, byPost);
        continue;
      }
      recipients.push({
        contactIndex: r.contactIndex,
        name: r.name,
        channel: r.channel === 'email' ? 'email' : r.channel === 'post' && r.address ? 'sms' : 'none',
        address: r.address,
        outboxKey: r.channel === 'email' || r.address ? `${input.sendId}:${r.contactIndex}` : null,
        ...byPost,
      });
    }
    await insertLetter(db, {
      id: input.sendId,
      caseId: input.caseId,
      schoolId: input.schoolId,
      pupilId: input.pupilId,
      stageId: input.stageId,
      stepId: input.stepId,
      templateId: plan.content.templateId,
      requestedTemplateId: plan.recipe.template,
      channel: 'letter',
      subject: plan.content.subject,
      bodyText: plan.content.text,
      html: plan.content.html ?? '',
      pdf,
      amended: plan.content.amended,
      sentOn: input.sentOn,
      recipients,
      layout: stored,
    });
  }

  /** The letter as approved, addressed to one carer for the envelope window: the copy Notify posts. */
  async function addressedCopy(
    input: SendPlannedInput,
    name: string,
    postal: PostalAddress,
  ): Promise<Buffer> {
    const layout = layoutOf(input.plan);
    return (deps.renderLetterPdf ?? renderLetterPdf)(
      layout.parts,
      { ...layout.letterhead, createdAt: fromLondon(input.plan.recipe.date, '12:00') },
      { to: { name, address: postal }, layout: 'notify' },
    );
  }

  return {
    async sendPlannedLetter(input: SendPlannedInput): Promise<SendPlannedResult> {
      const { plan } = input;
      if (plan.kind !== 'letter' || !planIntact(plan, input.approvedHash)) throw planChanged('the letter');
      await storeEvidence(input);
      const deliveries: Delivery[] = [];
      const failures: unknown[] = [];
      const pdfName = `${
        plan.content.subject
          .replace(/[^\w -]+/g, '')
          .trim()
          .slice(0, 60) || 'letter'
      }.pdf`;
      const transports = await transportsFor(deps, input.schoolId);
      const posted = new Set<number>();
      for (const r of plan.recipients) {
        const key = `${input.sendId}:${r.contactIndex}`;
        try {
          if (r.channel === 'email') {
            const d = await deliver(key, {
              idempotencyKey: key,
              schoolId: input.schoolId,
              caseId: input.caseId,
              channel: 'email',
              to: r.address,
              subject: plan.content.subject,
              text: plan.content.text,
              html: plan.content.html,
              attachments: [{ filename: pdfName, contentType: 'application/pdf', letterId: input.sendId }],
              ref: input.sendId,
            });
            deliveries.push({ contactIndex: r.contactIndex, channel: 'email', ...d });
          } else {
            // On paper: the office posts it; a carer with a phone is told it is on its way.
            const emailed = plan.recipients.some(
              (x) => x.contactIndex === r.contactIndex && x.channel === 'email',
            );
            // GOV.UK Notify prints and posts it when the school has it set up and there is an address.
            if (transports.poster && r.postal) {
              await enqueueAndDeliver(db, transports, {
                idempotencyKey: `${key}:post`,
                schoolId: input.schoolId,
                caseId: input.caseId,
                channel: 'post',
                to: addressOnOneLine(r.postal),
                subject: plan.content.subject,
                text: plan.content.text,
                attachments: [
                  {
                    filename: pdfName,
                    contentType: 'application/pdf',
                    base64: (await addressedCopy(input, r.name, r.postal)).toString('base64'),
                  },
                ],
                postage: postageOf(plan.content.templateId, transports),
                ref: input.sendId,
              });
              posted.add(r.contactIndex);
              deliveries.push({ contactIndex: r.contactIndex, channel: 'post', status: 'sent' });
            }
            if (r.address) {
              await enqueueAndDeliver(db, transports, {
                idempotencyKey: key,
                schoolId: input.schoolId,
                caseId: input.caseId,
                channel: 'sms',
                to: r.address,
                subject: plan.content.subject,
                text: `${plan.content.subject}: a letter from school dated ${formatLongDate(plan.recipe.date)} is on its way to you by post.`,
                ref: input.sendId,
              });
            }
            // A paper copy for a carer who was also emailed is the post task's, not a delivery line:
            // the case's timeline says a letter to post went to carers "with no email address".
            if (!emailed && !posted.has(r.contactIndex))
              deliveries.push({ contactIndex: r.contactIndex, channel: 'post', status: 'toPost' });
          }
        } catch (err) {
          failures.push(err);
        }
      }
      let postTask: SendPlannedResult['postTask'] = null;
      // The office posts what Notify did not take (no Notify, or no address to post to).
      const toPost = plan.recipients.filter((r) => r.channel === 'post' && !posted.has(r.contactIndex));
      if (toPost.length > 0) {
        postTask = {
          taskId: `${input.sendId}:post`,
          title: `Print and post: ${plan.content.subject}`,
          dueOn: input.sentOn,
          outcomes: outcomeChoicesFor('postLetter'),
        };
        await insertStaffTask(db, {
          id: postTask.taskId,
          caseId: input.caseId,
          schoolId: input.schoolId,
          pupilId: input.pupilId,
          stageId: input.stageId,
          stepId: input.stepId,
          kind: 'postLetter',
          title: postTask.title,
          dueOn: postTask.dueOn,
          owner: 'team',
          notes: postTaskNotes(input.sendId, input.sentOn, toPost),
        });
      }
      if (failures.length > 0) {
        serviceLog(deps).warn('letter delivery failed for some recipients; will retry', {
          letterId: input.sendId,
          caseId: input.caseId,
          failed: failures.length,
        });
        throw failures[0];
      }
      return { letterId: input.sendId, deliveries, postTask };
    },

    async sendPlannedMessage(input: SendPlannedInput): Promise<SendPlannedResult> {
      const { plan } = input;
      if (plan.kind !== 'message' || !planIntact(plan, input.approvedHash)) throw planChanged('the message');
      const deliveries: Delivery[] = [];
      const failures: unknown[] = [];
      for (const r of plan.recipients) {
        if (r.channel === 'post') continue;
        const key = `${input.sendId}:${r.contactIndex}`;
        try {
          const d = await deliver(key, {
            idempotencyKey: key,
            schoolId: input.schoolId,
            caseId: input.caseId,
            channel: r.channel,
            to: r.address,
            subject: plan.content.subject,
            text: plan.content.text,
            ref: input.sendId,
          });
          deliveries.push({ contactIndex: r.contactIndex, channel: r.channel, ...d });
        } catch (err) {
          failures.push(err);
        }
      }
      if (failures.length > 0) throw failures[0];
      return { letterId: input.sendId, deliveries, postTask: null };
    },

    /** Keeps a task's outcome in the store (the case has already recorded it). */
    async recordTaskOutcome(input: {
      taskId: string;
      outcome: string;
      note?: string;
      by: string;
      on: IsoDate;
      done: boolean;
    }): Promise<void> {
      await completeStaffTask(db, input.taskId, {
        outcome: input.outcome,
        note: input.note ?? null,
        by: input.by,
        on: input.on,
        done: input.done,
      });
    },
  };
}

/** The class of post: the letter's template says (the formal warnings: first), else the school's Notify setting. */
function postageOf(templateId: string, transports: Transports): 'first' | 'second' {
  const fromTemplate = loadDefaultTemplate(templateId)?.postage;
  if (fromTemplate) return fromTemplate;
  const poster = transports.poster as { defaultPostage?: 'first' | 'second' } | null | undefined;
  return poster?.defaultPostage ?? 'second';
}

/** The printable parts of the approved letter: what the evidence keeps and every posted copy shows. */
function layoutOf(plan: LetterPlan): LetterLayout {
  const layout = plan.content.layout!;
  return {
    parts: {
      subject: plan.content.subject,
      salutation: layout.salutation,
      blocks: layout.blocks,
      signOff: layout.signOff,
      signature: layout.signature,
    },
    letterhead: { schoolName: layout.schoolName, dateText: formatLongDate(plan.recipe.date) },
  };
}
