// `foyer apps` through runCli (argv in, text and exit code out), on each engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { runFoyer } from '../helpers/cli.ts';
import type { CliRun } from '../helpers/cli.ts';
import { hashClientSecret, verifyClientSecret } from '../../src/domain/applications/client-secret.ts';
import { createAuditStore } from '../../src/storage/audit.store.ts';


type AppJson = { client_id: string; client_secret?: string; kind: string; redirect_uris: string[]; post_logout_redirect_uris: string[]; [key: string]: unknown };

describeEachEngine('foyer apps', (current) => {
  const foyer = (...argv: string[]): Promise<CliRun> => runFoyer(argv, current().env);

  async function json(...argv: string[]): Promise<AppJson> {
    const run = await foyer(...argv, '--json');
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as AppJson;
  }

  async function storedHash(clientId: string): Promise<string | null | undefined> {
    const row = await current().handle.db.selectFrom('applications').select('secret_hash').where('id', '=', clientId).executeTakeFirst();
    return row?.secret_hash;
  }

  async function auditOf(clientId: string) {
    const tenant = await current().handle.db.selectFrom('applications').select('tenant_id').where('id', '=', clientId).executeTakeFirst();
    const tenantId = tenant?.tenant_id ?? (await current().handle.db.selectFrom('tenants').select('id').where('slug', '=', 'default').executeTakeFirstOrThrow()).id;
    return createAuditStore(current().handle.db).list(tenantId, { targetId: clientId, limit: 10 });
  }

  const WEB = ['apps', 'create', '--name', 'Shop', '--kind', 'web', '--redirect-uri', 'https://shop.example.com/cb', '--redirect-uri', 'http://localhost:3000/cb'];

  test('create prints client_id for every kind and client_secret only for confidential ones', async () => {
    const web = await json(...WEB);
    const spa = await json('apps', 'create', '--name', 'SPA', '--kind', 'spa', '--redirect-uri', 'https://spa.example.com/');
    const native = await json('apps', 'create', '--name', 'Mobile', '--kind', 'native', '--redirect-uri', 'com.example.app:/cb', '--grant', 'authorization_code', '--grant', 'urn:ietf:params:oauth:grant-type:device_code');
    const machine = await json('apps', 'create', '--name', 'Worker', '--kind', 'machine', '--access-token-ttl', '600');
    for (const app of [web, spa, native, machine]) assert.match(app.client_id, /^[A-Za-z0-9_-]{22}$/);
    assert.match(web.client_secret ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.match(machine.client_secret ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.equal('client_secret' in spa, false);
    assert.equal('client_secret' in native, false);
    assert.deepEqual(web.redirect_uris, ['https://shop.example.com/cb', 'http://localhost:3000/cb']);
    assert.deepEqual(web.grant_types, ['authorization_code', 'refresh_token']);
    assert.deepEqual(native.grant_types, ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code']);
    assert.deepEqual(machine.grant_types, ['client_credentials']);
    assert.deepEqual(machine.token_lifetimes, { access_token: 600, id_token: 3600, refresh_token: 1_209_600 });
    assert.equal(web.tenant, 'default');
    assert.equal(await storedHash(spa.client_id), null);
  });

  test('the secret is stored only as a hash, and never shown again by show or list', async () => {
    const app = await json(...WEB);
    const secret = app.client_secret!;
    const hash = await storedHash(app.client_id);
    assert.notEqual(hash, secret);
    assert.equal(hash?.includes(secret), false);
    assert.equal(hash, hashClientSecret(secret));
    assert.equal(verifyClientSecret(hash!, secret), true);
    for (const argv of [['apps', 'show', '--client-id', app.client_id], ['apps', 'list']]) {
      for (const run of [await foyer(...argv), await foyer(...argv, '--json')]) {
        assert.equal(run.code, 0, run.stderr);
        assert.ok(run.stdout.includes(app.client_id));
        assert.equal(run.stdout.includes(secret), false);
        assert.equal(run.stdout.includes(hash!), false);
        assert.equal(run.stdout.includes('client_secret'), false);
      }
    }
    const [created] = await auditOf(app.client_id);
    assert.equal(JSON.stringify(created).includes(secret), false);
  });

  test('human output of create says the secret will not be shown again', async () => {
    const run = await foyer('apps', 'create', '--name', 'Worker', '--kind', 'machine');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^client_id\s+[A-Za-z0-9_-]{22}$/m);
    assert.match(run.stdout, /^client_secret\s+[A-Za-z0-9_-]{43}$/m);
    assert.match(run.stdout, /it will not be shown again/);
    const spa = await foyer('apps', 'create', '--name', 'SPA', '--kind', 'spa', '--redirect-uri', 'https://spa.example.com/');
    assert.equal(spa.stdout.includes('client_secret'), false);
  });

  test('rotate-secret prints a new secret once; the old one no longer verifies', async () => {
    const app = await json(...WEB);
    const rotated = await json('apps', 'rotate-secret', '--client-id', app.client_id);
    assert.equal(rotated.client_id, app.client_id);
    assert.notEqual(rotated.client_secret, app.client_secret);
    const hash = (await storedHash(app.client_id))!;
    assert.equal(verifyClientSecret(hash, rotated.client_secret!), true);
    assert.equal(verifyClientSecret(hash, app.client_secret!), false);
    const human = await foyer('apps', 'rotate-secret', '--client-id', app.client_id);
    assert.match(human.stdout, /it will not be shown again/);
    assert.equal((await auditOf(app.client_id))[0]?.action, 'application.secret_rotated');
  });

  test('rotate-secret refuses a public client with exit 1', async () => {
    const spa = await json('apps', 'create', '--name', 'SPA', '--kind', 'spa', '--redirect-uri', 'https://spa.example.com/');
    const run = await foyer('apps', 'rotate-secret', '--client-id', spa.client_id);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'foyer apps rotate-secret: The spa application "SPA" is a public client: it has no secret to rotate.\n');
    assert.equal(await storedHash(spa.client_id), null);
  });

  test('update replaces repeatable lists, keeps what it is not given, and is audited', async () => {
    const app = await json(...WEB, '--post-logout-redirect-uri', 'https://shop.example.com/bye', '--third-party', '--refresh-token-ttl', '7200');
    const updated = await json('apps', 'update', '--client-id', app.client_id, '--redirect-uri', 'https://new.example.com/cb', '--name', 'New Shop');
    assert.deepEqual(updated.redirect_uris, ['https://new.example.com/cb']);
    assert.equal(updated.name, 'New Shop');
    assert.deepEqual(updated.post_logout_redirect_uris, ['https://shop.example.com/bye']);
    assert.equal(updated.first_party, false);
    assert.deepEqual(updated.token_lifetimes, { access_token: 3600, id_token: 3600, refresh_token: 7200 });
    const cleared = await json('apps', 'update', '--client-id', app.client_id, '--post-logout-redirect-uri', '', '--first-party');
    assert.deepEqual(cleared.post_logout_redirect_uris, []);
    assert.equal(cleared.first_party, true);
    assert.equal((await storedHash(app.client_id)), hashClientSecret(app.client_secret!));
    const [latest, previous] = await auditOf(app.client_id);
    assert.deepEqual(latest?.details, { changed: ['postLogoutRedirectUris', 'firstParty'] });
    assert.deepEqual(previous?.details, { changed: ['name', 'redirectUris'] });
  });

  test('ID tokens are ES256 unless --id-token-alg says RS256, on create and on update', async () => {
    const app = await json(...WEB);
    assert.equal(app['id_token_signed_response_alg'], 'ES256');
    const legacy = await json(...WEB, '--id-token-alg', 'rs256');
    assert.equal(legacy['id_token_signed_response_alg'], 'RS256');
    const updated = await json('apps', 'update', '--client-id', app.client_id, '--id-token-alg', 'RS256');
    assert.equal(updated['id_token_signed_response_alg'], 'RS256');
    const shown = await foyer('apps', 'show', '--client-id', app.client_id);
    assert.match(shown.stdout, /^id_token_signed_response_alg\s+RS256$/m);
  });

  test('ID tokens carry the scope claims unless --id-token-claims says minimal, on create and on update', async () => {
    const app = await json(...WEB);
    assert.equal(app['id_token_claims'], 'scopes');
    const minimal = await json(...WEB, '--id-token-claims', 'minimal');
    assert.equal(minimal['id_token_claims'], 'minimal');
    const updated = await json('apps', 'update', '--client-id', minimal.client_id, '--id-token-claims', 'scopes');
    assert.equal(updated['id_token_claims'], 'scopes');
    await json('apps', 'update', '--client-id', app.client_id, '--id-token-claims', 'minimal');
    const shown = await foyer('apps', 'show', '--client-id', app.client_id);
    assert.match(shown.stdout, /^id_token_claims\s+minimal \(sub, acr, amr, auth_time; the profile from userinfo\)$/m);
  });

  test('delete removes the application; then it is unknown (exit 1)', async () => {
    const app = await json(...WEB);
    const deleted = await foyer('apps', 'delete', '--client-id', app.client_id);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(await storedHash(app.client_id), undefined);
    for (const command of ['show', 'delete', 'rotate-secret']) {
      const run = await foyer('apps', command, '--client-id', app.client_id);
      assert.equal(run.code, 1);
      assert.equal(run.stderr, `foyer apps ${command}: No application with the client id "${app.client_id}" in this tenant.\n`);
    }
    const update = await foyer('apps', 'update', '--client-id', app.client_id, '--name', 'X');
    assert.equal(update.code, 1);
  });

  test('every change is audited as the operator, with its domain event', async () => {
    const app = await json(...WEB);
    await json('apps', 'update', '--client-id', app.client_id, '--logo-uri', 'https://cdn.example.com/logo.png');
    await json('apps', 'rotate-secret', '--client-id', app.client_id);
    await json('apps', 'delete', '--client-id', app.client_id);
    const audit = await auditOf(app.client_id);
    assert.deepEqual(audit.map((event) => event.action), ['application.deleted', 'application.secret_rotated', 'application.updated', 'application.created']);
    for (const event of audit) {
      assert.equal(event.actor.type, 'operator');
      assert.match(event.actor.id ?? '', /^cli:/);
      assert.deepEqual(event.target, { type: 'application', id: app.client_id });
    }
    const events = await current().handle.db.selectFrom('outbox_events').select('type').where('aggregate_id', '=', app.client_id).orderBy('id').execute();
    assert.deepEqual(events.map((event) => event.type), ['application.created', 'application.updated', 'application.secret_rotated', 'application.deleted']);
  });

  test('applications belong to their tenant', async () => {
    const created = await foyer('tenants', 'create', '--slug', 'other-shop', '--name', 'Other');
    assert.equal(created.code, 0, created.stderr);
    const app = await json(...WEB, '--tenant', 'other-shop');
    assert.equal(app.tenant, 'other-shop');
    const inOther = await json('apps', 'list', '--tenant', 'other-shop');
    assert.deepEqual((inOther as unknown as AppJson[]).map((a) => a.client_id), [app.client_id]);
    const inDefault = await foyer('apps', 'show', '--client-id', app.client_id);
    assert.equal(inDefault.code, 1);
  });

  test('an unknown tenant is exit 1 with one line', async () => {
    const run = await foyer('apps', 'list', '--tenant', 'nowhere');
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'foyer apps list: No tenant has the slug "nowhere".\n');
  });

  test('invalid values are exit 2, naming each option', async () => {
    const bad = await foyer('apps', 'create', '--name', 'Shop', '--kind', 'web', '--redirect-uri', 'http://shop.example.com/cb', '--access-token-ttl', 'soon', '--grant', 'authorization_code', '--grant', 'password', '--logo-uri', 'http://x.example/l.png');
    assert.equal(bad.code, 2);
    const lines = bad.stderr.trim().split('\n');
    assert.deepEqual(lines.map((line) => line.split(':').slice(0, 2).join(':')), [
      'foyer apps create: --redirect-uri',
      'foyer apps create: --grant',
      'foyer apps create: --access-token-ttl',
      'foyer apps create: --logo-uri',
    ]);
    const cases: [string[], RegExp][] = [
      [['apps', 'create', '--name', 'X', '--kind', 'desktop'], /^foyer apps create: --kind: Use one of web, spa, native, machine\.$/m],
      [['apps', 'create', '--name', 'X'], /--kind is required/],
      [['apps', 'create', '--name', 'X', '--kind', 'spa'], /--redirect-uri: Register at least one redirect URI/],
      [['apps', 'create', '--name', 'X', '--kind', 'machine', '--redirect-uri', 'https://x.example/cb'], /--redirect-uri: "https:\/\/x.example\/cb": this kind/],
      [['apps', 'create', '--name', 'X', '--kind', 'spa', '--redirect-uri', 'https://x.example/', '--backchannel-logout-uri', 'https://x.example/bc'], /--backchannel-logout-uri: .*only web/],
      [['apps', 'create', '--name', 'X', '--kind', 'web', '--redirect-uri', 'https://x.example/', '--first-party', '--third-party'], /either --first-party or --third-party/],
      [['apps', 'create', '--name', 'X', '--kind', 'web', '--redirect-uri', 'https://x.example/', '--id-token-alg', 'HS256'], /^foyer apps create: --id-token-alg: Use one of ES256, RS256\.$/m],
      [['apps', 'create', '--name', 'X', '--kind', 'web', '--redirect-uri', 'https://x.example/', '--id-token-claims', 'all'], /^foyer apps create: --id-token-claims: Use one of scopes, minimal\.$/m],
      [['apps', 'show'], /--client-id is required/],
      [['apps', 'update', '--client-id', 'abc'], /give at least one option to change/],
      [['apps', 'update', '--client-id', 'abc', '--kind', 'spa'], /Unknown option '--kind'/],
    ];
    for (const [argv, expected] of cases) {
      const run = await foyer(...argv);
      assert.equal(run.code, 2, `${argv.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, expected);
    }
    const app = await json(...WEB);
    const update = await foyer('apps', 'update', '--client-id', app.client_id, '--refresh-token-ttl', '60');
    assert.equal(update.code, 2);
    assert.match(update.stderr, /^foyer apps update: --refresh-token-ttl: Give whole seconds from 3600 to 31536000\.$/m);
  });

  test('help lists every apps command', async () => {
    const help = await foyer('help');
    for (const command of ['create', 'list', 'show', 'update', 'delete', 'rotate-secret']) assert.match(help.stdout, new RegExp(`^  apps ${command} `, 'm'));
  });
});
