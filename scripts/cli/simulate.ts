// `attendance simulate --school S --policy NAME|FILE --from DATE --to DATE [--approve all|none|auto-only]
// [--engine fast|temporal] [--json]`: runs the school's real sweep and case code over the imported
// marks, so a school can preview a policy on last year's data. Nothing is sent and the real store is
// not changed. `fast` (the default) runs the cases in this process on a simulated school clock
// (scripts/simulation/inProcess); `temporal` runs the real workflows on the time-skipping server,
// slower, and the reference the fast run is tested against (test/workflows/whatIf.test.ts).
import type { Command } from 'commander';
import { loadPolicyFile } from '../../policies';
import { openDbFromEnv } from '../../store/db';
import { runInProcess } from '../simulation/inProcess/runInProcess';
import { runSimulation, type ApproveRule } from '../simulation/runSimulation';
import { APPROVE_OPTION, ENGINE_OPTION, parseIsoDateOption } from './options';

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description("Run the school's sweep and cases over imported marks under a policy (nothing is sent)")
    .requiredOption('--school <id>', 'school id (URN or code)')
    .requiredOption('--policy <name|file>', 'a policy name in policies/ or a path to a policy file')
    .requiredOption('--from <date>', 'first day (YYYY-MM-DD)', parseIsoDateOption)
    .requiredOption('--to <date>', 'last day (YYYY-MM-DD)', parseIsoDateOption)
    .option(APPROVE_OPTION.flags, APPROVE_OPTION.description, APPROVE_OPTION.parse, 'all')
    .option(ENGINE_OPTION.flags, ENGINE_OPTION.description, ENGINE_OPTION.parse, 'fast')
    .option(
      '--evidence <dir>',
      'write, for each case that reaches a referral step, the evidence pack it would have produced that day (a folder per case id)',
    )
    .option(
      '--json',
      "print JSON: [{ upn, events: [{ date, type, stage, template?, text, summary?, subject?, recipients? }] }]; a letter event's text is the letter as sent",
    )
    .action(
      async (opts: {
        school: string;
        policy: string;
        from: string;
        to: string;
        approve: ApproveRule;
        engine: 'fast' | 'temporal';
        json?: boolean;
        evidence?: string;
      }) => {
        if (opts.from > opts.to) throw new Error('--from must not be after --to');
        const policy = await loadPolicyFile(opts.policy);
        const source = await openDbFromEnv();
        try {
          const run = opts.engine === 'temporal' ? runSimulation : runInProcess;
          const result = await run({
            source,
            schoolId: opts.school,
            policy,
            from: opts.from,
            to: opts.to,
            approve: opts.approve,
            ...(opts.evidence ? { evidenceDir: opts.evidence } : {}),
            onDay:
              opts.json || !process.stderr.isTTY
                ? undefined
                : (d, i, n) => process.stderr.write(`\rsimulating ${d} (${i + 1}/${n})`),
          });
          if (!opts.json) process.stderr.write('\n');
          if (opts.json) {
            const out = result.cases.map((c) => ({
              upn: c.upn,
              caseId: c.caseId,
              status: c.status,
              ...(c.evidence ? { evidence: c.evidence } : {}),
              events: c.events.map((e) => ({
                date: e.date,
                type: e.type,
                stage: e.stageId,
                ...(e.template ? { template: e.template } : {}),
                // A letter, message or invitation: its plain text exactly as the family would get it,
                // with its subject and recipients; the timeline's own line is its summary.
                ...(e.letter
                  ? {
                      summary: e.text,
                      subject: e.letter.subject,
                      text: e.letter.text,
                      recipients: e.letter.recipients,
                    }
                  : { text: e.text }),
              })),
            }));
            console.log(JSON.stringify(out, null, 2));
            return;
          }
          for (const c of result.cases) {
            console.log(`\n${c.upn}  (${c.status}${c.stage ? `, ${c.stage}` : ''})`);
            for (const e of c.events) console.log(`  ${e.date}  ${e.type.padEnd(18)} ${e.text}`);
            if (c.evidence)
              console.log(`  evidence pack at its referral (${c.evidence.asOf}): ${c.evidence.dir}`);
          }
          console.log(
            `\n${result.cases.length} cases for ${result.pupils} pupils over ${result.schoolDays} school days (${result.from} to ${result.to}) in ${result.wallSeconds.toFixed(1)} s`,
          );
        } finally {
          await source.close();
        }
      },
    );
}
