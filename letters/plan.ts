// Building a step's plan for a letter or a message (domain/stepPlan.ts): render it once, exactly as
// it will go out, decide who receives it and how, and seal it with a hash. The send activity
// re-hashes what it is about to send and refuses if it differs from what was approved.
import { createHash } from 'node:crypto';
import type { Channel } from '../domain/caseTypes';
import type { ComposeRecipe, LetterPlan, PlannedContent, PlannedRecipient } from '../domain/stepPlan';
import type { PostalAddress } from '../domain/postalAddress';
import type { Db } from '../store/db';
import { composeLetter, composeMessage, type Carer, type ComposeOptions } from './compose';
import type { TemplatePost } from './templates';

/** JSON with every object's keys in sorted order: the same value always gives the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * sha256 of a plan's contents, canonical: a plan read back from the read model (PostgreSQL's jsonb
 * keeps an object's keys in its own order) seals to the same hash as the one the planner wrote.
 */
export function sealHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** sha256 over exactly what goes out: every word and layout part, and where each copy goes. */
export function planHash(content: PlannedContent, recipients: PlannedRecipient[]): string {
  return sealHash({ content, recipients });
}

/** True when the plan's words and recipients are still what its hash (and the approval) say. */
export function planIntact(
  plan: Pick<LetterPlan, 'content' | 'recipients' | 'hash'>,
  approvedHash: string,
): boolean {
  return plan.hash === approvedHash && planHash(plan.content, plan.recipients) === approvedHash;
}

/** The carer's postal address from the roster, when it has both the lines and the postcode. */
export function postalOf(c: Pick<Carer, 'address' | 'postcode'>): PostalAddress | null {
  return c.address?.length && c.postcode ? { lines: [...c.address], postcode: c.postcode } : null;
}

/**
 * Where a letter goes: by email with the PDF, else on paper (the office posts it, to the roster's
 * address in the envelope window; with none, the office is asked to find it). A template that goes by
 * post too (`post: also`, the formal warnings) adds a paper copy for each emailed carer with an
 * address; one without an address is emailed only.
 */
function letterRecipients(c: Carer, post: TemplatePost): PlannedRecipient[] {
  const postal = postalOf(c);
  const base = { contactIndex: c.contactIndex, name: c.name };
  if (!c.email)
    return [{ ...base, channel: 'post', address: c.phone ?? null, ...(postal ? { postal } : {}) }];
  const email: PlannedRecipient = { ...base, channel: 'email', address: c.email };
  return post === 'also' && postal ? [email, { ...base, channel: 'post', address: null, postal }] : [email];
}

/** Where a message goes: the step's channel when the carer can receive it, else email, else text. */
function messageRecipient(channel: Channel, c: Carer, appAvailable: boolean): PlannedRecipient | null {
  const base = { contactIndex: c.contactIndex, name: c.name };
  if (channel === 'app' && appAvailable && (c.email || c.phone))
    return { ...base, channel: 'app', address: (c.email ?? c.phone)! };
  if (channel === 'sms' && c.phone) return { ...base, channel: 'sms', address: c.phone };
  if (c.email) return { ...base, channel: 'email', address: c.email };
  if (c.phone) return { ...base, channel: 'sms', address: c.phone };
  return null;
}

export interface LetterPlanInput {
  schoolId: string;
  pupilId: string;
  kind: 'letter' | 'message';
  channel: Channel;
  recipe: ComposeRecipe;
  amendedText?: string;
  /** Whether an app messenger is configured (else app messages go by email). */
  appAvailable?: boolean;
}

/** Renders the letter or message and decides its recipients: the plan the officer will approve. */
export async function buildLetterPlan(
  db: Db,
  input: LetterPlanInput,
  options: ComposeOptions = {},
): Promise<LetterPlan> {
  const compose = {
    schoolId: input.schoolId,
    pupilId: input.pupilId,
    template: input.recipe.template,
    date: input.recipe.date,
    figures: input.recipe.figures,
    reasons: input.recipe.reasons,
    ...(input.recipe.meeting ? { meeting: input.recipe.meeting } : {}),
    ...(input.recipe.story ? { story: input.recipe.story } : {}),
    ...(input.amendedText !== undefined ? { amendedText: input.amendedText } : {}),
  };
  if (input.kind === 'letter') {
    const { context, rendered } = await composeLetter(db, compose, options);
    const content: PlannedContent = {
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      body: rendered.body,
      templateId: rendered.templateId,
      templateSource: context.resolved.source,
      amended: rendered.amended,
      layout: {
        schoolName: context.schoolName,
        salutation: rendered.salutation,
        blocks: rendered.blocks,
        signOff: rendered.signOff,
        signature: rendered.signature,
      },
    };
    const post = context.resolved.template.post ?? 'whenNoEmail';
    const recipients = context.carers.flatMap((c) => letterRecipients(c, post));
    return { kind: 'letter', recipe: input.recipe, content, recipients, hash: planHash(content, recipients) };
  }
  const { context, rendered } = await composeMessage(db, compose, options);
  const content: PlannedContent = {
    subject: rendered.subject,
    text: rendered.text,
    html: null,
    body: rendered.text,
    templateId: rendered.templateId,
    templateSource: context.resolved.source,
    amended: rendered.amended,
  };
  const recipients = context.carers
    .map((c) => messageRecipient(input.channel, c, input.appAvailable ?? false))
    .filter((r): r is PlannedRecipient => r !== null);
  return { kind: 'message', recipe: input.recipe, content, recipients, hash: planHash(content, recipients) };
}

/**
 * The plan with the team's amended wording: the same recipe and the same recipients, the body
 * replaced. The API renders it for the officer to see; the approval carries it and its hash.
 */
export async function amendLetterPlan(
  db: Db,
  plan: LetterPlan,
  where: { schoolId: string; pupilId: string; channel: Channel },
  amendedText: string,
  options: ComposeOptions = {},
): Promise<LetterPlan> {
  const redone = await buildLetterPlan(
    db,
    { ...where, kind: plan.kind, recipe: plan.recipe, amendedText },
    options,
  );
  return { ...redone, recipients: plan.recipients, hash: planHash(redone.content, plan.recipients) };
}
