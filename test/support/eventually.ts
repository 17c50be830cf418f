// Tests wait on conditions, never on timing: `eventually` reads until what it reads holds, returns
// as soon as it does, and on timeout fails naming what it waited for and what it saw last.
import { vi } from 'vitest';

export async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  holds: (v: T) => boolean,
  opts: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  return vi.waitFor(
    async () => {
      const seen = await read();
      if (!holds(seen)) throw new Error(`still waiting for ${what}; last seen: ${JSON.stringify(seen)}`);
      return seen;
    },
    { timeout: opts.timeoutMs, interval: opts.intervalMs ?? 100 },
  );
}
