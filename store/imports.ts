// Imports into the attendance store, in three stages so the CLI (CSV files) and the HTTP API (JSON
// bodies of the same shape) share everything after parsing:
//   1. parse:    CSV text or JSON objects -> RawRow[]          (rows.ts)
//   2. validate: RawRow[] -> typed records + every RowError      (validate.ts)
//   3. write:    one transaction; any bad row anywhere -> nothing written (this file)
// Re-importing the same rows changes nothing; a later mark for the same pupil, date and session
// replaces the earlier one and the replacement is audited in mark_changes.
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { buildCalendar, parseCalendarFile, type SchoolCalendar } from '../domain/calendar';
import { academicYearStart, MarkGrid } from '../domain/marks';
import type { SchoolCalendarFile } from '../domain/types';
import type { Db } from './db';
import { ImportValidationError, type ImportKind, type RowError } from './errors';
import { loadMarkGridsFor, recordMarkChanges, saveYearBlobs, type BlobWrite, type MarkChange } from './marks';
import { SYSTEM_ACTOR, type ChangeActor } from './pupilChanges';
import { pupilIdsByUpn, upsertPupils } from './pupils';
import {
  parseCsvStream,
  type CsvParseOptions,
  type CsvSource,
  type ProgressCallback,
  type RawRow,
} from './rows';
import { getSchool, upsertSchool } from './schools';
import {
  MARKS_COLUMNS,
  normaliseUpn,
  ROSTER_COLUMNS,
  validateMarkRows,
  validateRosterRows,
  type MarkRecord,
  type RosterRecord,
} from './validate';

export { ImportValidationError, type RowError, type ImportKind } from './errors';
export {
  rowsFromObjects,
  RowLimitError,
  type CsvParseOptions,
  type CsvSource,
  type RawRow,
  type ProgressCallback,
  type ProgressEvent,
} from './rows';

// ---------------------------------------------------------------------------------------------
// Stage 1 helpers for files

/** A calendar file's text (JSON, or YAML when the name ends .yml/.yaml or the text is not JSON). */
export function parseCalendarText(text: string, fileName = ''): unknown {
  const yamlName = /\.ya?ml$/i.test(fileName);
  try {
    return yamlName ? parseYaml(text) : JSON.parse(text);
  } catch (jsonErr) {
    if (!yamlName) {
      try {
        return parseYaml(text);
      } catch {
        // fall through to the JSON error, which is the likelier intent
      }
    }
    throw new ImportValidationError(
      [
        {
          file: 'calendar',
          line: 0,
          column: '',
          value: '',
          reason: `not valid JSON or YAML: ${(jsonErr as Error).message}`,
        },
      ],
      'calendar',
    );
  }
}

/**
 * A roster CSV, parsed as a stream (text, bytes, or a stream of bytes: a file, an upload). With
 * `maxRows` the reading stops at the first row over it (RowLimitError).
 */
export function parseRosterCsv(source: CsvSource, options: CsvParseOptions = {}): Promise<RawRow[]> {
  return tagged('roster', () => parseCsvStream(source, ROSTER_COLUMNS, options));
}

/** A marks CSV, parsed as a stream; see parseRosterCsv. */
export function parseMarksCsv(source: CsvSource, options: CsvParseOptions = {}): Promise<RawRow[]> {
  return tagged('marks', () => parseCsvStream(source, MARKS_COLUMNS, options));
}

