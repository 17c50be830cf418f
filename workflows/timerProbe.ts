// A tiny workflow that proves the durable-timer machinery end to end: it sleeps on a Temporal
// timer and then records, through an activity, that the timer fired. Used by the foundation
// tests (time skipping, restart survival) and handy for an operator checking a new deployment.
import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { recordTimerFired } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10 },
});

export interface TimerProbeInput {
  /** How long to wait, e.g. '14 days' or 20000 (ms). */
  wait: string | number;
}

export interface TimerProbeResult {
  startedAt: string;
  firedAt: string;
}

export async function timerProbe({ wait }: TimerProbeInput): Promise<TimerProbeResult> {
  const startedAt = new Date().toISOString(); // workflow time: deterministic, skipped in tests
  await sleep(wait);
  const firedAt = new Date().toISOString();
  await recordTimerFired({ workflowId: workflowInfo().workflowId, firedAt });
  return { startedAt, firedAt };
}
