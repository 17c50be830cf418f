// Writes a synthetic school (api/demo/synthetic.ts) as files: a calendar, a roster and a year of
// register marks, with the later re-codes of N marks apart.
//
//   tsx scripts/bench/synthetic.ts --pupils 600 --school 100001 --out ./data/demo [--seed 1]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { syntheticSchoolFiles } from '../../api/demo/synthetic';

function main(argv: string[]): void {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const out = arg('out') ?? './data/synthetic';
  const school = arg('school') ?? '100001';
  const files = syntheticSchoolFiles({
    school,
    pupils: Number(arg('pupils') ?? 600),
    seed: Number(arg('seed') ?? 1),
    until: arg('until'),
  });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'calendar.json'), JSON.stringify(files.calendar, null, 2) + '\n');
  writeFileSync(join(out, 'roster.csv'), files.rosterCsv);
  writeFileSync(join(out, 'marks.csv'), files.marksCsv);
  writeFileSync(join(out, 'marks-recoded.csv'), files.recodesCsv);
  console.log(`wrote calendar.json, roster.csv, marks.csv, marks-recoded.csv for school ${school} to ${out}`);
}

main(process.argv.slice(2));
