// A stand-in for the Wonde School Data API v1.0 on loopback, so tests can drive the product's real
// Wonde client against one school's MIS data without the network. It follows the shapes in
// Wonde's public documentation (docs/integrations.md). Where a detail is not documented ("unconfirmed"), the comment at
// the spot says so: those are the places to change when the live API turns out to differ.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInContact {
  id: string;
  forename: string;
  surname: string;
  relationship: string;
  parentalResponsibility: boolean;
  /** 1 = first contact. */
  priority: number;
  email?: string;
  mobile?: string;
  /** lines: 1..5 lines before the postcode. */
  address?: { lines: string[]; postcode: string };
}

export interface StandInStudent {
  /** Wonde id, e.g. 'A1000001'. */
  id: string;
  misId: string;
  forename: string;
  surname: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  upn: string;
  /** National curriculum year, e.g. 7. */
  ncYear: number;
  /** YYYY-MM-DD */
  admissionDate?: string;
  /** YYYY-MM-DD */
  leavingDate?: string;
  contacts: StandInContact[];
}

export interface StandInSession {
  studentId: string;
  /** YYYY-MM-DD */
  date: string;
  session: 'AM' | 'PM';
  /** The MIS code, e.g. '/', '\\', 'N', 'I', 'Z9'. */
  code: string;
}

export interface StandInCode {
  id: string;
  code: string;
  description: string;
  type: string;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  auth: 'bearer' | 'basic' | 'none' | 'bad';
}

