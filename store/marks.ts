// Register marks in the compact layout: one `pupil_marks` row per pupil per academic year holding
// a 732-byte blob (domain/marks.ts). A whole school loads in one query.
import { buildCalendar, type SchoolCalendar } from '../domain/calendar';
import {
  academicYearStart,
  BYTES_PER_BLOB,
  chunkToPupilMajor,
  CODE_LIST,
  MarkGrid,
  pupilMajorToChunk,
  type SessionMajorChunk,
  type YearBlob,
} from '../domain/marks';
import { createHash } from 'node:crypto';
import { fromDayNumber, toDayNumber } from '../domain/calendar';
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
  /** Keep the stored code ids (the chunk builder writes them back). */
  raw = false,
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
    if (!raw && !mapping.identity) bytes.set(translate(bytes, mapping.toApp));
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
  if (db.memory) return db.memory.loadSchoolSnapshot(schoolId)?.grids ?? new Map();
  const { ids } = await schoolPupils(db, schoolId);
  const sets = await chunkSets(db, schoolId);
  const wanted = options.years ? new Set(options.years) : null;
  const fresh = [...sets].filter(([y, stale]) => !stale && (!wanted || wanted.has(y))).map(([y]) => y);
  const stale = [...sets].filter(([y, st]) => st && (!wanted || wanted.has(y))).map(([y]) => y);
  const mapping = await codeIdMapping(db);
  const member = new Set(ids);
  const byPupil = new Map<string, YearBlob[]>();
  for (const id of ids) byPupil.set(id, []);
  // Fresh years: whole chunks, turned pupil-major once; each grid holds views into that buffer.
  for (const yearStart of fresh) {
    const { rows } = await db.query<{ pupils: number; ids: string; data: string }>(
      `SELECT pupils, array_to_string(pupil_ids, ',') AS ids, encode(codes, 'base64') AS data
       FROM mark_chunks WHERE school_id = $1 AND year_start = $2`,
      [schoolId, yearStart],
    );
    for (const row of rows) {
      let codes = decodeBase64(row.data, row.pupils * BYTES_PER_BLOB);
      if (!mapping.identity) codes = translate(codes, mapping.toApp);
      const blobs = chunkToPupilMajor(codes, row.pupils);
      const chunkIds = row.ids.split(',');
      for (let i = 0; i < chunkIds.length; i++) {
        const id = chunkIds[i]!;
        if (!member.has(id)) continue;
        byPupil.get(id)!.push({
          yearStart,
          codes: blobs.subarray(i * BYTES_PER_BLOB, (i + 1) * BYTES_PER_BLOB),
        });
      }
    }
  }
  const grids = new Map<string, MarkGrid>();
  if (stale.length === 0) {
    for (const [id, list] of byPupil) grids.set(id, MarkGrid.fromTrustedBlobs(list));
    return grids;
  }
  // Stale years (written outside saveYearBlobs): the per-pupil rows, validated as before.
  for (const b of await readBlobs(db, ids, stale)) {
    byPupil.get(b.pupilId)?.push({ yearStart: b.yearStart, codes: b.codes });
  }
  for (const [id, list] of byPupil) grids.set(id, MarkGrid.fromBlobs(list));
  return grids;
}

// ---------------------------------------------------------------------------------------------
// Chunks: the whole-school evaluation layout (migration 0040, docs/storage.md)

/** Pupils per chunk: 2,000 x 732 bytes = 1.4 MiB per row. */
export const CHUNK_PUPILS = 2_000;

function decodeBase64(text: string, expected: number): Uint8Array {
  const bytes = new Uint8Array(expected);
  // Node skips the line breaks PostgreSQL puts in base64 text.
  const written = Buffer.from(bytes.buffer).write(text, 'base64');
  if (written !== expected) throw new Error(`mark_chunks: expected ${expected} bytes, got ${written}`);
  return bytes;
}

