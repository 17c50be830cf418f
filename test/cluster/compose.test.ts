// docker-compose.yml describes the cluster `npm run start:cluster` runs (there is no Docker engine on
// the build machines to run compose itself): the same Temporal server version, the same configuration
// template's variables, the same dynamic config, four services, and two app workers beside the API.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { TEMPORAL_SERVER_VERSION } from '../../temporal/cluster/provision';
import { serverEnvironment, DEFAULT_PORTS, TEMPORAL_SERVICES } from '../../temporal/cluster/services';
import { temporalDatabasesFrom } from '../../temporal/cluster/schema';

interface Service {
  image?: string;
  environment?: Record<string, string | number>;
  volumes?: string[];
  deploy?: { replicas?: number };
}
const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), {
  merge: true,
}) as { services: Record<string, Service> };

const temporalServices = Object.values(compose.services).filter((s) =>
  s.image?.startsWith('temporalio/server:'),
);

describe('docker-compose.yml and start:cluster run the same cluster', () => {
  it('runs each of the four Temporal services in its own container, at the version start:cluster builds', () => {
    expect(temporalServices.map((s) => s.environment?.SERVICES).sort()).toEqual(
      [...TEMPORAL_SERVICES].sort(),
    );
    for (const s of temporalServices) expect(s.image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
    const tools = Object.values(compose.services).filter((s) =>
      s.image?.startsWith('temporalio/admin-tools:'),
    );
    for (const s of tools) expect(s.image).toBe(`temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`);
  });

  it('gives every service the variables start:cluster gives its processes, with the same shard count and dynamic config', () => {
    const local = serverEnvironment(
      temporalDatabasesFrom('postgres://temporal:temporal@127.0.0.1:5432/postgres'),
      DEFAULT_PORTS,
      '/etc/attendance/temporal/dynamicconfig.yaml',
    );
    // Ports and the broadcast address are the server's defaults in compose (each container has its own address).
    const perMachine = /_PORT$|^TEMPORAL_BROADCAST_ADDRESS$|^BIND_ON_IP$/;
    for (const s of temporalServices) {
      const env = s.environment ?? {};
      for (const [name, value] of Object.entries(local)) {
        if (perMachine.test(name) && name !== 'DB_PORT' && name !== 'POSTGRES_PORT') continue;
        expect(env, name).toHaveProperty(name);
        if (
          [
            'DB',
            'NUM_HISTORY_SHARDS',
            'DBNAME',
            'VISIBILITY_DBNAME',
            'DYNAMIC_CONFIG_FILE_PATH',
            'TEMPORAL_ALLOW_NO_AUTH',
          ].includes(name)
        )
          expect(String(env[name]), name).toBe(value);
      }
      expect(s.volumes).toContain('./config/temporal:/etc/attendance/temporal:ro');
    }
  });

  it('runs two app workers beside the API', () => {
    expect(compose.services.worker?.deploy?.replicas).toBe(2);
    expect(compose.services.api).toBeDefined();
  });
});
