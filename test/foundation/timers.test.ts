// The foundation: real Temporal servers start from the provisioned binaries, durable timers
// fire, and pupil data in payloads is encrypted before it reaches the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { WORKFLOWS_PATH } from '../../worker/createWorker';
import { EncryptionCodec } from '../../temporal/encryptionCodec';
import { timerProbe } from '../../workflows';
import { startDevServer, startTimeSkippingServer } from '../support/temporal';

describe('on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await startTimeSkippingServer();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('a workflow that waits 14 days finishes within seconds of wall time', async () => {
    const fired: string[] = [];
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'foundation',
      workflowsPath: WORKFLOWS_PATH,
      activities: createActivities({ onTimerFired: (e) => void fired.push(e.firedAt) }),
    });
    const wallStart = Date.now();
    const result = await worker.runUntil(
      env.client.workflow.execute(timerProbe, {
        taskQueue: 'foundation',
        workflowId: `probe-${randomUUID()}`,
        args: [{ wait: '14 days' }],
      }),
    );
    const wallSeconds = (Date.now() - wallStart) / 1000;
    const waitedMs = Date.parse(result.firedAt) - Date.parse(result.startedAt);
    expect(waitedMs).toBeGreaterThanOrEqual(14 * 24 * 3600 * 1000);
    expect(fired).toEqual([result.firedAt]);
    expect(wallSeconds).toBeLessThan(30);
  });
});

describe('on the dev server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await startDevServer();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('runs a workflow with encrypted payloads: no clear text in the history', async () => {
    const codec = new EncryptionCodec(Buffer.alloc(32, 7));
    const { Client } = await import('@temporalio/client');
    const client = new Client({ connection: env.connection, dataConverter: { payloadCodecs: [codec] } });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'foundation-dev',
      workflowsPath: WORKFLOWS_PATH,
      dataConverter: { payloadCodecs: [codec] },
      activities: createActivities({}),
    });
    const workflowId = `probe-${randomUUID()}`;
    // The wait is a string argument: a stand-in for any personal data a payload might carry.
    const handle = await client.workflow.start(timerProbe, {
      taskQueue: 'foundation-dev',
      workflowId,
      args: [{ wait: '1 second' }],
    });
    const result = await worker.runUntil(handle.result());
    expect(Date.parse(result.firedAt)).toBeGreaterThan(Date.parse(result.startedAt));

    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const raw = JSON.stringify(history);
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const encoding = new TextDecoder().decode(
      started?.input?.payloads?.[0]?.metadata?.encoding ?? new Uint8Array(),
    );
    expect(encoding).toBe('binary/encrypted');
    expect(raw).not.toContain('1 second');
  });
});
