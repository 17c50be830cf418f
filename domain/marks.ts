// A compact per-pupil layout of register marks, built for evaluating a whole school (or a whole
// council) quickly: one byte per session, one 732-byte blob per pupil per academic year.
//
//   codes[dayOffset * 2 + (PM ? 1 : 0)] = code id      dayOffset = days since 1 August
//
// 100,000 pupils x one year is 73 MB of bytes and no objects per mark. stats.ts maps the school days
// of a window to blob offsets once per calendar and reads the bytes directly.
import { academicYearStart, fromDayNumber, toDayNumber } from './calendar';
import { REGISTER_CODES, RETIRED_CODES } from './registerCodes';
import type { CodeClass, IsoDate, Session } from './types';

export { academicYearStart };

/** index = code id; id 0 = no mark. Ids are stable only within one build: store codes as text elsewhere. */
export const CODE_LIST: readonly string[] = Object.freeze(['', ...REGISTER_CODES.map((c) => c.code)]);

/** The class of each code id (null for id 0, no mark). */
export const CODE_CLASS_BY_ID: readonly (CodeClass | null)[] = Object.freeze([
  null,
  ...REGISTER_CODES.map((c) => c.cls),
]);

const ID_BY_CODE: ReadonlyMap<string, number> = new Map(CODE_LIST.map((c, i) => [c, i] as const).slice(1));

/** The id of a current register code, exactly as written. Throws for unknown and retired codes. */
export function codeId(code: string): number {
  const id = ID_BY_CODE.get(code);
  if (id === undefined) {
    throw new RangeError(RETIRED_CODES[code] ?? `"${code}" is not a register code`);
  }
  return id;
}

/** Days in a blob (a leap academic year has 366) and bytes per blob. */
export const DAYS_PER_BLOB = 366;
export const BYTES_PER_BLOB = DAYS_PER_BLOB * 2;

/** One pupil's marks for one academic year: 366 days x 2 sessions, byte = code id, index = dayOffset*2 + (PM?1:0), dayOffset = days since academicYearStart. */
export interface YearBlob {
  yearStart: IsoDate;
  codes: Uint8Array;
}

export interface Mark {
  date: IsoDate;
  session: Session;
  code: string;
}

/** Day number of 1 August of the academic year containing day number n. */
export function academicYearStartDay(n: number): number {
  return toDayNumber(academicYearStart(fromDayNumber(n)));
}

function locate(date: IsoDate): { yearStartDay: number; dayOffset: number } {
  const day = toDayNumber(date);
  const yearStartDay = toDayNumber(academicYearStart(date));
  return { yearStartDay, dayOffset: day - yearStartDay };
}

function sessionBit(session: Session): 0 | 1 {
  if (session === 'AM') return 0;
  if (session === 'PM') return 1;
  throw new RangeError(`session must be AM or PM, got ${String(session)}`);
}

export class MarkGrid {
  /** Keyed by the day number of the blob's 1 August. */
  private readonly years = new Map<number, Uint8Array>();

  /** Takes ownership of the byte arrays (no copy). */
  static fromBlobs(blobs: YearBlob[]): MarkGrid {
    const grid = new MarkGrid();
    for (const b of blobs) {
      if (academicYearStart(b.yearStart) !== b.yearStart) {
        throw new RangeError(`a year blob must start on 1 August, got ${b.yearStart}`);
      }
      if (!(b.codes instanceof Uint8Array) || b.codes.length !== BYTES_PER_BLOB) {
        throw new RangeError(`the blob for ${b.yearStart} must be a Uint8Array of ${BYTES_PER_BLOB} bytes`);
      }
      for (let i = 0; i < b.codes.length; i++) {
        if (b.codes[i]! >= CODE_LIST.length)
          throw new RangeError(`the blob for ${b.yearStart} holds an unknown code id ${b.codes[i]}`);
      }
      const key = toDayNumber(b.yearStart);
      if (grid.years.has(key)) throw new RangeError(`two blobs for the year starting ${b.yearStart}`);
      grid.years.set(key, b.codes);
    }
    return grid;
  }

  /**
   * Trusted fast path for the store: the blobs come from the store's own layout (right length,
   * 1 August year starts, code ids already translated), so no byte is checked. Takes ownership of
   * the arrays (often views into one shared buffer). Use `fromBlobs` for anything else.
   */
  static fromTrustedBlobs(blobs: readonly YearBlob[]): MarkGrid {
    const grid = new MarkGrid();
    for (const b of blobs) grid.years.set(toDayNumber(b.yearStart), b.codes);
    return grid;
  }

  static fromMarks(marks: Iterable<Mark>): MarkGrid {
    const grid = new MarkGrid();
    for (const m of marks) grid.set(m.date, m.session, m.code);
    return grid;
  }

