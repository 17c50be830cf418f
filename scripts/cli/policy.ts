import type { Command } from 'commander';
import { describePolicy, formatIssue } from '../../domain/policy/index';
import { checkPolicyFile, listPolicies } from '../../policies/index';

// `attendance policy check FILE|NAME` and `attendance policy list`.
export function registerPolicyCommand(program: Command): void {
  const policy = program.command('policy').description('Staged-intervention policies (policies/*.yaml)');

  policy
    .command('check')
    .argument('<fileOrName>', 'a policy file, or a NAME in policies/ (NAME.yaml)')
    .description('Validate a policy: print its errors (exit 1) or a readable summary of its stages')
    .action((fileOrName: string) => {
      let checked: ReturnType<typeof checkPolicyFile>;
      try {
        checked = checkPolicyFile(fileOrName);
      } catch (err) {
        console.error(err instanceof Error ? err.message : String(err));
        process.exitCode = 1;
        return;
      }
      const { file, result } = checked;
      if (!result.ok) {
        console.error(`${file}: ${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}`);
        for (const issue of result.issues) console.error(formatIssue(issue));
        process.exitCode = 1;
        return;
      }
      console.log(`${file}: valid\n`);
      console.log(describePolicy(result.policy));
    });

  policy
    .command('list')
    .description('List the policies in policies/')
    .action(() => {
      for (const p of listPolicies()) {
        const { result } = checkPolicyFile(p.file);
        console.log(
          `${p.name}\t${result.ok ? `${result.policy.name} (v${result.policy.version})` : 'INVALID'}`,
        );
      }
    });
}
