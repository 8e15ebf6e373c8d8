import { after, test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from './load.ts';
import { SETTING_NAMES } from './schema.ts';

const SECRET = 'a'.repeat(40);
const root = mkdtempSync(path.join(tmpdir(), 'foyer-config-'));
after(() => rmSync(root, { recursive: true, force: true }));
const workDir = () => mkdtempSync(path.join(root, 'case-'));

function refusal(env: Record<string, string>, cwd = workDir()): ConfigError {
  try {
    loadConfig(env, cwd);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the configuration to be refused');
}

describe('loadConfig', () => {
  test('defaults: embedded SQLite under ./data, port 3000, issuer http://localhost:3000', () => {
    const cwd = workDir();
    const { config } = loadConfig({ MASTER_SECRET: SECRET }, cwd);
    assert.equal(config.env, 'development');
    assert.equal(config.http.port, 3000);
    assert.equal(config.http.publicUrl, 'http://localhost:3000');
    assert.equal(config.http.trustProxy, false);
    assert.equal(config.dataDir, path.join(cwd, 'data'));
    assert.deepEqual(config.database, { engine: 'sqlite', file: path.join(cwd, 'data', 'foyer.db'), synchronous: 'normal' });
    assert.equal(config.redisUrl, undefined);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.metricsEnabled, true);
  });

  test('breached passwords: the public range service by default, none in tests or when off, a URL of its own otherwise', () => {
    const range = (env: Record<string, string>) => loadConfig({ MASTER_SECRET: SECRET, ...env }, workDir()).config.passwords;
    assert.deepEqual(range({}), { breachedRangeUrl: 'https://api.pwnedpasswords.com/range', breachedTimeoutMs: 1500 });
    assert.equal(range({ NODE_ENV: 'test' }).breachedRangeUrl, undefined);
    assert.equal(range({ BREACHED_PASSWORDS_URL: 'off' }).breachedRangeUrl, undefined);
    assert.deepEqual(range({ NODE_ENV: 'test', BREACHED_PASSWORDS_URL: 'http://127.0.0.1:8080/range/', BREACHED_PASSWORDS_TIMEOUT_MS: '300' }), { breachedRangeUrl: 'http://127.0.0.1:8080/range', breachedTimeoutMs: 300 });
    assert.match(refusal({ BREACHED_PASSWORDS_URL: 'pwned' }).message, /^BREACHED_PASSWORDS_URL: must be a URL/);
    assert.match(refusal({ BREACHED_PASSWORDS_URL: 'ftp://passwords.example/range' }).message, /^BREACHED_PASSWORDS_URL: must start with https:\/\//);
    assert.match(refusal({ BREACHED_PASSWORDS_TIMEOUT_MS: '0' }).message, /^BREACHED_PASSWORDS_TIMEOUT_MS: must be positive/);
  });

  test('audit entries are kept 365 days unless AUDIT_RETENTION_DAYS says otherwise, from 1 day to 10 years', () => {
    const retention = (env: Record<string, string>) => loadConfig({ MASTER_SECRET: SECRET, ...env }, workDir()).config.auditRetentionMs;
    assert.equal(retention({}), 365 * 24 * 60 * 60_000);
    assert.equal(retention({ AUDIT_RETENTION_DAYS: '90' }), 90 * 24 * 60 * 60_000);
    assert.match(refusal({ AUDIT_RETENTION_DAYS: '0' }).message, /^AUDIT_RETENTION_DAYS: must be positive/);
    assert.match(refusal({ AUDIT_RETENTION_DAYS: '3651' }).message, /^AUDIT_RETENTION_DAYS: must be at most 3650/);
  });

  test('delivered events are kept 7 days unless EVENT_RETENTION_DAYS says otherwise, from 1 day to 10 years', () => {
    const retention = (env: Record<string, string>) => loadConfig({ MASTER_SECRET: SECRET, ...env }, workDir()).config.eventRetentionMs;
    assert.equal(retention({}), 7 * 24 * 60 * 60_000);
    assert.equal(retention({ EVENT_RETENTION_DAYS: '30' }), 30 * 24 * 60 * 60_000);
    assert.match(refusal({ EVENT_RETENTION_DAYS: '0' }).message, /^EVENT_RETENTION_DAYS: must be positive/);
    assert.match(refusal({ EVENT_RETENTION_DAYS: '1.5' }).message, /^EVENT_RETENTION_DAYS: must be a whole number/);
    assert.match(refusal({ EVENT_RETENTION_DAYS: '3651' }).message, /^EVENT_RETENTION_DAYS: must be at most 3650/);
  });

  test('the result is frozen all the way down', () => {
    const { config } = loadConfig({ MASTER_SECRET: SECRET }, workDir());
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.http) && Object.isFrozen(config.database));
    assert.throws(() => {
      (config.http as { port: number }).port = 1;
    }, TypeError);
  });

  test('reads PostgreSQL, Redis and the rest from the environment', () => {
    const { config } = loadConfig(
      {
        MASTER_SECRET: SECRET,
        DATABASE_URL: 'postgres://foyer:pw@db:5432/foyer',
        DATABASE_POOL_MAX: '20',
        REDIS_URL: 'redis://cache:6379',
        PUBLIC_URL: 'https://id.example.com/',
        TRUST_PROXY: '1',
        LOG_LEVEL: 'debug',
        METRICS_ENABLED: 'false',
        PORT: '8080',
      },
      workDir(),
    );
    assert.deepEqual(config.database, { engine: 'postgres', url: 'postgres://foyer:pw@db:5432/foyer', poolMax: 20 });
    assert.equal(config.redisUrl, 'redis://cache:6379');
    assert.equal(config.http.publicUrl, 'https://id.example.com', 'the issuer has one canonical form, without a trailing slash');
    assert.equal(config.http.trustProxy, 1);
    assert.equal(config.http.port, 8080);
    assert.equal(config.metricsEnabled, false);
  });

  test('accepts a sqlite: URL relative to the working directory', () => {
    const cwd = workDir();
    const { config } = loadConfig({ MASTER_SECRET: SECRET, DATABASE_URL: 'sqlite:./elsewhere/foyer.db' }, cwd);
    assert.deepEqual(config.database, { engine: 'sqlite', file: path.join(cwd, 'elsewhere', 'foyer.db'), synchronous: 'normal' });
  });

  test('an empty variable counts as unset', () => {
    const { config } = loadConfig({ MASTER_SECRET: SECRET, PORT: '', LOG_LEVEL: '' }, workDir());
    assert.equal(config.http.port, 3000);
    assert.equal(config.logLevel, 'info');
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['unknown log level', { LOG_LEVEL: 'loud' }, /^LOG_LEVEL: must be one of .*\(got "loud"\)/],
    ['port out of range', { PORT: '70000' }, /^PORT: must be between 0 and 65535/],
    ['port not a number', { PORT: 'http' }, /^PORT: must be a port number/],
    ['malformed DATABASE_URL', { DATABASE_URL: 'postgres//x' }, /^DATABASE_URL: must be a URL/],
    ['unsupported database', { DATABASE_URL: 'mysql://h/db' }, /^DATABASE_URL: must start with postgres:\/\/ or sqlite:/],
    ['database URL without a database', { DATABASE_URL: 'postgres://h:5432' }, /^DATABASE_URL: must name the database/],
    ['empty sqlite path', { DATABASE_URL: 'sqlite:' }, /^DATABASE_URL: a sqlite: URL needs a file path/],
    ['bad Redis URL', { REDIS_URL: 'http://cache' }, /^REDIS_URL: must start with redis:\/\//],
    ['relative public URL', { PUBLIC_URL: 'id.example.com' }, /^PUBLIC_URL: must be an absolute URL/],
    ['public URL with a query', { PUBLIC_URL: 'https://id.example.com/?a=1' }, /^PUBLIC_URL: must not carry a query/],
    ['public URL of another scheme', { PUBLIC_URL: 'ftp://id.example.com' }, /^PUBLIC_URL: must start with https:\/\//],
    ['short master secret', { MASTER_SECRET: 'short' }, /^MASTER_SECRET: must be at least 32 characters/],
    ['unknown environment', { NODE_ENV: 'staging' }, /^NODE_ENV: must be development, production or test/],
    ['bad boolean', { METRICS_ENABLED: 'maybe' }, /^METRICS_ENABLED: must be true or false/],
    ['unknown SQLite durability', { SQLITE_SYNCHRONOUS: 'off' }, /^SQLITE_SYNCHRONOUS: must be normal or full/],
    ['bad proxy list', { TRUST_PROXY: 'everyone' }, /^TRUST_PROXY: must be false, a hop count/],
    ['a proxy setting that trusts the client\'s own X-Forwarded-For', { TRUST_PROXY: 'true' }, /^TRUST_PROXY: true would believe the client-written left-most X-Forwarded-For/],
    ['SMTP URL of another scheme', { SMTP_URL: 'http://mail.example' }, /^SMTP_URL: must start with smtp:\/\/ or smtps:\/\//],
    ['malformed SMTP URL', { SMTP_URL: 'smtp//mail.example:587' }, /^SMTP_URL: must be a URL such as smtp:\/\//],
    ['empty sender', { MAIL_FROM: ' ' }, /^MAIL_FROM: must be a sender/],
  ];
  for (const [name, env, message] of bad) {
    test(`refuses ${name}, naming the setting`, () => {
      const error = refusal({ MASTER_SECRET: SECRET, ...env });
      assert.match(error.message, message);
      assert.equal(error.message.includes('\n'), false, 'one line');
    });
  }

  test('never echoes a refused master secret', () => {
    const error = refusal({ MASTER_SECRET: 'hunter2-is-my-secret' });
    assert.equal(error.message.includes('hunter2'), false);
  });

  test('mail: the development outbox and a default sender unless configured; never echoes a refused SMTP URL', () => {
    const { config } = loadConfig({ MASTER_SECRET: SECRET }, workDir());
    assert.deepEqual(config.mail, { smtpUrl: undefined, from: 'Foyer <no-reply@localhost>' });
    const configured = loadConfig({ MASTER_SECRET: SECRET, SMTP_URL: 'smtps://foyer:pw@smtp.example:465', MAIL_FROM: 'Acme <id@acme.example>' }, workDir());
    assert.deepEqual(configured.config.mail, { smtpUrl: 'smtps://foyer:pw@smtp.example:465', from: 'Acme <id@acme.example>' });
    for (const SMTP_URL of ['http://foyer:hunter2@smtp.example', 'foyer:hunter2@smtp.example']) {
      assert.equal(refusal({ MASTER_SECRET: SECRET, SMTP_URL }).message.includes('hunter2'), false);
    }
  });

  test('production refuses every insecure setting at once, saying how to fix each', () => {
    const error = refusal({ NODE_ENV: 'production' });
    assert.match(error.message, /PUBLIC_URL: must use https:\/\/ in production/);
    assert.match(error.message, /MASTER_SECRET: is required in production.*openssl rand/);
    assert.match(error.message, /SMTP_URL: is required in production.*smtp:\/\/user:password@host:587/);
    assert.equal(error.message.includes('\n'), false, 'one line');
  });

  test('production starts with https and an explicit secret, and writes no secret file', () => {
    const cwd = workDir();
    const { config, warnings } = loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://id.example.com', MASTER_SECRET: SECRET, SMTP_URL: 'smtp://smtp.example:587' }, cwd);
    assert.equal(config.masterSecret, SECRET);
    assert.deepEqual(warnings, []);
    assert.throws(() => statSync(path.join(cwd, 'data', 'master.secret')), /ENOENT/);
  });

  test('development generates the master secret once, private to its owner, with a warning', () => {
    const cwd = workDir();
    const first = loadConfig({}, cwd);
    const file = path.join(cwd, 'data', 'master.secret');
    assert.equal(first.config.masterSecret, readFileSync(file, 'utf8').trim());
    assert.ok(first.config.masterSecret.length >= 32);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(first.warnings[0] ?? '', /MASTER_SECRET is not set: generated one into .*master\.secret/);
    const second = loadConfig({}, cwd);
    assert.equal(second.config.masterSecret, first.config.masterSecret, 'the same secret on every start');
    assert.deepEqual(second.warnings, []);
  });

  test('reads settings from the FOYER_CONFIG file, with the environment taking precedence', () => {
    const cwd = workDir();
    writeFileSync(path.join(cwd, 'foyer.json'), JSON.stringify({ PORT: 4000, LOG_LEVEL: 'warn', METRICS_ENABLED: false, MASTER_SECRET: SECRET }));
    const { config } = loadConfig({ FOYER_CONFIG: 'foyer.json', LOG_LEVEL: 'error' }, cwd);
    assert.equal(config.http.port, 4000);
    assert.equal(config.logLevel, 'error');
    assert.equal(config.metricsEnabled, false);
  });

  test('refuses an unreadable, malformed or misspelt config file', () => {
    const cwd = workDir();
    assert.match(refusal({ FOYER_CONFIG: 'missing.json' }, cwd).message, /^FOYER_CONFIG: the file missing\.json cannot be read/);
    writeFileSync(path.join(cwd, 'broken.json'), '{ "PORT": ');
    assert.match(refusal({ FOYER_CONFIG: 'broken.json' }, cwd).message, /^FOYER_CONFIG: the file broken\.json is not valid JSON/);
    writeFileSync(path.join(cwd, 'typo.json'), '{ "PROT": 1 }');
    assert.match(refusal({ FOYER_CONFIG: 'typo.json' }, cwd).message, /^PROT: is not a Foyer setting/);
    writeFileSync(path.join(cwd, 'array.json'), '[]');
    assert.match(refusal({ FOYER_CONFIG: 'array.json' }, cwd).message, /must hold one JSON object/);
  });

  test('docs/configuration.md documents every setting', () => {
    const docs = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    for (const name of [...SETTING_NAMES, 'FOYER_CONFIG']) assert.ok(docs.includes(`\`${name}\``), `${name} is not documented`);
  });
});
