// What every route module receives: the services, the clock and the configuration.
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../config/env';
import type { IsoDate } from '../domain/types';
import type { Db } from '../store/db';
import type { SessionStore } from './auth/sessions';
import type { ImportJobs } from './services/importJobs';
import type { ZodTypeProvider } from './zod';

export type ZodApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface AppContext {
  db: Db;
  temporal: Client;
  taskQueue: string;
  config: AppConfig;
  sessions: SessionStore;
  imports: ImportJobs;
  /** Milliseconds since the epoch (tests may fix it). */
  now(): number;
  /** Today's date in the schools' time zone. */
  today(): IsoDate;
  /** The base URL users reach the app at (for set-up links). */
  publicUrl(): string;
  /** How long the live case view (and a preview or decision) waits for the workflow to answer its query. */
  caseQueryTimeoutMs: number;
}
