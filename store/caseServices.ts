// Queries for the tables a case's services write (migration 0010): letter templates, letters kept as
// evidence, the outbox, staff availability, meetings, staff tasks and school staff contacts.
// Every insert keyed by a workflow-generated id is `ON CONFLICT DO NOTHING`: a retried activity
// finds what the first attempt stored instead of making a second one.
import type { PostalAddress } from '../domain/postalAddress';
import type { IsoDate } from '../domain/types';
import type { Db } from './db';

// ---------------------------------------------------------------------------------------------
// Letter templates (per-school overrides)

export interface StoredLetterTemplate {
  schoolId: string;
  templateId: string;
  subject: string;
  body: string;
}

export async function getLetterTemplateOverride(
  db: Db,
  schoolId: string,
  templateId: string,
): Promise<StoredLetterTemplate | null> {
  if (db.memory) return db.memory.getLetterTemplateOverride(schoolId, templateId);
  const { rows } = await db.query<{ subject: string; body: string }>(
    'SELECT subject, body FROM letter_templates WHERE school_id = $1 AND template_id = $2',
    [schoolId, templateId],
  );
  const r = rows[0];
  return r ? { schoolId, templateId, subject: r.subject, body: r.body } : null;
}

export async function listLetterTemplateOverrides(db: Db, schoolId: string): Promise<StoredLetterTemplate[]> {
  const { rows } = await db.query<{ template_id: string; subject: string; body: string }>(
    'SELECT template_id, subject, body FROM letter_templates WHERE school_id = $1 ORDER BY template_id',
    [schoolId],
  );
  return rows.map((r) => ({ schoolId, templateId: r.template_id, subject: r.subject, body: r.body }));
}

export async function upsertLetterTemplate(db: Db, t: StoredLetterTemplate): Promise<void> {
  await db.query(
    `INSERT INTO letter_templates (school_id, template_id, subject, body) VALUES ($1, $2, $3, $4)
     ON CONFLICT (school_id, template_id) DO UPDATE
       SET subject = excluded.subject, body = excluded.body, updated_at = now()`,
    [t.schoolId, t.templateId, t.subject, t.body],
  );
}

export async function deleteLetterTemplate(db: Db, schoolId: string, templateId: string): Promise<void> {
  await db.query('DELETE FROM letter_templates WHERE school_id = $1 AND template_id = $2', [
    schoolId,
    templateId,
  ]);
}

// ---------------------------------------------------------------------------------------------
// Letters (evidence)

export interface LetterRecipient {
  contactIndex: number;
  name: string;
  channel: 'email' | 'sms' | 'none';
  /** The email address or phone number used (evidence of where the letter went). */
  address: string | null;
  outboxKey: string | null;
  /** A paper copy is posted to this carer (no email address, or a letter that goes by post too). */
  byPost?: boolean;
  /** Where the paper copy goes; null when the roster has no postal address (the office must find it). */
  postal?: PostalAddress | null;
}

/**
 * What a letter's printed copies are drawn from (letters/pdf.ts): the approved words and the
 * letterhead. Kept with the letter so each posted copy can be printed with its parent's address.
 */
export interface LetterLayout {
  parts: {
    subject: string;
    salutation: string;
    blocks: ({ type: 'paragraph'; text: string } | { type: 'list'; items: string[] })[];
    signOff: string;
    signature: string[];
  };
  letterhead: { schoolName: string; address?: string[]; dateText: string };
}

export interface LetterRecord {
  id: string;
  caseId: string;
  schoolId: string;
  pupilId: string;
  stageId: string;
  stepId: string;
  templateId: string;
  requestedTemplateId: string;
  channel: string;
  subject: string;
  bodyText: string;
  html: string;
  amended: boolean;
  sentOn: IsoDate;
  recipients: LetterRecipient[];
  createdAt: string;
}

export interface NewLetter extends Omit<LetterRecord, 'createdAt'> {
  pdf: Buffer;
  /** For posted copies (migration 0068); letters written before it have none. */
  layout?: LetterLayout | null;
}

interface LetterRow {
  id: string;
  case_id: string;
  school_id: string;
  pupil_id: string;
  stage_id: string;
  step_id: string;
  template_id: string;
  requested_template_id: string;
  channel: string;
  subject: string;
  body_text: string;
  html: string;
  amended: boolean;
  sent_on: string;
  recipients: LetterRecipient[];
  created_at: string;
}

const LETTER_COLUMNS = `id, case_id, school_id, pupil_id::text AS pupil_id, stage_id, step_id, template_id,
  requested_template_id, channel, subject, body_text, html, amended, sent_on::text AS sent_on, recipients,
  created_at::text AS created_at`;

