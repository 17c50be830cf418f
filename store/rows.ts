// The first stage of every import: turn a CSV file (the CLI, or an upload) or a JSON array (the HTTP
// API's JSON body) into plain rows that remember where they came from, so every later error can name
// its line and column.
//
// CSV is parsed as a stream (csv-parse's streaming API): the file is read in chunks and each record
// becomes a row as it arrives, so the memory an import takes is the rows it keeps, not the file plus
// its parse. A row limit stops the reading at the first row over it.
import { Readable, pipeline } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { ImportValidationError, type RowError } from './errors';

export interface RawRow {
  /** The CSV line the row starts on (the header is line 1), or the 1-based element number of a JSON array. */
  line: number;
  values: Record<string, string>;
}

export interface ProgressEvent {
  phase: 'parse' | 'validate' | 'write';
  done: number;
  total: number;
}
export type ProgressCallback = (event: ProgressEvent) => void;

/** A CSV file: its text or bytes in memory, or a stream of its bytes (a file, an upload). */
export type CsvSource = string | Uint8Array | AsyncIterable<string | Uint8Array>;

export interface CsvParseOptions {
  /** Told how far the reading has got: bytes read of `totalBytes` (only when the size is known). */
  onProgress?: ProgressCallback;
  /** The most data rows (the header not counted) the file may have: one more stops the reading. */
  maxRows?: number;
  /** The file's size in bytes, when a stream's is known (a file's size, a Content-Length). */
  totalBytes?: number;
}

/**
 * The file has more rows than an import takes. Thrown while reading, at the first row over the
 * limit: the rest of the file is neither read nor kept.
 */
export class RowLimitError extends Error {
  constructor(readonly limit: number) {
    super(`the file has more than ${limit} rows`);
    this.name = 'RowLimitError';
  }
}

const PROGRESS_EVERY = 20_000;
/** How much text or bytes in memory is handed to the parser at a time. */
const CHUNK = 64 * 1024;

/**
 * Parses CSV into rows keyed by lower-cased header names, as a stream. Structural problems (a
 * missing required column, a row with the wrong number of fields, a broken quote) are import
 * errors too; a missing column stops the reading at the header.
 */
export async function parseCsvStream(
  source: CsvSource,
  required: readonly string[],
  options: CsvParseOptions = {},
): Promise<RawRow[]> {
  const { onProgress, maxRows } = options;
  const totalBytes = options.totalBytes ?? sizeOf(source);
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
  });
  const input = Readable.from(chunksOf(source), { objectMode: false });
  // Errors of the source (an upload over its size, say) reach the loop below through the parser;
  // leaving the loop early (the row limit) stops the source.
  pipeline(input, parser, () => undefined);

  let columns: string[] | null = null;
  let headerLine = 1;
  const rows: RawRow[] = [];
  const errors: RowError[] = [];
  let dataRows = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number; records: number; bytes: number };
    }>) {
      // `info.lines` is the line a record ends on; a quoted field may span several lines.
      const line = info.lines - countNewlines(record);
      if (!columns) {
        columns = record.map((h) => h.trim().toLowerCase());
        headerLine = line;
        const missing = required.filter((c) => !columns!.includes(c));
        if (missing.length > 0) {
          throw new ImportValidationError(
            missing.map((column) => ({
              line,
              column,
              value: '',
              reason: `the header has no "${column}" column (expected ${required.join(',')})`,
            })),
          );
        }
        continue;
      }
      dataRows++;
      if (maxRows !== undefined && dataRows > maxRows) throw new RowLimitError(maxRows);
      if (onProgress && totalBytes && info.records % PROGRESS_EVERY === 0)
        onProgress({ phase: 'parse', done: info.bytes, total: totalBytes });
      if (record.length !== columns.length) {
        errors.push({
          line,
          column: '',
          value: record.join(','),
          reason: `expected ${columns.length} fields, found ${record.length}`,
        });
        continue;
      }
      const nul = record.findIndex((f) => f.includes('\u0000'));
      if (nul !== -1) {
        // No database text can hold it: a bad row, not a failure when it is written.
        errors.push({
          line,
          column: columns[nul] ?? '',
          value: record[nul]!.replaceAll('\u0000', '\\0'),
          reason: 'contains the NUL character (\\0), which cannot be stored: is this a text file?',
        });
        continue;
      }
      const values: Record<string, string> = {};
      columns.forEach((c, j) => (values[c] = record[j] ?? ''));
      rows.push({ line, values });
    }
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as { lines?: number }).lines ?? 0;
      throw new ImportValidationError([
        ...errors,
        { line, column: '', value: '', reason: `the file is not valid CSV: ${err.message}` },
      ]);
    }
    throw err;
  } finally {
    input.destroy();
  }
  if (totalBytes) onProgress?.({ phase: 'parse', done: totalBytes, total: totalBytes });
  if (!columns) {
    throw new ImportValidationError([
      { line: headerLine, column: '', value: '', reason: 'the file is empty' },
    ]);
  }
  if (errors.length > 0) throw new ImportValidationError(errors);
  return rows;
}

/** Rows from a JSON body (an array of objects with the CSV's column names); line = element number. */
export function rowsFromObjects(items: readonly Record<string, unknown>[]): RawRow[] {
  return items.map((item, i) => {
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(item)) {
      values[key.trim().toLowerCase()] =
        value === null || value === undefined ? '' : Array.isArray(value) ? value.join(';') : String(value);
    }
    return { line: i + 1, values };
  });
}

function sizeOf(source: CsvSource): number | undefined {
  if (typeof source === 'string') return Buffer.byteLength(source);
  if (source instanceof Uint8Array) return source.byteLength;
  return undefined;
}

/** The source in pieces the parser takes one at a time (text and bytes in memory are not copied whole). */
async function* chunksOf(source: CsvSource): AsyncGenerator<Buffer> {
  if (typeof source === 'string') {
    for (let start = 0; start < source.length;) {
      let end = Math.min(start + CHUNK, source.length);
      // Never split a surrogate pair (a character outside the Basic Multilingual Plane).
      if (end < source.length && /[\uD800-\uDBFF]/.test(source[end - 1]!)) end--;
      yield Buffer.from(source.slice(start, end), 'utf8');
      start = end;
    }
    return;
  }
  if (source instanceof Uint8Array) {
    const bytes = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    for (let start = 0; start < bytes.length; start += CHUNK) yield bytes.subarray(start, start + CHUNK);
    return;
  }
  for await (const chunk of source)
    yield typeof chunk === 'string'
      ? Buffer.from(chunk, 'utf8')
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function countNewlines(record: string[]): number {
  let n = 0;
  for (const field of record) if (field.includes('\n')) n += field.split('\n').length - 1;
  return n;
}