  /** The blobs, oldest year first (the arrays are shared, not copied). */
  toBlobs(): YearBlob[] {
    return [...this.years.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([day, codes]) => ({ yearStart: fromDayNumber(day), codes }));
  }

  get(date: IsoDate, session: Session): string | null {
    const { yearStartDay, dayOffset } = locate(date);
    const id = this.years.get(yearStartDay)?.[dayOffset * 2 + sessionBit(session)] ?? 0;
    return id === 0 ? null : CODE_LIST[id]!;
  }

  /** Returns the previous code (null if none) so callers can audit changes. Throws for unknown codes. */
  set(date: IsoDate, session: Session, code: string): string | null {
    return this.write(date, session, codeId(code));
  }

  /** Removes a mark; returns the previous code (null if none). */
  clear(date: IsoDate, session: Session): string | null {
    return this.write(date, session, 0);
  }

  private write(date: IsoDate, session: Session, id: number): string | null {
    const { yearStartDay, dayOffset } = locate(date);
    const index = dayOffset * 2 + sessionBit(session);
    let blob = this.years.get(yearStartDay);
    if (!blob) {
      if (id === 0) return null;
      blob = new Uint8Array(BYTES_PER_BLOB);
      this.years.set(yearStartDay, blob);
    }
    const prev = blob[index]!;
    blob[index] = id;
    return prev === 0 ? null : CODE_LIST[prev]!;
  }

  /** Every mark, in date order. */
  *marks(): IterableIterator<Mark> {
    for (const { yearStart, codes } of this.toBlobs()) {
      const base = toDayNumber(yearStart);
      for (let i = 0; i < codes.length; i++) {
        const id = codes[i]!;
        if (id !== 0)
          yield { date: fromDayNumber(base + (i >> 1)), session: i & 1 ? 'PM' : 'AM', code: CODE_LIST[id]! };
      }
    }
  }

  // Fast path (stats.ts): no strings, no Date objects.

  /** The blob of the academic year whose 1 August has this day number. */
  blobForYearStartDay(yearStartDay: number): Uint8Array | undefined {
    return this.years.get(yearStartDay);
  }

  /** Code id (0 = no mark) at (yearStartDay, index) with index = dayOffset*2 + pm. */
  codeIdAtIndex(yearStartDay: number, index: number): number {
    return this.years.get(yearStartDay)?.[index] ?? 0;
  }

  /** Code id (0 = no mark) by absolute day number (see toDayNumber) and pm (0 or 1). */
  codeIdAtDay(dayNumber: number, pm: 0 | 1): number {
    const ys = academicYearStartDay(dayNumber);
    return this.codeIdAtIndex(ys, (dayNumber - ys) * 2 + pm);
  }
}

// ---------------------------------------------------------------------------------------------
// Session-major chunks (the store's whole-school layout, store/marks.ts `mark_chunks`)

/**
 * The marks of many pupils for one academic year, session-major: the byte of pupil i at slot
 * `s` (= dayOffset*2 + pm) is `codes[(s - slotFrom) * pupils + i]`. A window of school weeks is then
 * one contiguous byte range, which is what the store reads for a whole-school evaluation.
 */
export interface SessionMajorChunk {
  yearStart: IsoDate;
  /** First slot held (0 for a whole year) and how many slots are held. */
  slotFrom: number;
  slots: number;
  pupils: number;
  /** For each pupil of the chunk, its row in the caller's pupil list (-1: not in the list). */
  rows: Int32Array;
  codes: Uint8Array;
}

/** Pupil-major year blobs (each pupil's 732 bytes contiguous) from a whole-year session-major chunk. */
export function chunkToPupilMajor(codes: Uint8Array, pupils: number): Uint8Array {
  if (codes.length !== pupils * BYTES_PER_BLOB) throw new RangeError('chunk size does not match its pupils');
  const out = new Uint8Array(codes.length);
  for (let s = 0; s < BYTES_PER_BLOB; s++) {
    let o = s;
    const base = s * pupils;
    for (let i = 0; i < pupils; i++, o += BYTES_PER_BLOB) out[o] = codes[base + i]!;
  }
  return out;
}

/** Session-major bytes for slots [slotFrom, slotFrom + slots) of `pupils` pupil-major year blobs. */
export function pupilMajorToChunk(
  blobs: readonly (Uint8Array | undefined)[],
  slotFrom = 0,
  slots = BYTES_PER_BLOB,
): Uint8Array {
  const n = blobs.length;
  const out = new Uint8Array(slots * n);
  for (let i = 0; i < n; i++) {
    const b = blobs[i];
    if (!b) continue;
    for (let s = 0, o = i; s < slots; s++, o += n) out[o] = b[slotFrom + s]!;
  }
  return out;
}
