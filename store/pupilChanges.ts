// Changes to who gets letters: a parent's contact details (name, email, phone, postal address and
// postcode) and the safeguarding flags (child protection, looked after, child in need). Each change
// is kept with its old and new values, the import that brought it and who ran it
// (docs/contact-changes.md). Where the school turns on the second approval, a change waits
// ('pending') and `pupils` keeps the old value, so letters, messages and calls go on using it until
// a different manager or administrator approves. A safeguarding flag newly set takes effect at once
// (it holds automatic letters); only a flag taken off, or a contact detail changed, waits.
import { SAFEGUARDING_FLAGS, type SafeguardingFlag } from '../domain/types';
import type { Db } from './db';
import type { Contact } from './validate';

/** Child protection, looked after, child in need: the flags that hold automatic letters. */

const CONTACT_PARTS = ['name', 'email', 'phone', 'address', 'postcode'] as const;
const CONTACT_FIELD_RE = /^contact(\d+)_(name|email|phone|address|postcode)$/;

/** A contact's part as one text value: an address's lines joined by new lines (split again below). */
function partValue(c: Contact, part: (typeof CONTACT_PARTS)[number]): string {
  if (part === 'address') return (c.address ?? []).join('\n').trim();
  return (c[part] ?? '').trim();
}

export type ChangeStatus = 'applied' | 'pending' | 'approved' | 'rejected' | 'superseded';

/** Who made a change: an account, or the command line (role 'cli', with its operating-system user). */
export interface ChangeActor {
  userId: string | null;
  role: string;
  osUser?: string | null;
}

/** The system itself (the demo school's seeding, tests that import straight into the store). */
export const SYSTEM_ACTOR: ChangeActor = { userId: null, role: 'system' };

/** The part of a pupil these changes concern. */
export interface WatchedState {
  flags: readonly string[];
  contacts: readonly Contact[];
}

/** Field name -> value: `contact1_email`, `flag_cp` ('yes'/'no'), as the roster's columns say them. */
export function watchedValues(state: WatchedState): Map<string, string | null> {
  const values = new Map<string, string | null>();
  state.contacts.forEach((c, i) => {
    for (const part of CONTACT_PARTS) {
      const v = partValue(c, part);
      values.set(`contact${i + 1}_${part}`, v === '' ? null : v);
    }
  });
  for (const flag of SAFEGUARDING_FLAGS)
    values.set(`flag_${flag}`, state.flags.includes(flag) ? 'yes' : 'no');
  return values;
}

function fieldOrder(a: string, b: string): number {
  const rank = (f: string) => {
    const m = CONTACT_FIELD_RE.exec(f);
    return m
      ? Number(m[1]) * 10 + CONTACT_PARTS.indexOf(m[2] as 'name')
      : 1_000_000 + SAFEGUARDING_FLAGS.indexOf(f.slice('flag_'.length) as SafeguardingFlag);
  };
  return rank(a) - rank(b);
}

/** One change to record. */
export interface FieldChange {
  field: string;
  oldValue: string | null;
  newValue: string | null;
}

export interface PendingChange {
  id: string;
  field: string;
  oldValue: string | null;
  newValue: string | null;
}

export interface ChangePlan {
  /** What the pupil's row is to hold now: the incoming values, less the changes held back. */
  effective: WatchedState;
  /** Changes in force at once. */
  applied: FieldChange[];
  /** Changes waiting for a second person. */
  held: FieldChange[];
  /** Waiting changes a new value (or the old one back) replaces. */
  superseded: string[];
}

/**
 * Compares a pupil's values in force with an import's, field by field. With `hold` (the school's
 * second approval on), changed contact details and flags taken off are held back; a flag newly set
 * is applied at once either way. A change already waiting with the same new value is left waiting.
 */