function toLetter(r: LetterRow): LetterRecord {
  return {
    id: r.id,
    caseId: r.case_id,
    schoolId: r.school_id,
    pupilId: r.pupil_id,
    stageId: r.stage_id,
    stepId: r.step_id,
    templateId: r.template_id,
    requestedTemplateId: r.requested_template_id,
    channel: r.channel,
    subject: r.subject,
    bodyText: r.body_text,
    html: r.html,
    amended: r.amended,
    sentOn: r.sent_on,
    recipients: r.recipients ?? [],
    createdAt: r.created_at,
  };
}

/** Stores the letter unless one with this id exists; returns true when this call stored it. */
export async function insertLetter(db: Db, l: NewLetter): Promise<boolean> {
  if (db.memory) return db.memory.insertLetter(l);
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO letters (id, case_id, school_id, pupil_id, stage_id, step_id, template_id, requested_template_id,
                          channel, subject, body_text, html, pdf, amended, sent_on, recipients, layout)
     VALUES ($1, $2, $3, $4::uuid, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::date, $16::text::jsonb,
             $17::text::jsonb)
     ON CONFLICT (id) DO NOTHING
     RETURNING id`,
    [
      l.id,
      l.caseId,
      l.schoolId,
      l.pupilId,
      l.stageId,
      l.stepId,
      l.templateId,
      l.requestedTemplateId,
      l.channel,
      l.subject,
      l.bodyText,
      l.html,
      l.pdf,
      l.amended,
      l.sentOn,
      JSON.stringify(l.recipients),
      l.layout ? JSON.stringify(l.layout) : null,
    ],
  );
  return rows.length > 0;
}

export async function getLetter(db: Db, id: string): Promise<LetterRecord | null> {
  if (db.memory) return db.memory.getLetter(id);
  const { rows } = await db.query<LetterRow>(`SELECT ${LETTER_COLUMNS} FROM letters WHERE id = $1`, [id]);
  return rows[0] ? toLetter(rows[0]) : null;
}

export async function getLetterPdf(db: Db, id: string): Promise<Buffer | null> {
  if (db.memory) return db.memory.getLetterPdf(id);
  const { rows } = await db.query<{ pdf: Uint8Array }>('SELECT pdf FROM letters WHERE id = $1', [id]);
  return rows[0] ? toBuffer(rows[0].pdf) : null;
}

export async function listLettersForCase(db: Db, caseId: string): Promise<LetterRecord[]> {
  if (db.memory) return db.memory.listLettersForCase(caseId);
  const { rows } = await db.query<LetterRow>(
    `SELECT ${LETTER_COLUMNS} FROM letters WHERE case_id = $1 ORDER BY sent_on, created_at`,
    [caseId],
  );
  return rows.map(toLetter);
}

export async function listLettersForPupil(db: Db, pupilId: string): Promise<LetterRecord[]> {
  const { rows } = await db.query<LetterRow>(
    `SELECT ${LETTER_COLUMNS} FROM letters WHERE pupil_id = $1::uuid ORDER BY sent_on, created_at`,
    [pupilId],
  );
  return rows.map(toLetter);
}

// ---------------------------------------------------------------------------------------------
// Outbox

/** `post`: a copy printed and posted by a service (GOV.UK Notify), its addressed PDF attached. */
export type OutboxChannel = 'email' | 'sms' | 'app' | 'post';
export type OutboxStatus = 'queued' | 'sent' | 'failed' | 'held';

/** An attachment stored inline (base64) or by reference to a letter's PDF. */
export type OutboxAttachment =
  | { filename: string; contentType: string; base64: string }
  | { filename: string; contentType: string; letterId: string };

export interface NewOutboxMessage {
  idempotencyKey: string;
  schoolId: string;
  caseId?: string | null;
  channel: OutboxChannel;
  /** Email address, phone number or app address; null when none is known (the row is then held). */
  to: string | null;
  subject?: string;
  text: string;
  html?: string | null;
  attachments?: OutboxAttachment[];
  /** The letter / meeting / notification id this message belongs to. */
  ref?: string | null;
  /** A posted copy's class of post. */
  postage?: 'first' | 'second' | null;
}

export interface OutboxRecord {
  id: string;
  idempotencyKey: string;
  schoolId: string;
  caseId: string | null;
  channel: OutboxChannel;
  to: string | null;
  subject: string;
  text: string;
  html: string | null;
  attachments: OutboxAttachment[];
  ref: string | null;
  status: OutboxStatus;
  error: string | null;
  attempts: number;
  createdAt: string;
  sentAt: string | null;
  postage?: 'first' | 'second' | null;
  /** The delivery service's id and latest status, for a row sent through one (GOV.UK Notify). */
  provider?: { name: string; id: string; status: string | null; statusAt: string | null } | null;
}

interface OutboxRow {
  id: string;
  idempotency_key: string;
  school_id: string;
  case_id: string | null;
  channel: OutboxChannel;
  to_address: string | null;
  subject: string;
  body_text: string;
  html: string | null;
  attachments: OutboxAttachment[];
  ref: string | null;
  status: OutboxStatus;
  error: string | null;
  attempts: number;
  created_at: string;
  sent_at: string | null;
  postage?: 'first' | 'second' | null;
  provider?: string | null;
  provider_id?: string | null;
  provider_status?: string | null;
  provider_status_at?: string | null;
}

const OUTBOX_COLUMNS = `id::text AS id, idempotency_key, school_id, case_id, channel, to_address, subject, body_text,
  html, attachments, ref, status, error, attempts, created_at::text AS created_at, sent_at::text AS sent_at,
  postage, provider, provider_id, provider_status, provider_status_at::text AS provider_status_at`;

function toOutbox(r: OutboxRow): OutboxRecord {
  return {
    id: r.id,
    idempotencyKey: r.idempotency_key,
    schoolId: r.school_id,
    caseId: r.case_id,
    channel: r.channel,
    to: r.to_address,
    subject: r.subject,
    text: r.body_text,
    html: r.html,
    attachments: r.attachments ?? [],
    ref: r.ref,
    status: r.status,
    error: r.error,
    attempts: r.attempts,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    ...(r.postage ? { postage: r.postage } : {}),
    ...(r.provider && r.provider_id
      ? {
          provider: {
            name: r.provider,
            id: r.provider_id,
            status: r.provider_status ?? null,
            statusAt: r.provider_status_at ?? null,
          },
        }
      : {}),
  };
}

/** Inserts the message unless its key exists; returns the stored row either way (the first write wins). */
export async function insertOutbox(
  db: Db,
  m: NewOutboxMessage,
): Promise<{ row: OutboxRecord; inserted: boolean }> {
  if (db.memory) return db.memory.insertOutbox(m);
  const { rows } = await db.query<OutboxRow>(
    `INSERT INTO outbox (idempotency_key, school_id, case_id, channel, to_address, subject, body_text, html,
                         attachments, ref, postage)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb, $10, $11)
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING ${OUTBOX_COLUMNS}`,
    [
      m.idempotencyKey,
      m.schoolId,
      m.caseId ?? null,
      m.channel,
      m.to,
      m.subject ?? '',
      m.text,
      m.html ?? null,
      JSON.stringify(m.attachments ?? []),
      m.ref ?? null,
      m.postage ?? null,
    ],
  );
  if (rows[0]) return { row: toOutbox(rows[0]), inserted: true };
  const existing = await getOutboxByKey(db, m.idempotencyKey);
  if (!existing) throw new Error(`outbox row ${m.idempotencyKey} vanished after a conflicting insert`);
  return { row: existing, inserted: false };
}

export async function getOutboxByKey(db: Db, key: string): Promise<OutboxRecord | null> {
  if (db.memory) return db.memory.getOutboxByKey(key);
  const { rows } = await db.query<OutboxRow>(
    `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE idempotency_key = $1`,
    [key],
  );
  return rows[0] ? toOutbox(rows[0]) : null;
}

/**
 * Takes a short lease on an unsent row so two attempts never deliver it at once. Returns false when
 * the row is sent or another attempt holds an unexpired lease. A worker killed mid-delivery leaves a
 * lease that simply expires, and the next retry delivers.
 */
export async function claimOutbox(db: Db, key: string, leaseSeconds: number): Promise<boolean> {
  if (db.memory) return db.memory.claimOutbox(key, leaseSeconds);
  const { rows } = await db.query(
    `UPDATE outbox SET claimed_until = now() + make_interval(secs => $2), attempts = attempts + 1
     WHERE idempotency_key = $1 AND status <> 'sent' AND (claimed_until IS NULL OR claimed_until < now())
     RETURNING id`,
    [key, leaseSeconds],
  );
  return rows.length > 0;
}

export async function markOutboxSent(db: Db, key: string): Promise<void> {
  if (db.memory) return db.memory.markOutboxSent(key);
  await db.query(
    `UPDATE outbox SET status = 'sent', sent_at = now(), error = NULL, claimed_until = NULL
     WHERE idempotency_key = $1`,
    [key],
  );
}

/**
 * What a delivery service said when it took the row (its id and first status). Written before the
 * row is marked sent: a worker that dies between the two leaves the id, and the retry finds it.
 */
export async function recordProviderReceipt(
  db: Db,
  key: string,
  r: { provider: string; providerId: string; status: string },
): Promise<void> {
  if (db.memory) return; // a what-if sends through no delivery service
  await db.query(
    `UPDATE outbox SET provider = $2, provider_id = $3, provider_status = $4, provider_status_at = now()
     WHERE idempotency_key = $1`,
    [key, r.provider, r.providerId, r.status],
  );
}

export async function markOutboxFailed(db: Db, key: string, error: string): Promise<void> {
  if (db.memory) return db.memory.markOutboxFailed(key, error);
  await db.query(
    `UPDATE outbox SET status = 'failed', error = $2, claimed_until = NULL
     WHERE idempotency_key = $1 AND status <> 'sent'`,
    [key, error.slice(0, 1000)],
  );
}

export async function markOutboxHeld(db: Db, key: string, reason: string): Promise<void> {
  if (db.memory) return db.memory.markOutboxHeld(key, reason);
  await db.query(
    `UPDATE outbox SET status = 'held', error = $2 WHERE idempotency_key = $1 AND status <> 'sent'`,
    [key, reason],
  );
}

/** The school's outbox, newest first (the web app's "outbox" page shows held and failed messages). */
export async function listOutbox(
  db: Db,
  schoolId: string,
  filter: { status?: OutboxStatus; caseId?: string; limit?: number } = {},
): Promise<OutboxRecord[]> {
  if (db.memory) return db.memory.listOutbox(schoolId, filter);
  const { rows } = await db.query<OutboxRow>(
    `SELECT ${OUTBOX_COLUMNS} FROM outbox
     WHERE school_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR case_id = $3)
     ORDER BY created_at DESC, id DESC LIMIT $4`,
    [schoolId, filter.status ?? null, filter.caseId ?? null, filter.limit ?? 200],
  );
  return rows.map(toOutbox);
}

/** How many of these schools' outbox messages are at each status (null: every school). */
export async function countOutboxByStatus(
  db: Db,
  schoolIds: string[] | null,
): Promise<Record<OutboxStatus, number>> {
  const { rows } = await db.query<{ status: OutboxStatus; n: number }>(
    `SELECT status, count(*)::int AS n FROM outbox
     WHERE ($1::text[] IS NULL OR school_id = ANY($1::text[])) GROUP BY status`,
    [schoolIds],
  );
  const counts: Record<OutboxStatus, number> = { queued: 0, sent: 0, failed: 0, held: 0 };
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

/** Keys of rows not yet sent (held, failed or queued), oldest first: for a flush once a transport exists. */
export async function listUnsentOutboxKeys(
  db: Db,
  filter: { schoolId?: string; limit?: number } = {},
): Promise<string[]> {
  if (db.memory) return db.memory.listUnsentOutboxKeys(filter);
  const { rows } = await db.query<{ idempotency_key: string }>(
    `SELECT idempotency_key FROM outbox
     WHERE status <> 'sent' AND ($1::text IS NULL OR school_id = $1)
     ORDER BY created_at, id LIMIT $2`,
    [filter.schoolId ?? null, filter.limit ?? 500],
  );
  return rows.map((r) => r.idempotency_key);
}

// ---------------------------------------------------------------------------------------------
// Staff availability

export interface AvailabilityWindow {
  staffName: string;
  /** 1 = Monday .. 5 = Friday. */
  weekday: number;
  /** `HH:MM`, Europe/London wall time. */
  startTime: string;
  endTime: string;
  slotMinutes: number;
}

/** The default when a school has not set its own: the attendance officer, mornings and early afternoons. */
export const DEFAULT_AVAILABILITY: readonly Omit<AvailabilityWindow, 'weekday'>[] = [
  { staffName: 'Attendance Officer', startTime: '09:00', endTime: '12:00', slotMinutes: 30 },
  { staffName: 'Attendance Officer', startTime: '13:30', endTime: '15:00', slotMinutes: 30 },
];

/** Gives a school the default availability (Mon-Fri) unless it already has some. Returns rows added. */
export async function seedDefaultAvailability(db: Db, schoolId: string): Promise<number> {
  if (db.memory) return db.memory.seedDefaultAvailability(schoolId);
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM staff_availability WHERE school_id = $1',
      [schoolId],
    );
    if ((rows[0]?.n ?? 0) > 0) return 0;
    let added = 0;
    for (let weekday = 1; weekday <= 5; weekday++) {
      for (const w of DEFAULT_AVAILABILITY) {
        await tx.query(
          `INSERT INTO staff_availability (school_id, staff_name, weekday, start_time, end_time, slot_minutes)
           VALUES ($1, $2, $3, $4::time, $5::time, $6) ON CONFLICT DO NOTHING`,
          [schoolId, w.staffName, weekday, w.startTime, w.endTime, w.slotMinutes],
        );
        added++;
      }
    }
    return added;
  });
}

/** Replaces a school's availability. */
export async function setAvailability(
  db: Db,
  schoolId: string,
  windows: AvailabilityWindow[],
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('DELETE FROM staff_availability WHERE school_id = $1', [schoolId]);
    for (const w of windows) {
      await tx.query(
        `INSERT INTO staff_availability (school_id, staff_name, weekday, start_time, end_time, slot_minutes)
         VALUES ($1, $2, $3, $4::time, $5::time, $6)`,
        [schoolId, w.staffName, w.weekday, w.startTime, w.endTime, w.slotMinutes],
      );
    }
  });
}

export async function listAvailability(db: Db, schoolId: string): Promise<AvailabilityWindow[]> {
  if (db.memory) return db.memory.listAvailability(schoolId);
  const { rows } = await db.query<{
    staff_name: string;
    weekday: number;
    start_time: string;
    end_time: string;
    slot_minutes: number;
  }>(
    `SELECT staff_name, weekday, to_char(start_time, 'HH24:MI') AS start_time, to_char(end_time, 'HH24:MI') AS end_time,
            slot_minutes
     FROM staff_availability WHERE school_id = $1 ORDER BY weekday, start_time, staff_name`,
    [schoolId],
  );
  return rows.map((r) => ({
    staffName: r.staff_name,
    weekday: r.weekday,
    startTime: r.start_time,
    endTime: r.end_time,
    slotMinutes: r.slot_minutes,
  }));
}

// ---------------------------------------------------------------------------------------------
// Meetings

export type MeetingKind = 'meeting' | 'homeVisit';
export type MeetingStatus = 'booked' | 'attended' | 'missed' | 'cancelled';

export interface MeetingRecord {
  id: string;
  caseId: string;
  schoolId: string;
  pupilId: string;
  stageId: string;
  stepId: string;
  kind: MeetingKind;
  title: string;
  /** ISO date-time, UTC. */
  startsAt: string;
  endsAt: string;
  staffName: string;
  location: string;
  status: MeetingStatus;
}

interface MeetingRow {
  id: string;
  case_id: string;
  school_id: string;
  pupil_id: string;
  stage_id: string;
  step_id: string;
  kind: MeetingKind;
  title: string;
  starts_ms: number;
  ends_ms: number;
  staff_name: string;
  location: string;
  status: MeetingStatus;
}

// Epoch milliseconds: independent of the session time zone of either engine.
const MEETING_COLUMNS = `id, case_id, school_id, pupil_id::text AS pupil_id, stage_id, step_id, kind, title,
  (extract(epoch FROM starts_at) * 1000)::float8 AS starts_ms, (extract(epoch FROM ends_at) * 1000)::float8 AS ends_ms,
  staff_name, location, status`;

function toMeeting(r: MeetingRow): MeetingRecord {
  return {
    id: r.id,
    caseId: r.case_id,
    schoolId: r.school_id,
    pupilId: r.pupil_id,
    stageId: r.stage_id,
    stepId: r.step_id,
    kind: r.kind,
    title: r.title,
    startsAt: new Date(Number(r.starts_ms)).toISOString(),
    endsAt: new Date(Number(r.ends_ms)).toISOString(),
    staffName: r.staff_name,
    location: r.location,
    status: r.status,
  };
}

/**
 * Inside a transaction: holds the school's meeting book until it commits, so two cases booking at
 * once cannot take the same slot. The store in memory runs one transaction at a time already.
 */
export async function lockSchoolMeetings(tx: Db, schoolId: string): Promise<void> {
  if (tx.memory) return;
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`meetings:${schoolId}`]);
}

export async function getMeeting(db: Db, id: string): Promise<MeetingRecord | null> {
  if (db.memory) return db.memory.getMeeting(id);
  const { rows } = await db.query<MeetingRow>(`SELECT ${MEETING_COLUMNS} FROM meetings WHERE id = $1`, [id]);
  return rows[0] ? toMeeting(rows[0]) : null;
}

export async function listMeetingsForCase(db: Db, caseId: string): Promise<MeetingRecord[]> {
  if (db.memory) return db.memory.listMeetingsForCase(caseId);
  const { rows } = await db.query<MeetingRow>(
    `SELECT ${MEETING_COLUMNS} FROM meetings WHERE case_id = $1 ORDER BY starts_at`,
    [caseId],
  );
  return rows.map(toMeeting);
}

/** Meetings that hold a staff slot (not cancelled) overlapping [from, to). */
export async function listBusyMeetings(
  db: Db,
  schoolId: string,
  from: Date,
  to: Date,
): Promise<MeetingRecord[]> {
  if (db.memory) return db.memory.listBusyMeetings(schoolId, from, to);
  const { rows } = await db.query<MeetingRow>(
    `SELECT ${MEETING_COLUMNS} FROM meetings
     WHERE school_id = $1 AND status <> 'cancelled' AND starts_at < $3::timestamptz AND ends_at > $2::timestamptz
     ORDER BY starts_at`,
    [schoolId, from.toISOString(), to.toISOString()],
  );
  return rows.map(toMeeting);
}

export async function insertMeeting(db: Db, m: Omit<MeetingRecord, 'status'>): Promise<boolean> {
  if (db.memory) return db.memory.insertMeeting(m);
  const { rows } = await db.query(
    `INSERT INTO meetings (id, case_id, school_id, pupil_id, stage_id, step_id, kind, title, starts_at, ends_at,
                           staff_name, location)
     VALUES ($1, $2, $3, $4::uuid, $5, $6, $7, $8, $9::timestamptz, $10::timestamptz, $11, $12)
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [
      m.id,
      m.caseId,
      m.schoolId,
      m.pupilId,
      m.stageId,
      m.stepId,
      m.kind,
      m.title,
      m.startsAt,
      m.endsAt,
      m.staffName,
      m.location,
    ],
  );
  return rows.length > 0;
}

