// The raw start rate's workflow, for `npm run bench:cluster` only (its own worker and task queue; never
// part of the product's bundle): it does nothing, so starting it costs only what Temporal charges for a
// start. The signal handler lets the same workflow be started with signal-with-start, as the sweep
// starts cases.
import { defineSignal, setHandler } from '@temporalio/workflow';

export const benchPing = defineSignal<[]>('benchPing');

export async function benchEmptyWorkflow(): Promise<void> {
  setHandler(benchPing, () => undefined);
}
