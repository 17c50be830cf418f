// The demo accounts keep their passwords from one start to the next (in DATA_DIR/secrets, 0600), so
// the login page can show them while the demo is on and a newcomer never has to find them in a log.
// They open only the demo school, whose pupils are invented.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generatePassword } from '../auth/passwords';

const fileOf = (dataDir: string, role: string) => join(dataDir, 'secrets', `demo-${role}.password`);

/** The demo account's password: the one kept for it, or a new one kept from now on. */
export async function demoPassword(dataDir: string, role: string): Promise<string> {
  const kept = await readDemoPassword(dataDir, role);
  if (kept) return kept;
  await mkdir(join(dataDir, 'secrets'), { recursive: true, mode: 0o700 });
  const password = generatePassword();
  try {
    await writeFile(fileOf(dataDir, role), password, { mode: 0o600, flag: 'wx' });
    return password;
  } catch {
    return (await readDemoPassword(dataDir, role)) ?? password; // another process wrote it first
  }
}

export async function readDemoPassword(dataDir: string, role: string): Promise<string | null> {
  try {
    return (await readFile(fileOf(dataDir, role), 'utf8')).trim() || null;
  } catch {
    return null;
  }
}