export function planChanges(
  current: WatchedState,
  incoming: WatchedState,
  pending: ReadonlyMap<string, PendingChange>,
  hold: boolean,
): ChangePlan {
  const before = watchedValues(current);
  const after = watchedValues(incoming);
  const fields = [...new Set([...before.keys(), ...after.keys()])].sort(fieldOrder);
  const plan: ChangePlan = { effective: incoming, applied: [], held: [], superseded: [] };
  const inForce = new Map<string, string | null>();
  for (const field of fields) {
    const oldValue = before.get(field) ?? null;
    const newValue = after.get(field) ?? null;
    const waiting = pending.get(field);
    if (oldValue === newValue) {
      // The file agrees with what is in force: whatever was waiting is no longer asked for.
      if (waiting) plan.superseded.push(waiting.id);
      continue;
    }
    const flagSet = field.startsWith('flag_') && newValue === 'yes';
    if (hold && !flagSet) {
      inForce.set(field, oldValue);
      // Already waiting, made from the value in force: left as it is (not asked twice).
      if (waiting && waiting.newValue === newValue && waiting.oldValue === oldValue) continue;
      if (waiting) plan.superseded.push(waiting.id);
      plan.held.push({ field, oldValue, newValue });
    } else {
      if (waiting) plan.superseded.push(waiting.id);
      plan.applied.push({ field, oldValue, newValue });
    }
  }
  if (inForce.size > 0) plan.effective = withValues(incoming, inForce);
  return plan;
}

/** `state` with some fields set to the values given (a contact detail, or a flag 'yes'/'no'). */
export function withValues(state: WatchedState, values: ReadonlyMap<string, string | null>): WatchedState {
  const contacts: Contact[] = state.contacts.map((c) => ({ ...c }));
  const flags = [...state.flags];
  for (const [field, value] of values) {
    const contact = CONTACT_FIELD_RE.exec(field);
    if (contact) {
      const i = Number(contact[1]) - 1;
      while (contacts.length <= i) contacts.push({ name: '', email: null, phone: null });
      const part = contact[2] as (typeof CONTACT_PARTS)[number];
      const c = contacts[i]!;
      if (part === 'name') c.name = value ?? '';
      else if (part === 'email' || part === 'phone') c[part] = value;
      else if (part === 'address') {
        if (value) c.address = value.split('\n');
        else delete c.address;
      } else if (value) c.postcode = value;
      else delete c.postcode;
      continue;
    }
    const flag = field.slice('flag_'.length);
    const has = flags.includes(flag);
    if (value === 'yes' && !has) flags.push(flag);
    if (value === 'no' && has) flags.splice(flags.indexOf(flag), 1);
  }
  // A contact left with nothing at the end of the list is gone (as the roster would say it).
  while (contacts.length > 0) {
    const last = contacts.at(-1)!;
    if (last.name.trim() !== '' || last.email || last.phone || last.address?.length || last.postcode) break;
    contacts.pop();
  }
  return { flags, contacts };
}

/** The changes waiting for the given pupils: pupil id -> field -> change. */
export async function pendingChangesOf(
  db: Db,
  pupilIds: readonly string[],
): Promise<Map<string, Map<string, PendingChange>>> {
  const byPupil = new Map<string, Map<string, PendingChange>>();
  if (pupilIds.length === 0) return byPupil;
  const { rows } = await db.query<{
    id: string;
    pupil_id: string;
    field: string;
    old_value: string | null;
    new_value: string | null;
  }>(
    `SELECT id::text AS id, pupil_id::text AS pupil_id, field, old_value, new_value FROM pupil_changes
      WHERE status = 'pending' AND pupil_id = ANY($1::uuid[])`,
    [pupilIds],
  );
  for (const r of rows) {
    let fields = byPupil.get(r.pupil_id);
    if (!fields) byPupil.set(r.pupil_id, (fields = new Map()));
    fields.set(r.field, { id: r.id, field: r.field, oldValue: r.old_value, newValue: r.new_value });
  }
  return byPupil;
}

export interface ChangeToRecord extends FieldChange {
  pupilId: string;
  status: 'applied' | 'pending';
}

/** Records changes (one row per field) and marks the waiting changes they replace as superseded. */
export async function recordChanges(
  db: Db,
  schoolId: string,
  changes: readonly ChangeToRecord[],
  superseded: readonly string[],
  by: { importId: string | null; actor: ChangeActor },
): Promise<void> {
  if (superseded.length > 0) {
    await db.query(
      `UPDATE pupil_changes SET status = 'superseded', decided_at = now(), decided_by = $2::uuid, decided_by_role = $3
        WHERE id = ANY($1::bigint[]) AND status = 'pending'`,
      [superseded, by.actor.userId, by.actor.role],
    );
  }
  if (changes.length === 0) return;
  await db.query(
    `INSERT INTO pupil_changes (school_id, pupil_id, field, old_value, new_value, import_id, changed_by,
                                changed_by_role, changed_by_os_user, status)
     SELECT $1, t.pupil_id, t.field, t.old_value, t.new_value, $2::uuid, $3::uuid, $4, $5, t.status
       FROM unnest($6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[])
            AS t(pupil_id, field, old_value, new_value, status)`,
    [
      schoolId,
      by.importId,
      by.actor.userId,
      by.actor.role,
      by.actor.osUser ?? null,
      changes.map((c) => c.pupilId),
      changes.map((c) => c.field),
      changes.map((c) => c.oldValue),
      changes.map((c) => c.newValue),
      changes.map((c) => c.status),
    ],
  );
}

