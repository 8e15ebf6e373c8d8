// The one schema of Foyer's settings. Each setting is read from the environment variable of the
// same name (or from the optional JSON config file); docs/configuration.md documents every key
// here, and a test keeps the two in step.
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const positiveInt = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').positive('must be positive');

/** Raw settings as they arrive from the environment or the config file (all strings). */
export const settingsSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'], { error: 'must be development, production or test' })
    .default('development'),
  HOST: z.string().min(1, 'must not be empty').default('0.0.0.0'),
  PORT: port.default(3000),
  PUBLIC_URL: z.string().optional(),
  DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  DATABASE_URL: z.string().optional(),
  SQLITE_SYNCHRONOUS: z.enum(['normal', 'full'], { error: 'must be normal or full' }).default('normal'),
  DATABASE_POOL_MAX: positiveInt.max(1000, 'must be at most 1000').default(10),
  REDIS_URL: z.string().optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  MASTER_SECRET: z.string().optional(),
  TRUST_PROXY: z.string().default('false'),
  METRICS_ENABLED: booleanString.default(true),
  METRICS_HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  METRICS_PORT: port.default(9464),
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().trim().min(3, 'must be a sender such as Foyer <no-reply@example.com>').max(300, 'must be at most 300 characters').default('Foyer <no-reply@localhost>'),
  SMS_GATEWAY_URL: z.string().optional(),
  GEOIP_DATABASE: z.string().trim().min(1, 'must be the path of a MaxMind .mmdb country or city database').optional(),
  SMS_GATEWAY_AUTHORIZATION: z.string().optional(),
  SMS_GATEWAY_FORMAT: z.enum(['json', 'form'], { error: 'must be json or form' }).default('json'),
  SMS_GATEWAY_BODY: z.string().optional(),
  SMS_FROM: z.string().trim().min(1, 'must not be empty').max(20, 'must be at most 20 characters').default('Foyer'),
  BREACHED_PASSWORDS_URL: z.string().optional(),
  BREACHED_PASSWORDS_TIMEOUT_MS: positiveInt.max(30_000, 'must be at most 30000').default(1500),
  EVENT_RETENTION_DAYS: positiveInt.max(3650, 'must be at most 3650').default(7),
  AUDIT_RETENTION_DAYS: positiveInt.max(3650, 'must be at most 3650').default(365),
  NATS_URL: z.string().optional(),
  WEBHOOK_TIMEOUT_MS: positiveInt.max(60_000, 'must be at most 60000').default(10_000),
  ADMIN_API_RATE_LIMIT: positiveInt.max(1_000_000, 'must be at most 1000000').default(600),
  ADMIN_API_TOKEN_TTL_SECONDS: positiveInt.max(3600, 'must be at most 3600').default(600),
});

export type Settings = z.infer<typeof settingsSchema>;
type SettingName = keyof Settings;
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as SettingName[];

/** Not a setting of its own: where to read the optional JSON file of settings. */
export const CONFIG_FILE_VARIABLE = 'FOYER_CONFIG';

export type DatabaseConfig =
  | { readonly engine: 'sqlite'; readonly file: string; readonly synchronous?: 'normal' | 'full' }
  | { readonly engine: 'postgres'; readonly url: string; readonly poolMax: number };

export type Config = {
  readonly env: Settings['NODE_ENV'];
  readonly http: {
    readonly host: string;
    readonly port: number;
    /** The issuer: every link and token Foyer makes starts here, never from a request's Host header. */
    readonly publicUrl: string;
    /** false, a hop count, or proxy addresses (never `true`: see load.ts). */
    readonly trustProxy: false | number | string;
  };
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly redisUrl: string | undefined;
  readonly logLevel: Settings['LOG_LEVEL'];
  readonly masterSecret: string;
  readonly metricsEnabled: boolean;
  /** Where /metrics is served: a listener of its own, loopback by default, never the public one. */
  readonly metricsListener: { readonly host: string; readonly port: number };
  readonly shutdownTimeoutMs: number;
  readonly mail: {
    /** smtp:// or smtps:// with credentials; undefined sends to the development outbox under DATA_DIR. */
    readonly smtpUrl: string | undefined;
    /** The sender when a tenant has none of its own. */
    readonly from: string;
  };
  /**
   * Text messages (ADR 0031): the generic HTTP gateway, or undefined to write them to the development
   * outbox under DATA_DIR (and, in production, to send none: SMS is then not offered).
   */
  readonly sms: {
    readonly gateway: { readonly url: string; readonly authorization: string | undefined; readonly format: 'json' | 'form'; readonly body: Readonly<Record<string, unknown>> | undefined } | undefined;
    readonly from: string;
  };
  readonly passwords: {
    /** The Pwned Passwords range endpoint new passwords are checked against; undefined: no check. */
    readonly breachedRangeUrl: string | undefined;
    readonly breachedTimeoutMs: number;
  };
  /** How long delivered outbox events are kept before the expired-rows sweep deletes them. */
  readonly eventRetentionMs: number;
  /** How long audit entries are kept before the expired-rows sweep deletes them. */
  readonly auditRetentionMs: number;
  readonly subscribers: {
    /** nats:// URL of a NATS server with JetStream; undefined: NATS subscriptions cannot be made. */
    readonly natsUrl: string | undefined;
    /** How long a webhook receiver has to answer one delivery. */
    readonly webhookTimeoutMs: number;
  };
  /** Requests one admin API credential (a staff member, an admin client) may make per minute. */
  readonly adminApiRateLimit: number;
  /** How long a token for the admin API lives (staff and machines); the console renews it before it expires. */
  readonly adminApiTokenTtlSeconds: number;
  /** A MaxMind-format country or city database (absolute path), for adaptive MFA's new-country signal; unset, no country is looked up. */
  readonly geoipDatabase: string | undefined;
};
