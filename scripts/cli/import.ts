import type { Command } from 'commander';

// Placeholder until the import command lands; it says so rather than pretending to work.
export function registerImportCommand(program: Command): void {
  program.command('import').description('(not yet available)').action(() => {
    console.error('attendance import is not available yet');
    process.exit(2);
  });
}
