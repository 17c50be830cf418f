// The validator names the rule and the place in the file for every mistake a policy author can make.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listPolicies, loadPolicyFile, POLICIES_DIR } from '../../policies/index';
import { policySchemaText } from './schema';
import { formatIssue, validatePolicy, type PolicyIssue } from './validate';

/** Line (1-based) and column of the first occurrence of `needle`. */
function at(text: string, needle: string): { line: number; column: number } {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`"${needle}" not in text`);
  const before = text.slice(0, i).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

function issues(text: string): PolicyIssue[] {
  const r = validatePolicy(text, 'policies/test.yaml');
  if (r.ok) throw new Error('expected the policy to be rejected');
  return r.issues;
}

const stage = (id: string, entry: string, extra = '') => `
  - id: ${id}
    name: ${id}
    summary: ${id}
    entry:
${entry}${extra}`;

const policy = (stages: string, head = '') => `id: test-policy
name: Test
version: 1
description: A test policy.${head}
stages:${stages}
`;

const below = (x: number) => `      - attendance: { window: rolling10, below: ${x}, inclusive: false }\n`;
const band = (from: number, to: number, fi = true, ti = false) =>
  `      - attendance: { window: rolling10, band: { from: ${from}, to: ${to}, fromInclusive: ${fi}, toInclusive: ${ti} } }\n`;

describe('the shipped policies', () => {
  it.each(listPolicies().map((p) => p.name))('%s is valid', (name) => {
    expect(() => loadPolicyFile(name)).not.toThrow();
  });

  it('policies/policy.schema.json is generated from the zod schema and up to date', () => {
    const onDisk: unknown = JSON.parse(readFileSync(`${POLICIES_DIR}/policy.schema.json`, 'utf8'));
    expect(onDisk).toEqual(JSON.parse(policySchemaText()));
  });
});

describe('validatePolicy: bands', () => {
  it('accepts bands that tile the scale', () => {
    const text = policy(stage('a', band(90, 95)) + stage('b', below(90)));
    expect(validatePolicy(text).ok).toBe(true);
  });

  it('rejects a gap between bands, naming the rule and the line', () => {
    const text = policy(stage('a', band(90, 95)) + stage('b', below(89)));
    const [issue] = issues(text);
    expect(issue).toMatchObject({ rule: 'bands.gap', ...at(text, 'attendance: { window: rolling10, band') });
    expect(issue!.message).toBe(
      'no stage covers attendance at least 89% and below 90% over rolling10: between stage "b" and stage "a"',
    );
    expect(formatIssue(issue!)).toMatch(
      /^policies\/test\.yaml:10:9 \[bands\.gap\] no stage covers attendance/,
    );
  });

  it('rejects a gap of a single value when both edges are exclusive', () => {
    const text = policy(stage('a', band(90, 95, false, false)) + stage('b', below(90)));
    expect(issues(text)[0]!.message).toMatch(/no stage covers attendance exactly 90%/);
  });

  it('rejects an overlap when an edge is claimed by both bands', () => {
    const text = policy(
      stage('a', band(90, 95)) +
        stage('b', `      - attendance: { window: rolling10, below: 90, inclusive: true }\n`),
    );
    const [issue] = issues(text);
    expect(issue).toMatchObject({
      rule: 'bands.overlap',
      ...at(text, 'attendance: { window: rolling10, band'),
    });
    expect(issue!.message).toMatch(/stage "b" and stage "a" both cover attendance exactly 90%/);
  });

  it('rejects a gap at the top when a universal band is declared, and at the bottom always', () => {
    const head = `\nuniversal: { name: Fine, summary: No case, attendance: { window: rolling10, above: 97, inclusive: true } }`;
    const text = policy(stage('a', band(50, 95)), head);
    expect(issues(text).map((i) => i.rule)).toEqual(['bands.gap', 'bands.gap']);
    expect(issues(text).map((i) => i.message)).toEqual([
      'no stage covers attendance below 50% over rolling10',
      'no stage covers attendance at least 95% and below 97% over rolling10: between stage "a" and "Fine" (universal)',
    ]);
  });

  it('rejects an empty band and the stage it leaves unreachable', () => {
    const text = policy(stage('a', band(95, 90)) + stage('b', below(95)));
    const found = issues(text);
    expect(found.map((i) => i.rule)).toEqual(['bands.empty', 'stages.unreachable']);
    expect(found[0]).toMatchObject(at(text, 'attendance: { window: rolling10, band'));
  });

  it('rejects a stage with no way in', () => {
    const text = policy(
      stage('a', below(95)) + `\n  - id: lost\n    name: Lost\n    summary: nothing enters here\n`,
    );
    const [issue] = issues(text);
    expect(issue).toMatchObject({ rule: 'stages.unreachable', ...at(text, 'id: lost') });
  });
});

