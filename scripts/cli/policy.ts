import type { Command } from 'commander';

// Placeholder until the policy command lands; it says so rather than pretending to work.
export function registerPolicyCommand(program: Command): void {
  program.command('policy').description('(not yet available)').action(() => {
    console.error('attendance policy is not available yet');
    process.exit(2);
  });
}