export async function setMeetingStatus(
  db: Db,
  id: string,
  status: MeetingStatus,
): Promise<MeetingRecord | null> {
  if (db.memory) return db.memory.setMeetingStatus(id, status);
  const { rows } = await db.query<MeetingRow>(
    `UPDATE meetings SET status = $2, updated_at = now() WHERE id = $1 RETURNING ${MEETING_COLUMNS}`,
    [id, status],
  );
  return rows[0] ? toMeeting(rows[0]) : null;
}

// ---------------------------------------------------------------------------------------------
// Staff tasks

export interface StaffTaskRecord {
  id: string;
  caseId: string;
  schoolId: string;
  pupilId: string;
  stageId: string;
  stepId: string;
  kind: string;
  title: string;
  dueOn: IsoDate;
  notes: string | null;
  status: 'open' | 'done';
  createdAt: string;
  completedAt: string | null;
  /** Who the task is for: a user id, or 'team' / 'manager' for anyone in that role. */
  owner: string | null;
  /** The outcome recorded when it was done (an id from domain/taskOutcomes.ts), and a note. */
  outcome: string | null;
  outcomeNote: string | null;
  /** The user who recorded the outcome, and the school day it happened. */
  completedBy: string | null;
  completedOn: IsoDate | null;
}

interface StaffTaskRow {
  id: string;
  case_id: string;
  school_id: string;
  pupil_id: string;
  stage_id: string;
  step_id: string;
  kind: string;
  title: string;
  due_on: string;
  notes: string | null;
  status: 'open' | 'done';
  created_at: string;
  completed_at: string | null;
  owner: string | null;
  outcome: string | null;
  outcome_note: string | null;
  completed_by: string | null;
  completed_on: string | null;
}

