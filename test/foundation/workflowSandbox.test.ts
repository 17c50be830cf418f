// Workflow code must be deterministic, so eslint.config.js bans Node built-ins in every file the
// workflow bundle imports. That list grows with each import a workflow or decide() adds: this
// follows the imports from workflows/index.ts, as the bundler does, and checks that the lint rule
// covers every file it reaches.
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../worker/createWorker';

const root = resolve(import.meta.dirname, '../..');
const resolution: ts.CompilerOptions = {
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
};

/** Type-only imports and exports are erased before bundling, so they bring in no code. */
function bringsCode(statement: ts.Statement): statement is ts.ImportDeclaration | ts.ExportDeclaration {
  if (ts.isImportDeclaration(statement)) {
    const clause = statement.importClause;
    if (!clause) return true; // imported for its side effects
    if (clause.isTypeOnly) return false;
    const named = clause.namedBindings;
    if (clause.name || !named || !ts.isNamedImports(named)) return true;
    return named.elements.some((e) => !e.isTypeOnly);
  }
  if (ts.isExportDeclaration(statement) && statement.moduleSpecifier) {
    if (statement.isTypeOnly) return false;
    const named = statement.exportClause;
    return !(named && ts.isNamedExports(named) && named.elements.every((e) => e.isTypeOnly));
  }
  return false;
}

/** The repository's own files the workflow bundle reaches from its entry point. */
function bundledFiles(entry: string): string[] {
  const found = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (found.has(file)) continue;
    found.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    for (const statement of source.statements) {
      if (!bringsCode(statement)) continue;
      const specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
      const resolved = ts.resolveModuleName(specifier, file, resolution, ts.sys).resolvedModule;
      if (resolved && !resolved.isExternalLibraryImport) todo.push(resolved.resolvedFileName);
    }
  }
  return [...found].map((f) => relative(root, f)).sort();
}

describe('the workflow sandbox', () => {
  const files = bundledFiles(WORKFLOWS_PATH);

  it('follows the imports from workflows/index.ts into domain/ and temporal/', () => {
    expect(files).toContain('workflows/attendanceCase.ts');
    expect(files).toContain('domain/policy/decide.ts');
    expect(files).toContain('domain/policy/conditions/index.ts');
    expect(files).toContain('temporal/searchAttributes.ts');
    expect(files).not.toContain('activities/index.ts'); // imported for its types only
  });

  it('bans Node built-ins in every file the workflow bundle imports', async () => {
    const eslint = new ESLint({ cwd: root });
    const uncovered: string[] = [];
    for (const file of files) {
      const config = (await eslint.calculateConfigForFile(file)) as { rules?: Record<string, unknown> };
      const rule = JSON.stringify(config.rules?.['no-restricted-imports'] ?? null);
      if (!rule.startsWith('[2,') || !rule.includes('"name":"node:fs"')) uncovered.push(file);
    }
    expect(uncovered).toEqual([]);
  });
});
