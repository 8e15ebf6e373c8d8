// Connections over the admin API and the CLI, on both engines: create (Location, ETag), the client
// secret write-only and sealed at rest (bound to its row: moved to another, it does not open),
// refusals naming each field, plain http refused in production, 409 for a taken id, merge patch under
// If-Match, delete, audit entries, tenants:read may read but not write; `foyer connections`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer, TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant } from '../helpers/oidc-clients.ts';
import { callAdmin, machineToken } from '../helpers/admin.ts';
import { runFoyer } from '../helpers/cli.ts';
import { Readable } from 'node:stream';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';
import { clientSecretContext } from '../../src/domain/federation/connection.ts';
import { clientSecretOf, createConnection } from '../../src/domain/federation/connections.service.ts';
import { SYSTEM_ACTOR } from '../helpers/oidc-clients.ts';

const SECRET = 'upstream-secret-that-must-never-be-shown';
const ACME_ID = { id: 'acme-id', kind: 'oidc', display_name: 'Acme ID', client_id: 'foyer-client', client_secret: SECRET, issuer: 'https://id.acme.example', trust_email_verified: true, domains: ['Acme.example'] };

describeEachEngine('admin API and CLI: connections', (current) => {
  let server: TestServer;
  let writer: string;
  let reader: string;

  before(async () => {
    server = await createTestServer(current().engine);
    await createTenant(server, 'acme');
    writer = await machineToken(server, ['tenants:read', 'tenants:write']);
    reader = await machineToken(server, ['tenants:read']);
  });
  after(() => server.stop());

  test('create answers 201 with Location, ETag and the redirect URI to register; the secret is never answered, and is sealed at rest bound to its row', async () => {
    const created = await callAdmin(server, writer, 'POST', '/tenants/acme/connections', { body: ACME_ID, headers: { 'idempotency-key': 'create-acme-id' } });
    assert.equal(created.statusCode, 201, created.body);
    const body = created.json<Record<string, unknown>>();
    assert.equal(body['client_secret_set'], true);
    assert.equal(created.body.includes(SECRET), false, 'the secret is write-only');
    assert.match(String(body['redirect_uri']), /\/t\/acme\/federation\/callback$/);
    assert.deepEqual(body['domains'], ['acme.example']);
    assert.deepEqual(body['scopes'], ['openid', 'email', 'profile']);
    assert.match(String(created.headers['location']), /\/tenants\/acme\/connections\/acme-id$/);
    assert.ok(created.headers['etag']);

    const tenant = (await server.stores.tenants.findBySlug('acme'))!;
    const row = await server.testDatabase.handle.db.selectFrom('connections').select(['client_secret', 'config']).where('tenant_id', '=', tenant.id).where('id', '=', 'acme-id').executeTakeFirstOrThrow();
    assert.ok(row.client_secret && !row.client_secret.includes(SECRET) && !String(row.config).includes(SECRET), 'sealed, and nowhere in clear');
    const box = createSecretBox(TEST_MASTER_SECRET);
    assert.equal(box.open(row.client_secret, clientSecretContext(tenant.id, 'acme-id')), SECRET);
    assert.throws(() => box.open(row.client_secret!, clientSecretContext(tenant.id, 'other')), 'a sealed secret copied to another connection does not open');
    const connection = (await server.stores.connections.find(tenant.id, 'acme-id'))!;
    assert.equal(await clientSecretOf({ connections: server.stores.connections, secretBox: box }, connection), SECRET);

    const audit = await server.stores.audit.list(tenant.id, { targetId: 'acme-id', limit: 5 });
    assert.deepEqual(audit.map((entry) => entry.action), ['connection.created']);
    assert.equal(JSON.stringify(audit).includes(SECRET), false);
  });

  test('refusals name each field; a taken id is 409; a reader may read but not write', async () => {
    const invalid = await callAdmin(server, writer, 'POST', '/tenants/acme/connections', { body: { id: 'Bad Id', kind: 'oidc', display_name: 'X', client_id: 'c', issuer: 'ftp://x', icon_url: 'http://insecure.example/icon.png', domains: ['not a domain'] } });
    assert.equal(invalid.statusCode, 400);
    const fields = invalid.json<{ errors: { field: string }[] }>().errors.map((error) => error.field).sort();
    assert.deepEqual(fields, ['domains', 'icon_url', 'id', 'issuer']);
    const oauth2 = await callAdmin(server, writer, 'POST', '/tenants/acme/connections', { body: { id: 'gh', kind: 'oauth2', display_name: 'GH', client_id: 'c' } });
    assert.equal(oauth2.statusCode, 400);
    assert.deepEqual(oauth2.json<{ errors: { field: string }[] }>().errors.map((error) => error.field).sort(), ['client_secret', 'endpoints']);
    const taken = await callAdmin(server, writer, 'POST', '/tenants/acme/connections', { body: ACME_ID });
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json<{ code: string }>().code, 'connection.id_taken');
    assert.equal((await callAdmin(server, reader, 'GET', '/tenants/acme/connections/acme-id')).statusCode, 200);
    assert.equal((await callAdmin(server, reader, 'PATCH', '/tenants/acme/connections/acme-id', { body: { enabled: false } })).statusCode, 403);
    assert.equal((await callAdmin(server, reader, 'GET', '/tenants/acme/connections/nope')).statusCode, 404);
  });

  test('plain-http upstreams are refused in production', async () => {
    const tenant = (await server.stores.tenants.findBySlug('acme'))!;
    await assert.rejects(
      createConnection({ transaction: server.transaction, secretBox: createSecretBox(TEST_MASTER_SECRET), production: true }, tenant, { id: 'plain', kind: 'oidc', displayName: 'Plain', clientId: 'c', issuer: 'http://id.example' }, SYSTEM_ACTOR),
      (error: { problems?: { field: string }[] }) => error.problems?.[0]?.field === 'issuer',
    );
  });

  test('merge patch under If-Match: a stale ETag is 412; null removes the secret; delete', async () => {
    const read = await callAdmin(server, writer, 'GET', '/tenants/acme/connections/acme-id');
    const etag = String(read.headers['etag']);
    const patched = await callAdmin(server, writer, 'PATCH', '/tenants/acme/connections/acme-id', { body: { display_name: 'Acme Workforce', client_secret: null, position: 3 }, headers: { 'if-match': etag } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json<Record<string, unknown>>()['client_secret_set'], false);
    assert.equal(patched.json<Record<string, unknown>>()['display_name'], 'Acme Workforce');
    const stale = await callAdmin(server, writer, 'PATCH', '/tenants/acme/connections/acme-id', { body: { enabled: false }, headers: { 'if-match': etag } });
    assert.equal(stale.statusCode, 412);
    const listed = await callAdmin(server, reader, 'GET', '/tenants/acme/connections');
    assert.deepEqual(listed.json<{ items: { id: string }[] }>().items.map((item) => item.id), ['acme-id']);
    assert.equal((await callAdmin(server, writer, 'DELETE', '/tenants/acme/connections/acme-id')).statusCode, 204);
    assert.equal((await callAdmin(server, reader, 'GET', '/tenants/acme/connections/acme-id')).statusCode, 404);
  });

  test('foyer connections create reads the secret from standard input, and show never prints it', async () => {
    const env = server.testDatabase.env;
    const created = await runFoyer(['connections', 'create', '--tenant', 'acme', '--id', 'cli-idp', '--kind', 'oidc', '--name', 'CLI IdP', '--client-id', 'cli', '--client-secret-stdin', '--issuer', 'https://idp.example', '--map', 'given_name=first_name', '--json'], env, Readable.from([`${SECRET}\n`]));
    assert.equal(created.code, 0, created.stderr);
    const json = JSON.parse(created.stdout) as Record<string, unknown>;
    assert.equal(json['hasClientSecret'], true);
    assert.deepEqual(json['mapping'], { given_name: 'first_name' });
    const shown = await runFoyer(['connections', 'show', '--tenant', 'acme', '--id', 'cli-idp'], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /\(set, encrypted\)/);
    assert.equal(shown.stdout.includes(SECRET) || created.stdout.includes(SECRET), false);
    const updated = await runFoyer(['connections', 'update', '--tenant', 'acme', '--id', 'cli-idp', '--disable', '--json'], env);
    assert.equal(JSON.parse(updated.stdout)['enabled'], false);
    const listed = await runFoyer(['connections', 'list', '--tenant', 'acme'], env);
    assert.match(listed.stdout, /cli-idp\s+oidc\s+CLI IdP/);
    const deleted = await runFoyer(['connections', 'delete', '--tenant', 'acme', '--id', 'cli-idp'], env);
    assert.equal(deleted.code, 0, deleted.stderr);
  });

  test('presets: a client id and secret are enough; the preset gives kind, name, scopes; Apple needs its team, key id and an EC P-256 key; an unknown preset is refused', async () => {
    const github = await callAdmin(server, writer, 'POST', '/tenants/acme/connections', { body: { id: 'github', preset: 'github', client_id: 'Iv1.abc', client_secret: SECRET } });
    assert.equal(github.statusCode, 201, github.body);
    const body = github.json<Record<string, unknown>>();
    assert.deepEqual([body['kind'], body['display_name'], body['preset'], body['endpoints'], body['store_tokens']], ['oauth2', 'GitHub', 'github', null, false]);
    assert.deepEqual(body['scopes'], ['read:user', 'user:email']);
    const microsoft = await callAdmin(server, writer, 'POST', '/tenants/acme/connections', { body: { id: 'microsoft', preset: 'microsoft', client_id: 'app-guid', client_secret: SECRET, preset_options: { tenant: 'organizations' } } });
    assert.equal(microsoft.statusCode, 201, microsoft.body);
    assert.deepEqual(microsoft.json<Record<string, unknown>>()['preset_options'], { tenant: 'organizations' });

    const { generateKeyPairSync } = await import('node:crypto');
    const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const noTeam = await callAdmin(server, writer, 'POST', '/tenants/acme/connections', { body: { id: 'apple', preset: 'apple', client_id: 'com.example.web', client_secret: ecKey } });
    assert.equal(noTeam.statusCode, 400);
    assert.deepEqual(noTeam.json<{ errors: { field: string }[] }>().errors.map((error) => error.field).sort(), ['preset_options.key_id', 'preset_options.team_id']);
    const wrongKey = await callAdmin(server, writer, 'POST', '/tenants/acme/connections', { body: { id: 'apple', preset: 'apple', client_id: 'com.example.web', client_secret: rsaKey, preset_options: { team_id: 'TEAM123456', key_id: 'KEY1234567' } } });
    assert.equal(wrongKey.statusCode, 400);
    assert.equal(wrongKey.body.includes('PRIVATE KEY'), false, 'the key is never echoed');
    const apple = await callAdmin(server, writer, 'POST', '/tenants/acme/connections', { body: { id: 'apple', preset: 'apple', client_id: 'com.example.web', client_secret: ecKey, preset_options: { team_id: 'TEAM123456', key_id: 'KEY1234567' } } });
    assert.equal(apple.statusCode, 201, apple.body);
    assert.equal(apple.body.includes('PRIVATE KEY'), false);
    const unknown = await callAdmin(server, writer, 'POST', '/tenants/acme/connections', { body: { id: 'myspace', preset: 'myspace', client_id: 'x', client_secret: SECRET } });
    assert.equal(unknown.statusCode, 400);

    // The CLI: Apple's key from standard input, never an argument; never printed back.
    const env = server.testDatabase.env;
    const cli = await runFoyer(['connections', 'create', '--tenant', 'acme', '--id', 'apple-cli', '--preset', 'apple', '--client-id', 'com.example.cli', '--team-id', 'TEAM123456', '--key-id', 'KEY1234567', '--client-secret-stdin', '--store-tokens', '--json'], env, Readable.from([ecKey]));
    assert.equal(cli.code, 0, cli.stderr);
    const shown = JSON.parse(cli.stdout) as Record<string, unknown>;
    assert.deepEqual([shown['preset'], shown['kind'], shown['displayName'], shown['storeTokens']], ['apple', 'oidc', 'Apple', true]);
    assert.deepEqual(shown['presetOptions'], { teamId: 'TEAM123456', keyId: 'KEY1234567' });
    assert.equal(cli.stdout.includes('PRIVATE KEY'), false);
    const cliRefused = await runFoyer(['connections', 'create', '--tenant', 'acme', '--id', 'apple-bad', '--preset', 'apple', '--client-id', 'com.example.cli', '--client-secret-stdin'], env, Readable.from([rsaKey]));
    assert.notEqual(cliRefused.code, 0);
    assert.equal(cliRefused.stderr.includes('PRIVATE KEY') || cliRefused.stdout.includes('PRIVATE KEY'), false);
  });
});