const TASK_COLUMNS = `id, case_id, school_id, pupil_id::text AS pupil_id, stage_id, step_id, kind, title,
  due_on::text AS due_on, notes, status, created_at::text AS created_at, completed_at::text AS completed_at,
  owner, outcome, outcome_note, completed_by, completed_on::text AS completed_on`;

function toTask(r: StaffTaskRow): StaffTaskRecord {
  return {
    id: r.id,
    caseId: r.case_id,
    schoolId: r.school_id,
    pupilId: r.pupil_id,
    stageId: r.stage_id,
    stepId: r.step_id,
    kind: r.kind,
    title: r.title,
    dueOn: r.due_on,
    notes: r.notes,
    status: r.status,
    createdAt: r.created_at,
    completedAt: r.completed_at,
    owner: r.owner,
    outcome: r.outcome,
    outcomeNote: r.outcome_note,
    completedBy: r.completed_by,
    completedOn: r.completed_on,
  };
}

export type NewStaffTask = Pick<
  StaffTaskRecord,
  'id' | 'caseId' | 'schoolId' | 'pupilId' | 'stageId' | 'stepId' | 'kind' | 'title' | 'dueOn'
> & { notes?: string | null; owner?: string | null };

export async function insertStaffTask(db: Db, t: NewStaffTask): Promise<boolean> {
  if (db.memory) return db.memory.insertStaffTask(t);
  const { rows } = await db.query(
    `INSERT INTO staff_tasks (id, case_id, school_id, pupil_id, stage_id, step_id, kind, title, due_on, notes, owner)
     VALUES ($1, $2, $3, $4::uuid, $5, $6, $7, $8, $9::date, $10, $11)
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [
      t.id,
      t.caseId,
      t.schoolId,
      t.pupilId,
      t.stageId,
      t.stepId,
      t.kind,
      t.title,
      t.dueOn,
      t.notes ?? null,
      t.owner ?? null,
    ],
  );
  return rows.length > 0;
}

export async function getStaffTask(db: Db, id: string): Promise<StaffTaskRecord | null> {
  if (db.memory) return db.memory.getStaffTask(id);
  const { rows } = await db.query<StaffTaskRow>(`SELECT ${TASK_COLUMNS} FROM staff_tasks WHERE id = $1`, [
    id,
  ]);
  return rows[0] ? toTask(rows[0]) : null;
}

/**
 * Records a task's outcome. `done` closes it; an outcome that does not complete the task (a call
 * with no answer) keeps it open with the latest outcome. Idempotent: recording the same again
 * changes nothing, and a task already done keeps its first completion.
 */
export async function completeStaffTask(
  db: Db,
  id: string,
  outcome: { outcome?: string; note?: string | null; by?: string; on?: IsoDate; done?: boolean } = {},
): Promise<StaffTaskRecord | null> {
  if (db.memory) return db.memory.completeStaffTask(id, outcome);
  const { rows } = await db.query<StaffTaskRow>(
    `UPDATE staff_tasks SET
       status = CASE WHEN $6 THEN 'done' ELSE status END,
       completed_at = CASE WHEN $6 THEN COALESCE(completed_at, now()) ELSE completed_at END,
       outcome = $2, outcome_note = $3, completed_by = $4, completed_on = $5::date
     WHERE id = $1 AND status = 'open' RETURNING ${TASK_COLUMNS}`,
    [
      id,
      outcome.outcome ?? 'done',
      outcome.note ?? null,
      outcome.by ?? null,
      outcome.on ?? null,
      outcome.done ?? true,
    ],
  );
  return rows[0] ? toTask(rows[0]) : getStaffTask(db, id);
}

export async function listStaffTasks(
  db: Db,
  schoolId: string,
  filter: { status?: 'open' | 'done'; caseId?: string } = {},
): Promise<StaffTaskRecord[]> {
  if (db.memory) return db.memory.listStaffTasks(schoolId, filter);
  const { rows } = await db.query<StaffTaskRow>(
    `SELECT ${TASK_COLUMNS} FROM staff_tasks
     WHERE school_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR case_id = $3)
     ORDER BY due_on, created_at`,
    [schoolId, filter.status ?? null, filter.caseId ?? null],
  );
  return rows.map(toTask);
}

// ---------------------------------------------------------------------------------------------
// School staff contacts (where notifications go)

export type StaffAudience = 'officer' | 'manager';

export async function getSchoolContact(
  db: Db,
  schoolId: string,
  audience: StaffAudience,
): Promise<{ name: string; email: string } | null> {
  if (db.memory) return db.memory.getSchoolContact(schoolId, audience);
  const { rows } = await db.query<{ name: string; email: string }>(
    'SELECT name, email FROM school_contacts WHERE school_id = $1 AND audience = $2',
    [schoolId, audience],
  );
  return rows[0] ?? null;
}

export async function setSchoolContact(
  db: Db,
  schoolId: string,
  audience: StaffAudience,
  contact: { name: string; email: string },
): Promise<void> {
  await db.query(
    `INSERT INTO school_contacts (school_id, audience, name, email) VALUES ($1, $2, $3, $4)
     ON CONFLICT (school_id, audience) DO UPDATE SET name = excluded.name, email = excluded.email`,
    [schoolId, audience, contact.name, contact.email],
  );
}

function toBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

// ---------------------------------------------------------------------------------------------
// The dashboard: meetings ahead and the week's mail

/** Meetings and home visits still booked between two school dates (inclusive), per day and kind. */
export async function countBookedMeetingsByDay(
  db: Db,
  schoolId: string,
  from: string,
  to: string,
  timeZone: string,
): Promise<{ day: string; kind: MeetingKind; n: number }[]> {
  const { rows } = await db.query<{ day: string; kind: MeetingKind; n: number }>(
    `SELECT (starts_at AT TIME ZONE $4)::date::text AS day, kind, count(*)::int AS n FROM meetings
     WHERE school_id = $1 AND status = 'booked'
       AND (starts_at AT TIME ZONE $4)::date BETWEEN $2::date AND $3::date
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [schoolId, from, to, timeZone],
  );
  return rows;
}

