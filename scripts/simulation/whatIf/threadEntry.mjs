// The what-if thread's entry point, in plain JavaScript: a worker thread does not inherit the loader
// that lets this process run TypeScript (tsx, or Vitest's), so it loads thread.ts through tsx's API.
import { tsImport } from 'tsx/esm/api';

await tsImport('./thread.ts', import.meta.url);
