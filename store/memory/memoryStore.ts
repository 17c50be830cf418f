// The store held in memory, for a what-if run (docs/what-if.md): one school's roster, calendar and
// marks read once, and everything its cases write (the read model, letters, the outbox, meetings,
// staff tasks, evidence packs) kept in maps. It answers the same store functions the activities
// call (each SQL function hands over to it when `db.memory` is set, store/db.ts), with the same
// results and the same order, so the cases run the same code over it as over PostgreSQL. The
// differential tests hold it to that: the same school through the real workflows on PGlite and
// in process on this store must give every pupil the same timeline, letters and all.
//
// What it leaves out, on purpose: nothing here is durable or shared between processes, and a
// transaction is not rolled back (a what-if is thrown away when it ends; no case retries into a
// half-written record because its activities either complete or fail the run).
import { randomUUID } from 'node:crypto';
import { buildCalendar } from '../../domain/calendar';
import { MarkGrid } from '../../domain/marks';
import type { IsoDate } from '../../domain/types';
import type { CaseView } from '../../workflows/caseMessages';
import type {
  CaseAwaitingApproval,
  CaseRecord,
  ClosedCaseState,
  OpenCaseTask,
  ProjectCaseInput,
  SweepCheck,
  SweptCase,
} from '../cases';
import {
  DEFAULT_AVAILABILITY,
  type AvailabilityWindow,
  type LetterRecord,
  type MeetingRecord,
  type MeetingStatus,
  type NewLetter,
  type NewOutboxMessage,
  type NewStaffTask,
  type OutboxRecord,
  type OutboxStatus,
  type StaffAudience,
  type StaffTaskRecord,
  type StoredLetterTemplate,
} from '../caseServices';
import type { EvidencePackRecord, NewEvidencePack } from '../evidencePacks';
import type { SchoolSnapshot } from '../marks';
import type { Pupil } from '../pupils';
import type { School } from '../schools';

/** A school as a what-if copies it in: the school, its pupils and their marks, as plain data. */
export interface SchoolCopy {
  school: School;
  pupils: Pupil[];
  marks: { pupilId: string; yearStart: IsoDate; codes: Uint8Array | string }[];
}