async function schoolPupils(
  db: Db,
  schoolId: string,
): Promise<{
  /** The pupil ids in id order, and joined with ',' (as PostgreSQL sorts uuids: by their hex text). */
  ids: string[];
  idsText: string;
  bounds: Map<string, { startDate: IsoDate | null; leftOn: IsoDate | null }>;
}> {
  // One row, not one per pupil: PGlite's per-row cost dominates at council scale.
  const { rows } = await db.query<{ ids: string | null; bounded: string | null }>(
    `SELECT string_agg(id::text, ',' ORDER BY id) AS ids,
            string_agg(id::text || ' ' || coalesce(start_date::text, '-') || ' ' || coalesce(left_on::text, '-'), ',')
              FILTER (WHERE start_date IS NOT NULL OR left_on IS NOT NULL) AS bounded
     FROM pupils WHERE school_id = $1`,
    [schoolId],
  );
  const idsText = rows[0]?.ids ?? '';
  const ids = idsText ? idsText.split(',') : [];
  const bounds = new Map<string, { startDate: IsoDate | null; leftOn: IsoDate | null }>();
  for (const entry of rows[0]?.bounded ? rows[0].bounded.split(',') : []) {
    const [id, start, left] = entry.split(' ') as [string, string, string];
    bounds.set(id, { startDate: start === '-' ? null : start, leftOn: left === '-' ? null : left });
  }
  return { ids, idsText, bounds };
}

/** year start -> stale, for every academic year of the school that has marks. */
async function chunkSets(db: Db, schoolId: string): Promise<Map<IsoDate, boolean>> {
  const { rows } = await db.query<{ year_start: string; stale: boolean }>(
    'SELECT year_start::text AS year_start, stale FROM mark_chunk_sets WHERE school_id = $1 ORDER BY year_start',
    [schoolId],
  );
  return new Map(rows.map((r) => [r.year_start, r.stale]));
}

export interface MarkWindow {
  /** Every pupil of the school; a chunk's `rows` index this list. */
  pupilIds: string[];
  /** Per pupil (same order): the days on roll, when the roster says so. */
  bounds: ({ startDate: IsoDate | null; leftOn: IsoDate | null } | undefined)[];
  /** Session-major chunks holding exactly the slots of the school days in [from, to]. */
  chunks: SessionMajorChunk[];
}

/**
 * What a whole-school evaluation of the days [from, to] needs and nothing more: for each chunk,
 * only the byte rows of those days (`substring` of an uncompressed, out-of-line bytea reads only
 * the TOAST pages it covers), base64 in one text per chunk. For computeRolling10ForChunks.
 */
