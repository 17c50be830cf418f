// Two policies over the same pupils: which pupils' routes differ, and where they part. A route is
// the stages a case entered and the steps it carried out, each with its day (report.ts); two routes
// are the same when every one of those is the same, on the same day.
import type { IsoDate } from '../../../domain/types';
import type { Milestone, WhatIfReport } from './report';

export interface RouteDifference {
  upn: string;
  /** The first day the routes part. */
  from: IsoDate;
  /** What happened from that day under each policy (empty: nothing more, or no case at all). */
  a: Milestone[];
  b: Milestone[];
  /** One sentence for a manager: where the routes part and, where the case recorded it, why. */
  why: string;
}

/** 17 November 2025: how a manager reads a date. */
const longDate = (d: IsoDate) =>
  new Date(`${d}T12:00:00Z`).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });

const same = (x: Milestone, y: Milestone) => x.date === y.date && x.kind === y.kind && x.name === y.name;

function describe(m: Milestone | undefined, policyName: string, hadCase: boolean): string {
  if (!m)
    return hadCase ? `under ${policyName} nothing more happens` : `under ${policyName} no case is opened`;
  const what =
    m.kind === 'stage' ? `the case is at ${m.name}` : m.kind === 'closed' ? 'the case closes' : m.name;
  return `under ${policyName} ${what} on ${longDate(m.date)}${m.why ? ` (${m.why})` : ''}`;
}

/** Every pupil whose route differs between the two runs, in UPN order. */
export function differingRoutes(a: WhatIfReport, b: WhatIfReport): RouteDifference[] {
  const routesA = new Map(a.routes.map((r) => [r.upn, r.milestones]));
  const routesB = new Map(b.routes.map((r) => [r.upn, r.milestones]));
  const [nameA, nameB] = policyLabels(a.policy, b.policy);
  const upns = [...new Set([...routesA.keys(), ...routesB.keys()])].sort();
  const out: RouteDifference[] = [];
  for (const upn of upns) {
    const ra = routesA.get(upn) ?? [];
    const rb = routesB.get(upn) ?? [];
    let i = 0;
    while (i < ra.length && i < rb.length && same(ra[i]!, rb[i]!)) i++;
    if (i === ra.length && i === rb.length) continue;
    const restA = ra.slice(i);
    const restB = rb.slice(i);
    const from = [restA[0]?.date, restB[0]?.date].filter((d): d is IsoDate => !!d).sort()[0]!;
    out.push({
      upn,
      from,
      a: restA,
      b: restB,
      why: `${capitalise(describe(restA[0], nameA, ra.length > 0))}; ${describe(restB[0], nameB, rb.length > 0)}.`,
    });
  }
  return out;
}

/** How a manager tells the two policies apart: by name, else by version, else as the first and second. */
export function policyLabels(a: WhatIfReport['policy'], b: WhatIfReport['policy']): [string, string] {
  if (a.name !== b.name) return [a.name, b.name];
  if (String(a.version) !== String(b.version)) return [`${a.name} v${a.version}`, `${b.name} v${b.version}`];
  return ['the first policy', 'the second policy'];
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
