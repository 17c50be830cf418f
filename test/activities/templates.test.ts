// The default templates cover every template the seed policies name, and every one renders cleanly
// and reads well for a parent. Pure rendering checks: no database, no mail server.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { formatLongDate, fromLondon, toLondon } from '../../letters/format';
import { buildLetterMerge } from '../../letters/merge';
import { renderLetterPdf } from '../../letters/pdf';
import { problemsForParents } from '../../letters/forParents';
import { renderLetter, renderMessage } from '../../letters/render';
import { listDefaultTemplateIds, loadDefaultTemplate, TEMPLATE_ID_RE } from '../../letters/templates';
import { FIGURES } from './support';

const POLICIES_DIR = fileURLToPath(new URL('../../policies/', import.meta.url));

function templatesNamedByPolicies(): string[] {
  const ids = new Set<string>();
  for (const file of readdirSync(POLICIES_DIR).filter((f) => f.endsWith('.yaml'))) {
    const policy = parseYaml(readFileSync(`${POLICIES_DIR}/${file}`, 'utf8')) as {
      stages: { steps: { template?: string }[] }[];
    };
    for (const stage of policy.stages)
      for (const step of stage.steps) if (step.template) ids.add(step.template);
  }
  return [...ids].sort();
}

const merge = buildLetterMerge({
  pupil: { givenName: 'Amira', familyName: 'Khan', yearGroup: 4 },
  carers: [{ name: 'Sara Khan' }, { name: 'Imran Khan' }],
  schoolName: 'Oakfield Primary',
  date: '2025-03-14',
  figures: FIGURES,
  meeting: { startsAt: '2025-03-18T09:30:00Z', location: 'Oakfield Primary', staffName: 'Mrs Patel' },
  signature: { name: 'Mrs Patel', role: 'Attendance Officer' },
});

