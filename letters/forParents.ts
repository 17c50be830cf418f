// Can a parent read this? A check run on every rendered letter and message (tests and
// `npm run letters:docs`): no engine text, no ISO dates or two-decimal percentages, no number and
// noun that disagree, no unmerged fields, "sessions" explained once, and plain English by the Flesch
// reading-ease score (docs/letters-and-messaging.md says why the threshold is where it is).
import { flesch } from 'flesch';
import { syllable } from 'syllable';
import { SESSIONS_NOTE } from './merge';

/**
 * Flesch reading ease a letter's body must reach: 60 is "plain English" (easily understood by
 * 13- to 15-year-olds), the level the Plain English Campaign and councils' own letter guidance ask for.
 */
export const MIN_READING_EASE = 60;

export interface ParentCheckOptions {
  /** False when the case's story says no penalty notice is possible: the letter may not mention one. */
  penaltyPossible?: boolean;
  /** The local authority the letter may name; any other council named is a problem. */
  localAuthority?: string;
}

const ENGINE_TEXT: [RegExp, string][] = [
  [/\bstep \d+ of \d+\b/i, 'engine text: "step N of M"'],
  [
    /\((?:mandatory|advisory|statutory|universal|auto|team|manager)\)/i,
    'engine text: a stage qualifier in brackets',
  ],
  [/\b[a-z][\w-]*(?:\.[a-z][\w-]*)*\[\d+\]/i, 'engine text: a policy rule path'],
  [/\bstage-(?:one|two|three|four|five)\b|\b[a-z]+(?:-[a-z]+)+\/[a-z-]+\b/, 'engine text: an id'],
  [/[−-]?\d+(?:\.\d+)? points?\b/i, 'engine text: points'],
  [/\bimprovement needs\b/i, 'engine text: the improvement rule'],
  [/\b(?:no reason given|reason not yet provided)\)/i, 'engine text: a register-code explanation'],
  [/\((?:[A-Z]\d?)(?:\s*[,/]\s*[A-Z]\d?)*(?:,[^)]*)?\)/, 'engine text: register code letters in brackets'],
  [/\b(?:[a-z]+[A-Z][a-z]+)+\b/, 'engine text: a camelCase identifier'],
  [/\b\d{4}-\d{2}-\d{2}\b/, 'an ISO date (write "23 November 2026")'],
  [/\d+\.\d{2,}\s*%/, 'a percentage with two decimals (one decimal: "87.9%")'],
  [
    /\d+\.\d+\s*(?:days?|lessons?|sessions?)\b/i,
    'a decimal count (say "six and a half days", "about 32 lessons")',
  ],
  [/\{\{|\}\}/, 'an unmerged field ({{ or }})'],
  [/\bundefined\b|\bNaN\b|\[object /, 'a missing value'],
  [/\(\s*\)|\s[,.;:](?!\d)|\S {2,}\S/, 'a gap left by an empty field'],
];

const NOUNS = 'sessions?|days?|lessons?|weeks?|school weeks?|times|letters?|meetings?';

/** Problems a parent would notice or not understand; an empty list when the text reads well. */
export function problemsForParents(text: string, options: ParentCheckOptions = {}): string[] {
  const problems: string[] = [];
  for (const [re, what] of ENGINE_TEXT) {
    const m = re.exec(text);
    if (m) problems.push(`${what}: "${excerpt(text, m.index, m[0].length)}"`);
  }
  for (const m of text.matchAll(new RegExp(`\\b(?:1|one) (?:[a-z]+ )?(?:${NOUNS})\\b`, 'gi'))) {
    if (/(?:sessions|days|lessons|weeks|times|letters|meetings)$/i.test(m[0]))
      problems.push(`a plural after one: "${m[0]}"`);
  }
  for (const m of text.matchAll(
    /\b(?:[02-9]|\d{2,}|two|three|four|five|six|seven|eight|nine|ten) (?:[a-z]+ )?(session|day|lesson|week|letter|meeting)\b(?!s)/gi,
  )) {
    problems.push(`a singular after a number: "${m[0]}"`);
  }
  for (const m of text.matchAll(/\b(\w+)\s+\1\b/gi)) {
    if (!/^(?:had|that)$/i.test(m[1]!)) problems.push(`a word twice: "${m[0]}"`);
  }
  const explained = occurrences(text.toLowerCase(), SESSIONS_NOTE.toLowerCase().replace(/^a /, ''));
  const mentionsSessions = /\bsessions?\b/i.test(text.replace(new RegExp(escapeRe(SESSIONS_NOTE), 'gi'), ''));
  if (mentionsSessions && explained === 0)
    problems.push(`"sessions" is not explained (say once: "${SESSIONS_NOTE}")`);
  if (explained > 1) problems.push(`"sessions" is explained ${explained} times (once is enough)`);
  if (options.penaltyPossible === false) {
    const m = /penalty|prosecut|legal action|\bcourt\b|\ba fine\b|\bfined\b|section 444/i.exec(text);
    if (m) problems.push(`mentions "${m[0]}" though no penalty notice is possible for this family`);
  }
  const council = /\b(Bradford|Kirklees|Leeds|Stockton)\b(?: Council)?/.exec(text);
  if (council && !(options.localAuthority ?? '').includes(council[1]!))
    problems.push(`names a council that is not the school's: "${council[0]}"`);
  return problems;
}

/**
 * Flesch reading ease of a text (higher is easier; 60-70 is plain English). Each line, list item
 * and sentence counts as a sentence; numbers and dates count as words.
 */
export function readingEase(text: string): number {
  const sentences = text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => /[A-Za-z0-9]/.test(s));
  let words = 0;
  let syllables = 0;
  for (const s of sentences) {
    for (const w of s.match(/[A-Za-z][A-Za-z'’-]*|\d[\d,.]*%?/g) ?? []) {
      words++;
      syllables += /^\d/.test(w) ? Math.min(4, Math.max(1, w.replace(/\D/g, '').length)) : syllable(w);
    }
  }
  if (words === 0) return 100;
  return Math.round(flesch({ sentence: sentences.length, word: words, syllable: syllables }) * 10) / 10;
}

function occurrences(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function excerpt(text: string, index: number, length: number): string {
  return text.slice(Math.max(0, index - 20), index + length + 20).replace(/\s+/g, ' ');
}
