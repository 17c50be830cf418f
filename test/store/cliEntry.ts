// The `attendance` CLI with only the store's commands, so these tests run the real command code
// without depending on every other sub-command loading.
import { Command } from 'commander';
import { registerImportCommand } from '../../scripts/cli/import';
import { registerStatsCommand } from '../../scripts/cli/stats';
import { registerAuditCommand } from '../../scripts/cli/audit';

const program = new Command('attendance');
registerImportCommand(program);
registerStatsCommand(program);
registerAuditCommand(program);
program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
