// Letter and message templates: Markdown with mustache merge fields, one file per template id in
// policies/templates/<id>.md (the defaults), optionally overridden per school in `letter_templates`.
// A template id the policy names but nobody has written falls back to a generic template, so a new
// policy never crashes a case; the fallback is logged (ids only) and recorded on the letter.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { getLetterTemplateOverride } from '../store/caseServices';
import type { Db } from '../store/db';

export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL('../policies/templates/', import.meta.url));
export const GENERIC_LETTER_TEMPLATE = 'generic-letter';
export const GENERIC_MESSAGE_TEMPLATE = 'generic-message';

export type TemplateKind = 'letter' | 'message';

export interface LetterTemplate {
  id: string;
  kind: TemplateKind;
  subject: string;
  /** Markdown (paragraphs, `- ` bullet lists, `**bold**`) with mustache merge fields. */
  body: string;
  /**
   * Letters: `also` sends a paper copy by post to every parent with a postal address, as well as the
   * email (the formal warnings); otherwise (`whenNoEmail`, the default) only carers with no email
   * address get it on paper. A school's own wording keeps its default template's setting.
   */
  post?: TemplatePost;
  /**
   * Letters posted by GOV.UK Notify: the class of post (the school's Notify setting when absent).
   * The formal warnings go first class, so they arrive when the letter says.
   */
  postage?: 'first' | 'second';
}

export type TemplatePost = 'whenNoEmail' | 'also';

export interface ResolvedTemplate {
  template: LetterTemplate;
  /** Where it came from: the school's override, the default file, or the generic fallback. */
  source: 'school' | 'default' | 'fallback';
  requestedId: string;
}

const frontMatterSchema = z.object({
  subject: z.string().min(1),
  kind: z.enum(['letter', 'message']).default('letter'),
  post: z.enum(['whenNoEmail', 'also']).default('whenNoEmail'),
  postage: z.enum(['first', 'second']).optional(),
});

/** Parses `---\nsubject: ...\nkind: ...\n---\nbody`. */
export function parseTemplateFile(id: string, source: string): LetterTemplate {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(source);
  if (!m) throw new Error(`template ${id}: missing front matter (--- subject: ... ---)`);
  const meta = frontMatterSchema.safeParse(parseYaml(m[1]!));
  if (!meta.success) throw new Error(`template ${id}: ${meta.error.issues.map((i) => i.message).join('; ')}`);
  return {
    id,
    kind: meta.data.kind,
    subject: meta.data.subject,
    body: m[2]!.trim() + '\n',
    ...(meta.data.post === 'also' ? { post: meta.data.post } : {}),
    ...(meta.data.postage ? { postage: meta.data.postage } : {}),
  };
}

/** `name` or `family/name` (e.g. `bradford/school-letter-1`): lower-case words joined by hyphens. */
export const TEMPLATE_ID_RE = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)?$/;

const cache = new Map<string, LetterTemplate | null>();

/** The default template with this id from policies/templates, or null. Cached per process. */
export function loadDefaultTemplate(id: string, dir: string = DEFAULT_TEMPLATES_DIR): LetterTemplate | null {
  if (!TEMPLATE_ID_RE.test(id)) return null; // never a path outside the templates folder
  const key = `${dir}|${id}`;
  if (cache.has(key)) return cache.get(key)!;
  const file = `${dir}/${id}.md`;
  const template = existsSync(file) ? parseTemplateFile(id, readFileSync(file, 'utf8')) : null;
  cache.set(key, template);
  return template;
}

/** Every default template id (for docs, the API's template list and the coverage test). */
export function listDefaultTemplateIds(dir: string = DEFAULT_TEMPLATES_DIR): string[] {
  const ids: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.md')) ids.push(entry.name.slice(0, -3));
    if (entry.isDirectory()) {
      for (const f of readdirSync(`${dir}/${entry.name}`)) {
        if (f.endsWith('.md')) ids.push(`${entry.name}/${f.slice(0, -3)}`);
      }
    }
  }
  return ids.sort();
}

/**
 * The template a school uses for an id: its own override, else the default, else the generic
 * fallback for the kind asked for.
 */
export async function resolveTemplate(
  db: Db,
  schoolId: string,
  templateId: string,
  kind: TemplateKind,
  dir: string = DEFAULT_TEMPLATES_DIR,
): Promise<ResolvedTemplate> {
  const override = await getLetterTemplateOverride(db, schoolId, templateId);
  const fallbackKind = loadDefaultTemplate(templateId, dir)?.kind ?? kind;
  if (override) {
    const post = loadDefaultTemplate(templateId, dir)?.post;
    return {
      template: {
        id: templateId,
        kind: fallbackKind,
        subject: override.subject,
        body: override.body,
        ...(post ? { post } : {}),
      },
      source: 'school',
      requestedId: templateId,
    };
  }
  const def = loadDefaultTemplate(templateId, dir);
  if (def) return { template: def, source: 'default', requestedId: templateId };
  const genericId = kind === 'message' ? GENERIC_MESSAGE_TEMPLATE : GENERIC_LETTER_TEMPLATE;
  const generic = loadDefaultTemplate(genericId, dir);
  if (!generic) throw new Error(`the generic template ${genericId} is missing from ${dir}`);
  return { template: generic, source: 'fallback', requestedId: templateId };
}

/** The invitation used when a meeting step names no template. */
export const GENERIC_MEETING_TEMPLATE = 'generic-meeting-invite';
