// `attendance audit verify`: checks the audit log's hash chain (docs/security.md, "An audit trail"),
// naming every entry changed or removed behind the application's back. Exit 1 when it is broken.
import type { Command } from 'commander';
import { verifyAuditChain } from '../../api/auth/audit';
import { openDbFromEnv } from '../../store/db';

export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('The audit log');
  audit
    .command('verify')
    .description('Check that no audit entry has been changed or removed (the hash chain)')
    .action(async () => {
      const db = await openDbFromEnv();
      try {
        const report = await verifyAuditChain(db);
        if (report.intact) {
          console.log(`Audit log: ${report.entries} entries; the hash chain is intact.`);
          return;
        }
        console.error(`Audit log: ${report.entries} entries; the hash chain is BROKEN:`);
        for (const p of report.problems) console.error(`  entry ${p.id}: ${p.problem}`);
        process.exitCode = 1;
      } finally {
        await db.close();
      }
    });
}
