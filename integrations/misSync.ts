// One sync from the school's MIS: fetch what changed, turn it into roster and marks rows, and import
// them exactly as a CSV upload would be imported (store/imports.ts: one transaction, every bad row
// named, changed marks and contact details audited). Everything is fetched before anything is
// written, and the import, the MIS's pupil ids and the sync's record are written in one transaction:
// a sync that fails anywhere changes nothing and says why on its record (and the dashboard).
//
// Incremental: a sync asks for the students and marks changed after the last good sync began (less
// five minutes, for clocks that differ). A mark re-coded days later (an N becoming an I) is a changed
// mark, so it arrives, replaces the old one and is kept in mark_changes, and the next sweep sends the
// pupil's new figures to their case.
import { academicYearStart } from '../domain/calendar';
import { schoolDateAt } from '../domain/time';
import type { Db } from '../store/db';
import { ImportValidationError, runImport, type ImportSummary } from '../store/imports';
import {
  abandonStaleSyncs,
  finishSync,
  lastFullRosterAt,
  lastSucceededSync,
  laterSyncSucceeded,
  startSync,
  type MisSyncRecord,
  type SyncCounts,
  type SyncProblem,
} from '../store/integrations';
import type { ChangeActor } from '../store/pupilChanges';
import { pupilIdsByUpn } from '../store/pupils';
import type { MisConnection } from './connections';
import { MisApiError, WondeClient, type WondeClientOptions, type WondeSession } from './wonde/client';
import { markRows, rosterRows } from './wonde/rows';

/** Changes stamped a little before the last sync began are asked for again: harmless, and safe. */
const OVERLAP_MS = 5 * 60 * 1000;

/** Who made the changes a sync brings: the MIS, by the school's schedule or a person's "sync now". */
export const MIS_ACTOR: ChangeActor = { userId: null, role: 'mis-sync' };

export interface MisSyncOptions {
  db: Db;
  connection: MisConnection;
  schoolId: string;
  trigger: MisSyncRecord['trigger'];
  /** The school's time zone (for "this academic year" on a first sync). */
  timeZone?: string;
  now?: () => Date;
  /** Client settings tests shorten (the backoff). */
  client?: Partial<WondeClientOptions>;
  actor?: ChangeActor;
}

export interface MisSyncResult {
  syncId: string;
  status: 'succeeded';
  counts: SyncCounts;
  problems: SyncProblem[];
  changedSince: string | null;
}

/** The sync stopped before importing: what the MIS sent cannot be taken as it is. */
export class MisSyncStopped extends Error {
  constructor(
    message: string,
    readonly problems: SyncProblem[],
  ) {
    super(message);
    this.name = 'MisSyncStopped';
  }
}

