// `attendance keys actor`: the public half of the API's actor signing key, for the workers'
// ACTOR_VERIFY_KEYS (docs/security.md, "Signed actors"). `--new` makes a fresh key for a rotation:
// its seed goes to the API's ACTOR_SIGNING_KEY, its public key to the workers first.
import { generateKeyPairSync } from 'node:crypto';
import type { Command } from 'commander';
import { loadConfig } from '../../config/env';
import { keyIdOf, loadActorKeys, publicKeyToBase64 } from '../../temporal/actorClaims';

export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('Keys the product signs with');
  keys
    .command('actor')
    .description('Print the public key (and its id) that workers need to verify who decided')
    .option('--new', 'make a new signing key for a rotation, and print its seed and public key')
    .action(async (opts: { new?: boolean }) => {
      if (opts.new) {
        const { privateKey, publicKey } = generateKeyPairSync('ed25519');
        const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url').toString('base64');
        console.log(`ACTOR_SIGNING_KEY=${seed}    (the API only; keep it secret)`);
        console.log(`public key ${publicKeyToBase64(publicKey)}    (key id ${keyIdOf(publicKey)})`);
        return;
      }
      const { signing } = await loadActorKeys(loadConfig(), 'sign');
      console.log(`${publicKeyToBase64(signing!)}    (key id ${keyIdOf(signing!)})`);
    });
}