/** What the outbox holds: a letter's copy, a message to a family, a meeting invitation, or a note to staff. */
export type OutboxCategory = 'letter' | 'message' | 'invitation' | 'staff';

export interface OutboxWeekCount {
  category: OutboxCategory;
  channel: OutboxChannel;
  status: OutboxStatus;
  /** Whether it has an address to go to (a held message without one waits for a person). */
  hasAddress: boolean;
  n: number;
}

/**
 * The school's outbox messages written between two school dates (inclusive, in the school's time
 * zone), by what they are, channel, status and whether they have an address. Staff notifications are the
 * `notify:` rows; a letter's copies carry the letter's id as `ref`, an invitation the meeting's.
 */
export async function countOutboxWritten(
  db: Db,
  schoolId: string,
  from: string,
  to: string,
  timeZone: string,
): Promise<OutboxWeekCount[]> {
  const { rows } = await db.query<{
    category: OutboxCategory;
    channel: OutboxChannel;
    status: OutboxStatus;
    has_address: boolean;
    n: number;
  }>(
    `SELECT CASE WHEN o.idempotency_key LIKE 'notify:%' THEN 'staff'
                 WHEN EXISTS (SELECT 1 FROM letters l WHERE l.id = o.ref) THEN 'letter'
                 WHEN EXISTS (SELECT 1 FROM meetings m WHERE m.id = o.ref) THEN 'invitation'
                 ELSE 'message' END AS category,
            o.channel, o.status, o.to_address IS NOT NULL AS has_address, count(*)::int AS n
     FROM outbox o
     WHERE o.school_id = $1 AND (o.created_at AT TIME ZONE $4)::date BETWEEN $2::date AND $3::date
     GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    [schoolId, from, to, timeZone],
  );
  return rows.map((r) => ({
    category: r.category,
    channel: r.channel,
    status: r.status,
    hasAddress: r.has_address,
    n: r.n,
  }));
}

/**
 * Emails held in the school's outbox that have somewhere to go: with no mail server set up, these
 * are the ones waiting for it (messaging/outbox.ts holds every such email).
 */
export async function countHeldEmailWithAddress(db: Db, schoolId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM outbox
     WHERE school_id = $1 AND status = 'held' AND channel = 'email' AND to_address IS NOT NULL`,
    [schoolId],
  );
  return rows[0]?.n ?? 0;
}

