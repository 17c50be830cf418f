/** One bad row (or structural problem) in an import: where it is and why it was refused. */
export interface RowError {
  /** Which input the row belongs to, when an import carries several. */
  file?: ImportKind;
  /** CSV line (header = 1) or JSON element number; 0 when the problem is not tied to a line. */
  line: number;
  /** The column name, or '' for a whole-row problem. */
  column: string;
  value: string;
  reason: string;
}

export type ImportKind = 'calendar' | 'roster' | 'marks';

const FILE_ORDER: Record<ImportKind, number> = { calendar: 0, roster: 1, marks: 2 };

/** How many row errors an ImportValidationError carries; the rest are only counted. */
export const MAX_REPORTED_ERRORS = 100;

/**
 * An import was refused and nothing was written. `rows` lists the first 100 problems in file
 * order; `totalErrors` counts them all.
 */
export class ImportValidationError extends Error {
  readonly rows: RowError[];
  readonly totalErrors: number;
  readonly kind?: ImportKind;

  constructor(errors: RowError[], kind?: ImportKind) {
    const sorted = [...errors].sort(
      (a, b) => (a.file ? FILE_ORDER[a.file] : -1) - (b.file ? FILE_ORDER[b.file] : -1) || a.line - b.line,
    );
    const rows = sorted.slice(0, MAX_REPORTED_ERRORS);
    const rest = sorted.length - rows.length;
    super(
      `${kind ? `${kind} import` : 'import'} refused, nothing was written: ${sorted.length} bad row${sorted.length === 1 ? '' : 's'}` +
        (rows[0]
          ? ` (first: ${rows[0].file ? `${rows[0].file} ` : ''}line ${rows[0].line}${rows[0].column ? ` ${rows[0].column}` : ''}: ${rows[0].reason})`
          : '') +
        (rest > 0 ? `; ${rest} more not listed` : ''),
    );
    this.name = 'ImportValidationError';
    this.rows = rows;
    this.totalErrors = sorted.length;
    this.kind = kind;
  }

  /** Errors not listed in `rows` (beyond the cap). */
  get unlisted(): number {
    return this.totalErrors - this.rows.length;
  }

  /** A plain JSON form for the HTTP API. */
  toJSON(): { error: string; kind?: string; rows: RowError[]; totalErrors: number; unlisted: number } {
    return {
      error: this.message,
      kind: this.kind,
      rows: this.rows,
      totalErrors: this.totalErrors,
      unlisted: this.unlisted,
    };
  }
}
