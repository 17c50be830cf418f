// Sealing the secrets a school gives us (its MIS token, its Notify API key) before they are stored:
// AES-256-GCM with a key from INTEGRATION_SECRET_KEY (generated into DATA_DIR/secrets on a laptop).
// The sealed text says which key sealed it (its first 8 hex of SHA-256), so a rotated key can still
// open what it sealed. A secret is opened only where it is used (the client that calls the service)
// and is never returned by the API or written to a log.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export class SecretBox {
  private readonly keys: { id: string; key: Buffer }[];

  /** `current` seals; `previous` keys still open what they sealed. Each is 32 bytes. */
  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    this.keys = [current, ...previous].map((key) => {
      if (key.length !== 32)
        throw new Error('an integration secret key is 32 bytes (base64 in the environment)');
      return { id: keyId(key), key };
    });
  }

  seal(plain: string): string {
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', id, Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')].join(':');
  }

  open(sealed: string): string {
    const [version, id, data] = sealed.split(':');
    const entry = this.keys.find((k) => k.id === id);
    if (version !== 'v1' || !data) throw new Error('not a sealed secret');
    if (!entry) throw new Error('the secret was sealed with a key this server does not have');
    const raw = Buffer.from(data, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', entry.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** The last four characters, to show which secret is set without showing it. */
export function secretHint(secret: string): string {
  return secret.length <= 8 ? '****' : `…${secret.slice(-4)}`;
}
