// One place that knows how to reach Temporal: address, namespace and the encrypting data converter.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { type AppConfig, temporalAddress } from '../config/env';
import { actorSigningInterceptor, loadActorKeys } from './actorClaims';
import { EncryptionCodec } from './encryptionCodec';
import { loadOrCreateSecret } from './secrets';

/** The failure converter every process loads (and the workflow bundle is built with). */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failureConverter.ts', import.meta.url));

/**
 * Every payload and failure sealed with the school's key ring: the current key (from the environment
 * or DATA_DIR/secrets/payload.key) and any keys rotated out (PAYLOAD_ENCRYPTION_PREVIOUS_KEYS).
 */
export async function loadDataConverter(config: AppConfig): Promise<DataConverter> {
  const key = await loadOrCreateSecret(config.DATA_DIR, 'payload', config.PAYLOAD_ENCRYPTION_KEY);
  const previous = (config.PAYLOAD_ENCRYPTION_PREVIOUS_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => Buffer.from(k, 'base64'));
  return {
    payloadCodecs: [new EncryptionCodec(key, previous)],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}

/**
 * How to reach Temporal: its address, and mTLS (TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY, with
 * TEMPORAL_TLS_CA for a private CA) or an API key (TEMPORAL_API_KEY, over TLS). A server away from
 * this machine is never reached without one of them unless TEMPORAL_ALLOW_INSECURE says so: the
 * workflows are where the cases live, and a caller who can reach them can act on them.
 */
export function temporalConnectionOptions(
  config: AppConfig,
  read: (path: string) => Buffer = (path) => readFileSync(path),
): { address: string; tls?: TLSConfig | boolean; apiKey?: string } {
  const address = temporalAddress(config);
  if (Boolean(config.TEMPORAL_TLS_CERT) !== Boolean(config.TEMPORAL_TLS_KEY))
    throw new Error('mTLS to Temporal needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY');
  const tls: TLSConfig | undefined =
    config.TEMPORAL_TLS_CERT && config.TEMPORAL_TLS_KEY
      ? {
          clientCertPair: { crt: read(config.TEMPORAL_TLS_CERT), key: read(config.TEMPORAL_TLS_KEY) },
          ...(config.TEMPORAL_TLS_CA ? { serverRootCACertificate: read(config.TEMPORAL_TLS_CA) } : {}),
          ...(config.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME } : {}),
        }
      : undefined;
  if (config.TEMPORAL_API_KEY) return { address, tls: tls ?? true, apiKey: config.TEMPORAL_API_KEY };
  if (tls) return { address, tls };
  const host = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const local = ['127.0.0.1', 'localhost', '::1'].includes(host);
  if (!local && !config.TEMPORAL_ALLOW_INSECURE)
    throw new Error(
      `Temporal at ${address} would be reached without mTLS or an API key: set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (mTLS) or TEMPORAL_API_KEY, or, on a private network you trust, TEMPORAL_ALLOW_INSECURE=true`,
    );
  return { address };
}

/**
 * A client for this process. The API's client (`signActors`) signs every decision it sends to a case
 * with the API's key (temporal/actorClaims.ts); a worker's client only signals and starts.
 */
export async function connectClient(config: AppConfig, opts: { signActors?: boolean } = {}): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(config));
  return new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: await loadDataConverter(config),
    ...(opts.signActors
      ? { interceptors: { workflow: [actorSigningInterceptor(await loadActorKeys(config, 'sign'))] } }
      : {}),
  });
}