// ---------------------------------------------------------------------------------------------
// Reading and deciding

export interface PupilChange {
  id: string;
  schoolId: string;
  pupilId: string;
  pupil: { upn: string; givenName: string; familyName: string };
  field: string;
  oldValue: string | null;
  newValue: string | null;
  importId: string | null;
  changedBy: { userId: string | null; name: string | null; role: string; osUser: string | null };
  changedAt: string;
  status: ChangeStatus;
  decidedBy: { userId: string | null; name: string | null; role: string | null } | null;
  decidedAt: string | null;
  decisionNote: string | null;
}

interface ChangeRow {
  id: string;
  school_id: string;
  pupil_id: string;
  upn: string;
  given_name: string;
  family_name: string;
  field: string;
  old_value: string | null;
  new_value: string | null;
  import_id: string | null;
  changed_by: string | null;
  changed_by_name: string | null;
  changed_by_role: string;
  changed_by_os_user: string | null;
  changed_at: string;
  status: ChangeStatus;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_by_role: string | null;
  decided_at: string | null;
  decision_note: string | null;
}

const CHANGE_SELECT = `SELECT c.id::text AS id, c.school_id, c.pupil_id::text AS pupil_id, p.upn, p.given_name,
    p.family_name, c.field, c.old_value, c.new_value, c.import_id::text AS import_id,
    c.changed_by::text AS changed_by, cu.display_name AS changed_by_name, c.changed_by_role,
    c.changed_by_os_user, c.changed_at::text AS changed_at, c.status, c.decided_by::text AS decided_by,
    du.display_name AS decided_by_name, c.decided_by_role, c.decided_at::text AS decided_at, c.decision_note
  FROM pupil_changes c JOIN pupils p ON p.id = c.pupil_id
  LEFT JOIN users cu ON cu.id = c.changed_by LEFT JOIN users du ON du.id = c.decided_by`;

function toChange(r: ChangeRow): PupilChange {
  return {
    id: r.id,
    schoolId: r.school_id,
    pupilId: r.pupil_id,
    pupil: { upn: r.upn, givenName: r.given_name, familyName: r.family_name },
    field: r.field,
    oldValue: r.old_value,
    newValue: r.new_value,
    importId: r.import_id,
    changedBy: {
      userId: r.changed_by,
      name: r.changed_by_name,
      role: r.changed_by_role,
      osUser: r.changed_by_os_user,
    },
    changedAt: r.changed_at,
    status: r.status,
    decidedBy:
      r.decided_at === null
        ? null
        : { userId: r.decided_by, name: r.decided_by_name, role: r.decided_by_role },
    decidedAt: r.decided_at,
    decisionNote: r.decision_note,
  };
}

/** Leaves out the safeguarding flags, for those the school does not let see them (api/auth/safeguarding.ts). */
const NO_FLAGS = ` AND c.field NOT LIKE 'flag%'`;