describe('validatePolicy: ids and references', () => {
  const steps = (s: string) => `\n    steps:\n${s}`;
  const step = (id: string, extra = '') =>
    `      - { id: ${id}, kind: letter, title: ${id}, channel: letter, approval: auto${extra} }\n`;

  it('rejects duplicate stage and step ids', () => {
    const text = policy(stage('a', band(90, 95), steps(step('s1') + step('s1'))) + stage('a', below(90)));
    expect(issues(text).map((i) => i.rule)).toEqual(['ids.duplicate-step', 'ids.duplicate-stage']);
  });

  it('rejects a reference to an unknown step, at the reference', () => {
    const text = policy(
      stage('a', below(95), steps(step('s1') + step('s2', ', when: [{ stepDone: [s9] }]'))),
    );
    const [issue] = issues(text);
    expect(issue).toMatchObject({
      rule: 'ref.unknown-step',
      message: 'unknown step "s9"',
      ...at(text, 's9'),
    });
  });

  it('rejects a de-escalation to an unknown stage and an entry trigger naming one', () => {
    const text = policy(
      stage('a', band(90, 95)) +
        stage(
          'b',
          below(90) + `      - noImprovement: { stage: nowhere }\n`,
          `\n    exits:\n      - { deescalateTo: stage-zero, when: [{ improved: {} }] }\n`,
        ),
    );
    const found = issues(text);
    expect(found.map((i) => [i.rule, i.message])).toEqual([
      ['ref.unknown-stage', 'exit de-escalates to unknown stage "stage-zero"'],
      ['ref.unknown-stage', 'unknown stage "nowhere"'],
    ]);
    expect(found[0]).toMatchObject(at(text, 'deescalateTo'));
    expect(found[1]).toMatchObject(at(text, 'stage: nowhere'));
  });

  it('rejects an exit that would step down without waiting for a window to end', () => {
    const text = policy(
      stage('a', band(90, 95)) +
        stage(
          'b',
          below(90),
          `\n    exits:\n      - deescalateTo: a\n        when: [{ attendance: { window: rolling10, above: 90, inclusive: true } }]\n`,
        ),
    );
    expect(issues(text)[0]).toMatchObject({ rule: 'exits.needs-window-end' });
  });

  it('rejects an automatic penalty notice', () => {
    const text = policy(
      stage(
        'a',
        below(95),
        steps(
          `      - { id: pn, kind: penaltyNoticeConsideration, title: PN, channel: none, approval: auto }\n`,
        ),
      ),
    );
    const [issue] = issues(text);
    expect(issue).toMatchObject({
      rule: 'steps.penalty-notice-needs-manager',
      ...at(text, 'approval: auto }'),
    });
  });
});

describe('validatePolicy: schema and syntax errors carry line:column', () => {
  it('an unknown step kind', () => {
    const text = policy(
      stage(
        'a',
        below(95),
        `\n    steps:\n      - id: s1\n        kind: fax\n        title: t\n        channel: letter\n        approval: auto\n`,
      ),
    );
    const [issue] = issues(text);
    expect(issue).toMatchObject({
      rule: 'schema.invalid_value',
      path: ['stages', 0, 'steps', 0, 'kind'],
      ...at(text, 'kind: fax'),
    });
  });

  it('a band edge whose side is not stated', () => {
    const text = policy(stage('a', `      - attendance: { window: rolling10, below: 95 }\n`));
    const [issue] = issues(text);
    expect(issue!.rule).toBe('schema.custom');
    expect(issue!.message).toMatch(/state whether the edge is inclusive/);
    expect(issue!.line).toBe(at(text, 'attendance:').line);
  });

  it('an unknown key is reported at the key', () => {
    const text = policy(stage('a', below(95), `\n    cadance: weekly\n`));
    expect(issues(text)[0]).toMatchObject({
      rule: 'schema.unrecognized_key',
      message: 'unknown key "cadance"',
      ...at(text, 'cadance'),
    });
  });

  it('broken YAML', () => {
    expect(issues('id: [unclosed\nname: x\n')[0]!.rule).toBe('yaml.syntax');
  });
});