export interface WondeStandIn {
  /** The API root the client is given, e.g. 'http://127.0.0.1:41234/v1.0' (no trailing slash). */
  baseUrl: string;
  /** 40 lower-case hex chars, random per server. */
  token: string;
  /** Wonde's id of the school, e.g. 'A1930499544'. */
  schoolId: string;
  /** Adds or replaces students (by id); stamps each with updated_at = clock(). */
  putStudents(students: StandInStudent[]): void;
  /** Records sessions (replacing the same student/date/session); stamps updated_at = clock(). */
  putSessions(sessions: StandInSession[]): void;
  /** Removes a student; records a deletion {id, type:'student', deleted_at: clock()}. */
  deleteStudent(id: string): void;
  /** The school's attendance codes (default: the DfE codes plus one MIS-specific code 'Z9'). */
  setCodes(codes: StandInCode[]): void;
  /** The time used for updated_at stamps (default: real time). Tests move it forward. */
  setClock(now: () => Date): void;
  /** The next `count` requests whose path contains `pathPart` answer `status` (e.g. 429 or 500) instead. */
  failNext(pathPart: string, count: number, status: number, opts?: { retryAfterSeconds?: number }): void;
  /** Forgets the failures still planned: the MIS answers again. */
  clearFailures(): void;
  /** Every request so far, in order. */
  requests: RequestLogEntry[];
  close(): Promise<void>;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

interface ApiResponse {
  status: number;
  body: Json;
  headers?: Record<string, string>;
}

/** Thrown by a route to answer an error; the request handler turns it into the response. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super(`HTTP ${status}`);
  }
}

const API_ROOT = '/v1.0';
const DEFAULT_SCHOOL_ID = 'A1930499544';
const DEFAULT_PER_PAGE = 50;
// Wonde documents neither the default nor the maximum page size (unconfirmed); 200 is what third-party
// code asks for, so it is the default cap here and tests can lower it.
const DEFAULT_PER_PAGE_MAX = 200;

// Query parameter names in one place. The date-range names for session attendance are unconfirmed
// (the research found no source for them), so a test or the client can follow if they change.
const PARAM = {
  include: 'include',
  updatedAfter: 'updated_after',
  startDate: 'start_date',
  endDate: 'end_date',
  perPage: 'per_page',
  page: 'page',
  type: 'type',
} as const;

// The community fixture taken from a real response uses 'GBR' / 'England' for the school's region and
// address country, so the stand-in does too (for contacts' addresses the country is unconfirmed).
const COUNTRY: Json = { code: 'GBR', name: 'England' };

// Attendance code `type` values are unconfirmed: the research found only that `type` is a string.
// These six names, and which DfE code falls under which, are this stand-in's own mapping.
type CodeType =
  | 'PRESENT'
  | 'APPROVED_EDUCATIONAL_ACTIVITY'
  | 'AUTHORISED_ABSENCE'
  | 'UNAUTHORISED_ABSENCE'
  | 'ATTENDANCE_NOT_REQUIRED'
  | 'NO_MARK';

const DFE_CODES: ReadonlyArray<readonly [code: string, description: string, type: CodeType]> = [
  ['/', 'Present (AM)', 'PRESENT'],
  ['\\', 'Present (PM)', 'PRESENT'],
  ['L', 'Late before registers closed', 'PRESENT'],
  ['U', 'Late after registers closed', 'UNAUTHORISED_ABSENCE'],
  ['B', 'Educated off site', 'APPROVED_EDUCATIONAL_ACTIVITY'],
  ['D', 'Dual registered', 'ATTENDANCE_NOT_REQUIRED'],
  ['J', 'Interview', 'APPROVED_EDUCATIONAL_ACTIVITY'],
  ['K', 'Provision arranged by the local authority', 'APPROVED_EDUCATIONAL_ACTIVITY'],
  ['P', 'Approved sporting activity', 'APPROVED_EDUCATIONAL_ACTIVITY'],
  ['V', 'Educational visit or trip', 'APPROVED_EDUCATIONAL_ACTIVITY'],
  ['W', 'Work experience', 'APPROVED_EDUCATIONAL_ACTIVITY'],
  ['C', 'Other authorised circumstances', 'AUTHORISED_ABSENCE'],
  ['C1', 'Regulated performance or employment abroad', 'AUTHORISED_ABSENCE'],
  ['C2', 'Part-time timetable', 'AUTHORISED_ABSENCE'],
  ['E', 'Suspended or excluded', 'AUTHORISED_ABSENCE'],
  ['G', 'Holiday not authorised', 'UNAUTHORISED_ABSENCE'],
  ['I', 'Illness', 'AUTHORISED_ABSENCE'],
  ['M', 'Medical or dental appointment', 'AUTHORISED_ABSENCE'],
  ['N', 'Reason not yet provided', 'UNAUTHORISED_ABSENCE'],
  ['O', 'Other unauthorised absence', 'UNAUTHORISED_ABSENCE'],
  ['Q', 'Lack of access arrangements', 'ATTENDANCE_NOT_REQUIRED'],
  ['R', 'Religious observance', 'AUTHORISED_ABSENCE'],
  ['S', 'Study leave', 'AUTHORISED_ABSENCE'],
  ['T', 'Parent travelling for occupational purposes', 'AUTHORISED_ABSENCE'],
  ['X', 'Not required to be in school', 'ATTENDANCE_NOT_REQUIRED'],
  ['Y1', 'Transport not available', 'ATTENDANCE_NOT_REQUIRED'],
  ['Y2', 'Widespread disruption to travel', 'ATTENDANCE_NOT_REQUIRED'],
  ['Y3', 'Part of school premises closed', 'ATTENDANCE_NOT_REQUIRED'],
  ['Y4', 'Whole school site closed', 'ATTENDANCE_NOT_REQUIRED'],
  ['Y5', 'In criminal justice detention', 'ATTENDANCE_NOT_REQUIRED'],
  ['Y6', 'Public health guidance or law', 'ATTENDANCE_NOT_REQUIRED'],
  ['Y7', 'Other unavoidable cause', 'ATTENDANCE_NOT_REQUIRED'],
  ['Z', 'Prospective pupil not on roll', 'ATTENDANCE_NOT_REQUIRED'],
  ['#', 'Planned school closure', 'ATTENDANCE_NOT_REQUIRED'],
];

function defaultCodes(): StandInCode[] {
  const dfe = DFE_CODES.map(([code, description, type]) => ({ code, description, type }));
  // A school's own code, as MIS systems allow, so tests meet a code outside the DfE list.
  const misSpecific = { code: 'Z9', description: 'Study leave (school code)', type: 'AUTHORISED_ABSENCE' };
  return [...dfe, misSpecific].map((c, i) => ({ id: `AC${i + 1}`, ...c }));
}

interface StoredStudent {
  student: StandInStudent;
  createdAt: Date;
  updatedAt: Date;
}

interface StoredSession {
  id: string;
  session: StandInSession;
  updatedAt: Date;
}

interface StoredDeletion {
  id: string;
  type: string;
  misId: string;
  deletedAt: Date;
}

interface PlannedFailure {
  pathPart: string;
  remaining: number;
  status: number;
  retryAfterSeconds?: number;
}

/** What one running stand-in holds; the routes read it and the test-facing methods change it. */
interface State {
  schoolId: string;
  token: string;
  perPageMax: number;
  origin: string;
  clock: () => Date;
  codes: StandInCode[];
  students: Map<string, StoredStudent>;
  sessions: Map<string, StoredSession>;
  nextSessionNumber: number;
  deletions: StoredDeletion[];
  failures: PlannedFailure[];
}

// ---- Dates -------------------------------------------------------------------------------------------

/** Wonde prints date-times as a serialised PHP DateTime. The stand-in keeps whole seconds only. */
function dateTimeObject(d: Date): Json {
  const iso = new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString();
  return { date: `${iso.slice(0, 10)} ${iso.slice(11, 19)}.000000`, timezone_type: 3, timezone: 'UTC' };
}

function dateObject(ymd: string | undefined): Json {
  if (ymd === undefined) return null;
  return { date: `${ymd} 00:00:00.000000`, timezone_type: 3, timezone: 'UTC' };
}

function wholeSeconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

/** Parses `updated_after` ('YYYY-MM-DD HH:MM:SS', taken as UTC: the timezone is unconfirmed). */
function parseUpdatedAfter(url: URL): number | undefined {
  const raw = url.searchParams.get(PARAM.updatedAfter);
  if (raw === null) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(raw);
  const ms = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
  // Date.UTC rolls 2024-02-30 over to March; a round trip catches that as the server's validator would.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19).replace('T', ' ') !== raw) {
    throw new HttpError(422, { error: 'The updated after does not match the format Y-m-d H:i:s.' });
  }
  return ms / 1000;
}

