// What two faithful runs of the same school must agree on, and how many events differ between them:
// the differential test (test/workflows/whatIf.test.ts) and `npm run check:what-if` both hold the
// in-process driver to the workflows on Temporal with this.
import type { SimulationResult } from '../runSimulation';

/**
 * Each case as a family and a manager would read it, with what differs between two faithful runs
 * set aside: the instant a task ran (`at`), and ids made in the run, numbered in order of appearance.
 */
export function comparable(result: SimulationResult) {
  return result.cases
    .map((c) => {
      const ids = new Map<string, string>();
      const id = (v: string) => {
        if (!ids.has(v)) ids.set(v, `#${ids.size + 1}`);
        return ids.get(v)!;
      };
      const uuids = (s: string) =>
        s
          .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, id)
          .replace(/SHA-256 of its manifest [0-9a-f]{64}/g, 'SHA-256 of its manifest (hash)');
      return {
        upn: c.upn,
        caseId: c.caseId,
        status: c.status,
        stage: c.stage,
        events: c.events.map((e) => {
          const { at: _at, proposalId, ref, text, letter, ...rest } = e;
          return {
            ...rest,
            text: uuids(text),
            ...(proposalId ? { proposalId: id(proposalId) } : {}),
            ...(ref ? { ref: uuids(ref) } : {}),
            ...(letter
              ? { letter: { ...letter, text: uuids(letter.text), subject: uuids(letter.subject) } }
              : {}),
          };
        }),
      };
    })
    .sort((a, b) => a.upn.localeCompare(b.upn));
}

export type Comparable = ReturnType<typeof comparable>;

/**
 * How many events differ between two runs, pupil by pupil: each position where the events differ,
 * and each event one run has and the other has not (a case only one run opened counts all its
 * events), plus each case whose status or stage differs.
 */
export function differingEvents(a: Comparable, b: Comparable): number {
  const byUpn = (c: Comparable) => new Map(c.map((x) => [x.upn, x]));
  const ma = byUpn(a);
  const mb = byUpn(b);
  let n = 0;
  for (const upn of new Set([...ma.keys(), ...mb.keys()])) {
    const x = ma.get(upn);
    const y = mb.get(upn);
    if (!x || !y) {
      n += (x ?? y)!.events.length;
      continue;
    }
    if (x.status !== y.status || x.stage !== y.stage) n++;
    const len = Math.max(x.events.length, y.events.length);
    for (let i = 0; i < len; i++) if (canonical(x.events[i] ?? null) !== canonical(y.events[i] ?? null)) n++;
  }
  return n;
}

/**
 * JSON with every object's keys in order: PostgreSQL's jsonb keeps a view's keys in its own order
 * (shortest first), a store in memory keeps them as written, and neither order means anything.
 */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