describe('default templates', () => {
  it('has a template for every template id the seed policies use', () => {
    const named = templatesNamedByPolicies();
    expect(named.length).toBeGreaterThan(10);
    const missing = named.filter((id) => loadDefaultTemplate(id) === null);
    expect(missing).toEqual([]);
  });

  it("has the three-letter system's letters (policies/three-letter-system.yaml names them)", () => {
    for (const id of ['three-letter/letter-1', 'three-letter/letter-2', 'three-letter/letter-3']) {
      expect(loadDefaultTemplate(id)?.kind).toBe('letter');
    }
  });

  it.each(listDefaultTemplateIds())(
    "%s never shows the engine its reasons, and names no council but the school's",
    (id) => {
      const source = readFileSync(`${POLICIES_DIR}/templates/${id}.md`, 'utf8');
      expect(source).not.toMatch(/\{\{[#^/]?\s*(reasons|reasonsText)\b/);
      expect(source).not.toMatch(/Bradford|Kirklees|Stockton/);
      // Penalty notices and legal action only inside a section that says one is possible.
      const outside = source
        .replace(/\{\{#absence\.penaltyPossible\}\}[\s\S]*?\{\{\/absence\.penaltyPossible\}\}/g, '')
        .replace(/\{\{#penaltyWarning\}\}[\s\S]*?\{\{\/penaltyWarning\}\}/g, '')
        .replace(/\{\{[^}]*\}\}/g, ''); // the section tags themselves
      expect(outside).not.toMatch(/penalty|legal action|prosecut|\bcourt\b|\bfine\b|section 444/i);
    },
  );

  it.each(listDefaultTemplateIds())('%s renders with every merge field filled', (id) => {
    expect(id).toMatch(TEMPLATE_ID_RE);
    const template = loadDefaultTemplate(id)!;
    const out =
      template.kind === 'message' ? renderMessage({ template, merge }) : renderLetter({ template, merge });
    const text = out.text;
    expect(text).not.toMatch(/\{\{|\}\}|undefined|null|\[object/);
    expect(out.subject.length).toBeGreaterThan(5);
    expect(text).not.toMatch(/parenting contract/i); // 2024 vocabulary: attendance contract
    expect(problemsForParents(`${out.subject}\n${text}`)).toEqual([]);
    if (template.kind === 'letter') expect(text).toContain('Dear Sara Khan and Imran Khan,');
  });

  it('renders meeting invitations without figures when the caller has none', () => {
    const noFigures = buildLetterMerge({
      pupil: { givenName: 'Amira', familyName: 'Khan', yearGroup: 4 },
      carers: [{ name: 'Sara Khan' }],
      schoolName: 'Oakfield Primary',
      date: '2025-03-14',
      meeting: { startsAt: '2025-03-18T09:30:00Z', location: 'Oakfield Primary' },
      signature: { name: 'Mrs Patel', role: 'Attendance Officer' },
    });
    for (const id of [
      'generic-meeting-invite',
      'bradford/attendance-panel-meeting',
      'five-stage/plan-review-meeting',
    ]) {
      const text = renderLetter({ template: loadDefaultTemplate(id)!, merge: noFigures }).text;
      expect(text).not.toMatch(/attendance over\s+was|\bIn ,|attendance was\s*\./i);
      expect(text).not.toMatch(/session/);
      expect(text).toContain('Tuesday 18 March 2025 at 9:30am');
      expect(problemsForParents(text)).toEqual([]);
    }
  });
});

describe('renderLetter', () => {
  const template = loadDefaultTemplate('bradford/warning-letter-1')!;

  it('is deterministic: the preview and the sent letter are the same text', () => {
    expect(renderLetter({ template, merge })).toEqual(renderLetter({ template, merge }));
  });

  it('escapes merge values in the HTML but not in the text', () => {
    const evil = {
      ...merge,
      carerNames: "Sam <b>O'Neil</b>",
      pupil: { ...merge.pupil, givenName: 'A&B', fullName: 'A&B Khan' },
    };
    const out = renderLetter({ template, merge: evil });
    expect(out.text).toContain("Dear Sam <b>O'Neil</b>,");
    expect(out.html).toContain('Dear Sam &lt;b&gt;O&#39;Neil&lt;/b&gt;,');
    expect(out.html).not.toContain('<b>O');
    expect(out.subject).toBe("A&B Khan's attendance at Oakfield Primary: Warning Letter 1");
    expect(out.html).toContain('<strong>88.3%</strong>');
  });

  it('sends amended text as written, inside the same letter layout', () => {
    const out = renderLetter({
      template,
      merge,
      amendedText: 'Thank you for {{coming}} in.\n\n- one\n- two',
    });
    expect(out.amended).toBe(true);
    expect(out.blocks).toEqual([
      { type: 'paragraph', text: 'Thank you for {{coming}} in.' },
      { type: 'list', items: ['one', 'two'] },
    ]);
    expect(out.text).toContain(
      'Dear Sara Khan and Imran Khan,\n\nThank you for {{coming}} in.\n\n- one\n- two\n\nYours sincerely,',
    );
  });

  it('renders an A4 PDF', async () => {
    const pdf = await renderLetterPdf(renderLetter({ template, merge }), {
      schoolName: 'Oakfield Primary',
      dateText: formatLongDate('2025-03-14'),
    });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toMatch(/\/MediaBox \[0 0 595\.28 841\.89\]/);
  });
});

describe('London time', () => {
  it('converts wall time across the clock changes', () => {
    expect(fromLondon('2025-01-15', '09:00').toISOString()).toBe('2025-01-15T09:00:00.000Z');
    expect(fromLondon('2025-07-15', '09:00').toISOString()).toBe('2025-07-15T08:00:00.000Z');
    // 01:30 on 30 March 2025 does not exist in London: the instant an hour on.
    expect(fromLondon('2025-03-30', '01:30').toISOString()).toBe('2025-03-30T01:30:00.000Z');
    expect(toLondon(new Date('2025-10-26T00:30:00Z'))).toEqual({ date: '2025-10-26', time: '01:30' });
    expect(formatLongDate('2025-03-01')).toBe('1 March 2025');
  });
});
