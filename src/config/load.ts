// Turns the environment (and the optional JSON config file) into one frozen, validated Config.
// Every problem is reported as a ConfigError naming the setting, so `main` can print one line.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE_VARIABLE, SETTING_NAMES, settingsSchema } from './schema.ts';
import type { Config, DatabaseConfig, Settings } from './schema.ts';
import { resolveMasterSecret } from './master-secret.ts';
import { ConfigError } from './config-error.ts';

export { ConfigError };

type LoadedConfig = { config: Config; warnings: string[] };

type Environment = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Environment = process.env, cwd: string = process.cwd()): LoadedConfig {
  const settings = parseSettings({ ...readConfigFile(env, cwd), ...pickSettings(env) });
  const warnings: string[] = [];
  const production = settings.NODE_ENV === 'production';
  const dataDir = path.resolve(cwd, settings.DATA_DIR);
  // Production refuses every insecure setting at once, so one restart fixes them all.
  const [publicUrl, secret, smtpUrl] = collect(
    () => parsePublicUrl(settings.PUBLIC_URL ?? `http://localhost:${settings.PORT}`, production),
    () => resolveMasterSecret({ given: settings.MASTER_SECRET, production, dataDir }),
    () => parseSmtpUrl(settings.SMTP_URL, production),
  );
  if (secret.warning) warnings.push(secret.warning);

  const config: Config = {
    env: settings.NODE_ENV,
    http: {
      host: settings.HOST,
      port: settings.PORT,
      publicUrl,
      trustProxy: parseTrustProxy(settings.TRUST_PROXY),
    },
    dataDir,
    database: parseDatabaseUrl(settings.DATABASE_URL, dataDir, cwd, settings.DATABASE_POOL_MAX, settings.SQLITE_SYNCHRONOUS),
    redisUrl: parseRedisUrl(settings.REDIS_URL),
    logLevel: settings.LOG_LEVEL,
    masterSecret: secret.value,
    metricsEnabled: settings.METRICS_ENABLED,
    metricsListener: { host: settings.METRICS_HOST, port: settings.METRICS_PORT },
    shutdownTimeoutMs: settings.SHUTDOWN_TIMEOUT_MS,
    mail: { smtpUrl, from: settings.MAIL_FROM },
    sms: { gateway: parseSmsGateway(settings, production), from: settings.SMS_FROM },
    passwords: { breachedRangeUrl: parseBreachedPasswordsUrl(settings.BREACHED_PASSWORDS_URL, settings.NODE_ENV), breachedTimeoutMs: settings.BREACHED_PASSWORDS_TIMEOUT_MS },
    eventRetentionMs: settings.EVENT_RETENTION_DAYS * 24 * 60 * 60_000,
    auditRetentionMs: settings.AUDIT_RETENTION_DAYS * 24 * 60 * 60_000,
    subscribers: { natsUrl: parseNatsUrl(settings.NATS_URL), webhookTimeoutMs: settings.WEBHOOK_TIMEOUT_MS },
    adminApiRateLimit: settings.ADMIN_API_RATE_LIMIT,
    adminApiTokenTtlSeconds: settings.ADMIN_API_TOKEN_TTL_SECONDS,
    geoipDatabase: settings.GEOIP_DATABASE === undefined ? undefined : path.resolve(cwd, settings.GEOIP_DATABASE),
  };
  return { config: deepFreeze(config), warnings };
}

function collect<A, B, C>(first: () => A, second: () => B, third: () => C): [A, B, C] {
  const errors: ConfigError[] = [];
  const attempt = <T,>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      errors.push(error);
      return undefined;
    }
  };
  const a = attempt(first);
  const b = attempt(second);
  const c = attempt(third);
  const error = ConfigError.all(errors);
  if (error) throw error;
  return [a as A, b as B, c as C];
}

function pickSettings(env: Environment): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of SETTING_NAMES) {
    const value = env[name];
    // An empty variable means "not set", as `FOO= npm start` usually intends.
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return picked;
}

function readConfigFile(env: Environment, cwd: string): Record<string, string> {
  const file = env[CONFIG_FILE_VARIABLE];
  if (!file) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path.resolve(cwd, file), 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read';
    throw new ConfigError(CONFIG_FILE_VARIABLE, `the file ${file} ${reason}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(CONFIG_FILE_VARIABLE, `the file ${file} must hold one JSON object of settings`);
  }
  const settings: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(SETTING_NAMES as string[]).includes(key)) {
      throw new ConfigError(key, `is not a Foyer setting (in ${file}); see docs/configuration.md`);
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ConfigError(key, `must be a string, number or boolean (in ${file})`);
    }
    settings[key] = String(value);
  }
  return settings;
}

function parseSettings(raw: Record<string, string>): Settings {
  const result = settingsSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const setting = String(issue.path[0] ?? 'configuration');
  const given = raw[setting];
  const shown = given === undefined || setting === 'MASTER_SECRET' || setting === 'SMTP_URL' ? '' : ` (got "${given}")`;
  throw new ConfigError(setting, `${issue.message}${shown}`);
}

function parsePublicUrl(value: string, production: boolean): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('PUBLIC_URL', `must be an absolute URL such as https://id.example.com (got "${value}")`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError('PUBLIC_URL', `must start with https:// (got "${value}")`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError('PUBLIC_URL', `must not carry a query, fragment or credentials (got "${value}")`);
  }
  if (production && url.protocol !== 'https:') {
    throw new ConfigError('PUBLIC_URL', `must use https:// in production, as it is the issuer of every token (got "${value}")`);
  }
  // The issuer is compared byte for byte by clients: keep one canonical form without a trailing slash.
  return url.href.replace(/\/+$/, '');
}

