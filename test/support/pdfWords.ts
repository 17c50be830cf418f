// Every word of a PDF with its box, as poppler's `pdftotext -bbox` reads it: how tests check where a
// printed letter puts things (an address in an envelope's window, inside GOV.UK Notify's areas).
import { execFileSync } from 'node:child_process';

export interface PdfWord {
  /** 0-based page. */
  page: number;
  text: string;
  /** In points from the page's top-left corner. */
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

export function wordsOf(file: string): PdfWord[] {
  const html = execFileSync('pdftotext', ['-bbox', file, '-'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const words: PdfWord[] = [];
  html
    .split('<page ')
    .slice(1)
    .forEach((page, p) => {
      for (const m of page.matchAll(
        /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g,
      ))
        words.push({ page: p, text: m[5]!, xMin: +m[1]!, yMin: +m[2]!, xMax: +m[3]!, yMax: +m[4]! });
    });
  return words;
}

/** Words grouped into lines, top to bottom, each line's words left to right. */
export function linesOf(words: readonly PdfWord[]): string[] {
  const lines = new Map<number, PdfWord[]>();
  for (const w of words) {
    const key = Math.round(w.yMin);
    lines.set(key, [...(lines.get(key) ?? []), w]);
  }
  return [...lines.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, ws]) =>
      ws
        .sort((a, b) => a.xMin - b.xMin)
        .map((w) => w.text)
        .join(' '),
    );
}
