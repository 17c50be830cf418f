// Register marks in the compact layout: one `pupil_marks` row per pupil per academic year holding
// a 732-byte blob (domain/marks.ts). A whole school loads in one query.
import { buildCalendar, type SchoolCalendar } from '../domain/calendar';
import { BYTES_PER_BLOB, CODE_LIST, MarkGrid, type YearBlob } from '../domain/marks';
import type { IsoDate, Session } from '../domain/types';
import type { Db, QueryResult } from './db';
import { listPupils, type Pupil } from './pupils';
import { getSchool, type School } from './schools';

// ---------------------------------------------------------------------------------------------
// Code ids: the bytes on disk keep the numbering they were written with (register_code_ids);
// a build whose CODE_LIST numbers codes differently gets its bytes translated on the way in and out.

export interface CodeIdMapping {
  /** True when the stored numbering equals this build's CODE_LIST (no translation needed). */
  identity: boolean;
  /** stored id -> this build's id. */
  toApp: Uint8Array;
  /** this build's id -> stored id. */
  toStore: Uint8Array;
}

const mappings = new WeakMap<Db, Promise<CodeIdMapping>>();

/** The stored numbering of register codes, extended with any code this build knows and the store does not. */
export function codeIdMapping(db: Db): Promise<CodeIdMapping> {
  let cached = mappings.get(db);
  if (!cached) {
    cached = loadCodeIdMapping(db);
    cached.catch(() => mappings.delete(db));
    mappings.set(db, cached);
  }
  return cached;
}

async function loadCodeIdMapping(db: Db): Promise<CodeIdMapping> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7243002)');
    const { rows } = await tx.query<{ id: number; code: string }>('SELECT id, code FROM register_code_ids');
    const stored = new Map(rows.map((r) => [r.code, r.id]));
    if (stored.size === 0) {
      // First use: pin this build's numbering.
      CODE_LIST.forEach((code, id) => id > 0 && stored.set(code, id));
    } else {
      let next = Math.max(...stored.values()) + 1;
      for (const code of CODE_LIST.slice(1)) if (!stored.has(code)) stored.set(code, next++);
    }
    const missing = [...stored].filter(([code]) => !rows.some((r) => r.code === code));
    if (missing.length > 0) {
      await tx.query(
        'INSERT INTO register_code_ids (id, code) SELECT * FROM unnest($1::smallint[], $2::text[])',
        [missing.map(([, id]) => id), missing.map(([code]) => code)],
      );
    }
    const toApp = new Uint8Array(256);
    const toStore = new Uint8Array(256);
    let identity = true;
    CODE_LIST.forEach((code, appId) => {
      if (appId === 0) return;
      const storeId = stored.get(code)!;
      toApp[storeId] = appId;
      toStore[appId] = storeId;
      if (storeId !== appId) identity = false;
    });
    // A stored code this build no longer knows reads as "no mark" (toApp stays 0).
    return { identity, toApp, toStore };
  });
}

function translate(bytes: Uint8Array, table: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]!;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading

interface StoredBlob {
  pupilId: string;
  yearStart: IsoDate;
  codes: Uint8Array;
}

const READ_PAGE = 20_000;

interface BlobPage {
  keys: string | null;
  data: string | null;
  n: number;
}

/**
 * Reads the blobs of these pupils, 20,000 pupils per query, each query answered by ONE row: the
 * keys joined in a text and the bytes concatenated and base64-encoded. PGlite's bytea codec and
 * per-row overhead are slow (100,000 bytea rows take seconds); one text per page decodes in
 * milliseconds on both engines, the blobs are views into one buffer per page (no allocation per
 * pupil), and no ORDER BY means no sort spilling 70 MB to temporary files. Pages keep each text far
 * below PostgreSQL's 1 GB value limit whatever the school size.
 */
