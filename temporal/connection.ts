// One place that knows how to reach Temporal: address, namespace and the encrypting data converter.
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { type AppConfig, temporalAddress } from '../config/env';
import { EncryptionCodec } from './encryptionCodec';
import { loadOrCreateSecret } from './secrets';

export async function loadDataConverter(config: AppConfig): Promise<DataConverter> {
  const key = await loadOrCreateSecret(config.DATA_DIR, 'payload', config.PAYLOAD_ENCRYPTION_KEY);
  return { payloadCodecs: [new EncryptionCodec(key)] };
}

export async function connectClient(config: AppConfig): Promise<Client> {
  const connection = await Connection.connect({ address: temporalAddress(config) });
  return new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: await loadDataConverter(config),
  });
}