async function tagged<T>(file: ImportKind, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ImportValidationError) {
      throw new ImportValidationError(
        err.rows.map((r) => ({ ...r, file })),
        file,
      );
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Stage 3: the import

export interface ImportInput {
  schoolId: string;
  /** A calendar file as parsed JSON/YAML (validated here with calendarFileSchema). */
  calendar?: unknown;
  /** Roster rows (parseRosterCsv, or rowsFromObjects for a JSON body). */
  roster?: readonly RawRow[];
  /** Mark rows (parseMarksCsv, or rowsFromObjects for a JSON body). */
  marks?: readonly RawRow[];
}

export interface ImportSummary {
  schoolId: string;
  calendar?: { importId: string; status: 'inserted' | 'changed' | 'unchanged' };
  roster?: {
    importId: string;
    rows: number;
    inserted: number;
    updated: number;
    unchanged: number;
    /**
     * Changes to parents' contact details and safeguarding flags (each kept with its old and new
     * value): in force now, and waiting for a second person's approval (docs/contact-changes.md).
     */
    watched: { applied: number; pending: number };
  };
  marks?: {
    importId: string;
    rows: number;
    /** A session that had no mark before. */
    inserted: number;
    /** A session whose mark was replaced (audited in mark_changes). */
    changed: number;
    unchanged: number;
    /** `#` marks on non-school days: accepted, not stored. */
    skipped: number;
    /** Rows overridden by a later row for the same pupil, date and session in the same input. */
    superseded: number;
  };
}

export interface ImportOptions {
  onProgress?: ProgressCallback;
  /**
   * Who runs the import: recorded with every change to a parent's contact details or a safeguarding
   * flag (default: the system, for the demo school and tests that import straight into the store).
   */
  actor?: ChangeActor;
  /** False when the roster comes from a source without safeguarding flags (an MIS sync): they are kept. */
  rosterCarriesFlags?: boolean;
}

/**
 * Validates every input, then writes all of them in one transaction. Throws ImportValidationError
 * (listing every bad row, capped at 100) and writes nothing if any row is bad; a rejected attempt is
 * still recorded in `imports` with status 'rejected'.
 */
export async function runImport(
  db: Db,
  input: ImportInput,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  try {
    return await db.transaction((tx) => importInTransaction(tx, input, options));
  } catch (err) {
    if (err instanceof ImportValidationError) await recordRejected(db, input, err).catch(() => undefined);
    throw err;
  }
}

async function importInTransaction(
  tx: Db,
  input: ImportInput,
  options: ImportOptions,
): Promise<ImportSummary> {
  const { schoolId } = input;
  const progress = options.onProgress;
  // One import per school at a time: marks are read, merged and written back as blobs.
  await tx.query('SELECT pg_advisory_xact_lock(7243003, hashtext($1))', [schoolId]);

  const errors: RowError[] = [];

  // Calendar
  let calendarFile: SchoolCalendarFile | null = null;
  if (input.calendar !== undefined) {
    const parsed = parseCalendarFile(input.calendar);
    if (!parsed.ok) {
      for (const issue of parsed.issues) {
        const [path, ...rest] = issue.split(': ');
        const hasPath = rest.length > 0 && path !== undefined && !path.includes(' ');
        errors.push({
          file: 'calendar',
          line: 0,
          column: hasPath ? path : '',
          value: '',
          reason: hasPath ? rest.join(': ') : issue,
        });
      }
    } else if (parsed.file.school !== schoolId) {
      errors.push({
        file: 'calendar',
        line: 0,
        column: 'school',
        value: parsed.file.school,
        reason: `the calendar is for school "${parsed.file.school}", not "${schoolId}"`,
      });
    } else {
      calendarFile = parsed.file;
    }
  }
  const existing = await getSchool(tx, schoolId);
  let calendar: SchoolCalendar | null = null;
  if (calendarFile) calendar = tryBuild(calendarFile, errors);
  else if (existing) calendar = buildCalendar(existing.calendar);
  else if (input.calendar === undefined) {
    errors.push({
      line: 0,
      column: 'school',
      value: schoolId,
      reason: `school "${schoolId}" is not in the store: import its calendar first (--calendar)`,
    });
  }

  // Roster
  let rosterRecords: RosterRecord[] = [];
  if (input.roster) {
    const r = validateRosterRows(input.roster);
    rosterRecords = r.records;
    errors.push(...r.errors.map((e) => ({ ...e, file: 'roster' as const })));
  }

  // Marks
  let markRecords: MarkRecord[] = [];
  let skipped = 0;
  let knownPupils = new Map<string, string>();
  if (input.marks) {
    knownPupils = await pupilIdsByUpn(tx, schoolId);
    const knownUpns = new Set(knownPupils.keys());
    for (const row of input.roster ?? []) knownUpns.add(normaliseUpn(row.values.upn ?? ''));
    const cal = calendar;
    const r = validateMarkRows(
      input.marks,
      // Without a calendar the marks cannot be placed; the calendar error above already explains why.
      { knownUpns, isSchoolDay: (date) => (cal ? cal.isSchoolDay(date) : true) },
      progress,
    );
    markRecords = r.records;
    skipped = r.skipped;
    errors.push(...r.errors.map((e) => ({ ...e, file: 'marks' as const })));
  }

  if (errors.length > 0) throw new ImportValidationError(errors, singleKind(input));

  // Everything is valid: write.
  const summary: ImportSummary = { schoolId };
  if (calendarFile) {
    const importId = await startImport(tx, schoolId, 'calendar');
    const { status } = await upsertSchool(tx, calendarFile);
    await finishImport(tx, importId, {
      rows: 1,
      inserted: status === 'inserted' ? 1 : 0,
      changed: status === 'changed' ? 1 : 0,
      unchanged: status === 'unchanged' ? 1 : 0,
    });
    summary.calendar = { importId, status };
  }

  if (input.roster) {
    const importId = await startImport(tx, schoolId, 'roster');
    const total = rosterRecords.length;
    const r = await upsertPupils(tx, schoolId, rosterRecords, {
      onChunk: (done) => progress?.({ phase: 'write', done, total }),
      changes: {
        importId,
        actor: options.actor ?? SYSTEM_ACTOR,
        hold: existing?.contactChangesNeedApproval ?? false,
      },
      ...(options.rosterCarriesFlags === false ? { carriesFlags: false } : {}),
    });
    await finishImport(tx, importId, {
      rows: total,
      inserted: r.inserted,
      changed: r.updated,
      unchanged: r.unchanged,
    });
    summary.roster = { importId, rows: total, ...r };
  }

  if (input.marks) {
    const importId = await startImport(tx, schoolId, 'marks');
    const pupilIds = input.roster ? await pupilIdsByUpn(tx, schoolId) : knownPupils;
    const m = await writeMarks(tx, pupilIds, markRecords, importId, progress);
    await finishImport(tx, importId, {
      rows: input.marks.length,
      inserted: m.inserted,
      changed: m.changed,
      unchanged: m.unchanged,
    });
    summary.marks = { importId, rows: input.marks.length, ...m, skipped };
  }
  return summary;
}

function tryBuild(file: SchoolCalendarFile, errors: RowError[]): SchoolCalendar | null {
  try {
    return buildCalendar(file);
  } catch (err) {
    errors.push({ file: 'calendar', line: 0, column: '', value: '', reason: (err as Error).message });
    return null;
  }
}

function singleKind(input: ImportInput): ImportKind | undefined {
  const kinds = (['calendar', 'roster', 'marks'] as const).filter((k) => input[k] !== undefined);
  return kinds.length === 1 ? kinds[0] : undefined;
}

const LOAD_CHUNK = 5_000;

async function writeMarks(
  tx: Db,
  pupilIds: Map<string, string>,
  records: readonly MarkRecord[],
  importId: string,
  progress?: ProgressCallback,
): Promise<{ inserted: number; changed: number; unchanged: number; superseded: number }> {
  // Later rows win inside one input too: keep the last row for each pupil, date and session.
  const last = new Map<string, MarkRecord>();
  for (const r of records) last.set(`${r.upn}|${r.date}|${r.session}`, r);
  const superseded = records.length - last.size;

  const byPupil = new Map<string, MarkRecord[]>();
  for (const r of last.values()) {
    const id = pupilIds.get(r.upn);
    if (!id) throw new Error(`pupil ${r.upn} disappeared during the import`);
    let list = byPupil.get(id);
    if (!list) byPupil.set(id, (list = []));
    list.push(r);
  }

  const ids = [...byPupil.keys()];
  let inserted = 0;
  let changed = 0;
  let unchanged = 0;
  const changes: MarkChange[] = [];
  const writes: BlobWrite[] = [];
  for (let start = 0; start < ids.length; start += LOAD_CHUNK) {
    const chunk = ids.slice(start, start + LOAD_CHUNK);
    const grids = await loadMarkGridsFor(tx, chunk);
    for (const pupilId of chunk) {
      const grid = grids.get(pupilId) ?? new MarkGrid();
      const dirtyYears = new Set<string>();
      for (const r of byPupil.get(pupilId)!) {
        const previous = grid.set(r.date, r.session, r.code);
        if (previous === r.code) {
          unchanged++;
          continue;
        }
        dirtyYears.add(academicYearStart(r.date));
        if (previous === null) inserted++;
        else {
          changed++;
          changes.push({ pupilId, date: r.date, session: r.session, oldCode: previous, newCode: r.code });
        }
      }
      for (const blob of grid.toBlobs()) if (dirtyYears.has(blob.yearStart)) writes.push({ pupilId, blob });
    }
  }
  const total = writes.length;
  progress?.({ phase: 'write', done: 0, total });
  await saveYearBlobs(tx, writes, (done) => progress?.({ phase: 'write', done, total }));
  await recordMarkChanges(tx, changes, importId);
  return { inserted, changed, unchanged, superseded };
}

async function startImport(tx: Db, schoolId: string, kind: ImportKind): Promise<string> {
  const id = randomUUID();
  await tx.query(`INSERT INTO imports (id, school_id, kind, status) VALUES ($1, $2, $3, 'running')`, [
    id,
    schoolId,
    kind,
  ]);
  return id;
}

async function finishImport(
  tx: Db,
  id: string,
  counts: { rows: number; inserted: number; changed: number; unchanged: number },
): Promise<void> {
  await tx.query(
    `UPDATE imports SET rows = $2, inserted = $3, changed = $4, unchanged = $5, status = 'succeeded',
            finished_at = now() WHERE id = $1`,
    [id, counts.rows, counts.inserted, counts.changed, counts.unchanged],
  );
}

async function recordRejected(db: Db, input: ImportInput, err: ImportValidationError): Promise<void> {
  const kinds = (['calendar', 'roster', 'marks'] as const).filter((k) => input[k] !== undefined);
  for (const kind of kinds) {
    const rows = kind === 'calendar' ? 1 : (input[kind]?.length ?? 0);
    const errors = err.rows.some((r) => r.file !== undefined)
      ? err.rows.filter((r) => r.file === kind).length + (kinds.length === 1 ? err.unlisted : 0)
      : err.totalErrors;
    await db.query(
      `INSERT INTO imports (id, school_id, kind, rows, errors, status, finished_at)
       VALUES ($1, $2, $3, $4, $5, 'rejected', now())`,
      [randomUUID(), input.schoolId, kind, rows, errors],
    );
  }
}

export interface ImportRecord {
  id: string;
  schoolId: string;
  kind: ImportKind;
  rows: number;
  inserted: number;
  changed: number;
  unchanged: number;
  errors: number;
  status: 'running' | 'succeeded' | 'rejected' | 'failed';
  startedAt: string;
  finishedAt: string | null;
}

export async function listImports(db: Db, schoolId: string, limit = 50): Promise<ImportRecord[]> {
  const { rows } = await db.query<{
    id: string;
    school_id: string;
    kind: ImportKind;
    rows: number;
    inserted: number;
    changed: number;
    unchanged: number;
    errors: number;
    status: ImportRecord['status'];
    started_at: string;
    finished_at: string | null;
  }>(
    `SELECT id::text AS id, school_id, kind, rows, inserted, changed, unchanged, errors, status,
            started_at::text AS started_at, finished_at::text AS finished_at
     FROM imports WHERE school_id = $1 ORDER BY started_at DESC, id LIMIT $2`,
    [schoolId, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    schoolId: r.school_id,
    kind: r.kind,
    rows: r.rows,
    inserted: r.inserted,
    changed: r.changed,
    unchanged: r.unchanged,
    errors: r.errors,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  }));
}
