import type { Command } from 'commander';

// Placeholder until the stats command lands; it says so rather than pretending to work.
export function registerStatsCommand(program: Command): void {
  program.command('stats').description('(not yet available)').action(() => {
    console.error('attendance stats is not available yet');
    process.exit(2);
  });
}
