// How the product reaches Temporal: a server on this machine directly; any other only with mTLS or an
// API key, unless the operator says the network is trusted (docs/security.md, "The workflow trusts no
// caller"). The options are what the client and both workers connect with.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env';
import { temporalConnectionOptions } from '../../temporal/connection';

const files: Record<string, string> = {
  '/certs/client.pem': 'CLIENT CERT',
  '/certs/client.key': 'CLIENT KEY',
  '/certs/ca.pem': 'PRIVATE CA',
};
const read = (path: string) => {
  const text = files[path];
  if (text === undefined) throw new Error(`no such file ${path}`);
  return Buffer.from(text);
};
const options = (env: Record<string, string>) =>
  temporalConnectionOptions(loadConfig({ DATA_DIR: '/nonexistent', ...env }), read);

describe('reaching Temporal', () => {
  it('reaches a server on this machine directly (the laptop and the tests)', () => {
    expect(options({})).toEqual({ address: '127.0.0.1:7233' });
    expect(options({ TEMPORAL_ADDRESS: 'localhost:7233' })).toEqual({ address: 'localhost:7233' });
  });

  it('refuses a server elsewhere without mTLS or an API key, saying what to set', () => {
    expect(() => options({ TEMPORAL_ADDRESS: 'temporal.school.internal:7233' })).toThrow(
      /^Temporal at temporal\.school\.internal:7233 would be reached without mTLS or an API key: set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/,
    );
  });

  it('connects with mTLS: the client certificate pair, and the private CA and server name when given', () => {
    expect(
      options({
        TEMPORAL_ADDRESS: 'temporal:7233',
        TEMPORAL_TLS_CERT: '/certs/client.pem',
        TEMPORAL_TLS_KEY: '/certs/client.key',
        TEMPORAL_TLS_CA: '/certs/ca.pem',
        TEMPORAL_TLS_SERVER_NAME: 'temporal.school.internal',
      }),
    ).toEqual({
      address: 'temporal:7233',
      tls: {
        clientCertPair: { crt: Buffer.from('CLIENT CERT'), key: Buffer.from('CLIENT KEY') },
        serverRootCACertificate: Buffer.from('PRIVATE CA'),
        serverNameOverride: 'temporal.school.internal',
      },
    });
    expect(() =>
      options({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS_CERT: '/certs/client.pem' }),
    ).toThrow(/needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/);
  });

  it('connects with an API key, always over TLS', () => {
    expect(options({ TEMPORAL_ADDRESS: 'school.tmprl.cloud:7233', TEMPORAL_API_KEY: 'key-123' })).toEqual({
      address: 'school.tmprl.cloud:7233',
      tls: true,
      apiKey: 'key-123',
    });
  });

  it('reaches a server elsewhere in clear only when told the network is trusted', () => {
    expect(options({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_ALLOW_INSECURE: 'true' })).toEqual({
      address: 'temporal:7233',
    });
  });
});
