// Where a school's MIS and Notify connections come from: the school's own settings (Integrations
// page, stored with the secret sealed), else the deployment's environment (docs/integrations.md).
// This is the one place a secret is opened; what it returns goes straight to a client.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from '../config/env';
import type { Db } from '../store/db';
import { getIntegration } from '../store/integrations';
import { loadOrCreateSecret } from '../temporal/secrets';
import { SecretBox } from './secretBox';

export interface MisSettings {
  provider: 'wonde';
  /** The API root, e.g. https://api.wonde.com/v1.0 */
  baseUrl: string;
  /** The school's id at the MIS. */
  misSchoolId: string;
  /** The MIS's own codes mapped to DfE codes, e.g. { "Z9": "B" }. */
  codeMap: Record<string, string>;
}

export interface NotifySettings {
  /** Notify's API root (null: Notify's own). */
  baseUrl: string | null;
  /** A Notify email template whose subject is ((subject)) and body ((body)). */
  emailTemplateId: string | null;
  /** A Notify text message template whose body is ((body)). */
  smsTemplateId: string | null;
  /** The class a letter is posted when its template does not say. */
  postage: 'first' | 'second';
  /** Letters go by post through Notify (else the office prints and posts them, as without Notify). */
  postLetters: boolean;
  /** SHA-256 of the bearer token Notify sends with its callbacks (null: callbacks refused). */
  callbackTokenHash: string | null;
}

export type ConnectionSource = 'school' | 'environment';

export interface MisConnection extends MisSettings {
  source: ConnectionSource;
  token: string;
}

export interface NotifyConnection extends NotifySettings {
  source: ConnectionSource;
  apiKey: string;
}

/** The key ring that seals schools' secrets (INTEGRATION_SECRET_KEY, or a generated one on a laptop). */
export async function loadSecretBox(config: AppConfig): Promise<SecretBox> {
  const current = await loadOrCreateSecret(config.DATA_DIR, 'integrations', config.INTEGRATION_SECRET_KEY);
  const previous = (config.INTEGRATION_SECRET_PREVIOUS_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => Buffer.from(k, 'base64'));
  return new SecretBox(current, previous);
}

export interface ConnectionSources {
  db: Db;
  /** Opened only when a school's own secret is read. */
  box: () => Promise<SecretBox>;
  /** The deployment's settings (undefined: only schools' own). */
  config?: AppConfig;
}

export async function misConnection(src: ConnectionSources, schoolId: string): Promise<MisConnection | null> {
  const stored = await getIntegration<MisSettings>(src.db, schoolId, 'mis');
  if (stored?.secretSealed) {
    return { ...stored.settings, source: 'school', token: (await src.box()).open(stored.secretSealed) };
  }
  const c = src.config;
  const misSchoolId = c ? pairs(c.MIS_SCHOOL_IDS).get(schoolId) : undefined;
  if (!c?.MIS_API_TOKEN || !misSchoolId) return null;
  return {
    provider: 'wonde',
    baseUrl: c.MIS_API_URL,
    misSchoolId,
    codeMap: Object.fromEntries(pairs(c.MIS_CODE_MAP)),
    source: 'environment',
    token: c.MIS_API_TOKEN,
  };
}

export async function notifyConnection(
  src: ConnectionSources,
  schoolId: string,
): Promise<NotifyConnection | null> {
  const stored = await getIntegration<NotifySettings>(src.db, schoolId, 'notify');
  if (stored?.secretSealed) {
    return { ...stored.settings, source: 'school', apiKey: (await src.box()).open(stored.secretSealed) };
  }
  const c = src.config;
  if (!c?.NOTIFY_API_KEY) return null;
  return {
    baseUrl: c.NOTIFY_BASE_URL ?? null,
    emailTemplateId: c.NOTIFY_EMAIL_TEMPLATE_ID ?? null,
    smsTemplateId: c.NOTIFY_SMS_TEMPLATE_ID ?? null,
    postage: c.NOTIFY_POSTAGE,
    postLetters: c.NOTIFY_POST_LETTERS,
    callbackTokenHash: c.NOTIFY_CALLBACK_TOKEN ? tokenHash(c.NOTIFY_CALLBACK_TOKEN) : null,
    source: 'environment',
    apiKey: c.NOTIFY_API_KEY,
  };
}

/** Whether the school has an MIS (its own, or the deployment's), without opening any secret. */
export async function misConfigured(
  db: Db,
  config: AppConfig | undefined,
  schoolId: string,
): Promise<boolean> {
  if ((await getIntegration(db, schoolId, 'mis'))?.secretSealed) return true;
  return Boolean(config?.MIS_API_TOKEN && pairs(config.MIS_SCHOOL_IDS).has(schoolId));
}

/** Whether the school has GOV.UK Notify (its own, or the deployment's), without opening any secret. */
export async function notifyConfigured(
  db: Db,
  config: AppConfig | undefined,
  schoolId: string,
): Promise<boolean> {
  if ((await getIntegration(db, schoolId, 'notify'))?.secretSealed) return true;
  return Boolean(config?.NOTIFY_API_KEY);
}

/** Whether the school's email goes through Notify (its email template set), without opening a secret. */
export async function notifyCarriesEmail(
  db: Db,
  config: AppConfig | undefined,
  schoolId: string,
): Promise<boolean> {
  const stored = await getIntegration<NotifySettings>(db, schoolId, 'notify');
  if (stored?.secretSealed) return stored.settings.emailTemplateId !== null;
  return Boolean(config?.NOTIFY_API_KEY && config.NOTIFY_EMAIL_TEMPLATE_ID);
}

/** `a=b,c=d` as a map (the environment's way of giving per-school values). */
export function pairs(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (text ?? '').split(',')) {
    const [k, ...v] = part.split('=');
    if (k?.trim() && v.length > 0) out.set(k.trim(), v.join('=').trim());
  }
  return out;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether a presented bearer token is the one whose hash is kept (compared in constant time). */
export function tokenMatches(presented: string, hash: string | null): boolean {
  if (!hash) return false;
  const a = Buffer.from(tokenHash(presented), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