export async function loadMarkWindow(
  db: Db,
  schoolId: string,
  from: IsoDate,
  to: IsoDate,
): Promise<MarkWindow> {
  const fromDay = toDayNumber(from);
  const toDay = toDayNumber(to);
  // The academic years the window touches, and the slots of each it needs.
  const years: { yearStart: IsoDate; slotFrom: number; slots: number }[] = [];
  for (let ys = toDayNumber(academicYearStart(from)); ys <= toDay;) {
    const slotFrom = Math.max(0, (fromDay - ys) * 2);
    const slotTo = Math.min(BYTES_PER_BLOB, (toDay - ys + 1) * 2);
    if (slotTo > slotFrom) years.push({ yearStart: fromDayNumber(ys), slotFrom, slots: slotTo - slotFrom });
    ys = toDayNumber(academicYearStart(fromDayNumber(ys + 400)));
  }
  // The fresh chunks' bytes, the pupils and the years' states are independent: ask at once (a
  // server answers on several connections), the biggest first, and index the pupils while the
  // bytes are still on their way.
  interface WindowRow {
    year_start: string;
    pupils: number;
    digest: string | null;
    ids: string | null;
    data: string;
  }
  const windowRows = async (withIds: boolean): Promise<WindowRow[]> =>
    years.length === 0
      ? []
      : (
          await db.query<WindowRow>(
            `SELECT c.year_start::text AS year_start, c.pupils, s.pupils_digest AS digest,
                    ${withIds ? "array_to_string(c.pupil_ids, ',')" : 'NULL::text'} AS ids,
                    encode(substring(c.codes FROM w.slot_from * c.pupils + 1 FOR w.slots * c.pupils), 'base64') AS data
             FROM unnest($2::date[], $3::int[], $4::int[]) AS w(year_start, slot_from, slots)
             JOIN mark_chunk_sets s ON s.school_id = $1 AND s.year_start = w.year_start AND NOT s.stale
             JOIN mark_chunks c ON c.school_id = $1 AND c.year_start = w.year_start
             ORDER BY c.year_start, c.chunk_no`,
            [
              schoolId,
              years.map((y) => y.yearStart),
              years.map((y) => y.slotFrom),
              years.map((y) => y.slots),
            ],
          )
        ).rows;
  // The fresh chunks' window bytes, the pupils and the years' states are independent: ask at once
  // (a server answers on several connections), the biggest first.
  const [firstRows, { ids, idsText, bounds }, sets, mapping] = await Promise.all([
    windowRows(false),
    schoolPupils(db, schoolId),
    chunkSets(db, schoolId),
    codeIdMapping(db),
  ]);
  // The usual case: one year whose chunks hold exactly the roster in id order (the writers keep
  // them so, and record the digest of their ids): row i of the chunks is pupil i, and no pupil id
  // travels twice. Otherwise read the chunks' ids too and look each one up.
  let freshRows = firstRows;
  const inRosterOrder =
    freshRows.length > 0 &&
    freshRows.every((r) => r.year_start === freshRows[0]!.year_start) &&
    freshRows.reduce((n, r) => n + r.pupils, 0) === ids.length &&
    freshRows[0]!.digest === createHash('md5').update(idsText).digest('hex');
  if (!inRosterOrder && freshRows.length > 0) freshRows = await windowRows(true);
  let rowByIdCache: Map<string, number> | null = null;
  const rowById = (): Map<string, number> => {
    if (!rowByIdCache) {
      rowByIdCache = new Map();
      for (let i = 0; i < ids.length; i++) rowByIdCache.set(ids[i]!, i);
    }
    return rowByIdCache;
  };
  const chunks: SessionMajorChunk[] = [];
  const yearOf = new Map(years.map((y) => [y.yearStart, y]));
  let first = 0;
  for (const row of freshRows) {
    const { slotFrom, slots } = yearOf.get(row.year_start)!;
    let codes = decodeBase64(row.data, row.pupils * slots);
    if (!mapping.identity) codes = translate(codes, mapping.toApp);
    const rows = new Int32Array(row.pupils);
    if (inRosterOrder) {
      for (let i = 0; i < rows.length; i++) rows[i] = first + i;
      first += rows.length;
    } else {
      const byId = rowById();
      const chunkIds = row.ids!.split(',');
      for (let i = 0; i < chunkIds.length; i++) rows[i] = byId.get(chunkIds[i]!) ?? -1;
    }
    chunks.push({ yearStart: row.year_start, slotFrom, slots, pupils: row.pupils, rows, codes });
  }
  const fresh = new Set(freshRows.map((r) => r.year_start));
  for (const { yearStart, slotFrom, slots } of years) {
    // Read above, or no marks that year. (The chunk query checks freshness itself, in its own
    // snapshot; a year it did not return but `sets` knows falls back to pupil_marks.)
    if (fresh.has(yearStart) || !sets.has(yearStart)) continue;
    // Stale: the per-pupil rows, validated, turned session-major.
    const blobs = await readBlobs(db, ids, [yearStart]);
    for (const b of blobs) MarkGrid.fromBlobs([{ yearStart: b.yearStart, codes: b.codes }]);
    chunks.push({
      yearStart,
      slotFrom,
      slots,
      pupils: blobs.length,
      rows: Int32Array.from(blobs, (b) => rowById().get(b.pupilId) ?? -1),
      codes: pupilMajorToChunk(
        blobs.map((b) => b.codes),
        slotFrom,
        slots,
      ),
    });
  }
  return { pupilIds: ids, bounds: ids.map((id) => bounds.get(id)), chunks };
}

/**
 * Keeps mark_chunks in step with the blobs just written to pupil_marks (same transaction): patches
 * the chunks holding these pupils, appends new pupils to the last chunk with room or to new chunks,
 * and rebuilds a stale school-year from pupil_marks. `blobs` hold stored code ids.
 */
