// One place that knows how to reach Temporal: address, namespace and the encrypting data converter.
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { type AppConfig, temporalAddress } from '../config/env';
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

export async function connectClient(config: AppConfig): Promise<Client> {
  const connection = await Connection.connect({ address: temporalAddress(config) });
  return new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: await loadDataConverter(config),
  });
}
