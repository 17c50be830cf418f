// A case waits weeks on a timer; machines restart. Kill the dev server (SIGKILL, as in a crash)
// and the worker while a workflow waits, start both again on the same SQLite file, and the
// timer still fires — once. Every wait is on something the server shows (its history), never on a
// guess of how long a step takes, so a slow machine makes the test slower, never emptier.
import { afterEach, describe, expect, it } from 'vitest';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import proto, { type temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { WORKFLOWS_PATH } from '../../worker/createWorker';
import { freePort, provisionTemporal, waitForPort } from '../../temporal/provision';
import { devServerSearchAttributeArgs } from '../../temporal/searchAttributes';
import { withDeadline } from '../../temporal/quiescence';
import { timerProbe } from '../../workflows';

let server: ChildProcess | undefined;
let dir: string | undefined;

async function startServer(dbFile: string, port: number): Promise<ChildProcess> {
  const { cli } = await provisionTemporal({ only: 'cli', quiet: true });
  const proc = spawn(
    cli,
    [
      'server',
      'start-dev',
      '--db-filename',
      dbFile,
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--headless',
      '--log-level',
      'error',
      ...devServerSearchAttributeArgs(),
    ],
    { stdio: 'ignore' },
  );
  if (!(await waitForPort(port, 60_000))) throw new Error('dev server did not start');
  return proc;
}

/**
 * The dev server opens its port before its frontend is ready ("Frontend is not healthy yet", seen
 * on a loaded machine): connect once it answers, within a bound that names what was awaited.
 */
async function connectWhenReady(port: number): Promise<NativeConnection> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await NativeConnection.connect({ address: `127.0.0.1:${port}` });
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`the dev server on port ${port} did not answer within 60 s`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

afterEach(async () => {
  server?.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The timer: long enough for the crash to come first (the test checks it did), short for a quick test. */
const WAIT_MS = 10_000;

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const eventName = (e: HistoryEvent) =>
  proto.temporal.api.enums.v1.EventType[e.eventType ?? 0]?.replace('EVENT_TYPE_', '') ?? String(e.eventType);

/**
 * Reads the workflow's history from the server until `done` holds for its events. Waits on what the
 * server has recorded, not on a guess of how long the worker takes; fails naming what it awaited.
 */
async function historyWhen(
  handle: WorkflowHandle,
  what: string,
  done: (events: HistoryEvent[]) => boolean,
  timeoutMs = 60_000,
): Promise<HistoryEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = (await handle.fetchHistory()).events ?? [];
    if (done(events)) return events;
    if (Date.now() > deadline) {
      throw new Error(
        `waited ${timeoutMs / 1000} s for ${what}; the history holds: ${events.map(eventName).join(', ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const timersStarted = (events: HistoryEvent[]) => events.filter((e) => e.timerStartedEventAttributes);
const timersFired = (events: HistoryEvent[]) => events.filter((e) => e.timerFiredEventAttributes);

describe('restarting the stack', () => {
  it(
    'keeps a workflow waiting on a timer; it fires after the restart, exactly once',
    { timeout: 300_000 },
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'restart-'));
      const dbFile = join(dir, 'temporal.sqlite');
      const port = await freePort();
      const fired: string[] = [];
      const activities = createActivities({ onTimerFired: (e) => void fired.push(e.workflowId) });
      const workflowId = `probe-${randomUUID()}`;

      // First life: start the workflow and let the worker run it until the server holds its timer
      // (TimerStarted in the history), then crash everything.
      server = await startServer(dbFile, port);
      let nativeConnection = await connectWhenReady(port);
      let worker = await Worker.create({
        connection: nativeConnection,
        taskQueue: 'restart',
        workflowsPath: WORKFLOWS_PATH,
        activities,
      });
      let connection = await Connection.connect({ address: `127.0.0.1:${port}` });
      let handle: WorkflowHandle = await new Client({ connection }).workflow.start(timerProbe, {
        taskQueue: 'restart',
        workflowId,
        args: [{ wait: `${WAIT_MS / 1000} seconds` }],
      });
      await worker.runUntil(
        historyWhen(handle, 'the TimerStarted event before the crash', (e) => timersStarted(e).length > 0),
      );
      const beforeCrash = await handle.fetchHistory();
      await connection.close();
      await nativeConnection.close();
      server.kill('SIGKILL');
      await new Promise((r) => server!.once('exit', r));
      const crashedAt = Date.now();
      // The timer was waiting when the server died: started, not fired, nothing recorded by the activity.
      expect(timersStarted(beforeCrash.events ?? []), 'TimerStarted before the crash').toHaveLength(1);
      expect(timersFired(beforeCrash.events ?? []), 'TimerFired before the crash').toHaveLength(0);
      expect(fired, 'timers recorded by the activity before the crash').toEqual([]);

      // Second life: same database file, new processes.
      server = await startServer(dbFile, port);
      nativeConnection = await connectWhenReady(port);
      worker = await Worker.create({
        connection: nativeConnection,
        taskQueue: 'restart',
        workflowsPath: WORKFLOWS_PATH,
        activities,
      });
      connection = await Connection.connect({ address: `127.0.0.1:${port}` });
      handle = new Client({ connection }).workflow.getHandle(workflowId);
      const result = await worker.runUntil(
        withDeadline(handle.result(), 120_000, "the workflow's result after the restart"),
      );
      const after = (await handle.fetchHistory()).events ?? [];
      await connection.close();
      await nativeConnection.close();

      // The timer the server kept through the crash fired once, in its second life, and the workflow
      // went on from there: one timer, one firing, one call of the activity.
      expect(timersStarted(after), 'TimerStarted events in the end').toHaveLength(1);
      expect(timersFired(after), 'TimerFired events in the end').toHaveLength(1);
      const firedAt = tsToMs(timersFired(after)[0]!.eventTime);
      expect(firedAt, 'the server recorded the timer firing after the crash').toBeGreaterThanOrEqual(
        crashedAt,
      );
      expect(Date.parse(result.firedAt) - Date.parse(result.startedAt)).toBeGreaterThanOrEqual(WAIT_MS);
      expect(fired, 'timers recorded by the activity in the end').toEqual([workflowId]);
    },
  );
});
