// docs/letters/ shows every template as families get it, for each route it can take. This test
// renders the same matrix (letters/examples.ts) with the real merge and render functions: it fails
// when a template or the merge changed and the docs were not regenerated, and it reads every letter
// as a parent would (problemsForParents and the reading-ease threshold).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { penaltyPossibleFrom } from '../../domain/letterFigures';
import { EXAMPLE_SCHOOL, exampleDocs, renderAllExamples, SCENARIOS } from '../../letters/examples';
import { MIN_READING_EASE, problemsForParents } from '../../letters/forParents';
import { listDefaultTemplateIds } from '../../letters/templates';
import { LETTERS_DOCS_DIR, listDocs } from '../../scripts/letters-docs';

const REGENERATE = 'docs/letters/ is out of date: run `npm run letters:docs` and commit the result';

describe('docs/letters', () => {
  const expected = exampleDocs();

  it('has a file for every template, and no other', () => {
    expect(listDocs(LETTERS_DOCS_DIR), REGENERATE).toEqual([...expected.keys()].sort());
  });

  it.each([...expected.keys()])('%s is what the templates render today', (file) => {
    const onDisk = readFileSync(join(LETTERS_DOCS_DIR, file), 'utf8');
    expect(onDisk === expected.get(file), `${file}: ${REGENERATE}`).toBe(true);
  });

  it('renders every default template, each for the routes it can take', () => {
    const ids = listDefaultTemplateIds();
    expect(ids.filter((id) => !SCENARIOS[id]?.length)).toEqual([]);
    expect(Object.keys(SCENARIOS).filter((id) => !ids.includes(id))).toEqual([]);
  });
});

describe('every letter in the matrix reads well for a parent', () => {
  const rendered = renderAllExamples();

  it.each(rendered.map((r) => [`${r.templateId} / ${r.scenario.id}`, r] as const))('%s', (_name, r) => {
    const penaltyPossible = r.story
      ? r.story.absence.penaltyPossible
      : r.figures
        ? penaltyPossibleFrom(r.figures)
        : false;
    expect(
      problemsForParents(`${r.subject}\n${r.text}`, {
        penaltyPossible,
        localAuthority: EXAMPLE_SCHOOL.localAuthority!,
      }),
    ).toEqual([]);
    expect(r.readingEase).toBeGreaterThanOrEqual(MIN_READING_EASE);
  });
});