/** Each letter dated between two school dates (inclusive): its recipients and its outbox copies by status. */
export async function listLettersDelivery(
  db: Db,
  schoolId: string,
  from: string,
  to: string,
): Promise<{ letterId: string; recipients: LetterRecipient[]; copies: Record<OutboxStatus, number> }[]> {
  const { rows } = await db.query<{
    id: string;
    recipients: LetterRecipient[] | null;
    sent: number;
    held: number;
    failed: number;
    queued: number;
  }>(
    `SELECT l.id, l.recipients,
            count(o.id) FILTER (WHERE o.status = 'sent')::int AS sent,
            count(o.id) FILTER (WHERE o.status = 'held')::int AS held,
            count(o.id) FILTER (WHERE o.status = 'failed')::int AS failed,
            count(o.id) FILTER (WHERE o.status = 'queued')::int AS queued
     FROM letters l LEFT JOIN outbox o ON o.ref = l.id AND o.school_id = l.school_id
     WHERE l.school_id = $1 AND l.sent_on BETWEEN $2::date AND $3::date
     GROUP BY l.id, l.recipients ORDER BY l.id`,
    [schoolId, from, to],
  );
  return rows.map((r) => ({
    letterId: r.id,
    recipients: r.recipients ?? [],
    copies: { sent: r.sent, held: r.held, failed: r.failed, queued: r.queued },
  }));
}

/** Letters dated between two school dates (inclusive), and how many cases they were for. */
export async function countLettersWritten(
  db: Db,
  schoolId: string,
  from: string,
  to: string,
): Promise<{ letters: number; cases: number }> {
  const { rows } = await db.query<{ n: number; cases: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT case_id)::int AS cases FROM letters
     WHERE school_id = $1 AND sent_on BETWEEN $2::date AND $3::date`,
    [schoolId, from, to],
  );
  return { letters: rows[0]?.n ?? 0, cases: rows[0]?.cases ?? 0 };
}
