// `attendance what-if --policy NAME|FILE [--compare NAME|FILE] [--school S] --from DATE --to DATE
// [--approve all|none|auto-only] [--engine fast|temporal] [--threads N] [--json | --csv]`: what a policy would do
// over imported marks, counted per school week and in total (cases opened by stage, letters by
// template, meetings and home visits with the staff hours they take, referrals, penalty-notice
// considerations, families reached); with --compare, two policies side by side and the pupils whose
// routes differ. Every school in the store when --school is not given. Nothing is sent and the store
// is not changed (scripts/simulation/whatIf).
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { loadPolicyFile } from '../../policies';
import { openDbFromEnv } from '../../store/db';
import type { ApproveRule } from '../simulation/runSimulation';
import { whatIfCsv, whatIfText } from '../simulation/whatIf/format';
import { runWhatIf } from '../simulation/whatIf/run';
import { APPROVE_OPTION, ENGINE_OPTION, parseIsoDateOption } from './options';

export function registerWhatIfCommand(program: Command): void {
  program
    .command('what-if')
    .description(
      'Count what a policy (or two, side by side) would do over imported marks, per week and in total (nothing is sent)',
    )
    .requiredOption('--policy <name|file>', 'a policy name in policies/ or a path to a policy file')
    .option('--compare <name|file>', 'a second policy to compare with the first')
    .option('--school <id>', 'one school (URN or code); every school in the store when left out')
    .requiredOption('--from <date>', 'first day (YYYY-MM-DD)', parseIsoDateOption)
    .requiredOption('--to <date>', 'last day (YYYY-MM-DD)', parseIsoDateOption)
    .option(APPROVE_OPTION.flags, APPROVE_OPTION.description, APPROVE_OPTION.parse, 'all')
    .option(ENGINE_OPTION.flags, ENGINE_OPTION.description, ENGINE_OPTION.parse, 'fast')
    .option(
      '--threads <n>',
      'schools run side by side, each on a thread of its own (default: one per CPU core)',
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new Error('--threads is a whole number, 1 or more');
        return n;
      },
    )
    .option('--json', 'print the reports (weeks, totals, every pupil route) and the differing pupils as JSON')
    .option('--csv', 'print CSV: one row per policy and week, and a total row for each policy')
    .action(
      async (opts: {
        policy: string;
        compare?: string;
        school?: string;
        from: string;
        to: string;
        approve: ApproveRule;
        engine: 'fast' | 'temporal';
        threads?: number;
        json?: boolean;
        csv?: boolean;
      }) => {
        if (opts.from > opts.to) throw new Error('--from must not be after --to');
        if (opts.json && opts.csv) throw new Error('choose one of --json and --csv');
        const policy = loadPolicyFile(opts.policy);
        const compareWith = opts.compare ? loadPolicyFile(opts.compare) : undefined;
        const source = await openDbFromEnv();
        const quiet = opts.json || opts.csv || !process.stderr.isTTY;
        try {
          const result = await runWhatIf({
            source,
            policy,
            ...(compareWith ? { compareWith } : {}),
            ...(opts.school ? { schoolId: opts.school } : {}),
            from: opts.from,
            to: opts.to,
            approve: opts.approve,
            engine: opts.engine,
            threads: opts.threads ?? availableParallelism(),
            onProgress: quiet
              ? undefined
              : (p) =>
                  process.stderr.write(
                    `\r${p.policy}, school ${p.school}: ${p.day} (${p.index + 1}/${p.total})`.padEnd(78),
                  ),
          });
          if (!quiet) process.stderr.write('\n');
          if (opts.json) console.log(JSON.stringify(result, null, 2));
          else if (opts.csv) process.stdout.write(whatIfCsv(result));
          else console.log(whatIfText(result, { approve: opts.approve }));
        } finally {
          await source.close();
        }
      },
    );
}
