// The school threads' entry point, in plain JavaScript: a worker thread does not inherit the loader
// that lets this process run TypeScript (tsx, or Vitest's), so it loads schoolThread.ts through tsx.
import { tsImport } from 'tsx/esm/api';

await tsImport('./schoolThread.ts', import.meta.url);
