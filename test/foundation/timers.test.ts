// The foundation: real Temporal servers start from the provisioned binaries, durable timers
// fire, and pupil data in payloads is encrypted before it reaches the server.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { WORKFLOWS_PATH } from '../../worker/createWorker';
import { FAILURE_CONVERTER_PATH } from '../../temporal/connection';
import { EncryptionCodec, keyIdOf } from '../../temporal/encryptionCodec';
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
  }, 180_000); // bundling the workflows for the worker takes a minute or more on a loaded machine
});

describe('on the dev server', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  beforeAll(async () => {
    // Bundled once for the two runs below.
    [env, workflowBundle] = await Promise.all([
      startDevServer(),
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }),
    ]);
  });
  afterAll(async () => {
    await env?.teardown();
  });

  /** Runs the timer probe with a worker and a client that share `codecs`; returns what the server keeps. */
  async function probeHistory(codecs: PayloadCodec[]) {
    const { Client } = await import('@temporalio/client');
    const client = new Client({ connection: env.connection, dataConverter: { payloadCodecs: codecs } });
    const taskQueue = `foundation-dev-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      dataConverter: { payloadCodecs: codecs },
      activities: createActivities({}),
    });
    const workflowId = `probe-${randomUUID()}`;
    // The wait is a string argument: a stand-in for any personal data a payload might carry.
    const handle = await client.workflow.start(timerProbe, {
      taskQueue,
      workflowId,
      args: [{ wait: '1 second' }],
    });
    const result = await worker.runUntil(handle.result());
    expect(Date.parse(result.firedAt)).toBeGreaterThan(Date.parse(result.startedAt));
    // Read back without the codec: exactly what the server stores and its UI shows.
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    return { result, payloads: payloadsIn(history) };
  }

  // The texts a probe run puts in its payloads: its input, and the time it fired, which travels in
  // the activity's arguments and in the workflow's result.
  const clearTexts = (firedAt: string) => ['1 second', firedAt];

  it('runs a workflow with encrypted payloads: no clear text in the history', async () => {
    const { result, payloads } = await probeHistory([new EncryptionCodec(Buffer.alloc(32, 7))]);
    // Every payload of the run is there to be checked: input, activity arguments and result, result.
    expect(payloads.map((p) => p.where)).toEqual([
      'workflowExecutionStartedEventAttributes.input',
      'activityTaskScheduledEventAttributes.input',
      'activityTaskCompletedEventAttributes.result',
      'workflowExecutionCompletedEventAttributes.result',
    ]);
    expect(payloads.map((p) => p.encoding)).toEqual(payloads.map(() => 'binary/encrypted'));
    expect(wherePayloadsContain(payloads, clearTexts(result.firedAt))).toEqual([]);
  });

  it('the same check finds the clear text in a run without the codec', async () => {
    const { result, payloads } = await probeHistory([]);
    expect(payloads.map((p) => p.encoding)).not.toContain('binary/encrypted');
    expect(wherePayloadsContain(payloads, clearTexts(result.firedAt))).toEqual([
      'workflowExecutionStartedEventAttributes.input: 1 second',
      `activityTaskScheduledEventAttributes.input: ${result.firedAt}`,
      `workflowExecutionCompletedEventAttributes.result: ${result.firedAt}`,
    ]);
  });
});

describe('failures', () => {
  it('carry their message and stack inside an encoded payload, which the codec encrypts', async () => {
    const { failureConverter } = await import('../../temporal/failureConverter');
    const { defaultPayloadConverter } = await import('@temporalio/common');
    const { encodeFailure } = await import('@temporalio/common/lib/internal-non-workflow');
    const failure = failureConverter.errorToFailure(
      new Error('550 mailbox unavailable: sara.khan@example.org'),
      defaultPayloadConverter,
    );
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    const sealed = await encodeFailure([new EncryptionCodec(Buffer.alloc(32, 3))], failure);
    const bytes = sealed.encodedAttributes?.data ?? new Uint8Array();
    expect(new TextDecoder().decode(sealed.encodedAttributes?.metadata?.encoding ?? new Uint8Array())).toBe(
      'binary/encrypted',
    );
    expect(Buffer.from(bytes).toString('latin1')).not.toContain('sara.khan@example.org');
  });
});

describe('rotating the payload key on the dev server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await startDevServer();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('a run started under the old key finishes under the new one; each payload opens with its own key', async () => {
    const { Client } = await import('@temporalio/client');
    const oldKey = Buffer.alloc(32, 1);
    const newKey = Buffer.alloc(32, 2);
    const taskQueue = `rotation-${randomUUID()}`;
    const workflowId = `probe-${randomUUID()}`;
    const converter = (codec: EncryptionCodec) => ({
      payloadCodecs: [codec],
      failureConverterPath: FAILURE_CONVERTER_PATH,
    });
    const workerWith = (codec: EncryptionCodec) =>
      Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowsPath: WORKFLOWS_PATH,
        dataConverter: converter(codec),
        activities: createActivities({}),
      });

    // Before the rotation: the case starts and waits on its timer.
    const before = new EncryptionCodec(oldKey);
    const oldClient = new Client({ connection: env.connection, dataConverter: converter(before) });
    const handle = await oldClient.workflow.start(timerProbe, {
      taskQueue,
      workflowId,
      args: [{ wait: '3 seconds' }],
    });
    const first = await workerWith(before);
    await first.runUntil(async () => {
      await vi.waitFor(
        async () => {
          const h = await env.client.workflow.getHandle(workflowId).fetchHistory();
          expect(h.events?.some((e) => e.timerStartedEventAttributes)).toBe(true);
        },
        { timeout: 60_000, interval: 100 },
      );
    });

    // The rotation: a new current key, the old one kept in the ring. The run finishes.
    const after = new EncryptionCodec(newKey, [oldKey]);
    const newClient = new Client({ connection: env.connection, dataConverter: converter(after) });
    const second = await workerWith(after);
    const result = await second.runUntil(newClient.workflow.getHandle(workflowId).result());
    expect(Date.parse(result.firedAt)).toBeGreaterThan(Date.parse(result.startedAt));
    expect(handle.workflowId).toBe(workflowId);

    // The history holds payloads sealed under each key, none in clear.
    const payloads = payloadsIn(await env.client.workflow.getHandle(workflowId).fetchHistory());
    const keyIds = new Set(payloads.map((p) => /(?:^|\n)([0-9a-f]{12})(?:\n|$)/.exec(p.text)?.[1]));
    expect(keyIds).toEqual(new Set([keyIdOf(oldKey), keyIdOf(newKey)]));
    expect(payloads.every((p) => p.encoding === 'binary/encrypted')).toBe(true);

    // Without the old key, the old payloads cannot be opened: the error names the key it needs.
    const newOnly = new EncryptionCodec(newKey);
    await expect(
      newOnly.decode(await before.encode([{ metadata: {}, data: new Uint8Array([1]) }])),
    ).rejects.toThrow(new RegExp(`no key with id ${keyIdOf(oldKey)} in the key ring`));
    // And a payload in clear is refused, not let through.
    await expect(
      after.decode([
        { metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new Uint8Array() },
      ]),
    ).rejects.toThrow(/refused a payload that is not encrypted \(encoding json\/plain\)/);
  }, 120_000);
});

interface StoredPayload {
  /** The event attribute and field that holds it, e.g. workflowExecutionStartedEventAttributes.input. */
  where: string;
  encoding: string;
  /** The payload's bytes read as text (UTF-8), which is how clear text would leak. */
  text: string;
}

/**
 * Every payload in a history, wherever an event keeps one. A payload is found by its shape (a
 * `metadata` map of bytes with an `encoding`) rather than by a list of event types, so payloads in
 * events this test does not know about are checked too. JSON.stringify of the history would not do:
 * it turns the bytes into arrays of numbers, where no text can ever be found.
 */
function payloadsIn(history: temporal.api.history.v1.IHistory): StoredPayload[] {
  const found: StoredPayload[] = [];
  const visit = (value: unknown, path: string[]) => {
    if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return;
    const metadata = (value as { metadata?: unknown }).metadata;
    if (metadata && typeof metadata === 'object' && ArrayBuffer.isView((metadata as Metadata).encoding)) {
      const payload = value as { metadata: Metadata; data?: unknown };
      // Bytes come as Uint8Array, or as an empty array where a payload has no data (binary/null).
      const text = (bytes: unknown) =>
        new TextDecoder().decode(
          ArrayBuffer.isView(bytes) ? bytes : Uint8Array.from((bytes as number[]) ?? []),
        );
      // The attribute and field that hold the payload; drop the indices and the `payloads` list.
      const named = path.filter((p) => !/^\d+$/.test(p) && p !== 'payloads' && p !== 'events');
      found.push({
        where: named.join('.'),
        encoding: text(payload.metadata.encoding),
        text: [payload.data, ...Object.values(payload.metadata)].map(text).join('\n'),
      });
      return;
    }
    for (const [key, child] of Object.entries(value)) visit(child, [...path, key]);
  };
  visit(history, []);
  return found;
}

type Metadata = Record<string, Uint8Array | null | undefined>;

/** `where: text` for each payload that carries one of the texts in clear. */
function wherePayloadsContain(payloads: StoredPayload[], texts: string[]): string[] {
  return payloads.flatMap((p) => texts.filter((t) => p.text.includes(t)).map((t) => `${p.where}: ${t}`));
}
