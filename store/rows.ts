// The first stage of every import: turn a CSV file (the CLI) or a JSON array (the HTTP API) into
// plain rows that remember where they came from, so every later error can name its line and column.
import { parse } from 'csv-parse/sync';
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

const PROGRESS_EVERY = 20_000;

/**
 * Parses CSV text into rows keyed by lower-cased header names. Structural problems (a missing
 * required column, a row with the wrong number of fields, a broken quote) are import errors too.
 */
export function parseCsvRows(
  text: string | Uint8Array,
  required: readonly string[],
  onProgress?: ProgressCallback,
): RawRow[] {
  const source = typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
  const totalLines = estimateLines(source);
  const lines: number[] = [];
  let records: string[][];
  try {
    records = parse(source, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      on_record: (record: string[], context) => {
        lines.push(context.lines - countNewlines(record));
        if (onProgress && context.records % PROGRESS_EVERY === 0) {
          onProgress({ phase: 'parse', done: context.lines, total: totalLines });
        }
        return record;
      },
    }) as string[][];
  } catch (err) {
    const line = (err as { lines?: number }).lines ?? 0;
    throw new ImportValidationError([
      { line, column: '', value: '', reason: `the file is not valid CSV: ${(err as Error).message}` },
    ]);
  }
  onProgress?.({ phase: 'parse', done: totalLines, total: totalLines });

  const [header, ...body] = records;
  if (!header) {
    throw new ImportValidationError([{ line: 1, column: '', value: '', reason: 'the file is empty' }]);
  }
  const columns = header.map((h) => h.trim().toLowerCase());
  const missing = required.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new ImportValidationError(
      missing.map((column) => ({
        line: lines[0] ?? 1,
        column,
        value: '',
        reason: `the header has no "${column}" column (expected ${required.join(',')})`,
      })),
    );
  }
  const errors: RowError[] = [];
  const rows: RawRow[] = [];
  body.forEach((record, i) => {
    const line = lines[i + 1] ?? 0;
    if (record.length !== columns.length) {
      errors.push({
        line,
        column: '',
        value: record.join(','),
        reason: `expected ${columns.length} fields, found ${record.length}`,
      });
      return;
    }
    const values: Record<string, string> = {};
    columns.forEach((c, j) => (values[c] = record[j] ?? ''));
    rows.push({ line, values });
  });
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

function estimateLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return text.endsWith('\n') ? n : n + 1;
}

// `context.lines` is the line a record ends on; a quoted field may span several lines.
function countNewlines(record: string[]): number {
  let n = 0;
  for (const field of record) if (field.includes('\n')) n += field.split('\n').length - 1;
  return n;
}
