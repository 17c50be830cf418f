// A what-if's result as people read it: a plain-text table per week with totals (the terminal), and
// CSV with one row per policy and week (a spreadsheet), a total row last for each policy.
import { stringify } from 'csv-stringify/sync';
import { policyLabels } from './compare';
import type { WhatIfCounts, WhatIfReport } from './report';
import type { WhatIfResult } from './run';

const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);

/** The measures of a week or total, in the order columns show them. */
const MEASURES: { key: string; label: string; of: (c: WhatIfCounts) => number }[] = [
  { key: 'cases_opened', label: 'Cases opened', of: (c) => sum(c.casesOpened) },
  { key: 'letters', label: 'Letters', of: (c) => sum(c.letters) },
  { key: 'held', label: 'Held', of: (c) => c.held },
  { key: 'meetings', label: 'Meetings', of: (c) => c.meetings },
  { key: 'home_visits', label: 'Home visits', of: (c) => c.homeVisits },
  { key: 'staff_hours', label: 'Staff hours', of: (c) => c.staffHours },
  { key: 'referrals', label: 'Referrals', of: (c) => c.referrals },
  {
    key: 'penalty_notice_considerations',
    label: 'Penalty notice considered',
    of: (c) => c.penaltyNoticeConsiderations,
  },
  { key: 'families_reached', label: 'Families reached', of: (c) => c.familiesReached },
];

export function whatIfCsv(result: WhatIfResult): string {
  const stages = [
    ...new Set(result.reports.flatMap((r) => r.weeks.flatMap((w) => Object.keys(w.casesOpened)))),
  ].sort();
  const templates = [...new Set(result.reports.flatMap((r) => Object.keys(r.total.letters)))].sort();
  const header = [
    'policy',
    'policy_version',
    'week_of',
    ...MEASURES.map((m) => m.key),
    ...stages.map((s) => `opened_at_${s}`),
    ...templates.map((t) => `letters_${t}`),
  ];
  const rows: (string | number)[][] = [];
  for (const r of result.reports) {
    const row = (weekOf: string, c: WhatIfCounts) => [
      r.policy.id,
      r.policy.version,
      weekOf,
      ...MEASURES.map((m) => m.of(c)),
      ...stages.map((s) => c.casesOpened[s] ?? 0),
      ...templates.map((t) => c.letters[t] ?? 0),
    ];
    for (const w of r.weeks) rows.push(row(w.weekOf, w));
    rows.push(row('total', r.total));
  }
  return stringify([header, ...rows]);
}

/** A fixed-width table: the first column left-aligned, the rest right-aligned. */
function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

export function whatIfText(
  result: WhatIfResult,
  opts: { approve: string; listDifferences?: number },
): string {
  const [a, b] = result.reports;
  const labels = b ? policyLabels(a.policy, b.policy) : [a.policy.name];
  const cell = (of: (r: WhatIfReport) => number) => result.reports.map((r) => fmt(of(r))).join(' / ');
  const out: string[] = [];
  out.push(
    b ? `What if: ${labels[0]} (first figure) against ${labels[1]} (second)` : `What if: ${labels[0]}`,
    `${a.schools.length === 1 ? `School ${a.schools[0]}` : `${a.schools.length} schools`}, ${a.pupils} pupils, ${a.from} to ${a.to}; the team approves ${opts.approve === 'all' ? 'every proposal' : opts.approve === 'none' ? 'nothing' : 'only what the policy sends by itself'}`,
    '',
  );
  const weekRows = a.weeks.map((w, i) => [w.weekOf, ...MEASURES.map((m) => cell((r) => m.of(r.weeks[i]!)))]);
  weekRows.push(['Total', ...MEASURES.map((m) => cell((r) => m.of(r.total)))]);
  out.push(table(['Week of', ...MEASURES.map((m) => m.label)], weekRows), '');

  /** A total broken down by key (template, stage), one column per policy; nothing when empty. */
  const byKey = (title: string, head: string, of: (r: WhatIfReport) => Record<string, number>) => {
    const keys = [...new Set(result.reports.flatMap((r) => Object.keys(of(r))))].sort();
    if (keys.length === 0) return;
    const rows = keys.map((k) => [k, ...result.reports.map((r) => String(of(r)[k] ?? 0))]);
    out.push(title, table([head, ...labels], rows), '');
  };
  byKey('Letters by template', 'Template', (r) => r.total.letters);
  byKey('Open cases at the end, by stage', 'Stage', (r) => r.total.openAtEnd);
  if (result.differences) {
    const limit = opts.listDifferences ?? 50;
    out.push(
      result.differences.length === 0
        ? 'Every pupil takes the same route under both policies.'
        : `${result.differences.length} pupil${result.differences.length === 1 ? "'s route differs" : "s' routes differ"}:`,
    );
    for (const d of result.differences.slice(0, limit)) out.push(`  ${d.upn}  ${d.why}`);
    if (result.differences.length > limit)
      out.push(`  … and ${result.differences.length - limit} more (--json lists them all)`);
  }
  out.push(`Ran in ${result.reports.reduce((s, r) => s + r.wallSeconds, 0).toFixed(1)} s.`);
  return out.join('\n');
}