/** A stored value read back as a fresh copy, as a database hands out: JSON, as jsonb keeps it. */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** `now()` as PostgreSQL writes a timestamptz as text (UTC), for the records that carry one. */
function timestampText(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2025-01-06T16:31:00.120Z
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}+00`;
}

/** numeric(5, 2): two decimals, half away from zero. */
function pct(value: number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  return (Math.sign(value) * Math.round(Math.abs(value) * 100 + Number.EPSILON)) / 100;
}

/** Text order, NULLs after everything (PostgreSQL's ascending default). */
function textAsc(a: string | null | undefined, b: string | null | undefined): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  return a < b ? -1 : 1;
}

/**
 * A case's row. Its view is held as JSON, parsed only when something reads it (the sweep and the
 * lists, once a day): a case projects many times a day while it acts, and each projection is one
 * copy (the JSON), not two. At least one of `json` and `parsed` is set; when both, they agree.
 */
interface StoredCase {
  record: Omit<CaseRecord, 'view' | 'updatedAt'>;
  json: string | null;
  /** The view parsed from `json` (or changed since by a sweep's check): never handed out. */
  parsed: CaseView | null;
  /** The day of the figures on the row, for "newer figures here" without parsing the view. */
  factsAsOf: IsoDate | null;
  version: number;
  /** Order of the latest write (stands in for updated_at, which only orders). */
  touched: number;
}

interface Stored<T> {
  value: T;
  seq: number;
}

export class MemoryStore {
  private seq = 0;
  private readonly schools = new Map<string, School>();
  private readonly pupils = new Map<string, Pupil>();
  private readonly grids = new Map<string, MarkGrid>();
  private readonly snapshots = new Map<string, SchoolSnapshot>();
  private readonly contacts = new Map<string, { name: string; email: string }>();
  private readonly templates = new Map<string, StoredLetterTemplate>();
  private readonly cases = new Map<string, StoredCase>();
  private readonly digests = new Map<string, { schoolId: string; digest: string }>();
  private readonly letters = new Map<string, Stored<NewLetter> & { createdAt: string }>();
  private readonly outbox = new Map<string, Stored<OutboxRecord> & { claimedUntil: number | null }>();
  private readonly availability = new Map<string, AvailabilityWindow[]>();
  private readonly meetings = new Map<string, Stored<MeetingRecord> & { startsMs: number; endsMs: number }>();
  private readonly tasks = new Map<string, Stored<StaffTaskRecord>>();
  private readonly packs: (EvidencePackRecord & { zip: Buffer; seq: number })[] = [];

  private next(): number {
    return ++this.seq;
  }

  // -------------------------------------------------------------------------------------------
  // The school, copied in once

  /** Copies a school in; returns each pupil's UPN by id. */
  loadSchool(snap: SchoolCopy): Map<string, string> {
    // The calendar is one frozen object for the run, so its calendar is built once (buildCalendar).
    const school = copy(snap.school);
    this.schools.set(school.id, { ...school, calendar: deepFreeze(school.calendar) });
    const upnById = new Map<string, string>();
    const blobs = new Map<string, { yearStart: IsoDate; codes: Uint8Array }[]>();
    for (const p of snap.pupils) {
      this.pupils.set(p.id, copy(p));
      upnById.set(p.id, p.upn);
      blobs.set(p.id, []);
    }
    for (const m of snap.marks) {
      const codes = typeof m.codes === 'string' ? new Uint8Array(Buffer.from(m.codes, 'base64')) : m.codes;
      blobs.get(m.pupilId)?.push({ yearStart: m.yearStart, codes: new Uint8Array(codes) });
    }
    for (const [id, list] of blobs) this.grids.set(id, MarkGrid.fromBlobs(list));
    this.snapshots.delete(snap.school.id);
    return upnById;
  }

  getSchool(id: string): School | null {
    const s = this.schools.get(id);
    return s ? { ...s } : null;
  }

  /** By id. */
  listSchools(): School[] {
    return [...this.schools.values()].sort((a, b) => textAsc(a.id, b.id)).map((s) => ({ ...s }));
  }

  getPupil(id: string): Pupil | null {
    const p = this.pupils.get(id);
    return p ? copy(p) : null;
  }

  /** By family name, given name, UPN (as listPupils orders them). */
  listPupils(schoolId: string): Pupil[] {
    return [...this.pupils.values()]
      .filter((p) => p.schoolId === schoolId)
      .sort(
        (a, b) =>
          textAsc(a.familyName, b.familyName) || textAsc(a.givenName, b.givenName) || textAsc(a.upn, b.upn),
      )
      .map(copy);
  }

  /**
   * The marks never change during a what-if, so the grids are shared, not copied: readers only
   * read them (the sweep and the facts activities evaluate; nothing in a case writes marks).
   */
  loadMarkGrid(pupilId: string): MarkGrid {
    return this.grids.get(pupilId) ?? new MarkGrid();
  }

  /** Built once per school: the roster and marks are fixed for the run. */
  loadSchoolSnapshot(schoolId: string): SchoolSnapshot | null {
    const cached = this.snapshots.get(schoolId);
    if (cached) return cached;
    const school = this.getSchool(schoolId);
    if (!school) return null;
    const pupils = this.listPupils(schoolId);
    const grids = new Map(pupils.map((p) => [p.id, this.loadMarkGrid(p.id)]));
    const snap = { school, calendar: buildCalendar(school.calendar), pupils, grids };
    this.snapshots.set(schoolId, snap);
    return snap;
  }

  getSchoolContact(schoolId: string, audience: StaffAudience): { name: string; email: string } | null {
    const c = this.contacts.get(`${schoolId}\n${audience}`);
    return c ? { ...c } : null;
  }

  getLetterTemplateOverride(schoolId: string, templateId: string): StoredLetterTemplate | null {
    const t = this.templates.get(`${schoolId}\n${templateId}`);
    return t ? { ...t } : null;
  }

  // -------------------------------------------------------------------------------------------
  // The read model (store/cases.ts)

  /** As the SQL: written unless the stored row is newer; newer figures kept (NEWER_FIGURES_HERE). */
  projectCase(input: ProjectCaseInput): { written: boolean } {
    const { view, searchable } = input;
    const version = input.version ?? view.timeline.length;
    const equalWrites = input.version === undefined;
    const existing = this.cases.get(view.caseId);
    if (existing && !(existing.version < version || (equalWrites && existing.version === version))) {
      return { written: false };
    }
    // One copy, as the activity's payload would be: the case goes on changing its own object.
    let json = JSON.stringify(view);
    let parsed: CaseView | null = null;
    let attendancePct = pct(view.latestFacts?.attendancePct);
    const hereAsOf = existing?.factsAsOf;
    const newAsOf = view.latestFacts?.asOf;
    const newerHere = !!existing && hereAsOf != null && newAsOf != null && hereAsOf > newAsOf;
    if (newerHere) {
      // Rare (a person woke a sleeping case the sweep had checked since): keep the newer figures.
      const here = this.parsedView(existing);
      parsed = JSON.parse(json) as CaseView;
      parsed.latestFacts = copy(here.latestFacts);
      (parsed as { sweptOn?: unknown }).sweptOn = (here as { sweptOn?: unknown }).sweptOn ?? null;
      json = JSON.stringify(parsed);
      attendancePct = existing.record.attendancePct;
    }
    const record: StoredCase['record'] = {
      caseId: view.caseId,
      schoolId: view.schoolId,
      pupilId: view.pupilId,
      policyId: existing?.record.policyId ?? view.policyId,
      policyVersion: existing?.record.policyVersion ?? view.policyVersion,
      status: view.status,
      stageId: view.stageId,
      stageName: view.stageName,
      stageRank: searchable.stageRank,
      openedOn: existing?.record.openedOn ?? view.openedOn,
      closedOn: view.status === 'closed' ? view.today : null,
      pendingApprovals: searchable.pendingApprovals,
      nextActionOn: searchable.nextActionOn,
      nextAction: view.next.action,
      attendancePct,
    };
    this.cases.set(view.caseId, {
      record,
      json,
      parsed,
      factsAsOf: newerHere ? hereAsOf : (newAsOf ?? null),
      version,
      touched: this.next(),
    });
    return { written: true };
  }

  /** The stored view itself, parsed once: for reading here, never handed out. */
  private parsedView(c: StoredCase): CaseView {
    c.parsed ??= JSON.parse(c.json!) as CaseView;
    return c.parsed;
  }

  /** A copy of the stored view, as a reader of jsonb gets. */
  private viewOf(c: StoredCase): CaseView {
    c.json ??= JSON.stringify(c.parsed);
    return JSON.parse(c.json) as CaseView;
  }

  private caseRecord(c: StoredCase): CaseRecord {
    return {
      ...c.record,
      view: this.viewOf(c),
      updatedAt: timestampText(Date.now()),
    };
  }

  getCaseRow(caseId: string): CaseRecord | null {
    const c = this.cases.get(caseId);
    return c ? this.caseRecord(c) : null;
  }

  /** Oldest first: by opening day, then case id. */
  listAllCases(): CaseRecord[] {
    return [...this.cases.values()]
      .sort(
        (a, b) => textAsc(a.record.openedOn, b.record.openedOn) || textAsc(a.record.caseId, b.record.caseId),
      )
      .map((c) => this.caseRecord(c));
  }

  activeCasesForSweep(schoolId: string): Map<string, SweptCase> {
    const out = new Map<string, SweptCase>();
    for (const c of this.cases.values()) {
      if (c.record.schoolId !== schoolId || c.record.status === 'closed') continue;
      const v = this.parsedView(c) as CaseView & { sweepChecks?: boolean };
      out.set(c.record.pupilId, {
        caseId: c.record.caseId,
        version: c.version,
        status: c.record.status,
        policyId: c.record.policyId,
        policyVersion: c.record.policyVersion,
        sweepChecks: v.sweepChecks === true,
        caseState: copy(v.caseState),
        pendingApprovals: c.record.pendingApprovals,
        inProgress: (v.tasks ?? [])
          .filter((t) => t.purpose === 'step' && t.status === 'open')
          .map((t) => (t as { stepId?: string }).stepId ?? null) as string[],
        today: v.today,
      });
    }
    return out;
  }

  recordSweepCheck(c: SweepCheck): boolean {
    const stored = this.cases.get(c.caseId);
    if (!stored || stored.version !== c.version || stored.record.status !== 'open') return false;
    // The sweep made these figures and reasons for this check alone, so they are kept, not copied.
    const view = this.parsedView(stored) as CaseView & { sweptOn?: IsoDate };
    view.latestFacts = c.latestFacts;
    if (view.next) {
      view.next.on = c.nextOn;
      view.next.reasons = c.reasons;
    }
    view.sweptOn = c.on;
    stored.json = null;
    stored.factsAsOf = c.latestFacts.asOf;
    stored.record.nextActionOn = c.nextOn;
    stored.record.attendancePct = pct(c.latestFacts.attendancePct);
    stored.touched = this.next();
    return true;
  }

  /** For each pupil whose cases are closed, the state of the one written last. */
  latestClosedCaseStates(schoolId: string): Map<string, ClosedCaseState> {
    const latest = new Map<string, StoredCase>();
    for (const c of this.cases.values()) {
      if (c.record.schoolId !== schoolId || c.record.status !== 'closed') continue;
      const before = latest.get(c.record.pupilId);
      if (!before || c.touched > before.touched) latest.set(c.record.pupilId, c);
    }
    const out = new Map<string, ClosedCaseState>();
    for (const [pupilId, c] of latest) {
      const state = this.parsedView(c).caseState;
      if (state) out.set(pupilId, { state: copy(state), closedOn: c.record.closedOn });
    }
    return out;
  }

  private pupilOfCase(c: StoredCase) {
    const p = this.pupils.get(c.record.pupilId);
    if (!p) return null;
    return {
      id: p.id,
      givenName: p.givenName,
      familyName: p.familyName,
      yearGroup: p.yearGroup,
      flags: [...p.flags],
    };
  }

  private activeIn(schoolIds: string[] | null): StoredCase[] {
    return [...this.cases.values()].filter(
      (c) => c.record.status !== 'closed' && (schoolIds === null || schoolIds.includes(c.record.schoolId)),
    );
  }

  /** Active cases with a step waiting for a decision, by case id. */
  listCasesAwaitingApproval(schoolIds: string[] | null): CaseAwaitingApproval[] {
    return this.activeIn(schoolIds)
      .filter((c) => c.record.pendingApprovals > 0)
      .sort((a, b) => textAsc(a.record.caseId, b.record.caseId))
      .flatMap((c) => {
        const pupil = this.pupilOfCase(c);
        return pupil
          ? [
              {
                caseId: c.record.caseId,
                schoolId: c.record.schoolId,
                pupil,
                stageName: c.record.stageName,
                view: this.viewOf(c),
              },
            ]
          : [];
      });
  }

  /** Open tasks on active cases, soonest due first, then by case id (each case's own order kept). */
  listOpenCaseTasks(schoolIds: string[] | null): OpenCaseTask[] {
    const rows: OpenCaseTask[] = [];
    for (const c of this.activeIn(schoolIds)) {
      const pupil = this.pupilOfCase(c);
      if (!pupil) continue;
      const view = this.parsedView(c);
      for (const task of view.tasks ?? []) {
        if (task.status !== 'open') continue;
        rows.push({
          caseId: c.record.caseId,
          schoolId: c.record.schoolId,
          pupil,
          stageId: c.record.stageId,
          stageName: c.record.stageName,
          task: copy(task),
          latestFacts: copy(view.latestFacts ?? null),
        });
      }
    }
    return rows.sort((a, b) => textAsc(a.task.dueOn, b.task.dueOn) || textAsc(a.caseId, b.caseId));
  }

  getSweepDigests(schoolId: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const [pupilId, d] of this.digests) if (d.schoolId === schoolId) out.set(pupilId, d.digest);
    return out;
  }

  saveSweepDigest(d: { pupilId: string; schoolId: string; digest: string }): void {
    this.digests.set(d.pupilId, { schoolId: d.schoolId, digest: d.digest });
  }

  // -------------------------------------------------------------------------------------------
  // Letters kept as evidence

  insertLetter(l: NewLetter): boolean {
    if (this.letters.has(l.id)) return false;
    this.letters.set(l.id, {
      value: { ...copy({ ...l, pdf: undefined }), pdf: Buffer.from(l.pdf) },
      seq: this.next(),
      createdAt: timestampText(Date.now()),
    });
    return true;
  }

  private letterRecord(l: Stored<NewLetter> & { createdAt: string }): LetterRecord {
    const { pdf: _pdf, layout: _layout, ...record } = l.value;
    return { ...copy(record), createdAt: l.createdAt };
  }

  getLetter(id: string): LetterRecord | null {
    const l = this.letters.get(id);
    return l ? this.letterRecord(l) : null;
  }

  getLetterPdf(id: string): Buffer | null {
    const l = this.letters.get(id);
    return l ? Buffer.from(l.value.pdf) : null;
  }

  /** By the day sent, then the order written. */
  listLettersForCase(caseId: string): LetterRecord[] {
    return [...this.letters.values()]
      .filter((l) => l.value.caseId === caseId)
      .sort((a, b) => textAsc(a.value.sentOn, b.value.sentOn) || a.seq - b.seq)
      .map((l) => this.letterRecord(l));
  }

  // -------------------------------------------------------------------------------------------
  // The outbox

  insertOutbox(m: NewOutboxMessage): { row: OutboxRecord; inserted: boolean } {
    const existing = this.outbox.get(m.idempotencyKey);
    if (existing) return { row: copy(existing.value), inserted: false };
    const seq = this.next();
    const row: OutboxRecord = {
      id: String(seq),
      idempotencyKey: m.idempotencyKey,
      schoolId: m.schoolId,
      caseId: m.caseId ?? null,
      channel: m.channel,
      to: m.to,
      subject: m.subject ?? '',
      text: m.text,
      html: m.html ?? null,
      attachments: copy(m.attachments ?? []),
      ref: m.ref ?? null,
      status: 'queued',
      error: null,
      attempts: 0,
      createdAt: timestampText(Date.now()),
      sentAt: null,
    };
    this.outbox.set(m.idempotencyKey, { value: row, seq, claimedUntil: null });
    return { row: copy(row), inserted: true };
  }

  getOutboxByKey(key: string): OutboxRecord | null {
    const o = this.outbox.get(key);
    return o ? copy(o.value) : null;
  }

  claimOutbox(key: string, leaseSeconds: number): boolean {
    const o = this.outbox.get(key);
    const now = Date.now();
    if (!o || o.value.status === 'sent' || (o.claimedUntil !== null && o.claimedUntil >= now)) return false;
    o.claimedUntil = now + leaseSeconds * 1000;
    o.value.attempts++;
    return true;
  }

  markOutboxSent(key: string): void {
    const o = this.outbox.get(key);
    if (!o) return;
    Object.assign(o.value, { status: 'sent', sentAt: timestampText(Date.now()), error: null });
    o.claimedUntil = null;
  }

  markOutboxFailed(key: string, error: string): void {
    const o = this.outbox.get(key);
    if (!o || o.value.status === 'sent') return;
    Object.assign(o.value, { status: 'failed', error: error.slice(0, 1000) });
    o.claimedUntil = null;
  }

  markOutboxHeld(key: string, reason: string): void {
    const o = this.outbox.get(key);
    if (!o || o.value.status === 'sent') return;
    Object.assign(o.value, { status: 'held', error: reason });
  }

  /** Newest first. */
  listOutbox(
    schoolId: string,
    filter: { status?: OutboxStatus; caseId?: string; limit?: number } = {},
  ): OutboxRecord[] {
    return [...this.outbox.values()]
      .filter(
        (o) =>
          o.value.schoolId === schoolId &&
          (!filter.status || o.value.status === filter.status) &&
          (!filter.caseId || o.value.caseId === filter.caseId),
      )
      .sort((a, b) => b.seq - a.seq)
      .slice(0, filter.limit ?? 200)
      .map((o) => copy(o.value));
  }

  /** Oldest first. */
  listUnsentOutboxKeys(filter: { schoolId?: string; limit?: number } = {}): string[] {
    return [...this.outbox.values()]
      .filter((o) => o.value.status !== 'sent' && (!filter.schoolId || o.value.schoolId === filter.schoolId))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, filter.limit ?? 500)
      .map((o) => o.value.idempotencyKey);
  }

  // -------------------------------------------------------------------------------------------
  // Staff availability and meetings

  seedDefaultAvailability(schoolId: string): number {
    if ((this.availability.get(schoolId) ?? []).length > 0) return 0;
    const windows: AvailabilityWindow[] = [];
    for (let weekday = 1; weekday <= 5; weekday++) {
      for (const w of DEFAULT_AVAILABILITY) windows.push({ ...w, weekday });
    }
    this.availability.set(schoolId, windows);
    return windows.length;
  }

  /** By weekday, start time, staff name. */
  listAvailability(schoolId: string): AvailabilityWindow[] {
    return (this.availability.get(schoolId) ?? [])
      .map((w) => ({ ...w }))
      .sort(
        (a, b) =>
          a.weekday - b.weekday || textAsc(a.startTime, b.startTime) || textAsc(a.staffName, b.staffName),
      );
  }

  getMeeting(id: string): MeetingRecord | null {
    const m = this.meetings.get(id);
    return m ? { ...m.value } : null;
  }

  /** By start, then the order booked. */
  private meetingsWhere(
    keep: (m: MeetingRecord, startsMs: number, endsMs: number) => boolean,
  ): MeetingRecord[] {
    return [...this.meetings.values()]
      .filter((m) => keep(m.value, m.startsMs, m.endsMs))
      .sort((a, b) => a.startsMs - b.startsMs || a.seq - b.seq)
      .map((m) => ({ ...m.value }));
  }

  listMeetingsForCase(caseId: string): MeetingRecord[] {
    return this.meetingsWhere((m) => m.caseId === caseId);
  }

  /** Meetings holding a staff slot (not cancelled) that overlap [from, to). */
  listBusyMeetings(schoolId: string, from: Date, to: Date): MeetingRecord[] {
    const fromMs = from.getTime();
    const toMs = to.getTime();
    return this.meetingsWhere(
      (m, startsMs, endsMs) =>
        m.schoolId === schoolId && m.status !== 'cancelled' && startsMs < toMs && endsMs > fromMs,
    );
  }

  insertMeeting(m: Omit<MeetingRecord, 'status'>): boolean {
    if (this.meetings.has(m.id)) return false;
    const startsMs = Date.parse(m.startsAt);
    const endsMs = Date.parse(m.endsAt);
    const value: MeetingRecord = {
      ...m,
      startsAt: new Date(startsMs).toISOString(),
      endsAt: new Date(endsMs).toISOString(),
      status: 'booked',
    };
    this.meetings.set(m.id, { value, seq: this.next(), startsMs, endsMs });
    return true;
  }

  setMeetingStatus(id: string, status: MeetingStatus): MeetingRecord | null {
    const m = this.meetings.get(id);
    if (!m) return null;
    m.value.status = status;
    return { ...m.value };
  }

  // -------------------------------------------------------------------------------------------
  // Staff tasks

  insertStaffTask(t: NewStaffTask): boolean {
    if (this.tasks.has(t.id)) return false;
    const seq = this.next();
    this.tasks.set(t.id, {
      seq,
      value: {
        ...t,
        notes: t.notes ?? null,
        owner: t.owner ?? null,
        status: 'open',
        createdAt: timestampText(Date.now()),
        completedAt: null,
        outcome: null,
        outcomeNote: null,
        completedBy: null,
        completedOn: null,
      },
    });
    return true;
  }

  getStaffTask(id: string): StaffTaskRecord | null {
    const t = this.tasks.get(id);
    return t ? { ...t.value } : null;
  }

  completeStaffTask(
    id: string,
    outcome: { outcome?: string; note?: string | null; by?: string; on?: IsoDate; done?: boolean } = {},
  ): StaffTaskRecord | null {
    const t = this.tasks.get(id);
    if (!t) return null;
    if (t.value.status === 'open') {
      const done = outcome.done ?? true;
      Object.assign(t.value, {
        status: done ? 'done' : t.value.status,
        completedAt: done ? (t.value.completedAt ?? timestampText(Date.now())) : t.value.completedAt,
        outcome: outcome.outcome ?? 'done',
        outcomeNote: outcome.note ?? null,
        completedBy: outcome.by ?? null,
        completedOn: outcome.on ?? null,
      });
    }
    return { ...t.value };
  }

  /** Soonest due first, then the order made. */
  listStaffTasks(
    schoolId: string,
    filter: { status?: 'open' | 'done'; caseId?: string } = {},
  ): StaffTaskRecord[] {
    return [...this.tasks.values()]
      .filter(
        (t) =>
          t.value.schoolId === schoolId &&
          (!filter.status || t.value.status === filter.status) &&
          (!filter.caseId || t.value.caseId === filter.caseId),
      )
      .sort((a, b) => textAsc(a.value.dueOn, b.value.dueOn) || a.seq - b.seq)
      .map((t) => ({ ...t.value }));
  }

  // -------------------------------------------------------------------------------------------
  // Evidence packs

  insertEvidencePack(p: NewEvidencePack): EvidencePackRecord {
    const record: EvidencePackRecord = {
      id: randomUUID(),
      caseId: p.caseId,
      schoolId: p.schoolId,
      generatedBy: p.generatedBy,
      generatedAt: timestampText(Date.parse(p.generatedAt)),
      packHash: p.packHash,
      manifest: copy(p.manifest),
      approvedBy: p.approvedBy ?? null,
      approvedAt: p.approvedAt ? timestampText(Date.parse(p.approvedAt)) : null,
      draftOf: p.draftOf ?? null,
    };
    this.packs.push({ ...record, zip: Buffer.from(p.zip), seq: this.next() });
    return copy(record);
  }

  /** By when generated, unapproved before approved (NULLS FIRST), then the order made. */
  listEvidencePacks(caseId: string): EvidencePackRecord[] {
    const approvedAt = (a: string | null, b: string | null) =>
      a === null || b === null ? (a === b ? 0 : a === null ? -1 : 1) : textAsc(a, b);
    return this.packs
      .filter((p) => p.caseId === caseId)
      .sort(
        (a, b) =>
          textAsc(a.generatedAt, b.generatedAt) || approvedAt(a.approvedAt, b.approvedAt) || a.seq - b.seq,
      )
      .map(({ zip: _zip, seq: _seq, ...record }) => copy(record) as EvidencePackRecord);
  }

  // -------------------------------------------------------------------------------------------
  // Transactions: one at a time, so a booker's read-then-write is not interleaved with another's.

  private queue: Promise<unknown> = Promise.resolve();

  serialise<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
