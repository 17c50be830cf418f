// Who decided is a claim the API signs and the case verifies. A person's decision reaches a case as
// a Temporal Update carrying `actor` (their user id and role); anyone who can reach Temporal could
// otherwise write any actor into the case's record. So every Update with an actor is signed where
// it is sent (a client interceptor, below) with the API's Ed25519 key, and the case checks the
// signature in a local activity (activities/actorClaims.ts) before it acts: the workers hold only
// public keys. The claim binds the case, the Update's name, a digest of its arguments, the actor
// and the time, so it cannot be moved to another case, another decision, or used much later.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { AppConfig } from '../config/env';
import type { Actor, ActorSignature } from '../workflows/caseMessages';
import { loadOrCreateSecret } from './secrets';

/** How long a signed decision stays good: long enough for a retried call, too short to reuse. */
export const CLAIM_LIFETIME_MS = 15 * 60_000;

interface Claim {
  v: 1;
  kid: string;
  workflowId: string;
  update: string;
  /** SHA-256 of the Update's argument (without its signature), keys sorted. */
  digest: string;
  actor: Actor;
  /** Milliseconds since the epoch, when the API signed. */
  iat: number;
}

export interface ActorKeys {
  /** The API's key; absent on a worker that only verifies. */
  signing?: KeyObject;
  /** The public keys a worker accepts, by key id (the current one and any being rotated out). */
  verifying: Map<string, KeyObject>;
}

/** A key id: the first 12 characters of the public key's SHA-256, so logs can name a key. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(publicKey)).digest('base64url').slice(0, 12);
}

/** The public key's 32 raw bytes (of a public key, or of a private key's public half). */
function rawPublicKey(key: KeyObject): Buffer {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
}

/** An Ed25519 private key from its 32-byte seed (the form kept in the environment or secrets folder). */
export function signingKeyFromSeed(seed: Buffer): KeyObject {
  if (seed.length !== 32) throw new Error('the actor signing key must be 32 bytes (base64)');
  const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  return createPrivateKey({ key: Buffer.concat([pkcs8Prefix, seed]), format: 'der', type: 'pkcs8' });
}

/** A public key as its raw 32 bytes in base64 (how ACTOR_VERIFY_KEYS lists them). */
export function publicKeyToBase64(key: KeyObject): string {
  return rawPublicKey(key).toString('base64');
}

export function publicKeyFromBase64(b64: string): KeyObject {
  const raw = Buffer.from(b64.trim(), 'base64');
  if (raw.length !== 32) throw new Error('an actor verification key must be 32 bytes (base64)');
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
}

function ring(publicKeys: KeyObject[]): Map<string, KeyObject> {
  return new Map(publicKeys.map((k) => [keyIdOf(k), k]));
}

/**
 * The keys of this process. The API signs with ACTOR_SIGNING_KEY (or, on a laptop, a key generated
 * once into DATA_DIR/secrets). Workers verify with ACTOR_VERIFY_KEYS when set (production: workers
 * never hold the private key), otherwise with the public half of the signing key.
 */
export async function loadActorKeys(config: AppConfig, role: 'sign' | 'verify'): Promise<ActorKeys> {
  const listed = (config.ACTOR_VERIFY_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map(publicKeyFromBase64);
  if (role === 'verify' && listed.length > 0) return { verifying: ring(listed) };
  const seed = await loadOrCreateSecret(config.DATA_DIR, 'actor-signing', config.ACTOR_SIGNING_KEY);
  const signing = signingKeyFromSeed(seed);
  return { signing, verifying: ring([createPublicKey(signing), ...listed]) };
}

/** A fresh key pair held in memory: for tests and simulations, which sign and verify in one process. */
export function generateActorKeys(): ActorKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { signing: privateKey, verifying: ring([publicKey]) };
}

/** JSON with keys sorted at every level: the digest must not depend on how a field was added. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function digestOf(message: SignInput['message']): string {
  const { signed: _signed, ...rest } = message;
  return createHash('sha256').update(canonicalJson(rest)).digest('base64url');
}

export interface SignInput {
  workflowId: string;
  update: string;
  /** The Update's argument: any object naming an actor (its `signed` field is not part of the digest). */
  message: { actor: Actor; signed?: ActorSignature };
}

export function signActorClaim(keys: ActorKeys, input: SignInput, now = Date.now()): ActorSignature {
  if (!keys.signing) throw new Error('this process holds no actor signing key');
  const claim: Claim = {
    v: 1,
    kid: keyIdOf(keys.signing),
    workflowId: input.workflowId,
    update: input.update,
    digest: digestOf(input.message),
    actor: { userId: input.message.actor.userId, role: input.message.actor.role },
    iat: now,
  };
  const encoded = Buffer.from(JSON.stringify(claim)).toString('base64url');
  return { claim: encoded, sig: sign(null, Buffer.from(encoded), keys.signing).toString('base64url') };
}

export type Verdict = { ok: true; kid: string } | { ok: false; reason: string };

/** Whether an Update's actor is the one the API signed for this case, this Update and these arguments. */
export function verifyActorClaim(
  verifying: Map<string, KeyObject>,
  input: SignInput,
  now = Date.now(),
): Verdict {
  const signed = input.message.signed;
  if (!signed || typeof signed.claim !== 'string' || typeof signed.sig !== 'string')
    return { ok: false, reason: 'the decision carries no signed actor' };
  let claim: Claim;
  try {
    claim = JSON.parse(Buffer.from(signed.claim, 'base64url').toString('utf8')) as Claim;
  } catch {
    return { ok: false, reason: 'the signed actor cannot be read' };
  }
  const key = verifying.get(claim.kid);
  if (!key) return { ok: false, reason: 'the decision was signed with a key this worker does not accept' };
  if (!verify(null, Buffer.from(signed.claim), key, Buffer.from(signed.sig, 'base64url')))
    return { ok: false, reason: 'the signature does not match' };
  if (claim.v !== 1) return { ok: false, reason: 'unknown claim version' };
  if (claim.workflowId !== input.workflowId)
    return { ok: false, reason: 'the decision was signed for another case' };
  if (claim.update !== input.update)
    return { ok: false, reason: 'the decision was signed for another action' };
  if (claim.digest !== digestOf(input.message))
    return { ok: false, reason: 'the decision differs from the one signed' };
  const actor = input.message.actor;
  if (claim.actor.userId !== actor?.userId || claim.actor.role !== actor?.role)
    return { ok: false, reason: 'the actor differs from the one signed' };
  if (Math.abs(now - claim.iat) > CLAIM_LIFETIME_MS)
    return { ok: false, reason: 'the signed decision has expired' };
  return { ok: true, kid: claim.kid };
}

function hasActor(value: unknown): value is SignInput['message'] {
  return typeof value === 'object' && value !== null && 'actor' in value && typeof value.actor === 'object';
}

/**
 * Signs every Update this client sends whose argument names an actor, so no caller of the client
 * (a route, the CLI, a simulation) can forget to: the signature travels inside the argument.
 */
export function actorSigningInterceptor(keys: ActorKeys): WorkflowClientInterceptor {
  return {
    async startUpdate(input, next) {
      const [message, ...rest] = input.args;
      if (!hasActor(message)) return next(input);
      const signed = signActorClaim(keys, {
        workflowId: input.workflowExecution.workflowId,
        update: input.updateName,
        message,
      });
      return next({ ...input, args: [{ ...message, signed }, ...rest] });
    },
  };
}
