// Pupils on a school's roster. The pupil id (a UUID) is the only reference that may leave the
// store (workflow ids, payloads, logs); the UPN and names stay behind the API.
import { randomUUID } from 'node:crypto';
import type { IsoDate, PupilFlag } from '../domain/types';
import type { Db } from './db';
import {
  pendingChangesOf,
  planChanges,
  recordChanges,
  SYSTEM_ACTOR,
  type ChangeActor,
  type ChangeToRecord,
} from './pupilChanges';
import type { Contact, PupilSex, RosterRecord, SenProvision } from './validate';

export interface Pupil {
  id: string;
  schoolId: string;
  upn: string;
  givenName: string;
  familyName: string;
  yearGroup: number | null;
  dateOfBirth: IsoDate | null;
  startDate: IsoDate | null;
  leftOn: IsoDate | null;
  flags: PupilFlag[];
  contacts: Contact[];
  /** F or M; null when the roster does not say. */
  sex: PupilSex | null;
  /** The census SEN provision: N none, K SEN support, E an EHC plan. */
  sen: SenProvision;
  /** Eligible for the pupil premium (the DfE's "disadvantaged"). */
  pupilPremium: boolean;
}

interface PupilRow {
  id: string;
  school_id: string;
  upn: string;
  given_name: string;
  family_name: string;
  year_group: number | null;
  date_of_birth: string | null;
  start_date: string | null;
  left_on: string | null;
  flags: PupilFlag[];
  contacts: Contact[];
  sex: PupilSex | null;
  sen: SenProvision | null;
  pupil_premium: boolean | null;
}

const PUPIL_COLUMNS = `id::text AS id, school_id, upn, given_name, family_name, year_group,
  date_of_birth::text AS date_of_birth, start_date::text AS start_date, left_on::text AS left_on,
  flags, contacts, sex, sen, pupil_premium`;

function toPupil(r: PupilRow): Pupil {
  return {
    id: r.id,
    schoolId: r.school_id,
    upn: r.upn,
    givenName: r.given_name,
    familyName: r.family_name,
    yearGroup: r.year_group,
    dateOfBirth: r.date_of_birth,
    startDate: r.start_date,
    leftOn: r.left_on,
    flags: r.flags ?? [],
    contacts: r.contacts ?? [],
    sex: r.sex ?? null,
    sen: r.sen ?? 'N',
    pupilPremium: r.pupil_premium ?? false,
  };
}

export async function getPupil(db: Db, pupilId: string): Promise<Pupil | null> {
  if (db.memory) return db.memory.getPupil(pupilId);
  if (!isUuid(pupilId)) return null;
  const { rows } = await db.query<PupilRow>(`SELECT ${PUPIL_COLUMNS} FROM pupils WHERE id = $1::uuid`, [
    pupilId,
  ]);
  return rows[0] ? toPupil(rows[0]) : null;
}

export async function getPupilByUpn(db: Db, schoolId: string, upn: string): Promise<Pupil | null> {
  const { rows } = await db.query<PupilRow>(
    `SELECT ${PUPIL_COLUMNS} FROM pupils WHERE school_id = $1 AND upn = $2`,
    [schoolId, upn.trim().toUpperCase()],
  );
  return rows[0] ? toPupil(rows[0]) : null;
}

/** Pupils of a school ordered by family name, given name, UPN. No limit = all of them. */
export async function listPupils(
  db: Db,
  schoolId: string,
  page: { limit?: number; offset?: number } = {},
): Promise<Pupil[]> {
  if (db.memory)
    return db.memory
      .listPupils(schoolId)
      .slice(page.offset ?? 0, page.limit === undefined ? undefined : (page.offset ?? 0) + page.limit);
  const { rows } = await db.query<PupilRow>(
    `SELECT ${PUPIL_COLUMNS} FROM pupils WHERE school_id = $1
     ORDER BY family_name, given_name, upn LIMIT $2 OFFSET $3`,
    [schoolId, page.limit ?? null, page.offset ?? 0],
  );
  return rows.map(toPupil);
}