function parseDatabaseUrl(value: string | undefined, dataDir: string, cwd: string, poolMax: number, synchronous: 'normal' | 'full'): DatabaseConfig {
  if (value === undefined) return { engine: 'sqlite', file: path.join(dataDir, 'foyer.db'), synchronous };
  if (value.startsWith('sqlite:')) {
    const file = value.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!file) throw new ConfigError('DATABASE_URL', 'a sqlite: URL needs a file path, such as sqlite:./data/foyer.db');
    return { engine: 'sqlite', file: path.resolve(cwd, file), synchronous };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('DATABASE_URL', 'must be a URL such as postgres://user:password@host:5432/foyer or sqlite:./data/foyer.db');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL', `must start with postgres:// or sqlite: (got "${url.protocol}")`);
  }
  if (!url.hostname) throw new ConfigError('DATABASE_URL', 'must name the PostgreSQL host, as in postgres://host:5432/foyer');
  if (url.pathname.length <= 1) throw new ConfigError('DATABASE_URL', 'must name the database, as in postgres://host:5432/foyer');
  return { engine: 'postgres', url: value, poolMax };
}

function parseRedisUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('REDIS_URL', 'must be a URL such as redis://127.0.0.1:6379');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError('REDIS_URL', `must start with redis:// or rediss:// (got "${url.protocol}")`);
  }
  return value;
}

function parseNatsUrl(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const urls = value.split(',').map((part) => part.trim());
  for (const part of urls) {
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      throw new ConfigError('NATS_URL', 'must be a URL such as nats://127.0.0.1:4222 (several separated by commas)');
    }
    if (!['nats:', 'tls:', 'ws:', 'wss:'].includes(url.protocol)) throw new ConfigError('NATS_URL', `must start with nats:// or tls:// (got "${url.protocol}")`);
  }
  return value;
}

/** Without one, mail goes to the development outbox: fine on a laptop, never in production. */
function parseSmtpUrl(value: string | undefined, production: boolean): string | undefined {
  if (value === undefined) {
    if (!production) return undefined;
    throw new ConfigError('SMTP_URL', 'is required in production, or no verification or recovery email leaves the server; set it to smtp://user:password@host:587 or smtps://user:password@host:465');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Never echoed: it may carry the SMTP password.
    throw new ConfigError('SMTP_URL', 'must be a URL such as smtp://user:password@host:587 or smtps://user:password@host:465');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new ConfigError('SMTP_URL', `must start with smtp:// or smtps:// (got "${url.protocol}")`);
  }
  if (!url.hostname) throw new ConfigError('SMTP_URL', 'must name the SMTP host, as in smtp://host:587');
  return value;
}

/** The generic HTTP SMS gateway (ADR 0031), when SMS_GATEWAY_URL names one; its body template must be a JSON object. */
function parseSmsGateway(settings: Settings, production: boolean): Config['sms']['gateway'] {
  const value = settings.SMS_GATEWAY_URL;
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('SMS_GATEWAY_URL', 'must be a URL such as https://sms.example.com/messages');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !production)) throw new ConfigError('SMS_GATEWAY_URL', production ? 'must start with https:// in production' : 'must start with https:// or http://');
  let body: Record<string, unknown> | undefined;
  if (settings.SMS_GATEWAY_BODY !== undefined) {
    try {
      body = JSON.parse(settings.SMS_GATEWAY_BODY) as Record<string, unknown>;
    } catch {
      throw new ConfigError('SMS_GATEWAY_BODY', 'must be a JSON object such as {"to":"{{to}}","text":"{{text}}"}');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ConfigError('SMS_GATEWAY_BODY', 'must be a JSON object such as {"to":"{{to}}","text":"{{text}}"}');
  }
  return { url: url.href, authorization: settings.SMS_GATEWAY_AUTHORIZATION, format: settings.SMS_GATEWAY_FORMAT, body };
}

const PWNED_PASSWORDS_RANGE_URL = 'https://api.pwnedpasswords.com/range';

/**
 * The breached-password range service: on by default (the public Pwned Passwords service, which
 * learns only a 5-character hash prefix), `off` to go without; tests go without unless they name one.
 */
function parseBreachedPasswordsUrl(value: string | undefined, env: Settings['NODE_ENV']): string | undefined {
  if (value === 'off') return undefined;
  if (value === undefined) return env === 'test' ? undefined : PWNED_PASSWORDS_RANGE_URL;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('BREACHED_PASSWORDS_URL', `must be a URL such as ${PWNED_PASSWORDS_RANGE_URL}, or off (got "${value}")`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('BREACHED_PASSWORDS_URL', `must start with https:// (got "${value}")`);
  if (url.search || url.hash) throw new ConfigError('BREACHED_PASSWORDS_URL', `must not carry a query or fragment: the hash prefix is appended to its path (got "${value}")`);
  return url.href.replace(/\/+$/, '');
}

/**
 * `false` (default), a hop count, or a comma-separated list of proxy addresses. `true` is refused:
 * it believes the left-most X-Forwarded-For entry, which the client writes itself, so any client
 * could pick the address its rate limits, audit entries and loopback-only pages see.
 */
function parseTrustProxy(value: string): false | number | string {
  if (value === 'false' || value === '0' || value === '') return false;
  if (value === 'true') {
    throw new ConfigError('TRUST_PROXY', 'true would believe the client-written left-most X-Forwarded-For address; set the number of proxies in front of Foyer (1) or their addresses (10.0.0.0/8)');
  }
  if (/^[1-9][0-9]*$/.test(value)) return Number(value);
  if (/^[0-9a-fA-F.:/,\s]+$/.test(value)) return value;
  throw new ConfigError('TRUST_PROXY', `must be false, a hop count, or a comma-separated list of proxy addresses (got "${value}")`);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