async function readBlobs(
  db: Db,
  pupilIds: readonly string[],
  years: IsoDate[] | null,
): Promise<StoredBlob[]> {
  const mapping = await codeIdMapping(db);
  const out: StoredBlob[] = [];
  for (let start = 0; start < pupilIds.length; start += READ_PAGE) {
    const result: QueryResult<BlobPage> = await db.query<BlobPage>(
      `SELECT string_agg(m.pupil_id::text || ' ' || m.year_start::text, ',') AS keys,
              encode(string_agg(m.codes, ''::bytea), 'base64') AS data, count(*)::int AS n
       FROM pupil_marks m
       WHERE m.pupil_id = ANY($1::uuid[]) AND ($2::date[] IS NULL OR m.year_start = ANY($2::date[]))`,
      [pupilIds.slice(start, start + READ_PAGE), years],
    );
    const page: BlobPage | undefined = result.rows[0];
    if (!page || page.n === 0 || page.keys === null || page.data === null) continue;
    const bytes = new Uint8Array(page.n * BYTES_PER_BLOB);
    // Node skips the line breaks PostgreSQL puts in base64 text.
    const written = Buffer.from(bytes.buffer).write(page.data, 'base64');
    if (written !== bytes.length)
      throw new Error(`pupil_marks: expected ${page.n} blobs of ${BYTES_PER_BLOB} bytes`);
    if (!mapping.identity) bytes.set(translate(bytes, mapping.toApp));
    const keys: string[] = page.keys.split(',');
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const space = key.indexOf(' ');
      out.push({
        pupilId: key.slice(0, space),
        yearStart: key.slice(space + 1),
        codes: bytes.subarray(i * BYTES_PER_BLOB, (i + 1) * BYTES_PER_BLOB),
      });
    }
  }
  return out;
}

function gridsFromBlobs(blobs: StoredBlob[], pupilIds: Iterable<string>): Map<string, MarkGrid> {
  const byPupil = new Map<string, YearBlob[]>();
  for (const id of pupilIds) byPupil.set(id, []);
  for (const b of blobs) {
    let list = byPupil.get(b.pupilId);
    if (!list) byPupil.set(b.pupilId, (list = []));
    list.push({ yearStart: b.yearStart, codes: b.codes });
  }
  const grids = new Map<string, MarkGrid>();
  for (const [id, list] of byPupil) grids.set(id, MarkGrid.fromBlobs(list));
  return grids;
}

/**
 * Every pupil's marks for a school: pupil id -> MarkGrid (pupils with no marks get an empty grid).
 * `years` limits the academic years loaded (their 1 August dates).
 */
export async function loadMarkGrids(
  db: Db,
  schoolId: string,
  options: { years?: IsoDate[] } = {},
): Promise<Map<string, MarkGrid>> {
  const { rows: pupils } = await db.query<{ id: string }>(
    'SELECT id::text AS id FROM pupils WHERE school_id = $1',
    [schoolId],
  );
  const ids = pupils.map((p) => p.id);
  return gridsFromBlobs(await readBlobs(db, ids, options.years ?? null), ids);
}

/** The marks of some pupils (any school): pupil id -> MarkGrid. */
export async function loadMarkGridsFor(db: Db, pupilIds: readonly string[]): Promise<Map<string, MarkGrid>> {
  if (pupilIds.length === 0) return new Map();
  return gridsFromBlobs(await readBlobs(db, pupilIds, null), pupilIds);
}

export async function loadMarkGrid(db: Db, pupilId: string): Promise<MarkGrid> {
  return (await loadMarkGridsFor(db, [pupilId])).get(pupilId) ?? new MarkGrid();
}

// ---------------------------------------------------------------------------------------------
// Writing

export interface BlobWrite {
  pupilId: string;
  blob: YearBlob;
}

const WRITE_CHUNK = 5_000;

/**
 * Upserts year blobs in chunks: the bytes of a chunk travel as one base64 text parameter, decoded once
 * and cut apart by offset in SQL, which is quick on both engines (no per-row statements, no COPY).
 */
