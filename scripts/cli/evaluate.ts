// `attendance evaluate --school S --policy NAME|FILE [--on DATE] [--json]`: where every pupil
// stands under a policy on a date — figures, stage, the rules that fired and the next steps.
import type { Command } from 'commander';
import { evaluatePupils } from '../../domain/policy/evaluateSchool';
import { figureOptionsFor } from '../../domain/policy/schema';
import { getPreparedEvaluation, evaluatePupil } from '../../domain/stats';
import { loadPolicyFile } from '../../policies';
import { openDbFromEnv } from '../../store/db';
import { loadSchoolSnapshot } from '../../store/marks';
import { CURRENT_ENGINE } from '../../workflows/caseInput';
import { defaultAsOf, parseIsoDateOption } from './options';

export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description(
      'Evaluate every pupil of a school against a policy: figures, stage, triggered rules, next steps',
    )
    .requiredOption('--school <id>', 'school id (URN or code)')
    .requiredOption('--policy <name|file>', 'a policy name in policies/ or a path to a policy file')
    .option(
      '--on <date>',
      'evaluate as of this date (YYYY-MM-DD); default: the last school day up to today',
      parseIsoDateOption,
    )
    .option('--json', 'print JSON')
    .action(async (opts: { school: string; policy: string; on?: string; json?: boolean }) => {
      const policy = await loadPolicyFile(opts.policy);
      const db = await openDbFromEnv();
      try {
        const snapshot = await loadSchoolSnapshot(db, opts.school);
        if (!snapshot) throw new Error(`school ${opts.school} is not in the store: import it first`);
        const asOf = opts.on ?? defaultAsOf(snapshot.calendar);
        // The figures and the judgement a sweep would make today: the policy's counting codes and N's
        // grace, judged as the engine new cases start on.
        const prepared = getPreparedEvaluation(snapshot.calendar, asOf, figureOptionsFor(policy));
        const facts = snapshot.pupils.map((p) =>
          evaluatePupil(
            prepared,
            {
              pupilId: p.id,
              upn: p.upn,
              yearGroup: p.yearGroup,
              flags: p.flags,
              startDate: p.startDate,
              leftOn: p.leftOn,
            },
            snapshot.grids.get(p.id)!,
          ),
        );
        const rows = evaluatePupils(policy, facts, asOf, snapshot.calendar, {}, { engine: CURRENT_ENGINE });
        if (opts.json) {
          console.log(JSON.stringify(rows, null, 2));
          return;
        }
        console.log(`${policy.name} — ${snapshot.school.name}, as of ${asOf}\n`);
        for (const r of rows) {
          const pct = r.attendance === null ? '  n/a ' : `${r.attendance.toFixed(2)}%`;
          console.log(`${r.upn}  ${pct.padStart(7)}  ${r.stageName ?? '—'}`);
          for (const reason of r.reasons) console.log(`    because ${reason}`);
          for (const s of r.nextSteps) console.log(`    next: ${s.title} (${s.kind})`);
        }
        const byStage = new Map<string, number>();
        for (const r of rows)
          byStage.set(r.stageName ?? 'no stage', (byStage.get(r.stageName ?? 'no stage') ?? 0) + 1);
        console.log(`\n${rows.length} pupils: ${[...byStage].map(([s, n]) => `${s} ${n}`).join(', ')}`);
      } finally {
        await db.close();
      }
    });
}