/** YYYY-MM-DD naming a real day (not 2025-13-01 or 2024-02-30). */
function isCalendarDay(raw: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.getUTCFullYear() === +m[1]! && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!;
}

/** Parses a YYYY-MM-DD filter. The 422 message imitates the updated_after one (unconfirmed). */
function parseDay(url: URL, name: string): string | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  if (!isCalendarDay(raw)) {
    throw new HttpError(422, { error: `The ${name.replace('_', ' ')} does not match the format Y-m-d.` });
  }
  return raw;
}

/** Inclusive on both ends; YYYY-MM-DD strings compare in date order. */
function withinDays(day: string, start: string | undefined, end: string | undefined): boolean {
  return (start === undefined || day >= start) && (end === undefined || day <= end);
}

function updatedAfter(stamp: Date, after: number | undefined): boolean {
  return after === undefined || wholeSeconds(stamp) > after;
}

// ---- Paging ------------------------------------------------------------------------------------------

function positiveInt(raw: string | null): number | undefined {
  if (raw === null || !/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= 1 ? n : undefined;
}

/** An absolute URL for another page: Wonde's `next`/`previous` keep the whole query and set `page`. */
function pageUrl(state: State, url: URL, page: number): string {
  const params = new URLSearchParams(url.searchParams);
  params.set(PARAM.page, String(page));
  return `${state.origin}${url.pathname}?${params.toString()}`;
}

/**
 * The list envelope. The page-size default and cap are unconfirmed (see DEFAULT_PER_PAGE_MAX); an
 * unreadable per_page or page falls back to the default rather than failing (also unconfirmed).
 */
function paged(state: State, url: URL, items: Json[], includes: string[]): ApiResponse {
  const perPage = Math.min(
    positiveInt(url.searchParams.get(PARAM.perPage)) ?? DEFAULT_PER_PAGE,
    state.perPageMax,
  );
  const page = positiveInt(url.searchParams.get(PARAM.page)) ?? 1;
  const data = items.slice((page - 1) * perPage, page * perPage);
  const more = page * perPage < items.length;
  const pagination = {
    next: more ? pageUrl(state, url, page + 1) : null,
    previous: page > 1 ? pageUrl(state, url, page - 1) : null,
    more,
    per_page: perPage,
    current_page: page,
  };
  return { status: 200, body: { data, meta: { pagination, includes } } };
}

/**
 * The includes the client asked for that this route honours, in a fixed order. As in Fractal (which
 * Wonde's envelope resembles), a nested include such as 'contacts.contact_details' implies its parent;
 * unknown includes are ignored rather than rejected.
 */
function honouredIncludes(url: URL, supported: readonly string[]): string[] {
  const asked = new Set<string>();
  for (const name of (url.searchParams.get(PARAM.include) ?? '').split(',').map((s) => s.trim())) {
    const parts = name.split('.');
    for (let i = 1; i <= parts.length; i++) asked.add(parts.slice(0, i).join('.'));
  }
  return supported.filter((name) => asked.has(name));
}

// ---- Resources ---------------------------------------------------------------------------------------

function schoolJson(state: State): Json {
  const identifiers = { la_code: '123', establishment_number: '4567', urn: 100000 };
  return {
    id: state.schoolId,
    name: 'Harbour Academy',
    ...identifiers,
    phase_of_education: 'SECONDARY',
    timezone: 'Europe/London',
    mis: 'SIMS',
    address: {
      address_line_1: '1 Quay Street',
      address_line_2: null,
      address_town: 'Harbourtown',
      address_postcode: 'HB1 1AA',
      address_country: COUNTRY,
    },
    region: {
      code: 'GBR',
      domain: 'api.wonde.com',
      school_url: `${state.origin}${API_ROOT}/schools/${state.schoolId}`,
      identifiers,
    },
  };
}

/**
 * Contact address. The field names copy the school object's address (address_line_1, _2, _town,
 * _postcode, _country); for contacts they, and the `addresses.home` nesting, are unconfirmed. Every
 * line stays recoverable: the first is line 1, the last of three or more is the town, and any lines
 * between are joined into line 2.
 */
function addressJson(address: StandInContact['address']): Json {
  if (address === undefined) return null;
  const { lines, postcode } = address;
  const town = lines.length >= 3 ? lines[lines.length - 1]! : null;
  const middle = lines.slice(1, town === null ? lines.length : lines.length - 1);
  return {
    address_line_1: lines[0] ?? null,
    address_line_2: middle.length > 0 ? middle.join(', ') : null,
    address_town: town,
    address_county: null,
    address_postcode: postcode,
    address_country: COUNTRY,
  };
}

/** phones/emails keys are confirmed (community, from a live response); `addresses` is not. */
function contactDetailsJson(contact: StandInContact): Json {
  const mobile = contact.mobile ?? null;
  const email = contact.email ?? null;
  return {
    data: {
      phones: { phone: mobile, primary: mobile, home: null, work: null, mobile },
      emails: { email, primary: email, home: null, work: null },
      addresses: { home: addressJson(contact.address) },
    },
  };
}

/** The nested `relationship` object: its key names and the lack of a data wrapper are unconfirmed. */
function contactJson(contact: StandInContact, withDetails: boolean): Json {
  const json: { [key: string]: Json } = {
    id: contact.id,
    forename: contact.forename,
    surname: contact.surname,
    title: null,
    relationship: {
      relationship: contact.relationship,
      parental_responsibility: contact.parentalResponsibility,
      priority: contact.priority,
      lives_with_pupil: true,
    },
  };
  if (withDetails) json.contact_details = contactDetailsJson(contact);
  return json;
}

/** `upn` under education_details.data is confirmed by community clients; the other keys are not. */
function educationDetailsJson(student: StandInStudent): Json {
  return {
    data: {
      upn: student.upn,
      former_upn: null,
      current_nc_year: student.ncYear,
      admission_date: dateObject(student.admissionDate),
      leaving_date: dateObject(student.leavingDate),
    },
  };
}

function upiFor(id: string): string {
  return createHash('md5').update(`upi:${id}`).digest('hex');
}

function studentJson(stored: StoredStudent, includes: string[]): Json {
  const s = stored.student;
  const json: { [key: string]: Json } = {
    id: s.id,
    upi: upiFor(s.id),
    mis_id: s.misId,
    initials: `${s.forename.charAt(0)}${s.surname.charAt(0)}`.toUpperCase(),
    title: null,
    surname: s.surname,
    forename: s.forename,
    middle_names: null,
    legal_surname: null,
    legal_forename: null,
    gender: null,
    gender_identity: null,
    date_of_birth: dateObject(s.dateOfBirth),
    restored_at: null,
    created_at: dateTimeObject(stored.createdAt),
    updated_at: dateTimeObject(stored.updatedAt),
  };
  if (includes.includes('education_details')) json.education_details = educationDetailsJson(s);
  if (includes.includes('contacts')) {
    const withDetails = includes.includes('contacts.contact_details');
    json.contacts = { data: s.contacts.map((c) => contactJson(c, withDetails)) };
  }
  return json;
}

function codeJson(code: StandInCode): Json {
  return { id: code.id, code: code.code, description: code.description, type: code.type };
}

/**
 * Looks a mark up in the school's codes when answering, so setCodes applies to marks already stored.
 * A mark whose code the school does not list still answers, as 'Unknown', to exercise unmapped codes.
 */
function codeFor(state: State, mark: string): StandInCode {
  const known = state.codes.find((c) => c.code === mark);
  return known ?? { id: `AC-unknown-${mark}`, code: mark, description: 'Unknown', type: 'UNKNOWN' };
}

/** Read-side record fields are unconfirmed; they mirror the documented write-back fields. */
function sessionJson(state: State, stored: StoredSession, includeCode: boolean): Json {
  const code = codeFor(state, stored.session.code);
  return {
    id: stored.id,
    student: stored.session.studentId,
    date: dateObject(stored.session.date),
    session: stored.session.session,
    attendance_code: includeCode ? { data: codeJson(code) } : code.id,
    comment: null,
    minutes_late: null,
    updated_at: dateTimeObject(stored.updatedAt),
  };
}

/** Deletion fields beyond id, mis_id and deleted_at (type, restored_at) are unconfirmed. */
function deletionJson(d: StoredDeletion): Json {
  return {
    id: d.id,
    type: d.type,
    mis_id: d.misId,
    deleted_at: dateTimeObject(d.deletedAt),
    restored_at: null,
  };
}

// ---- Routes ------------------------------------------------------------------------------------------

function listStudents(state: State, url: URL): ApiResponse {
  const includes = honouredIncludes(url, ['contacts', 'contacts.contact_details', 'education_details']);
  const after = parseUpdatedAfter(url);
  const items = [...state.students.values()]
    .filter((s) => updatedAfter(s.updatedAt, after))
    .sort((a, b) => compare(a.student.id, b.student.id))
    .map((s) => studentJson(s, includes));
  return paged(state, url, items, includes);
}

function listSessions(state: State, url: URL): ApiResponse {
  const includes = honouredIncludes(url, ['attendance_code']);
  const after = parseUpdatedAfter(url);
  const start = parseDay(url, PARAM.startDate);
  const end = parseDay(url, PARAM.endDate);
  const items = [...state.sessions.values()]
    .filter((s) => updatedAfter(s.updatedAt, after))
    .filter((s) => withinDays(s.session.date, start, end))
    .sort((a, b) => compareSessions(a.session, b.session))
    .map((s) => sessionJson(state, s, includes.includes('attendance_code')));
  return paged(state, url, items, includes);
}

function listCodes(state: State, url: URL): ApiResponse {
  return paged(state, url, state.codes.map(codeJson), []);
}

/** Deletions answer in the order they happened (the order on the live API is unconfirmed). */
function listDeletions(state: State, url: URL): ApiResponse {
  const after = parseUpdatedAfter(url);
  const type = url.searchParams.get(PARAM.type);
  const items = state.deletions
    .filter((d) => (type === null || d.type === type) && updatedAfter(d.deletedAt, after))
    .map(deletionJson);
  return paged(state, url, items, []);
}

const SCHOOL_ROUTES: Record<string, (state: State, url: URL) => ApiResponse> = {
  '': (state) => ({ status: 200, body: { data: schoolJson(state) } }),
  students: listStudents,
  'attendance/session': listSessions,
  'attendance-codes': listCodes,
  deletions: listDeletions,
};

/**
 * Finds the route for /v1.0/schools/{id}/{rest}. A trailing slash is ignored because the official PHP
 * client's endpoint URIs end in one ('students/'). The 404 body for an unknown path is unconfirmed.
 */
function route(state: State, url: URL): ApiResponse {
  const path = url.pathname.replace(/\/+$/, '');
  const m = new RegExp(`^${API_ROOT.replace('.', '\\.')}/schools/([^/]+)(?:/(.*))?$`).exec(path);
  const handler = m ? SCHOOL_ROUTES[m[2] ?? ''] : undefined;
  if (!m || !handler) throw new HttpError(404, { error: 'Not Found' });
  if (m[1] !== state.schoolId) throw new HttpError(404, { error: 'School not found' });
  return handler(state, url);
}

// ---- Requests ----------------------------------------------------------------------------------------

/** Both documented schemes: Bearer <token>, or Basic with the token as user name and a blank password. */
function authOf(header: string | undefined, token: string): RequestLogEntry['auth'] {
  if (header === undefined || header.trim() === '') return 'none';
  const m = /^(\w+)\s+(\S+)$/.exec(header.trim());
  const scheme = m?.[1]?.toLowerCase();
  const value = m?.[2] ?? '';
  if (scheme === 'bearer' && value === token) return 'bearer';
  if (scheme === 'basic' && Buffer.from(value, 'base64').toString('utf8') === `${token}:`) return 'basic';
  return 'bad';
}

/** Takes the first planned failure matching this path, if any, and spends one of its count. */
function takeFailure(state: State, path: string): PlannedFailure | undefined {
  const failure = state.failures.find((f) => f.remaining > 0 && path.includes(f.pathPart));
  if (failure === undefined) return undefined;
  failure.remaining -= 1;
  state.failures = state.failures.filter((f) => f.remaining > 0);
  return failure;
}

/**
 * A planned failure's answer. 429 carries Laravel's throttle message (Wonde runs on Laravel) and
 * Retry-After only when asked: Wonde documents no rate limit or headers, so both are unconfirmed.
 */
function failureResponse(failure: PlannedFailure): ApiResponse {
  const headers: Record<string, string> = {};
  if (failure.retryAfterSeconds !== undefined) headers['Retry-After'] = String(failure.retryAfterSeconds);
  const error =
    failure.status === 429
      ? 'Too Many Attempts.'
      : failure.status >= 500
        ? 'Server Error'
        : (STATUS_CODES[failure.status] ?? 'Error');
  return { status: failure.status, body: { error }, headers };
}

/** Auth first (401 body unconfirmed), then any planned failure, then the route. */
function respond(state: State, req: IncomingMessage, url: URL, auth: RequestLogEntry['auth']): ApiResponse {
  if (auth === 'none' || auth === 'bad') return { status: 401, body: { error: 'Unauthenticated' } };
  const failure = takeFailure(state, url.pathname);
  if (failure) return failureResponse(failure);
  if (req.method !== 'GET') {
    return { status: 405, body: { error: 'Method Not Allowed' }, headers: { Allow: 'GET' } };
  }
  try {
    return route(state, url);
  } catch (err) {
    if (err instanceof HttpError) return { status: err.status, body: err.body };
    throw err;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Date, then AM before PM, then student id. */
function compareSessions(a: StandInSession, b: StandInSession): number {
  return compare(a.date, b.date) || compare(a.session, b.session) || compare(a.studentId, b.studentId);
}

function sessionKey(s: StandInSession): string {
  return `${s.studentId}|${s.date}|${s.session}`;
}

// ---- Server ------------------------------------------------------------------------------------------

export async function startWondeStandIn(opts?: {
  perPageMax?: number;
  schoolId?: string;
}): Promise<WondeStandIn> {
  const state: State = {
    schoolId: opts?.schoolId ?? DEFAULT_SCHOOL_ID,
    token: randomBytes(20).toString('hex'),
    perPageMax: opts?.perPageMax ?? DEFAULT_PER_PAGE_MAX,
    origin: '',
    clock: () => new Date(),
    codes: defaultCodes(),
    students: new Map(),
    sessions: new Map(),
    nextSessionNumber: 1,
    deletions: [],
    failures: [],
  };
  const requests: RequestLogEntry[] = [];

  const server = createServer((req, res) => {
    // Nothing reads a body; draining it lets keep-alive connections carry on.
    req.resume();
    // Prefixing the origin (rather than resolving against it) keeps any request path a path: '//x'
    // would otherwise resolve to another host.
    const url = new URL(`${state.origin}${req.url ?? '/'}`);
    const auth = authOf(req.headers.authorization, state.token);
    let answer: ApiResponse;
    try {
      answer = respond(state, req, url, auth);
    } catch {
      // A bug in the stand-in should fail the client's call visibly, not hang it.
      answer = { status: 500, body: { error: 'Server Error' } };
    }
    requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: answer.status,
      auth,
    });
    res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  state.origin = `http://127.0.0.1:${port}`;

  return {
    baseUrl: `${state.origin}${API_ROOT}`,
    token: state.token,
    schoolId: state.schoolId,
    requests,
    putStudents(students) {
      const now = state.clock();
      for (const student of students) {
        const createdAt = state.students.get(student.id)?.createdAt ?? now;
        // A copy, so a test changing its object afterwards does not change what the API serves.
        state.students.set(student.id, { student: structuredClone(student), createdAt, updatedAt: now });
      }
    },
    putSessions(sessions) {
      const now = state.clock();
      for (const session of sessions) {
        const key = sessionKey(session);
        // A corrected mark is the same record edited, so it keeps its id.
        const id = state.sessions.get(key)?.id ?? `S${state.nextSessionNumber++}`;
        state.sessions.set(key, { id, session: { ...session }, updatedAt: now });
      }
    },
    deleteStudent(id) {
      const stored = state.students.get(id);
      if (stored === undefined) throw new Error(`wondeStandIn: no student ${id} to delete`);
      state.students.delete(id);
      // The student's sessions stay: whether Wonde drops them too is unconfirmed.
      state.deletions.push({ id, type: 'student', misId: stored.student.misId, deletedAt: state.clock() });
    },
    setCodes(codes) {
      state.codes = codes.map((c) => ({ ...c }));
    },
    setClock(now) {
      state.clock = now;
    },
    failNext(pathPart, count, status, failOpts) {
      state.failures.push({
        pathPart,
        remaining: count,
        status,
        retryAfterSeconds: failOpts?.retryAfterSeconds,
      });
    },
    clearFailures() {
      state.failures = [];
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // fetch keeps connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      });
    },
  };
}
