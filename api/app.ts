// The HTTP API. Built by a factory so tests can start it on a random port with local services.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import { checkHealth } from './health';

export interface ApiDeps {
  temporal: Client;
  taskQueue: string;
  logger?: boolean;
}

export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: deps.logger ?? false });

  // Health is the one unauthenticated endpoint: it reveals no pupil data, only whether the
  // engine and a worker are up, which load balancers and `npm start` need to know.
  app.get('/health', async (_req, reply) => {
    const report = await checkHealth(deps.temporal, deps.taskQueue);
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });

  return app;
}
