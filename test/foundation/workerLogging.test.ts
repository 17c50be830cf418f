// The start log stays short: a worker puts one line per warning on the console, and the detail of
// every send only in DATA_DIR/logs/worker.log, and only at LOG_LEVEL=debug.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/env';
import { workerLogger } from '../../worker/logging';

const SDK_CONTEXT = {
  sdkComponent: 'activity',
  taskToken: 'bG9jYWxfYWN0',
  taskQueue: 'attendance',
  attempt: 1,
};

afterEach(() => vi.restoreAllMocks());

describe('what a worker logs, and where', () => {
  it('at the default level: a send says nothing; a warning is one line on the console, without the SDK’s context', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const dataDir = mkdtempSync(join(tmpdir(), 'worker-log-'));
    const { logger, file } = workerLogger(loadConfig({ DATA_DIR: dataDir }));
    logger.info('message sent', { ...SDK_CONTEXT, sendId: 's-1', caseId: 'case-1', recipients: 2 });
    logger.warn('sweep could not reach a case', { ...SDK_CONTEXT, caseId: 'case-2' });
    expect(file).toBeNull();
    expect(existsSync(join(dataDir, 'logs'))).toBe(false);
    expect(warn.mock.calls).toEqual([['[worker] WARN sweep could not reach a case (caseId=case-2)']]);
  });

  it('at LOG_LEVEL=debug: every send goes to the log file as a JSON line, still not to the console', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const dataDir = mkdtempSync(join(tmpdir(), 'worker-log-'));
    const { logger, file } = workerLogger(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'debug' }));
    logger.info('message sent', { ...SDK_CONTEXT, sendId: 's-1', caseId: 'case-1', recipients: 2 });
    expect(file).toBe(join(dataDir, 'logs', 'worker.log'));
    await expect.poll(() => (existsSync(file!) ? readFileSync(file!, 'utf8') : '')).toMatch(/\n$/);
    const line = JSON.parse(readFileSync(file!, 'utf8').trim());
    expect(line).toMatchObject({ level: 'INFO', message: 'message sent', sendId: 's-1', recipients: 2 });
    expect(warn).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
  });
});
