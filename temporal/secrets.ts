// Secrets that must survive restarts but need no operator action on a laptop: taken from the
// environment when set (production), otherwise generated once into DATA_DIR/secrets (0600).
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function loadOrCreateSecret(
  dataDir: string,
  name: string,
  fromEnv: string | undefined,
): Promise<Buffer> {
  if (fromEnv) return Buffer.from(fromEnv, 'base64');
  const dir = join(dataDir, 'secrets');
  const file = join(dir, `${name}.key`);
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  } catch {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const key = randomBytes(32);
    // 'wx' so two processes starting together never overwrite each other's key.
    try {
      await writeFile(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
      await chmod(file, 0o600);
      return key;
    } catch {
      return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
    }
  }
}