export async function countPupils(db: Db, schoolId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pupils WHERE school_id = $1',
    [schoolId],
  );
  return rows[0]?.n ?? 0;
}

/** UPN -> pupil id for the whole school (imports resolve marks with it). */
export async function pupilIdsByUpn(db: Db, schoolId: string): Promise<Map<string, string>> {
  const { rows } = await db.query<{ id: string; upn: string }>(
    'SELECT id::text AS id, upn FROM pupils WHERE school_id = $1',
    [schoolId],
  );
  return new Map(rows.map((r) => [r.upn, r.id]));
}

export interface UpsertPupilsResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Changes to parents' contact details and safeguarding flags: in force at once, and held for a second person. */
  watched: { applied: number; pending: number };
}

export interface UpsertPupilsOptions {
  onChunk?: (done: number) => void;
  /**
   * Where the changes come from: recorded with each change to a contact detail or safeguarding flag
   * (store/pupilChanges.ts). `hold` is the school's second approval: such changes wait.
   */
  changes?: { importId: string | null; actor: ChangeActor; hold: boolean };
  /**
   * False when the source has no safeguarding flags to give (an MIS sync): a known pupil keeps the
   * flags in force, and a change to them waiting for approval is left waiting.
   */
  carriesFlags?: boolean;
}

const UPSERT_CHUNK = 2_000;

/**
 * Adds new pupils and updates the details of known ones (matched by UPN within the school).
 * Pupils missing from the records are left alone: a roster file may be partial. A known pupil's
 * changed contact details and safeguarding flags are recorded one row per field; with the school's
 * second approval on, a changed contact or a flag taken off keeps its old value until approved.
 */
