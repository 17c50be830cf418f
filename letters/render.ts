// Rendering a letter: template + merge (+ the team's amended text) -> subject, plain text and HTML.
// Pure and deterministic: the API previews a letter with exactly this function and these inputs,
// and the send activity calls it the same way, so what the team approved is what the family gets.
import Mustache from 'mustache';
import type { LetterMerge } from './merge';
import type { LetterTemplate } from './templates';

/** One block of a letter's body. */
export type LetterBlock = { type: 'paragraph'; text: string } | { type: 'list'; items: string[] };

export interface RenderedLetter {
  templateId: string;
  subject: string;
  /** "Dear Sara Khan and Tom Khan," */
  salutation: string;
  /** The merged body (Markdown subset), or the amended text as the team wrote it. */
  body: string;
  blocks: LetterBlock[];
  signOff: string;
  /** Signature lines: name, role, school. */
  signature: string[];
  /** The whole letter as plain text (email text part, evidence). */
  text: string;
  /** The whole letter as an HTML fragment-document (email HTML part, preview). */
  html: string;
  amended: boolean;
}

export interface RenderLetterInput {
  template: LetterTemplate;
  merge: LetterMerge;
  /** Replaces the template's body, taken as written (no merge fields are expanded in it). */
  amendedText?: string;
}

// Templates produce text, not HTML: escaping happens once, when the text becomes HTML.
const noEscape = { escape: (value: unknown) => String(value) };

/** A template that mustache cannot parse (e.g. an unclosed `{{#section}}` in a school's own wording). */
export class TemplateError extends Error {
  constructor(
    readonly templateId: string,
    cause: unknown,
  ) {
    super(
      `template ${templateId} cannot be rendered: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'TemplateError';
  }
}

export function mergeText(template: string, merge: LetterMerge): string {
  return Mustache.render(template, merge, {}, noEscape);
}

/** Problems with a template's syntax, for the API to refuse a bad override before it is saved. */
export function templateProblems(t: { subject: string; body: string }): string[] {
  const problems: string[] = [];
  for (const [field, text] of [
    ['subject', t.subject],
    ['body', t.body],
  ] as const) {
    try {
      Mustache.parse(text);
    } catch (err) {
      problems.push(`${field}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return problems;
}

export function renderLetter(input: RenderLetterInput): RenderedLetter {
  try {
    return renderLetterUnchecked(input);
  } catch (err) {
    throw new TemplateError(input.template.id, err);
  }
}

function renderLetterUnchecked({ template, merge, amendedText }: RenderLetterInput): RenderedLetter {
  const amended = amendedText !== undefined && amendedText.trim() !== '';
  const subject = collapseSpaces(mergeText(template.subject, merge));
  const body = normaliseBody(amended ? amendedText! : mergeText(template.body, merge));
  const blocks = parseBlocks(body);
  const salutation = `Dear ${merge.carerNames},`;
  const signOff = 'Yours sincerely,';
  const signature = [merge.staff.name, merge.staff.role, merge.school.name].filter((s) => s.trim() !== '');
  const text = [
    merge.today,
    '',
    salutation,
    '',
    blocks.map(blockText).join('\n\n'),
    '',
    signOff,
    '',
    ...signature,
  ].join('\n');
  const html = [
    '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.5; color: #111; max-width: 42em">',
    `<p style="font-weight: bold; font-size: 17px">${escapeHtml(merge.school.name)}</p>`,
    `<p>${escapeHtml(merge.today)}</p>`,
    `<p><strong>${escapeHtml(subject)}</strong></p>`,
    `<p>${escapeHtml(salutation)}</p>`,
    ...blocks.map(blockHtml),
    `<p>${escapeHtml(signOff)}</p>`,
    `<p>${signature.map(escapeHtml).join('<br>')}</p>`,
    '</body></html>',
  ].join('\n');
  return {
    templateId: template.id,
    subject,
    salutation,
    body,
    blocks,
    signOff,
    signature,
    text,
    html,
    amended,
  };
}

export interface RenderedMessage {
  templateId: string;
  subject: string;
  text: string;
  amended: boolean;
}

/** A short message (a school-app note, a text): the merged body as plain text, no letter layout. */
export function renderMessage({ template, merge, amendedText }: RenderLetterInput): RenderedMessage {
  const amended = amendedText !== undefined && amendedText.trim() !== '';
  const text = parseBlocks(normaliseBody(amended ? amendedText! : mergeText(template.body, merge)))
    .map(blockText)
    .join('\n\n');
  return {
    templateId: template.id,
    subject: collapseSpaces(mergeText(template.subject, merge)),
    text,
    amended,
  };
}

// ---------------------------------------------------------------------------------------------
// The Markdown subset: blank-line separated paragraphs, `- ` / `* ` bullet lists, `**bold**`.

function normaliseBody(s: string): string {
  return s.replace(/\r\n?/g, '\n').trim();
}

export function parseBlocks(body: string): LetterBlock[] {
  const blocks: LetterBlock[] = [];
  for (const chunk of body.split(/\n\s*\n/)) {
    const lines = chunk
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    if (lines.length === 0) continue;
    let para: string[] = [];
    let list: string[] = [];
    const flushPara = () => {
      if (para.length) blocks.push({ type: 'paragraph', text: para.join(' ') });
      para = [];
    };
    const flushList = () => {
      if (list.length) blocks.push({ type: 'list', items: list });
      list = [];
    };
    for (const line of lines) {
      const bullet = /^[-*•]\s+(.*)$/.exec(line);
      if (bullet) {
        flushPara();
        list.push(bullet[1]!);
      } else if (list.length && /^\s/.test(line)) {
        list[list.length - 1] += ` ${line}`;
      } else {
        flushList();
        para.push(line);
      }
    }
    flushPara();
    flushList();
  }
  return blocks;
}

/** Text without the Markdown markers (`**`). */
export function plainInline(s: string): string {
  return s.replace(/\*\*(.+?)\*\*/g, '$1');
}

function blockText(b: LetterBlock): string {
  return b.type === 'paragraph' ? plainInline(b.text) : b.items.map((i) => `- ${plainInline(i)}`).join('\n');
}

function inlineHtml(s: string): string {
  return escapeHtml(s).replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');
}

function blockHtml(b: LetterBlock): string {
  return b.type === 'paragraph'
    ? `<p>${inlineHtml(b.text)}</p>`
    : `<ul>\n${b.items.map((i) => `<li>${inlineHtml(i)}</li>`).join('\n')}\n</ul>`;
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function collapseSpaces(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
