// `npm run letters:docs`: renders every default letter and message template for each route it can
// take (letters/examples.ts) into docs/letters/<template id>.md, exactly as a family gets it.
// test/letters/docs.test.ts fails when these files are out of date.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exampleDocs } from '../letters/examples';

export const LETTERS_DOCS_DIR = fileURLToPath(new URL('../docs/letters/', import.meta.url));

/** Every Markdown file under dir, relative to it. */
export function listDocs(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.md')) out.push(relative(dir, join(d, e.name)));
    }
  };
  try {
    walk(dir);
  } catch {
    return [];
  }
  return out.sort();
}

function main(): void {
  const files = exampleDocs();
  for (const stale of listDocs(LETTERS_DOCS_DIR).filter((f) => !files.has(f))) {
    rmSync(join(LETTERS_DOCS_DIR, stale));
  }
  for (const [file, text] of files) {
    const path = join(LETTERS_DOCS_DIR, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  console.log(`docs/letters: ${files.size} files written`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
