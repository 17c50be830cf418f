// What-if runs in the background, as imports do: POST answers 202 with an id, GET reports how far
// the run has got, then the result. A run is minutes of CPU on its own thread (inThread.ts), so one
// runs at a time per process and the next waits its turn; runs live in memory for an hour, since a
// what-if changes nothing and is cheap to ask again. Shutting down ends a running one at once.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/db';
import { runWhatIfInThread, type WhatIfRequest } from '../../scripts/simulation/whatIf/inThread';
import type { WhatIfResult } from '../../scripts/simulation/whatIf/run';

export type WhatIfStatus = 'queued' | 'running' | 'done' | 'failed';

export interface WhatIfRun {
  id: string;
  userId: string;
  schoolIds: string[];
  status: WhatIfStatus;
  /** Simulated school days done, of all the run's days (each school under each policy). */
  done: number;
  total: number;
  startedAt: string;
  finishedAt?: string;
  result?: WhatIfResult;
  error?: string;
}

const KEEP_MS = 60 * 60 * 1000;
const MAX_WAITING = 5;

export class WhatIfRuns {
  private readonly runs = new Map<string, WhatIfRun>();
  private chain: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private readonly stopping = new AbortController();

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  /** Queues a run; null when too many are already waiting (the caller answers 429). */
  start(userId: string, req: WhatIfRequest): WhatIfRun | null {
    this.forgetOld();
    if (this.waiting >= MAX_WAITING) return null;
    const run: WhatIfRun = {
      id: randomUUID(),
      userId,
      schoolIds: req.schoolIds,
      status: 'queued',
      done: 0,
      total: 0,
      startedAt: new Date(this.now()).toISOString(),
    };
    this.runs.set(run.id, run);
    this.waiting++;
    this.chain = this.chain.then(async () => {
      this.waiting--;
      run.status = 'running';
      try {
        if (this.stopping.signal.aborted) throw new Error('the server shut down before the what-if began');
        run.result = await runWhatIfInThread(
          this.db,
          req,
          (done, total) => {
            run.done = done;
            run.total = total;
          },
          this.stopping.signal,
        );
        run.status = 'done';
      } catch (err) {
        run.status = 'failed';
        run.error = err instanceof Error ? err.message : String(err);
      } finally {
        run.finishedAt = new Date(this.now()).toISOString();
      }
    });
    return run;
  }

  get(id: string): WhatIfRun | undefined {
    return this.runs.get(id);
  }

  /** Shutting down: the running what-if's thread is ended and those waiting never start. */
  async close(): Promise<void> {
    this.stopping.abort();
    await this.chain;
  }

  private forgetOld(): void {
    const cutoff = this.now() - KEEP_MS;
    for (const [id, r] of this.runs)
      if (r.finishedAt && Date.parse(r.finishedAt) < cutoff) this.runs.delete(id);
  }
}
