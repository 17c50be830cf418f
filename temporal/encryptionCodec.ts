// Encrypts every Temporal payload (workflow inputs, results, signals, activity arguments, and with
// the failure converter in ./failureConverter.ts failure messages and stack traces too) with
// AES-256-GCM before it leaves the process, so pupils' names, contacts and flags never sit in clear
// text in Temporal's history or its UI. Search attributes and workflow ids are not payloads: they
// carry no personal data by design.
//
// Keys form a ring: payloads are sealed with the current key and carry its id; a payload sealed with
// an earlier key is opened with that key, so a key can be rotated without stranding running cases
// (docs/security.md, "Children's data at rest"). A payload that is not encrypted is refused: nothing
// may slip into a case in clear, e.g. a signal sent by hand without the key.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import proto from '@temporalio/proto';

const { temporal } = proto;

const ENCODING = 'binary/encrypted';
const KEY_ID_KEY = 'encryption-key-id';
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

/** A key's id: the first 12 hex digits of its SHA-256 (the key itself never leaves the process). */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

export class EncryptionCodec implements PayloadCodec {
  private readonly currentId: string;
  private readonly ring = new Map<string, Buffer>();

  /**
   * @param current the key new payloads are sealed with
   * @param previous keys rotated out, still opening the payloads they sealed
   */
  constructor(
    private readonly current: Buffer,
    previous: Buffer[] = [],
  ) {
    for (const key of [current, ...previous]) {
      if (key.length !== 32)
        throw new Error('A payload encryption key must be 32 bytes (base64 of 32 bytes).');
      this.ring.set(keyIdOf(key), key);
    }
    this.currentId = keyIdOf(current);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const clear = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(IV_LENGTH);
      const cipher = createCipheriv('aes-256-gcm', this.current, iv);
      const sealed = Buffer.concat([iv, cipher.update(clear), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: new TextEncoder().encode(ENCODING),
          [KEY_ID_KEY]: new TextEncoder().encode(this.currentId),
        },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || new TextDecoder().decode(encoding) !== ENCODING)
        throw new Error(
          `refused a payload that is not encrypted (encoding ${encoding ? new TextDecoder().decode(encoding) : 'none'}): every payload must be sealed with the school's key`,
        );
      const idBytes = payload.metadata?.[KEY_ID_KEY];
      const keyId = idBytes ? new TextDecoder().decode(idBytes) : '';
      const key = this.ring.get(keyId);
      if (!key)
        throw new Error(
          `no key with id ${keyId || '(none)'} in the key ring: add the key it was sealed with to PAYLOAD_ENCRYPTION_PREVIOUS_KEYS`,
        );
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const iv = data.subarray(0, IV_LENGTH);
      const tag = data.subarray(data.length - TAG_LENGTH);
      const body = data.subarray(IV_LENGTH, data.length - TAG_LENGTH);
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      const clear = Buffer.concat([decipher.update(body), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(clear);
    });
  }
}
