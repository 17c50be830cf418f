// `attendance import --school S [--calendar FILE] [--roster FILE] [--marks FILE]`
// Validates every file first and writes all of them in one transaction: one bad row anywhere and
// nothing is written (exit 1, every bad row listed). Re-running the same files changes nothing.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { writeAudit } from '../../api/auth/audit';
import { cliActor, osUser } from './actor';
import { openDbFromEnv } from '../../store/db';
import {
  ImportValidationError,
  parseCalendarText,
  parseMarksCsv,
  parseRosterCsv,
  runImport,
  type ImportInput,
  type ImportKind,
  type ImportSummary,
  type CsvParseOptions,
  type ProgressCallback,
  type RawRow,
} from '../../store/imports';

interface ImportCommandOptions {
  school: string;
  calendar?: string;
  roster?: string;
  marks?: string;
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('import a school calendar, roster and/or marks (CSV); all or nothing')
    .requiredOption('--school <id>', 'school id (URN)')
    .option('--calendar <file>', 'calendar file (JSON or YAML)')
    .option(
      '--roster <file>',
      'roster CSV: upn,given_name,family_name,year_group,date_of_birth,contact1_…,flags',
    )
    .option('--marks <file>', 'marks CSV: upn,date,session,code')
    .action(async (opts: ImportCommandOptions) => {
      process.exitCode = await importCommand(opts);
    });
}

export async function importCommand(opts: ImportCommandOptions): Promise<number> {
  if (!opts.calendar && !opts.roster && !opts.marks) {
    console.error('nothing to import: give --calendar, --roster and/or --marks');
    return 2;
  }
  const fileNames: Partial<Record<ImportKind, string>> = {
    calendar: opts.calendar && basename(opts.calendar),
    roster: opts.roster && basename(opts.roster),
    marks: opts.marks && basename(opts.marks),
  };
  const bar = progressBar();
  const db = await openDbFromEnv();
  try {
    const input: ImportInput = { schoolId: opts.school };
    if (opts.calendar) input.calendar = parseCalendarText(readFileSync(opts.calendar, 'utf8'), opts.calendar);
    // CSV files are streamed from disk: parsed as they are read, never held whole in memory.
    if (opts.roster) input.roster = await readCsv(parseRosterCsv, opts.roster, bar.for('roster'));
    if (opts.marks) input.marks = await readCsv(parseMarksCsv, opts.marks, bar.for('marks'));
    const summary = await runImport(db, input, {
      onProgress: bar.for(input.marks ? 'marks' : 'roster'),
      // Changes to parents' contacts and safeguarding flags are recorded as the command line's.
      actor: { userId: null, role: 'cli', osUser: osUser() },
    });
    bar.stop();
    await writeAudit(db, cliActor(), {
      action: 'import.succeeded',
      targetType: 'import',
      schoolId: opts.school,
      details: {
        via: 'cli',
        osUser: osUser(),
        roster: summary.roster && {
          rows: summary.roster.rows,
          inserted: summary.roster.inserted,
          watched: summary.roster.watched,
        },
        marks: summary.marks && { rows: summary.marks.rows, inserted: summary.marks.inserted },
        calendar: summary.calendar?.status,
      },
    });
    console.log(formatSummary(summary));
    return 0;
  } catch (err) {
    bar.stop();
    if (err instanceof ImportValidationError) {
      await writeAudit(db, cliActor(), {
        action: 'import.rejected',
        targetType: 'import',
        schoolId: opts.school,
        details: { via: 'cli', osUser: osUser(), errors: err.totalErrors },
      });
      console.error(formatValidationError(err, fileNames));
      return 1;
    }
    throw err;
  } finally {
    await db.close();
  }
}

function readCsv(
  parse: typeof parseRosterCsv,
  path: string,
  onProgress: ProgressCallback | undefined,
): Promise<RawRow[]> {
  // The size first: a missing file fails here, before a stream is opened.
  const options: CsvParseOptions = { totalBytes: statSync(path).size, ...(onProgress ? { onProgress } : {}) };
  return parse(createReadStream(path) as AsyncIterable<Buffer>, options);
}

export function formatSummary(s: ImportSummary): string {
  const lines = [`school ${s.schoolId}: import complete`];
  if (s.calendar) lines.push(`  calendar: ${s.calendar.status}`);
  if (s.roster) {
    lines.push(
      `  pupils:   ${s.roster.inserted} added, ${s.roster.updated} updated, ${s.roster.unchanged} unchanged (${s.roster.rows} rows)`,
    );
    const { applied, pending } = s.roster.watched;
    if (applied + pending > 0)
      lines.push(
        `  parents' contacts and safeguarding flags: ${applied} change${applied === 1 ? '' : 's'} in force` +
          (pending ? `, ${pending} waiting for a second person's approval` : '') +
          ' (each kept with its old value)',
      );
  }
  if (s.marks) {
    const extra = [
      s.marks.skipped ? `${s.marks.skipped} closure (#) marks on non-school days skipped` : '',
      s.marks.superseded ? `${s.marks.superseded} rows superseded by a later row` : '',
    ].filter(Boolean);
    lines.push(
      `  marks:    ${s.marks.inserted} inserted, ${s.marks.changed} changed, ${s.marks.unchanged} unchanged (${s.marks.rows} rows)` +
        (extra.length ? `; ${extra.join(', ')}` : ''),
    );
  }
  return lines.join('\n');
}

export function formatValidationError(
  err: ImportValidationError,
  fileNames: Partial<Record<ImportKind, string>> = {},
): string {
  const lines = [
    `import refused, nothing was written: ${err.totalErrors} problem${err.totalErrors === 1 ? '' : 's'}`,
  ];
  for (const r of err.rows) {
    const file = r.file ? (fileNames[r.file] ?? r.file) : '';
    const where = [file, r.line > 0 ? `line ${r.line}` : '', r.column ? `column ${r.column}` : '']
      .filter(Boolean)
      .join(', ');
    const value = r.value ? ` (${JSON.stringify(r.value)})` : '';
    lines.push(`  ${where}${value}: ${r.reason}`);
  }
  if (err.unlisted > 0) lines.push(`  … and ${err.unlisted} more`);
  return lines.join('\n');
}

/** A progress bar on stderr when it is a terminal; silent otherwise (pipes, CI). */
function progressBar(): { for(label: string): ProgressCallback | undefined; stop(): void } {
  if (!process.stderr.isTTY) return { for: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{label} {phase} [{bar}] {percentage}% {value}/{total}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let current = '';
  return {
    for: (label) => (e) => {
      const key = `${label}:${e.phase}`;
      if (!started) {
        bar.start(e.total, e.done, { label, phase: e.phase });
        started = true;
      } else if (key !== current) {
        bar.setTotal(e.total);
      }
      current = key;
      bar.update(e.done, { label, phase: e.phase });
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}