export async function upsertPupils(
  db: Db,
  schoolId: string,
  records: readonly RosterRecord[],
  options: UpsertPupilsOptions = {},
): Promise<UpsertPupilsResult> {
  const result: UpsertPupilsResult = {
    inserted: 0,
    updated: 0,
    unchanged: 0,
    watched: { applied: 0, pending: 0 },
  };
  const source = options.changes ?? { importId: null, actor: SYSTEM_ACTOR, hold: false };
  for (let start = 0; start < records.length; start += UPSERT_CHUNK) {
    const incoming = records.slice(start, start + UPSERT_CHUNK);
    // What is in force for the pupils already known, and what is waiting for them.
    const known = await db.query<{
      id: string;
      upn: string;
      flags: string[];
      contacts: Contact[];
      sex: PupilSex | null;
      sen: SenProvision;
      pupil_premium: boolean;
    }>(
      `SELECT id::text AS id, upn, flags, contacts, sex, sen, pupil_premium FROM pupils
       WHERE school_id = $1 AND upn = ANY($2::text[])`,
      [schoolId, incoming.map((r) => r.upn)],
    );
    const byUpn = new Map(known.rows.map((r) => [r.upn, r]));
    const pending = await pendingChangesOf(
      db,
      known.rows.map((r) => r.id),
    );
    const changes: ChangeToRecord[] = [];
    const superseded: string[] = [];
    const chunk = incoming.map((r) => {
      const current = byUpn.get(r.upn);
      if (!current) return r;
      // A characteristic the file did not carry keeps its stored value.
      const kept: RosterRecord = {
        ...r,
        ...(options.carriesFlags === false ? { flags: (current.flags ?? []) as PupilFlag[] } : {}),
        sex: r.sex === undefined ? current.sex : r.sex,
        sen: r.sen ?? current.sen,
        pupilPremium: r.pupilPremium ?? current.pupil_premium,
      };
      const plan = planChanges(
        { flags: current.flags ?? [], contacts: current.contacts ?? [] },
        kept,
        withoutFlagChanges(pending.get(current.id) ?? new Map(), options.carriesFlags === false),
        source.hold,
      );
      for (const c of plan.applied) changes.push({ ...c, pupilId: current.id, status: 'applied' });
      for (const c of plan.held) changes.push({ ...c, pupilId: current.id, status: 'pending' });
      superseded.push(...plan.superseded);
      return { ...kept, flags: plan.effective.flags as PupilFlag[], contacts: [...plan.effective.contacts] };
    });
    const { rows } = await db.query<{ inserted: boolean }>(
      `INSERT INTO pupils (id, school_id, upn, given_name, family_name, year_group, date_of_birth,
                           start_date, left_on, flags, contacts, sex, sen, pupil_premium)
       SELECT t.id, $1, t.upn, t.given_name, t.family_name, t.year_group, t.date_of_birth, t.start_date,
              t.left_on, ARRAY(SELECT jsonb_array_elements_text(t.flags::jsonb)), t.contacts::jsonb,
              t.sex, t.sen, t.pupil_premium
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::smallint[], $7::date[], $8::date[],
                   $9::date[], $10::text[], $11::text[], $12::text[], $13::text[], $14::boolean[])
            AS t(id, upn, given_name, family_name, year_group, date_of_birth, start_date, left_on, flags, contacts,
                 sex, sen, pupil_premium)
       ON CONFLICT (school_id, upn) DO UPDATE
         SET given_name = excluded.given_name, family_name = excluded.family_name,
             year_group = excluded.year_group, date_of_birth = excluded.date_of_birth,
             start_date = excluded.start_date, left_on = excluded.left_on,
             flags = excluded.flags, contacts = excluded.contacts, sex = excluded.sex, sen = excluded.sen,
             pupil_premium = excluded.pupil_premium, updated_at = now()
         WHERE (pupils.given_name, pupils.family_name, pupils.year_group, pupils.date_of_birth,
                pupils.start_date, pupils.left_on, pupils.flags, pupils.contacts, pupils.sex, pupils.sen,
                pupils.pupil_premium)
               IS DISTINCT FROM
               (excluded.given_name, excluded.family_name, excluded.year_group, excluded.date_of_birth,
                excluded.start_date, excluded.left_on, excluded.flags, excluded.contacts, excluded.sex,
                excluded.sen, excluded.pupil_premium)
       RETURNING (xmax = 0) AS inserted`,
      [
        schoolId,
        chunk.map(() => randomUUID()),
        chunk.map((r) => r.upn),
        chunk.map((r) => r.givenName),
        chunk.map((r) => r.familyName),
        chunk.map((r) => r.yearGroup),
        chunk.map((r) => r.dateOfBirth),
        chunk.map((r) => r.startDate),
        chunk.map((r) => r.leftOn),
        chunk.map((r) => JSON.stringify(r.flags)),
        chunk.map((r) => JSON.stringify(r.contacts)),
        // A new pupil whose file carried no characteristics: not recorded, no SEN, not disadvantaged.
        chunk.map((r) => r.sex ?? null),
        chunk.map((r) => r.sen ?? 'N'),
        chunk.map((r) => r.pupilPremium ?? false),
      ],
    );
    await recordChanges(db, schoolId, changes, superseded, source);
    const inserted = rows.filter((r) => r.inserted).length;
    result.inserted += inserted;
    result.updated += rows.length - inserted;
    result.unchanged += chunk.length - rows.length;
    for (const c of changes) result.watched[c.status === 'applied' ? 'applied' : 'pending']++;
    options.onChunk?.(Math.min(start + UPSERT_CHUNK, records.length));
  }
  return result;
}

function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}

/** The changes waiting for a pupil, less those to flags when the source does not carry flags. */
function withoutFlagChanges<T>(pending: Map<string, T>, drop: boolean): Map<string, T> {
  if (!drop) return pending;
  return new Map([...pending].filter(([field]) => !field.startsWith('flag_')));
}
