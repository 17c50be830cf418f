// A case waits weeks on a timer; machines restart. Kill the dev server (SIGKILL, as in a crash)
// and the worker while a workflow waits, start both again on the same SQLite file, and the
// timer still fires — once.
import { afterEach, describe, expect, it } from 'vitest';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { WORKFLOWS_PATH } from '../../worker/createWorker';
import { freePort, provisionTemporal, waitForPort } from '../../scripts/provision-temporal';
import { devServerSearchAttributeArgs } from '../../temporal/searchAttributes';
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

afterEach(async () => {
  server?.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('restarting the stack', () => {
  it('keeps a workflow waiting on a timer; it fires after the restart, exactly once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'restart-'));
    const dbFile = join(dir, 'temporal.sqlite');
    const port = await freePort();
    const fired: string[] = [];
    const activities = createActivities({ onTimerFired: (e) => void fired.push(e.workflowId) });
    const workflowId = `probe-${randomUUID()}`;

    // First life: start the workflow, let the worker pick it up, then crash everything.
    server = await startServer(dbFile, port);
    let nativeConnection = await NativeConnection.connect({ address: `127.0.0.1:${port}` });
    let worker = await Worker.create({
      connection: nativeConnection,
      taskQueue: 'restart',
      workflowsPath: WORKFLOWS_PATH,
      activities,
    });
    let connection = await Connection.connect({ address: `127.0.0.1:${port}` });
    await new Client({ connection }).workflow.start(timerProbe, {
      taskQueue: 'restart',
      workflowId,
      args: [{ wait: '6 seconds' }],
    });
    await worker.runUntil(new Promise((r) => setTimeout(r, 1500)));
    await connection.close();
    await nativeConnection.close();
    server.kill('SIGKILL');
    await new Promise((r) => server!.once('exit', r));
    expect(fired).toEqual([]);

    // Second life: same database file, new processes.
    server = await startServer(dbFile, port);
    nativeConnection = await NativeConnection.connect({ address: `127.0.0.1:${port}` });
    worker = await Worker.create({
      connection: nativeConnection,
      taskQueue: 'restart',
      workflowsPath: WORKFLOWS_PATH,
      activities,
    });
    connection = await Connection.connect({ address: `127.0.0.1:${port}` });
    const handle = new Client({ connection }).workflow.getHandle(workflowId);
    const result = await worker.runUntil(handle.result());
    expect(Date.parse(result.firedAt) - Date.parse(result.startedAt)).toBeGreaterThanOrEqual(6000);
    expect(fired).toEqual([workflowId]);
    await connection.close();
    await nativeConnection.close();
  });
});
