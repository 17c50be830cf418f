// The audit log read as sentences ("approved Warning Letter 1 for Amira Khan"), for the people who
// read it: a head teacher, a council's attendance lead. The entries themselves keep ids only (the
// log must not become a copy of the data it protects); names are looked up as the log is read, for a
// reader who may see those pupils (the log is already limited to the reader's schools).
import type { AuditEntry } from '../auth/audit';
import { DECISION_NOT_APPLIED } from '../auth/auditedDecision';
import type { Db } from '../../store/db';

export interface ReadableAuditEntry extends AuditEntry {
  /** What happened, in a sentence without its subject ("approved Warning Letter 1"). */
  sentence: string;
  /** The pupil it was about, when it was about one. */
  pupilName: string | null;
}

/** "warning-letter-1" -> "Warning letter 1": for entries written before their step's title was kept. */
const humanise = (id: unknown): string => {
  const s = String(id ?? 'a step').replace(/[-_]+/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
};
const quoted = (v: unknown) => (typeof v === 'string' && v ? v : null);
const stepOf = (d: Record<string, unknown>) => quoted(d.title) ?? humanise(d.stepId);
const words = (camel: string) => camel.replace(/([A-Z])/g, ' $1').toLowerCase();

export function sentenceFor(e: AuditEntry): string {
  const d = e.details;
  const [area, verb] = [e.action.split('.')[0], e.action.split('.').slice(1).join('.')];
  switch (area) {
    case 'approval':
      return verb === 'approve'
        ? `approved ${stepOf(d)}${d.amendedText ? ' (as amended)' : ''}`
        : verb === 'reject'
          ? `rejected ${stepOf(d)}, with a reason`
          : `amended and approved ${stepOf(d)}`;
    case 'case':
      if (e.action === DECISION_NOT_APPLIED)
        return `had a decision not applied by the case${quoted(d.why) ? `: ${String(d.why)}` : ''}`;
      if (e.action.startsWith('case.event.'))
        return d.outcome
          ? `recorded “${words(String(d.outcome))}”${d.on ? ` on ${d.on}` : ''}`
          : `${verb.replace('event.', '') === 'note' ? 'added a note' : `${verb.replace('event.', '')}d the case`}`;
      if (e.action.startsWith('case.task.'))
        return `recorded “${words(verb.replace('task.', ''))}” for a ${words(String(d.kind ?? 'task'))}`;
      return words(verb);
    case 'task':
      return verb === 'assign' ? 'gave a task to a person in the team' : 'gave a task back to the team';
    case 'penaltyNotice':
      return verb === 'request'
        ? 'requested a penalty notice from the council'
        : `recorded a penalty notice ${words(String(d.outcome ?? verb))}`;
    case 'evidence':
      return `${verb === 'generate' ? 'drafted' : verb === 'approve' ? 'approved' : verb === 'export' ? 'exported' : 'downloaded'} an evidence pack`;
    case 'letter':
      return verb === 'post-batch'
        ? `printed the day’s post${typeof d.letters === 'number' ? ` (${d.letters} letter${d.letters === 1 ? '' : 's'})` : ''}`
        : verb === 'post-copies'
          ? 'printed a letter’s copies for the post'
          : 'downloaded a letter as sent';
    case 'outbox':
      return `sent held mail${typeof d.sent === 'number' ? ` (${d.sent} messages)` : ''}`;
    case 'safeguarding':
      return `saw safeguarding flags${Array.isArray(d.pupilIds) ? ` of ${d.pupilIds.length} pupil${d.pupilIds.length === 1 ? '' : 's'}` : ''}`;
    case 'import':
      return verb === 'succeeded' ? 'imported files' : 'had an import refused';
    case 'contactChange':
      return `${verb === 'approve' ? 'approved' : 'rejected'} a change to a parent’s contact details or a flag`;
    case 'return':
      return verb === 'export'
        ? 'downloaded a return'
        : verb === 'first-day-call'
          ? 'recorded a first-day call'
          : 'recorded a roll enquiry';
    case 'user':
      return (
        {
          create: 'created an account',
          update: 'changed an account',
          setup_link: 'made a set-up link',
          password_set: 'set their password',
          password_changed: 'changed their password',
        }[verb] ?? words(verb)
      );
    case 'auth':
      return (
        {
          login: 'signed in',
          logout: 'signed out',
          login_failed: 'failed to sign in',
          login_throttled: 'was held back from signing in',
        }[verb] ?? verb
      );
    case 'policy':
      return `published policy version ${String(d.version ?? '')}`.trim();
    case 'school':
      return verb === 'safeguarding_roles'
        ? 'chose who sees safeguarding flags'
        : 'changed the school’s settings';
    case 'sweep':
      return 'ran the daily check';
    case 'demo':
      return 'imported the demo school';
    default:
      return e.action;
  }
}

/** The pupils the entries are about (by case or pupil), by entry id: one query for the page. */
export async function pupilNamesOf(db: Db, entries: AuditEntry[]): Promise<Map<number, string>> {
  const caseIds = entries.filter((e) => e.targetType === 'case' && e.targetId).map((e) => e.targetId!);
  const pupilIds = entries
    .filter((e) => e.targetType === 'pupil' && e.targetId && /^[0-9a-f-]{36}$/i.test(e.targetId))
    .map((e) => e.targetId!);
  const names = new Map<string, string>();
  if (caseIds.length) {
    const { rows } = await db.query<{ case_id: string; name: string }>(
      `SELECT c.case_id, p.given_name || ' ' || p.family_name AS name
       FROM cases c JOIN pupils p ON p.id = c.pupil_id WHERE c.case_id = ANY($1::text[])`,
      [[...new Set(caseIds)]],
    );
    for (const r of rows) names.set(`case:${r.case_id}`, r.name);
  }
  if (pupilIds.length) {
    const { rows } = await db.query<{ id: string; name: string }>(
      `SELECT id::text AS id, given_name || ' ' || family_name AS name FROM pupils WHERE id = ANY($1::uuid[])`,
      [[...new Set(pupilIds)]],
    );
    for (const r of rows) names.set(`pupil:${r.id}`, r.name);
  }
  const out = new Map<number, string>();
  for (const e of entries) {
    const name = names.get(`${e.targetType}:${e.targetId}`);
    if (name) out.set(e.id, name);
  }
  return out;
}

export async function readable(db: Db, entries: AuditEntry[]): Promise<ReadableAuditEntry[]> {
  const names = await pupilNamesOf(db, entries);
  return entries.map((e) => ({ ...e, sentence: sentenceFor(e), pupilName: names.get(e.id) ?? null }));
}