/** A school's changes with the given status (default: those waiting), oldest first. */
export async function listSchoolChanges(
  db: Db,
  schoolId: string,
  options: { status?: ChangeStatus; limit?: number; offset?: number; withFlags?: boolean } = {},
): Promise<{ total: number; changes: PupilChange[] }> {
  const status = options.status ?? 'pending';
  const flags = options.withFlags === false ? NO_FLAGS : '';
  const total = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pupil_changes c WHERE c.school_id = $1 AND c.status = $2${flags}`,
    [schoolId, status],
  );
  const { rows } = await db.query<ChangeRow>(
    `${CHANGE_SELECT} WHERE c.school_id = $1 AND c.status = $2${flags} ORDER BY c.id LIMIT $3 OFFSET $4`,
    [schoolId, status, options.limit ?? 200, options.offset ?? 0],
  );
  return { total: total.rows[0]?.n ?? 0, changes: rows.map(toChange) };
}

/** Every change to a pupil's contacts and safeguarding flags (`withFlags: false`: contacts only), newest first. */
export async function pupilChangeHistory(
  db: Db,
  pupilId: string,
  options: { withFlags?: boolean } = {},
): Promise<PupilChange[]> {
  const flags = options.withFlags === false ? NO_FLAGS : '';
  const { rows } = await db.query<ChangeRow>(
    `${CHANGE_SELECT} WHERE c.pupil_id = $1::uuid${flags} ORDER BY c.id DESC`,
    [pupilId],
  );
  return rows.map(toChange);
}

export async function getChange(db: Db, changeId: string): Promise<PupilChange | null> {
  if (!/^\d{1,18}$/.test(changeId)) return null;
  const { rows } = await db.query<ChangeRow>(`${CHANGE_SELECT} WHERE c.id = $1::bigint`, [changeId]);
  return rows[0] ? toChange(rows[0]) : null;
}

export type Decision = 'approve' | 'reject';

export type DecideOutcome =
  | { ok: true; change: PupilChange }
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'own-change' }
  | { ok: false; reason: 'decided'; change: PupilChange }
  | { ok: false; reason: 'stale'; change: PupilChange };

/**
 * Approves (the new value is put in force) or rejects (the old value stays) a waiting change, once.
 * The person who made the change cannot approve it. Takes the school's import lock, so a decision
 * and an import of the same school never interleave. `maySee` says whether the decider may see the
 * change (its school; for a flag, the school's safeguarding flags): if not, it is answered as not found.
 */
export async function decideChange(
  db: Db,
  input: {
    changeId: string;
    decision: Decision;
    by: { userId: string; role: string };
    note?: string | null;
    maySee: (change: PupilChange) => boolean;
  },
): Promise<DecideOutcome> {
  const found = await getChange(db, input.changeId);
  if (!found || !input.maySee(found)) return { ok: false, reason: 'not-found' };
  return db.transaction(async (tx) => {
    // The same lock as an import of the school (store/imports.ts).
    await tx.query('SELECT pg_advisory_xact_lock(7243003, hashtext($1))', [found.schoolId]);
    const { rows } = await tx.query<{ status: ChangeStatus }>(
      'SELECT status FROM pupil_changes WHERE id = $1::bigint FOR UPDATE',
      [input.changeId],
    );
    const change = (await getChange(tx, input.changeId))!;
    if (rows[0]?.status !== 'pending') return { ok: false, reason: 'decided', change };
    if (input.decision === 'approve' && change.changedBy.userId === input.by.userId)
      return { ok: false, reason: 'own-change' };
    if (input.decision === 'approve') {
      const pupil = await tx.query<{ flags: string[]; contacts: Contact[] }>(
        'SELECT flags, contacts FROM pupils WHERE id = $1::uuid FOR UPDATE',
        [change.pupilId],
      );
      const current = { flags: pupil.rows[0]?.flags ?? [], contacts: pupil.rows[0]?.contacts ?? [] };
      const inForce = watchedValues(current).get(change.field) ?? null;
      // In force is no longer what the change was made from: deciding it would undo something else.
      if (inForce !== change.oldValue) return { ok: false, reason: 'stale', change };
      const next = withValues(current, new Map([[change.field, change.newValue]]));
      await tx.query(
        `UPDATE pupils SET flags = ARRAY(SELECT jsonb_array_elements_text($2::text::jsonb)),
                contacts = $3::text::jsonb, updated_at = now() WHERE id = $1::uuid`,
        [change.pupilId, JSON.stringify(next.flags), JSON.stringify(next.contacts)],
      );
    }
    await tx.query(
      `UPDATE pupil_changes SET status = $2, decided_by = $3::uuid, decided_by_role = $4, decided_at = now(),
              decision_note = $5 WHERE id = $1::bigint`,
      [
        input.changeId,
        input.decision === 'approve' ? 'approved' : 'rejected',
        input.by.userId,
        input.by.role,
        input.note?.trim() || null,
      ],
    );
    return { ok: true, change: (await getChange(tx, input.changeId))! };
  });
}
