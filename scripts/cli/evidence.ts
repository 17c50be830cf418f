// `attendance evidence --case ID --out FILE [--on DATE]`: the case's evidence pack as a zip
// (evidence.pdf, each letter as sent, manifest.json with every file's SHA-256), written to FILE. A
// draft: a manager approves a pack in the web app, which signs it off and records its hash. The pack's
// hash is printed so it can be checked later.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { displayNamesOf } from '../../api/auth/users';
import { generatePack } from '../../evidence/service';
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
        writeFileSync(opts.out, made.built.zip);
        console.log(
          `Wrote ${opts.out}: ${made.built.files.length} files; manifest SHA-256 ${made.built.packHash}`,
        );
      } finally {
        await db.close();
      }
    });
}
