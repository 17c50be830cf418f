// `attendance evidence --case ID --out FILE [--on DATE]`: the case's evidence pack as a zip
// (evidence.pdf, each letter as sent, manifest.json with every file's SHA-256), written to FILE. A
// draft: a manager approves a pack in the web app, which signs it off and records its hash. The pack's
// hash is printed so it can be checked later.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { displayNamesOf } from '../../api/auth/users';
import { generatePack } from '../../evidence/service';
import { writeAudit } from '../../api/auth/audit';
import { cliActor, osUser } from './actor';
import { openDbFromEnv } from '../../store/db';
import { parseIsoDateOption } from './options';

export function registerEvidenceCommand(program: Command): void {
  program
    .command('evidence')
    .description(
      "Write a case's evidence pack (a draft) as a zip: the PDF, each letter as sent, a manifest of hashes",
    )
    .requiredOption('--case <id>', 'the case id')
    .requiredOption('--out <file>', 'where to write the zip')
    .option('--on <date>', 'the figures as of this date (YYYY-MM-DD); default today', parseIsoDateOption)
    .action(async (opts: { case: string; out: string; on?: string }) => {
      const db = await openDbFromEnv();
      try {
        const made = await generatePack(db, {
          caseId: opts.case,
          asOf: opts.on ?? new Date().toISOString().slice(0, 10),
          by: { id: 'cli', name: 'the attendance command line' },
          namesOf: (ids) => displayNamesOf(db, ids),
        });
        if (!made) {
          console.error(`No case ${opts.case} in the store.`);
          process.exitCode = 1;
          return;
        }
        // A whole pupil's record leaves the store: recorded first, as a download from the app is.
        const { rows } = await db.query<{ school_id: string }>(
          'SELECT school_id FROM cases WHERE case_id = $1',
          [opts.case],
        );
        await writeAudit(db, cliActor(), {
          action: 'evidence.export',
          targetType: 'case',
          targetId: opts.case,
          schoolId: rows[0]?.school_id ?? null,
          details: { via: 'cli', osUser: osUser(), packHash: made.built.packHash },
        });
        writeFileSync(opts.out, made.built.zip);
        console.log(
          `Wrote ${opts.out}: ${made.built.files.length} files; manifest SHA-256 ${made.built.packHash}`,
        );
      } finally {
        await db.close();
      }
    });
}
