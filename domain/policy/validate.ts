// Policy validation: YAML syntax, the zod schema, then the rules a schema cannot express (band gaps
// and overlaps, unreachable stages, duplicate ids, unknown references). Every issue names its rule
// and the place in the file (line:column from the yaml document + the issue path).
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { describeSpan, isEmpty, type Interval } from './bands';
import { toInterval } from './conditions/attendance';
import { keysOf } from './conditions/index';
import type { IssuePath, RuleIssue } from './conditions/kind';
import { policySchema, type Condition, type Policy } from './schema';

export type { IssuePath };

export interface PolicyIssue {
  /** e.g. "bands.gap", "ref.unknown-step", "schema.invalid_value", "yaml.syntax". */
  rule: string;
  message: string;
  path: IssuePath;
  file: string;
  line: number;
  column: number;
}

export type PolicyValidation =
  { ok: true; policy: Policy; issues: [] } | { ok: false; issues: PolicyIssue[] };

export function formatIssue(issue: PolicyIssue): string {
  const where = issue.path.length ? ` (at ${formatPath(issue.path)})` : '';
  return `${issue.file}:${issue.line}:${issue.column} [${issue.rule}] ${issue.message}${where}`;
}

export function formatPath(path: IssuePath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

export class PolicyValidationError extends Error {
  constructor(public readonly issues: PolicyIssue[]) {
    super(`policy is not valid:\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'PolicyValidationError';
  }
}

/** Validate a policy file's text. Pure: the caller reads the file. */
export function validatePolicy(yamlText: string, fileName = 'policy.yaml'): PolicyValidation {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return {
          rule: 'yaml.syntax',
          message: e.message.split('\n')[0] ?? e.message,
          path: [],
          file: fileName,
          line: pos.line,
          column: pos.col,
        };
      }),
    };
  }
  const locate = locator(doc, lineCounter, fileName);
  const parsed = policySchema.safeParse(doc.toJS());
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.flatMap((issue) => zodIssues(issue).map((i) => locate(i))),
    };
  }
  const semantic = checkPolicy(parsed.data);
  if (semantic.length > 0) return { ok: false, issues: semantic.map(locate) };
  return { ok: true, policy: parsed.data, issues: [] };
}

/** Validate and return the policy, or throw a PolicyValidationError listing every issue. */
export function parsePolicy(yamlText: string, fileName = 'policy.yaml'): Policy {
  const result = validatePolicy(yamlText, fileName);
  if (!result.ok) throw new PolicyValidationError(result.issues);
  return result.policy;
}

function zodIssues(issue: z.core.$ZodIssue): RuleIssue[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      rule: 'schema.unrecognized_key',
      message: `unknown key "${key}"`,
      path: [...path, key],
    }));
  }
  return [{ rule: `schema.${issue.code}`, message: issue.message, path }];
}

function locator(doc: Document, lineCounter: LineCounter, file: string) {
  return (issue: RuleIssue): PolicyIssue => {
    const offset = offsetOf(doc, issue.path);
    const pos = offset === null ? { line: 1, col: 1 } : lineCounter.linePos(offset);
    return { ...issue, file, line: pos.line, column: pos.col };
  };
}

/** The offset of the deepest node on the path that exists; a map key's own position when the path ends at a key. */
function offsetOf(doc: Document, path: IssuePath): number | null {
  for (let n = path.length; n >= 0; n--) {
    const prefix = path.slice(0, n);
    const last = prefix[prefix.length - 1];
    if (typeof last === 'string') {
      const parent = prefix.length === 1 ? doc.contents : doc.getIn(prefix.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
        if (pair && isNode(pair.key) && pair.key.range) return pair.key.range[0];
      }
    }
    const node = n === 0 ? doc.contents : doc.getIn(prefix, true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Rules beyond the schema. Paths index the file as written (defaults never shift array indices).

type PlacedCondition = {
  condition: Condition;
  path: IssuePath;
  stageIndex: number;
  list: 'entry' | 'when' | 'skipWhen' | 'exit';
};

export function checkPolicy(policy: Policy): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const stageIndex = new Map<string, number>();
  const stepStage = new Map<string, { stageIndex: number; monitor: boolean }>();

  policy.stages.forEach((stage, si) => {
    if (stageIndex.has(stage.id)) {
      issues.push({
        rule: 'ids.duplicate-stage',
        message: `stage id "${stage.id}" is used twice`,
        path: ['stages', si, 'id'],
      });
    } else stageIndex.set(stage.id, si);
    stage.steps.forEach((step, ti) => {
      if (stepStage.has(step.id)) {
        issues.push({
          rule: 'ids.duplicate-step',
          message: `step id "${step.id}" is used twice (step ids are unique across the policy)`,
          path: ['stages', si, 'steps', ti, 'id'],
        });
      } else stepStage.set(step.id, { stageIndex: si, monitor: step.monitor });
      if (step.monitor && !step.waitAfter) {
        issues.push({
          rule: 'steps.monitor-needs-wait',
          message: `step "${step.id}" monitors but has no waitAfter to say how long the window is`,
          path: ['stages', si, 'steps', ti, 'monitor'],
        });
      }
      if (step.kind === 'noticeToImprove') issues.push(...noticeToImproveIssues(step, si, ti));
      if (step.kind === 'penaltyNoticeConsideration' && step.approval !== 'manager') {
        issues.push({
          rule: 'steps.penalty-notice-needs-manager',
          message: `step "${step.id}": a penalty notice is only ever considered, so its approval must be "manager"`,
          path: ['stages', si, 'steps', ti, 'approval'],
        });
      }
    });
  });

  const sites: PlacedCondition[] = [];
  policy.stages.forEach((stage, si) => {
    stage.entry.forEach((c, j) =>
      sites.push({ condition: c, path: ['stages', si, 'entry', j], stageIndex: si, list: 'entry' }),
    );
    stage.steps.forEach((step, ti) => {
      step.when?.forEach((c, j) =>
        sites.push({
          condition: c,
          path: ['stages', si, 'steps', ti, 'when', j],
          stageIndex: si,
          list: 'when',
        }),
      );
      step.skipWhen?.forEach((c, j) =>
        sites.push({
          condition: c,
          path: ['stages', si, 'steps', ti, 'skipWhen', j],
          stageIndex: si,
          list: 'skipWhen',
        }),
      );
    });
    stage.exits.forEach((exit, ei) => {
      exit.when.forEach((c, j) =>
        sites.push({
          condition: c,
          path: ['stages', si, 'exits', ei, 'when', j],
          stageIndex: si,
          list: 'exit',
        }),
      );
      if (exit.deescalateTo !== undefined) {
        const target = stageIndex.get(exit.deescalateTo);
        if (target === undefined) {
          issues.push({
            rule: 'ref.unknown-stage',
            message: `exit de-escalates to unknown stage "${exit.deescalateTo}"`,
            path: ['stages', si, 'exits', ei, 'deescalateTo'],
          });
        } else if (target >= si) {
          issues.push({
            rule: 'exits.not-less-severe',
            message: `stage "${stage.id}" can only de-escalate to a less severe stage, not "${exit.deescalateTo}"`,
            path: ['stages', si, 'exits', ei, 'deescalateTo'],
          });
        }
      }
    });
  });

  for (const site of sites) checkCondition(site, policy, stageIndex, stepStage, issues);
  checkBands(policy, issues);
  checkReachable(policy, issues);
  return issues;
}

/** Each key's own checks (conditions/<kind>.ts), then the rule every exit must keep. */
function checkCondition(
  site: PlacedCondition,
  policy: Policy,
  stageIndex: Map<string, number>,
  stepStage: Map<string, { stageIndex: number; monitor: boolean }>,
  issues: RuleIssue[],
): void {
  const keys = keysOf(site.condition);
  for (const { key, kind, value } of keys) {
    kind.check?.(value, {
      key,
      path: [...site.path, key],
      list: site.list,
      stageIndex: site.stageIndex,
      stageIndexOf: (id) => stageIndex.get(id),
      stageIdAt: (index) => policy.stages[index]?.id,
      stepOf: (id) => stepStage.get(id),
      requireStage(id, path) {
        if (!stageIndex.has(id))
          issues.push({ rule: 'ref.unknown-stage', message: `unknown stage "${id}"`, path });
      },
      requireStep(id, path) {
        if (!stepStage.has(id))
          issues.push({ rule: 'ref.unknown-step', message: `unknown step "${id}"`, path });
      },
      report: (issue) => issues.push(issue),
    });
  }
  if (site.list === 'exit' && !keys.some(({ kind, value }) => kind.opensExit?.(value))) {
    issues.push({
      rule: 'exits.needs-window-end',
      message:
        'an exit must wait for the end of a monitoring window (improved / windowEnded) so a case never steps back on a single good day',
      path: site.path,
    });
  }
}

interface BandSite {
  interval: Interval;
  path: IssuePath;
  owner: string;
}

/** A standalone attendance trigger (its only key is `attendance`) is a band; bands must tile the scale. */
function checkBands(policy: Policy, issues: RuleIssue[]): void {
  const byWindow = new Map<string, BandSite[]>();
  const add = (window: string, site: BandSite) => {
    if (isEmpty(site.interval)) {
      issues.push({
        rule: 'bands.empty',
        message: `the band of ${site.owner} is empty (from ${site.interval.lo}% to ${site.interval.hi}%), so it can never match`,
        path: site.path,
      });
      return;
    }
    byWindow.set(window, [...(byWindow.get(window) ?? []), site]);
  };
  if (policy.universal) {
    add(policy.universal.attendance.window, {
      interval: toInterval(policy.universal.attendance),
      path: ['universal', 'attendance'],
      owner: `"${policy.universal.name}" (universal)`,
    });
  }
  policy.stages.forEach((stage, si) =>
    stage.entry.forEach((c, j) => {
      const keys = Object.entries(c).filter(([, v]) => v !== undefined);
      if (keys.length === 1 && c.attendance) {
        add(c.attendance.window, {
          interval: toInterval(c.attendance),
          path: ['stages', si, 'entry', j, 'attendance'],
          owner: `stage "${stage.id}"`,
        });
      }
    }),
  );

  for (const [window, sites] of byWindow) {
    const sorted = [...sites].sort((a, b) => a.interval.lo - b.interval.lo || (a.interval.loInc ? -1 : 1));
    const first = sorted[0]!;
    if (first.interval.lo > 0 || !first.interval.loInc) {
      issues.push({
        rule: 'bands.gap',
        message: `no stage covers attendance ${describeSpan(0, first.interval.lo, true, !first.interval.loInc)} over ${window}`,
        path: first.path,
      });
    }
    let reach = first;
    for (const next of sorted.slice(1)) {
      const a = reach.interval;
      const b = next.interval;
      const touches = a.hi === b.lo;
      if (a.hi < b.lo || (touches && !a.hiInc && !b.loInc)) {
        issues.push({
          rule: 'bands.gap',
          message: `no stage covers attendance ${describeSpan(a.hi, b.lo, !a.hiInc, !b.loInc)} over ${window}: between ${reach.owner} and ${next.owner}`,
          path: next.path,
        });
      } else if ((a.hi > b.lo || (touches && a.hiInc && b.loInc)) && reach.owner !== next.owner) {
        const hi = Math.min(a.hi, b.hi);
        issues.push({
          rule: 'bands.overlap',
          message: `${reach.owner} and ${next.owner} both cover attendance ${describeSpan(b.lo, hi, b.loInc, a.hi === hi ? a.hiInc : b.hiInc)} over ${window}: state which side each edge belongs to`,
          path: next.path,
        });
      }
      if (b.hi > a.hi || (b.hi === a.hi && b.hiInc)) reach = next;
    }
    if (policy.universal && policy.universal.attendance.window === window) {
      const top = reach.interval;
      if (top.hi < 100 || !top.hiInc) {
        issues.push({
          rule: 'bands.gap',
          message: `no stage covers attendance ${describeSpan(top.hi, 100, !top.hiInc, true)} over ${window}`,
          path: reach.path,
        });
      }
    }
  }
}

function checkReachable(policy: Policy, issues: RuleIssue[]): void {
  const targets = new Set(
    policy.stages.flatMap((s) => s.exits.map((e) => e.deescalateTo).filter((t) => t !== undefined)),
  );
  policy.stages.forEach((stage, si) => {
    const live = stage.entry.filter((c) => !(c.attendance && isEmpty(toInterval(c.attendance))));
    if (live.length === 0 && !targets.has(stage.id)) {
      issues.push({
        rule: 'stages.unreachable',
        message: `stage "${stage.id}" can never be entered: it has no entry trigger that can hold and no stage de-escalates to it`,
        path: ['stages', si, stage.entry.length ? 'entry' : 'id'],
      });
    }
  });
}

/**
 * A notice to improve (DOMAIN.md, "Notice to improve") is a letter that sets an improvement period of
 * 3 to 6 school weeks, judged at its end, and says what sufficient improvement means and the support
 * offered. It is a step towards a penalty notice, so a person always approves it.
 */
function noticeToImproveIssues(step: Policy['stages'][number]['steps'][number], si: number, ti: number) {
  const issues: RuleIssue[] = [];
  const at = (key: string): IssuePath => ['stages', si, 'steps', ti, key];
  const wait = step.waitAfter;
  const days = wait ? (wait.schoolWeeks !== undefined ? wait.schoolWeeks * 5 : (wait.schoolDays ?? 0)) : 0;
  if (!wait || !step.monitor || days < 15 || days > 30)
    issues.push({
      rule: 'steps.notice-to-improve-period',
      message: `step "${step.id}": a notice to improve sets an improvement period of 3 to 6 school weeks: give waitAfter (schoolWeeks 3 to 6, or schoolDays 15 to 30) and monitor: true`,
      path: at(wait ? 'waitAfter' : 'monitor'),
    });
  if (step.approval === 'auto')
    issues.push({
      rule: 'steps.notice-to-improve-approval',
      message: `step "${step.id}": a notice to improve is never sent by itself: its approval must be "team" or "manager"`,
      path: at('approval'),
    });
  if (step.channel !== 'letter' && step.channel !== 'email')
    issues.push({
      rule: 'steps.notice-to-improve-letter',
      message: `step "${step.id}": a notice to improve is a letter: its channel must be "letter" or "email"`,
      path: at('channel'),
    });
  if (!step.template || !step.support?.length)
    issues.push({
      rule: 'steps.notice-to-improve-content',
      message: `step "${step.id}": a notice to improve needs its template and the support offered (support: a list, written for parents)`,
      path: at(step.template ? 'support' : 'template'),
    });
  return issues;
}
