// The keys that sign who decided (temporal/actorClaims.ts): a worker given only public keys holds no
// signing key and accepts exactly those keys, so a rotation lists the old and new ones together.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/env';
import {
  generateActorKeys,
  loadActorKeys,
  publicKeyToBase64,
  signActorClaim,
  verifyActorClaim,
} from '../../temporal/actorClaims';

const message = {
  proposalId: 'p-1',
  decision: 'approve',
  actor: { userId: 'u-1', role: 'officer' as const },
};
const claim = { workflowId: 'case-1', update: 'decideStep', message };

describe('actor signing keys', () => {
  it('on one machine: generates the API’s key once (0600) and the worker verifies with its public half', async () => {
    const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'actor-keys-')) });
    const api = await loadActorKeys(config, 'sign');
    const worker = await loadActorKeys(config, 'verify');
    expect(statSync(join(config.DATA_DIR, 'secrets', 'actor-signing.key')).mode & 0o777).toBe(0o600);
    const signed = signActorClaim(api, claim);
    expect(verifyActorClaim(worker.verifying, { ...claim, message: { ...message, signed } }).ok).toBe(true);
  });

  it('a worker given ACTOR_VERIFY_KEYS holds no signing key and accepts the old and the new key while rotating', async () => {
    const [old, next, stranger] = [generateActorKeys(), generateActorKeys(), generateActorKeys()];
    const worker = await loadActorKeys(
      loadConfig({
        DATA_DIR: '/nonexistent-worker-data',
        ACTOR_VERIFY_KEYS: [old, next].map((k) => publicKeyToBase64(k.signing!)).join(','),
      }),
      'verify',
    );
    expect(worker.signing).toBeUndefined();
    const verdict = (keys: typeof old) =>
      verifyActorClaim(worker.verifying, {
        ...claim,
        message: { ...message, signed: signActorClaim(keys, claim) },
      });
    expect(verdict(old).ok).toBe(true);
    expect(verdict(next).ok).toBe(true);
    expect(verdict(stranger)).toEqual({
      ok: false,
      reason: 'the decision was signed with a key this worker does not accept',
    });
  });
});
