// The integration services a worker (and the API) hands to activities: each school's MIS and Notify
// connection looked up when it is needed, so a change saved in Integrations takes effect at the next
// send or sync, with no restart. A school's Notify client is kept while its settings are unchanged.
import { createHash } from 'node:crypto';
import type { AppConfig } from '../config/env';
import { NotifyTransport } from '../messaging/notify';
import type { Db } from '../store/db';
import { listSchools } from '../store/schools';
import {
  loadSecretBox,
  misConnection,
  notifyConnection,
  type MisConnection,
  type NotifyConnection,
} from './connections';
import type { SecretBox } from './secretBox';

export interface IntegrationServices {
  misConnectionFor(schoolId: string): Promise<MisConnection | null>;
  notifyConnectionFor(schoolId: string): Promise<NotifyConnection | null>;
  notifyFor(schoolId: string): Promise<NotifyTransport | null>;
  schoolIds(): Promise<string[]>;
  box(): Promise<SecretBox>;
}

export function integrationServices(
  db: Db,
  config: AppConfig | undefined,
  boxOf: () => Promise<SecretBox> = once(() => loadSecretBox(config!)),
): IntegrationServices {
  const clients = new Map<string, { fingerprint: string; transport: NotifyTransport }>();
  const sources = async () => ({ db, box: boxOf, ...(config ? { config } : {}) });
  const services: IntegrationServices = {
    box: boxOf,
    misConnectionFor: async (schoolId) => misConnection(await sources(), schoolId),
    notifyConnectionFor: async (schoolId) => notifyConnection(await sources(), schoolId),
    async notifyFor(schoolId) {
      const conn = await services.notifyConnectionFor(schoolId);
      if (!conn) return null;
      const fingerprint = createHash('sha256').update(JSON.stringify(conn)).digest('hex');
      const kept = clients.get(schoolId);
      if (kept?.fingerprint === fingerprint) return kept.transport;
      const transport = new NotifyTransport(conn);
      clients.set(schoolId, { fingerprint, transport });
      return transport;
    },
    schoolIds: async () => (await listSchools(db)).map((s) => s.id),
  };
  return services;
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | null = null;
  return () => (p ??= fn());
}
