// The `attendance` command line. Each sub-command lives in scripts/cli/ and registers itself here.
import { Command } from 'commander';
import { registerImportCommand } from './cli/import';
import { registerStatsCommand } from './cli/stats';
import { registerPolicyCommand } from './cli/policy';
import { registerEvaluateCommand } from './cli/evaluate';
import { registerSimulateCommand } from './cli/simulate';
import { registerWhatIfCommand } from './cli/whatIf';
import { registerEvidenceCommand } from './cli/evidence';
import { registerAuditCommand } from './cli/audit';
import { registerKeysCommand } from './cli/keys';

const program = new Command('attendance').description(
  'Staged attendance intervention: data, policies and cases',
);
registerImportCommand(program);
registerStatsCommand(program);
registerPolicyCommand(program);
registerEvaluateCommand(program);
registerSimulateCommand(program);
registerWhatIfCommand(program);
registerEvidenceCommand(program);
registerAuditCommand(program);
registerKeysCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
