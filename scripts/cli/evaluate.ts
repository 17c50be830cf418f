import type { Command } from 'commander';

// Placeholder until the evaluate command lands; it says so rather than pretending to work.
export function registerEvaluateCommand(program: Command): void {
  program.command('evaluate').description('(not yet available)').action(() => {
    console.error('attendance evaluate is not available yet');
    process.exit(2);
  });
}
