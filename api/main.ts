// The API process.
import { loadConfig } from '../config/env';
import { connectClient } from '../temporal/connection';
import { buildApp } from './app';

async function main(): Promise<void> {
  const config = loadConfig();
  const temporal = await connectClient(config);
  const app = await buildApp({ temporal, taskQueue: config.TEMPORAL_TASK_QUEUE });
  await app.listen({ host: config.API_HOST, port: config.API_PORT });
  console.log(`[api] listening on http://${config.API_HOST}:${config.API_PORT}`);
  const stop = async () => {
    await app.close();
    await temporal.connection.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error('[api] failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