export async function saveYearBlobs(
  db: Db,
  writes: readonly BlobWrite[],
  onChunk?: (done: number) => void,
): Promise<void> {
  const mapping = await codeIdMapping(db);
  for (let start = 0; start < writes.length; start += WRITE_CHUNK) {
    const chunk = writes.slice(start, start + WRITE_CHUNK);
    const bytes = new Uint8Array(chunk.length * BYTES_PER_BLOB);
    chunk.forEach((w, i) => {
      if (w.blob.codes.length !== BYTES_PER_BLOB)
        throw new RangeError(`a year blob must be ${BYTES_PER_BLOB} bytes`);
      bytes.set(
        mapping.identity ? w.blob.codes : translate(w.blob.codes, mapping.toStore),
        i * BYTES_PER_BLOB,
      );
    });
    await db.query(
      `WITH b AS MATERIALIZED (SELECT decode($3::text, 'base64') AS bytes)
       INSERT INTO pupil_marks (pupil_id, year_start, codes)
       SELECT t.pupil_id, t.year_start, substring(b.bytes FROM (t.n::int - 1) * ${BYTES_PER_BLOB} + 1 FOR ${BYTES_PER_BLOB})
       FROM b, unnest($1::uuid[], $2::date[]) WITH ORDINALITY AS t(pupil_id, year_start, n)
       ON CONFLICT (pupil_id, year_start) DO UPDATE SET codes = excluded.codes, updated_at = now()`,
      [
        chunk.map((w) => w.pupilId),
        chunk.map((w) => w.blob.yearStart),
        Buffer.from(bytes.buffer).toString('base64'),
      ],
    );
    onChunk?.(Math.min(start + WRITE_CHUNK, writes.length));
  }
}

/** Writes a whole grid (every year it holds) for one pupil. */
export async function saveMarkGrid(db: Db, pupilId: string, grid: MarkGrid): Promise<void> {
  await saveYearBlobs(
    db,
    grid.toBlobs().map((blob) => ({ pupilId, blob })),
  );
}

export interface MarkChange {
  pupilId: string;
  date: IsoDate;
  session: Session;
  oldCode: string | null;
  newCode: string;
}

export async function recordMarkChanges(
  db: Db,
  changes: readonly MarkChange[],
  importId: string | null,
): Promise<void> {
  for (let start = 0; start < changes.length; start += 10_000) {
    const chunk = changes.slice(start, start + 10_000);
    await db.query(
      `INSERT INTO mark_changes (pupil_id, date, session, old_code, new_code, import_id)
       SELECT t.pupil_id, t.date, t.session, t.old_code, t.new_code, $6::uuid
       FROM unnest($1::uuid[], $2::date[], $3::text[], $4::text[], $5::text[])
            AS t(pupil_id, date, session, old_code, new_code)`,
      [
        chunk.map((c) => c.pupilId),
        chunk.map((c) => c.date),
        chunk.map((c) => c.session),
        chunk.map((c) => c.oldCode),
        chunk.map((c) => c.newCode),
        importId,
      ],
    );
  }
}

export interface StoredMarkChange extends MarkChange {
  changedAt: string;
  importId: string | null;
}

/** The audit of replaced marks for one pupil, oldest first. */
export async function listMarkChanges(db: Db, pupilId: string): Promise<StoredMarkChange[]> {
  const { rows } = await db.query<{
    pupil_id: string;
    date: string;
    session: Session;
    old_code: string | null;
    new_code: string;
    changed_at: string;
    import_id: string | null;
  }>(
    `SELECT pupil_id::text AS pupil_id, date::text AS date, session, old_code, new_code,
            changed_at::text AS changed_at, import_id::text AS import_id
     FROM mark_changes WHERE pupil_id = $1::uuid ORDER BY id`,
    [pupilId],
  );
  return rows.map((r) => ({
    pupilId: r.pupil_id,
    date: r.date,
    session: r.session,
    oldCode: r.old_code,
    newCode: r.new_code,
    changedAt: r.changed_at,
    importId: r.import_id,
  }));
}

// ---------------------------------------------------------------------------------------------
// Everything the sweep needs for one school

export interface SchoolSnapshot {
  school: School;
  calendar: SchoolCalendar;
  pupils: Pupil[];
  /** pupil id -> marks (every pupil has a grid, possibly empty). */
  grids: Map<string, MarkGrid>;
}

export async function loadSchoolSnapshot(db: Db, schoolId: string): Promise<SchoolSnapshot | null> {
  const school = await getSchool(db, schoolId);
  if (!school) return null;
  const [pupils, grids] = await Promise.all([listPupils(db, schoolId), loadMarkGrids(db, schoolId)]);
  return { school, calendar: buildCalendar(school.calendar), pupils, grids };
}