async function refreshChunks(
  tx: Db,
  writes: readonly { pupilId: string; yearStart: IsoDate; codes: Uint8Array }[],
): Promise<void> {
  const pupilIds = [...new Set(writes.map((w) => w.pupilId))];
  const { rows: bySchool } = await tx.query<{ school_id: string; ids: string }>(
    `SELECT school_id, string_agg(id::text, ',') AS ids FROM pupils WHERE id = ANY($1::uuid[]) GROUP BY school_id`,
    [pupilIds],
  );
  const schoolOf = new Map<string, string>();
  for (const r of bySchool) for (const id of r.ids.split(',')) schoolOf.set(id, r.school_id);
  // school|year -> pupil -> stored bytes (a later write for the same pupil and year wins)
  const groups = new Map<string, Map<string, Uint8Array>>();
  for (const w of writes) {
    const school = schoolOf.get(w.pupilId.toLowerCase());
    if (school === undefined) continue; // no such pupil: the pupil_marks foreign key has refused it already
    const key = `${school}|${w.yearStart}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = new Map()));
    g.set(w.pupilId.toLowerCase(), w.codes);
  }
  for (const [key, blobs] of groups) {
    const bar = key.lastIndexOf('|');
    await refreshSchoolYear(tx, key.slice(0, bar), key.slice(bar + 1), blobs);
  }
}

async function refreshSchoolYear(
  tx: Db,
  schoolId: string,
  yearStart: IsoDate,
  written: Map<string, Uint8Array>,
): Promise<void> {
  await tx.query(
    `INSERT INTO mark_chunk_sets (school_id, year_start, stale) VALUES ($1, $2, false)
     ON CONFLICT (school_id, year_start) DO NOTHING`,
    [schoolId, yearStart],
  );
  const { rows: set } = await tx.query<{ stale: boolean }>(
    'SELECT stale FROM mark_chunk_sets WHERE school_id = $1 AND year_start = $2 FOR UPDATE',
    [schoolId, yearStart],
  );
  let digest: string;
  if (set[0]!.stale) {
    // Rebuild the whole school-year from pupil_marks (which already holds this write).
    const { ids } = await schoolPupils(tx, schoolId);
    const mapping = await codeIdMapping(tx);
    const all = new Map<string, Uint8Array>();
    for (const b of await readBlobs(tx, ids, [yearStart], true)) {
      // Bytes no build knows become "no mark", as they read.
      all.set(b.pupilId, translate(translate(b.codes, mapping.toApp), mapping.toStore));
    }
    await tx.query('DELETE FROM mark_chunks WHERE school_id = $1 AND year_start = $2', [schoolId, yearStart]);
    digest = await writeChunks(tx, schoolId, yearStart, [], all);
  } else {
    const { rows: dir } = await tx.query<{ chunk_no: number; pupils: number; ids: string }>(
      `SELECT chunk_no, pupils, array_to_string(pupil_ids, ',') AS ids
       FROM mark_chunks WHERE school_id = $1 AND year_start = $2 ORDER BY chunk_no`,
      [schoolId, yearStart],
    );
    digest = await writeChunks(
      tx,
      schoolId,
      yearStart,
      dir.map((d) => ({ chunkNo: d.chunk_no, ids: d.ids.split(',') })),
      written,
    );
  }
  await tx.query(
    `UPDATE mark_chunk_sets SET stale = false, pupils_digest = $3, updated_at = now()
     WHERE school_id = $1 AND year_start = $2`,
    [schoolId, yearStart, digest],
  );
}

/** Patches `blobs` into the chunks of `dir` (appending pupils not in any chunk) and writes the changed chunks. */
async function writeChunks(
  tx: Db,
  schoolId: string,
  yearStart: IsoDate,
  dir: { chunkNo: number; ids: string[] }[],
  blobs: Map<string, Uint8Array>,
): Promise<string> {
  const where = new Map<string, [number, number]>();
  dir.forEach((c, ci) => c.ids.forEach((id, i) => where.set(id, [ci, i])));
  if (dir.length > 0 && [...blobs.keys()].some((id) => !where.has(id))) {
    // New pupils: rewrite the whole set, in pupil-id order and holding only the school's current
    // pupils, so readers can match it to the roster with one comparison (loadMarkWindow).
    const [{ ids: roster }, { rows }] = await Promise.all([
      schoolPupils(tx, schoolId),
      tx.query<{ pupils: number; ids: string; data: string }>(
        `SELECT pupils, array_to_string(pupil_ids, ',') AS ids, encode(codes, 'base64') AS data
         FROM mark_chunks WHERE school_id = $1 AND year_start = $2`,
        [schoolId, yearStart],
      ),
    ]);
    const onRoll = new Set(roster);
    const all = new Map<string, Uint8Array>();
    for (const r of rows) {
      const blobsOfChunk = chunkToPupilMajor(decodeBase64(r.data, r.pupils * BYTES_PER_BLOB), r.pupils);
      r.ids.split(',').forEach((id, i) => {
        if (onRoll.has(id)) all.set(id, blobsOfChunk.subarray(i * BYTES_PER_BLOB, (i + 1) * BYTES_PER_BLOB));
      });
    }
    for (const [id, blob] of blobs) all.set(id, blob);
    await tx.query('DELETE FROM mark_chunks WHERE school_id = $1 AND year_start = $2', [schoolId, yearStart]);
    return writeChunks(tx, schoolId, yearStart, [], all);
  }
  if (dir.length === 0) blobs = new Map([...blobs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  const touched = new Set<number>();
  const oldSize = dir.map((c) => c.ids.length);
  for (const id of blobs.keys()) {
    const at = where.get(id);
    if (at) {
      touched.add(at[0]);
      continue;
    }
    let last = dir.length - 1;
    if (last < 0 || dir[last]!.ids.length >= CHUNK_PUPILS) {
      dir.push({ chunkNo: last < 0 ? 0 : dir[last]!.chunkNo + 1, ids: [] });
      oldSize.push(0);
      last++;
    }
    where.set(id, [last, dir[last]!.ids.length]);
    dir[last]!.ids.push(id);
    touched.add(last);
  }
  const existing = [...touched].filter((ci) => oldSize[ci]! > 0);
  const old = new Map<number, Uint8Array>();
  if (existing.length > 0) {
    const { rows } = await tx.query<{ chunk_no: number; data: string }>(
      `SELECT chunk_no, encode(codes, 'base64') AS data FROM mark_chunks
       WHERE school_id = $1 AND year_start = $2 AND chunk_no = ANY($3::int[])`,
      [schoolId, yearStart, existing.map((ci) => dir[ci]!.chunkNo)],
    );
    const ciByNo = new Map(dir.map((c, ci) => [c.chunkNo, ci]));
    for (const r of rows) {
      const ci = ciByNo.get(r.chunk_no)!;
      old.set(ci, decodeBase64(r.data, oldSize[ci]! * BYTES_PER_BLOB));
    }
  }
  for (const ci of [...touched].sort((a, b) => a - b)) {
    const c = dir[ci]!;
    const n = c.ids.length;
    const codes = new Uint8Array(n * BYTES_PER_BLOB);
    const prev = old.get(ci);
    const m = oldSize[ci]!;
    if (prev) for (let s = 0; s < BYTES_PER_BLOB; s++) codes.set(prev.subarray(s * m, s * m + m), s * n);
    for (let i = 0; i < n; i++) {
      const blob = blobs.get(c.ids[i]!);
      if (!blob) continue;
      for (let s = 0, o = i; s < BYTES_PER_BLOB; s++, o += n) codes[o] = blob[s]!;
    }
    await tx.query(
      `INSERT INTO mark_chunks (school_id, year_start, chunk_no, pupils, pupil_ids, codes)
       VALUES ($1, $2, $3, $4, $5::uuid[], decode($6::text, 'base64'))
       ON CONFLICT (school_id, year_start, chunk_no) DO UPDATE
         SET pupils = excluded.pupils, pupil_ids = excluded.pupil_ids, codes = excluded.codes, updated_at = now()`,
      [schoolId, yearStart, c.chunkNo, n, c.ids, Buffer.from(codes.buffer).toString('base64')],
    );
  }
  return chunkDigest(dir.map((c) => c.ids));
}

/** md5 of the pupil ids of a set's chunks, joined with ',' in chunk order (mark_chunk_sets.pupils_digest). */
function chunkDigest(idLists: readonly (readonly string[])[]): string {
  return createHash('md5')
    .update(idLists.map((ids) => ids.join(',')).join(','))
    .digest('hex');
}

/** The marks of some pupils (any school): pupil id -> MarkGrid. */
export async function loadMarkGridsFor(db: Db, pupilIds: readonly string[]): Promise<Map<string, MarkGrid>> {
  if (pupilIds.length === 0) return new Map();
  return gridsFromBlobs(await readBlobs(db, pupilIds, null), pupilIds);
}

export async function loadMarkGrid(db: Db, pupilId: string): Promise<MarkGrid> {
  if (db.memory) return db.memory.loadMarkGrid(pupilId);
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
  if (writes.length === 0) return;
  const mapping = await codeIdMapping(db);
  // pupil_marks and mark_chunks change together or not at all.
  await db.transaction(async (tx) => {
    // The trigger on pupil_marks leaves the chunks alone for these statements (refreshChunks below).
    await tx.query(`SELECT set_config('attendance.chunk_writer', 'on', true)`);
    const stored: { pupilId: string; yearStart: IsoDate; codes: Uint8Array }[] = [];
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
        stored.push({
          pupilId: w.pupilId,
          yearStart: w.blob.yearStart,
          codes: bytes.subarray(i * BYTES_PER_BLOB, (i + 1) * BYTES_PER_BLOB),
        });
      });
      await tx.query(
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
    await tx.query(`SELECT set_config('attendance.chunk_writer', 'off', true)`);
    await refreshChunks(tx, stored);
  });
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
  if (db.memory) return db.memory.loadSchoolSnapshot(schoolId);
  const school = await getSchool(db, schoolId);
  if (!school) return null;
  const [pupils, grids] = await Promise.all([listPupils(db, schoolId), loadMarkGrids(db, schoolId)]);
  return { school, calendar: buildCalendar(school.calendar), pupils, grids };
}