export async function syncFromMis(opts: MisSyncOptions): Promise<MisSyncResult> {
  const { db, connection, schoolId } = opts;
  const now = opts.now ?? (() => new Date());
  await abandonStaleSyncs(db, schoolId);
  const last = await lastSucceededSync(db, schoolId);
  const changedSince = last?.highWater ? new Date(last.highWater) : null;
  const startedAt = now();
  const timeZone = opts.timeZone ?? 'Europe/London';
  const today = schoolDateAt(startedAt.getTime(), timeZone);
  // The whole roster once a school day (the first sync of the day): a change only to a parent's
  // contact details may not change the student's own `updated_at`, so asking only for changed
  // students could miss a new address. Marks are always asked for by change.
  const lastFull = await lastFullRosterAt(db, schoolId);
  const rosterSince =
    lastFull && schoolDateAt(Date.parse(lastFull), timeZone) === today ? changedSince : null;
  const syncId = await startSync(db, { schoolId, trigger: opts.trigger, startedAt, changedSince });
  const counts: SyncCounts = { retries: 0 };
  let problems: SyncProblem[] = [];
  try {
    const client = new WondeClient({
      baseUrl: connection.baseUrl,
      token: connection.token,
      misSchoolId: connection.misSchoolId,
      ...opts.client,
      onRetry: () => {
        counts.retries = (counts.retries ?? 0) + 1;
      },
    });
    const students = await client.students(rosterSince ?? undefined);
    counts.rosterFull = rosterSince === null;
    const sessions = await client.sessions(
      changedSince ? { changedSince } : { from: academicYearStart(today), to: today },
    );
    const deletions = changedSince ? await client.deletions(changedSince) : [];
    counts.students = students.length;
    counts.sessions = sessions.length;
    counts.deletions = deletions.length;

    const codeById = new Map<string, string>();
    if (sessions.some((s) => typeof s.attendance_code === 'string'))
      for (const c of await client.attendanceCodes()) codeById.set(c.id, c.code);
    const codeOf = (s: WondeSession) =>
      typeof s.attendance_code === 'string'
        ? (codeById.get(s.attendance_code) ?? `(code id ${s.attendance_code})`)
        : s.attendance_code.data.code;

    const roster = rosterRows(students);
    // A pupil here whose MIS record has no parent with parental responsibility keeps the details held
    // for them: an empty list from the MIS never wipes the parents letters go to.
    const known = await pupilIdsByUpn(db, schoolId);
    const rosterToImport = roster.rows.filter(
      (r) => !(roster.withoutParents.has(r.line) && known.has(r.values.upn ?? '')),
    );
    const knownIds = await misPupilIds(db, schoolId);
    const marks = markRows(
      sessions,
      codeOf,
      connection.codeMap,
      (id) => roster.upnOfStudent.get(id) ?? knownIds.get(id),
    );
    problems = [...roster.problems];
    if (deletions.length > 0)
      problems.push({
        kind: 'leaver',
        count: deletions.length,
        message: `${deletions.length} pupil${deletions.length === 1 ? ' was' : 's were'} removed from the MIS: their records here are kept; give a leaving date in the MIS if they have left`,
      });
    if (marks.unknownCodes.length > 0) {
      problems.push(...marks.unknownCodes);
      throw new MisSyncStopped(
        `the MIS sent register codes this school has not mapped (${marks.unknownCodes.map((p) => p.code).join(', ')}); nothing was applied`,
        problems,
      );
    }
    if (marks.unplaced > 0) {
      problems.push({
        kind: 'badRow',
        count: marks.unplaced,
        message: `${marks.unplaced} mark${marks.unplaced === 1 ? ' is' : 's are'} for pupils the MIS has given no UPN: add their UPNs in the MIS`,
      });
      throw new MisSyncStopped('the MIS sent marks for pupils without a UPN; nothing was applied', problems);
    }

    await db.transaction(async (tx) => {
      // One import per school at a time (the lock runImport takes too); and a sync that fetched first
      // but commits last must not put back what a later one brought.
      await tx.query('SELECT pg_advisory_xact_lock(7243003, hashtext($1))', [schoolId]);
      if (await laterSyncSucceeded(tx, schoolId, startedAt))
        throw new MisSyncStopped(
          'a sync started after this one has already brought newer registers; nothing from this one was applied',
          problems,
        );
      let summary: ImportSummary | null = null;
      if (rosterToImport.length > 0 || marks.rows.length > 0) {
        summary = await runImport(
          tx,
          {
            schoolId,
            ...(rosterToImport.length > 0 ? { roster: rosterToImport } : {}),
            ...(marks.rows.length > 0 ? { marks: marks.rows } : {}),
          },
          { actor: opts.actor ?? MIS_ACTOR, rosterCarriesFlags: false },
        ).catch((err: unknown) => {
          if (err instanceof ImportValidationError) {
            problems.push(...badRows(err, roster.studentOfLine));
            throw new MisSyncStopped(
              `the MIS sent ${err.totalErrors} record${err.totalErrors === 1 ? '' : 's'} that cannot be imported; nothing was applied`,
              problems,
            );
          }
          throw err;
        });
      }
      await saveMisPupilIds(tx, schoolId, roster.upnOfStudent);
      Object.assign(counts, {
        pupilsInserted: summary?.roster?.inserted ?? 0,
        pupilsUpdated: summary?.roster?.updated ?? 0,
        contactChangesHeld: summary?.roster?.watched.pending ?? 0,
        marksInserted: summary?.marks?.inserted ?? 0,
        marksChanged: summary?.marks?.changed ?? 0,
      });
      await finishSync(tx, syncId, {
        status: 'succeeded',
        highWater: new Date(startedAt.getTime() - OVERLAP_MS),
        counts,
        problems,
      });
    });
    return {
      syncId,
      status: 'succeeded',
      counts,
      problems,
      changedSince: changedSince?.toISOString() ?? null,
    };
  } catch (err) {
    await finishSync(db, syncId, { status: 'failed', error: failureText(err), counts, problems });
    throw err;
  }
}

/** The import's bad rows, named by the MIS's ids (a person finds them there, not by line). */
function badRows(
  err: ImportValidationError,
  studentOfLine: Map<number, { id: string; mis_id?: string | null }>,
): SyncProblem[] {
  return err.rows.map((r) => {
    const s = r.file === 'roster' ? studentOfLine.get(r.line) : undefined;
    const who = s
      ? `student ${s.id}${s.mis_id ? ` (MIS id ${s.mis_id})` : ''}`
      : `${r.file ?? 'record'} ${r.line}`;
    return { kind: 'badRow', message: `${who}: ${r.column ? `${r.column}: ` : ''}${r.reason}` };
  });
}

function failureText(err: unknown): string {
  if (err instanceof MisApiError || err instanceof MisSyncStopped) return err.message;
  return `the sync failed: ${err instanceof Error ? err.message : String(err)}`;
}

async function misPupilIds(db: Db, schoolId: string): Promise<Map<string, string>> {
  const { rows } = await db.query<{ mis_student_id: string; upn: string }>(
    'SELECT mis_student_id, upn FROM mis_pupil_ids WHERE school_id = $1',
    [schoolId],
  );
  return new Map(rows.map((r) => [r.mis_student_id, r.upn]));
}

async function saveMisPupilIds(db: Db, schoolId: string, ids: Map<string, string>): Promise<void> {
  if (ids.size === 0) return;
  await db.query(
    `INSERT INTO mis_pupil_ids (school_id, mis_student_id, upn)
     SELECT $1, t.id, t.upn FROM unnest($2::text[], $3::text[]) AS t(id, upn)
     ON CONFLICT (school_id, mis_student_id) DO UPDATE SET upn = excluded.upn`,
    [schoolId, [...ids.keys()], [...ids.values()]],
  );
}
