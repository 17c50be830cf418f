// Every environment variable the product reads, validated in one place with zod. A bad value
// stops the process at start with a message naming the variable, instead of failing later.
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(1).max(65535);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== '' ? v.trim() : undefined));

export const envSchema = z.object({
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalString,
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  /** mTLS to Temporal: this client's certificate and key (PEM files), and the server's CA if private. */
  TEMPORAL_TLS_CERT: optionalString,
  TEMPORAL_TLS_KEY: optionalString,
  TEMPORAL_TLS_CA: optionalString,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  /** An API key for Temporal (sent over TLS). */
  TEMPORAL_API_KEY: optionalString,
  /**
   * A Temporal server away from this machine is reached only with mTLS or an API key; set this to
   * reach one without (a private network you trust) and say so.
   */
  TEMPORAL_ALLOW_INSECURE: bool.default(false),
  TEMPORAL_TASK_QUEUE: z.string().default('attendance'),
  /**
   * How many cases a worker keeps in memory between their wakes (Temporal's sticky cache). Unset, the
   * SDK's default: about 600 per GiB of the worker's heap (some 2,300 on a 4 GiB heap), which held
   * 4.6 GiB of RSS per worker at 20,000 open cases (docs/benchmarks.md). A case evicted from the
   * cache replays its short history when it next wakes; a smaller cache trades that CPU for memory.
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce.number().int().min(2).optional(),
  ),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: port.default(3000),
  PUBLIC_URL: optionalString,
  /**
   * The reverse proxies in front of the API (addresses or CIDR ranges, comma-separated). Only a
   * request from one of them may say who the client is (X-Forwarded-For); otherwise the connection's
   * own address counts, so a forged header cannot dodge the sign-in limits.
   */
  TRUSTED_PROXIES: optionalString,
  SMTP_URL: optionalString,
  MAIL_FROM: z.string().default('Attendance Team <attendance@school.invalid>'),
  PAYLOAD_ENCRYPTION_KEY: optionalString,
  /** Keys rotated out (base64, comma-separated): still open the payloads they sealed. */
  PAYLOAD_ENCRYPTION_PREVIOUS_KEYS: optionalString,
  /**
   * The API's Ed25519 key (its 32-byte seed, base64) that signs who made each decision sent to a case.
   * On a laptop one is generated into DATA_DIR/secrets.
   */
  ACTOR_SIGNING_KEY: optionalString,
  /**
   * The public keys (32 bytes each, base64, comma-separated) a worker accepts decisions signed with.
   * Set on workers in production so they never hold the signing key; list the old and new keys
   * while rotating. Unset: the worker uses the public half of ACTOR_SIGNING_KEY.
   */
  ACTOR_VERIFY_KEYS: optionalString,
  /**
   * The key (32 bytes, base64) that seals the secrets schools give in Integrations (an MIS token, a
   * Notify API key). On a laptop one is generated into DATA_DIR/secrets.
   */
  INTEGRATION_SECRET_KEY: optionalString,
  /** Keys rotated out (base64, comma-separated): they still open what they sealed. */
  INTEGRATION_SECRET_PREVIOUS_KEYS: optionalString,
  /**
   * An MIS for every school without its own in Integrations (docs/integrations.md): the API root, its
   * token, each school's id at the MIS (`ourId=misId`, comma-separated) and codes to map (`Z9=B`).
   */
  MIS_API_URL: z.string().url().default('https://api.wonde.com/v1.0'),
  MIS_API_TOKEN: optionalString,
  MIS_SCHOOL_IDS: optionalString,
  MIS_CODE_MAP: optionalString,
  /** When the MIS is read, local school time (HH:MM, comma-separated); one more runs before the sweep. */
  MIS_SYNC_TIMES: z
    .string()
    .regex(
      /^(([01]\d|2[0-3]):[0-5]\d)(,\s*([01]\d|2[0-3]):[0-5]\d)*$/,
      'must be HH:MM times, comma-separated',
    )
    .default('10:00,14:15'),
  /** GOV.UK Notify for every school without its own in Integrations. */
  NOTIFY_API_KEY: optionalString,
  NOTIFY_BASE_URL: optionalString,
  NOTIFY_EMAIL_TEMPLATE_ID: optionalString,
  NOTIFY_SMS_TEMPLATE_ID: optionalString,
  /** first or second: the class a letter is posted when its template does not say. */
  NOTIFY_POSTAGE: z.enum(['first', 'second']).default('second'),
  /** Letters go by post through Notify (otherwise the office prints and posts them). */
  NOTIFY_POST_LETTERS: bool.default(true),
  /** The bearer token Notify sends with its callbacks (set the same in Notify's API integration page). */
  NOTIFY_CALLBACK_TOKEN: optionalString,
  SESSION_SECRET: optionalString,
  ADMIN_EMAIL: optionalString,
  ADMIN_PASSWORD: optionalString,
  /** The largest import request, in MB (files travel in the request body). */
  IMPORT_MAX_MB: z.coerce.number().int().min(1).max(1024).default(60),
  /**
   * The most rows a roster or marks file may have: a large secondary school's year of marks is about
   * 600,000; a file beyond this is refused before it is validated or written.
   */
  IMPORT_MAX_ROWS: z.coerce.number().int().min(1).default(1_000_000),
  SWEEP_TIME: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour), e.g. 16:30')
    .default('16:30'),
  SCHOOL_TIMEZONE: z.string().default('Europe/London'),
  DEMO_SCHOOL: bool.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type AppConfig = z.infer<typeof envSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(
      `Invalid configuration:\n${lines.join('\n')}\nSee .env.example for every variable and its default.`,
    );
  }
  return parsed.data;
}

export function temporalAddress(config: AppConfig): string {
  return config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`;
}
