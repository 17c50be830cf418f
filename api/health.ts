// What /health reports: can we reach the Temporal server, and is a worker polling our queue?
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

const { temporal } = proto;

export interface HealthReport {
  status: 'ok' | 'degraded';
  temporal: {
    connected: boolean;
    error?: string;
    /**
     * What the server keeps cases in, as it reports it: `postgres12` on the cluster
     * (npm run start:cluster), `sqlite` on the dev server.
     */
    persistence?: string;
    visibility?: string;
    historyShards?: number;
  };
  worker: { connected: boolean; pollers: number };
}

/** A poller seen within this window counts as a live worker (workers long-poll every ~60 s). */
const POLLER_FRESH_MS = 90_000;

export async function checkHealth(client: Client, taskQueue: string): Promise<HealthReport> {
  let cluster: HealthReport['temporal'];
  try {
    const info = await client.workflowService.getClusterInfo({});
    cluster = {
      connected: true,
      persistence: info.persistenceStore ?? undefined,
      visibility: info.visibilityStore ?? undefined,
      historyShards: info.historyShardCount ?? undefined,
      // No server version: /health answers anyone, and a version only helps an attacker pick an exploit.
    };
  } catch (err) {
    return {
      status: 'degraded',
      temporal: { connected: false, error: err instanceof Error ? err.message.split('\n')[0] : String(err) },
      worker: { connected: false, pollers: 0 },
    };
  }
  const res = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  const now = Date.now();
  const pollers = (res.pollers ?? []).filter((p) => {
    const seconds = Number(p.lastAccessTime?.seconds ?? 0);
    return now - seconds * 1000 < POLLER_FRESH_MS;
  }).length;
  const workerUp = pollers > 0;
  return {
    status: workerUp ? 'ok' : 'degraded',
    temporal: cluster,
    worker: { connected: workerUp, pollers },
  };
}
