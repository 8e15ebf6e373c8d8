import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createApplicationStore } from '../../src/storage/application.store.ts';
import { createTenantStore } from '../../src/storage/tenant.store.ts';
import type { NewApplicationRecord } from '../../src/domain/applications/application.port.ts';
import { generateClientId } from '../../src/domain/applications/client-secret.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

describeEachEngine('ApplicationStore', (current) => {
  const store = () => createApplicationStore(current().handle.db);
  const tenantA = uuidv7();
  const tenantB = uuidv7();

  before(async () => {
    const tenants = createTenantStore(current().handle.db);
    await tenants.create({ id: tenantA, slug: 'apps-a', name: 'A', now: Date.now() });
    await tenants.create({ id: tenantB, slug: 'apps-b', name: 'B', now: Date.now() });
  });

  function record(overrides: Partial<NewApplicationRecord> = {}): NewApplicationRecord {
    return {
      id: generateClientId(),
      tenantId: tenantA,
      kind: 'web',
      name: 'Shop',
      redirectUris: ['https://shop.example.com/callback', 'http://localhost:3000/callback'],
      postLogoutRedirectUris: ['https://shop.example.com/'],
      grantTypes: ['authorization_code', 'refresh_token'],
      firstParty: false,
      tokenLifetimes: { accessToken: 600, idToken: 900, refreshToken: 86_400 },
      backchannelLogoutUri: 'https://shop.example.com/logout',
      logoUri: null,
      idTokenAlgorithm: 'RS256',
      idTokenClaims: 'minimal',
      adminAccess: null,
      mfaPolicy: 'required',
      passkeysDisabled: true,
      secretHash: 'sha256:00',
      now: 1_790_000_000_123,
      ...overrides,
    };
  }

  test('creates an application and finds it, with every field as written', async () => {
    const input = record();
    const created = await store().create(input);
    assert.deepEqual(created, {
      id: input.id,
      tenantId: tenantA,
      kind: 'web',
      name: 'Shop',
      redirectUris: input.redirectUris,
      postLogoutRedirectUris: input.postLogoutRedirectUris,
      grantTypes: input.grantTypes,
      firstParty: false,
      tokenLifetimes: { accessToken: 600, idToken: 900, refreshToken: 86_400 },
      backchannelLogoutUri: 'https://shop.example.com/logout',
      logoUri: null,
      idTokenAlgorithm: 'RS256',
      idTokenClaims: 'minimal',
      adminAccess: null,
      mfaPolicy: 'required',
      passkeysDisabled: true,
      createdAt: input.now,
      updatedAt: input.now,
    });
    assert.deepEqual(await store().findById(tenantA, input.id), created);
    assert.equal(typeof (await store().findById(tenantA, input.id))!.createdAt, 'number');
  });

  test('the ID token algorithm is kept as written; an application stored before it was a choice has RS256', async () => {
    const es = await store().create(record({ idTokenAlgorithm: 'ES256' }));
    assert.equal((await store().findById(tenantA, es.id))?.idTokenAlgorithm, 'ES256');
    const legacy = await store().create(record());
    const settings = JSON.parse(String((await current().handle.db.selectFrom('applications').select('settings').where('id', '=', legacy.id).executeTakeFirstOrThrow()).settings)) as Record<string, unknown>;
    delete settings['idTokenAlgorithm'];
    await current().handle.db.updateTable('applications').set({ settings: JSON.stringify(settings) }).where('id', '=', legacy.id).execute();
    assert.equal((await store().findById(tenantA, legacy.id))?.idTokenAlgorithm, 'RS256');
  });

  test('the ID token claims are kept as written; an application stored before they were a choice gets the scope claims', async () => {
    const scopes = await store().create(record({ idTokenClaims: 'scopes' }));
    assert.equal((await store().findById(tenantA, scopes.id))?.idTokenClaims, 'scopes');
    const legacy = await store().create(record());
    assert.equal((await store().findById(tenantA, legacy.id))?.idTokenClaims, 'minimal');
    const settings = JSON.parse(String((await current().handle.db.selectFrom('applications').select('settings').where('id', '=', legacy.id).executeTakeFirstOrThrow()).settings)) as Record<string, unknown>;
    delete settings['idTokenClaims'];
    await current().handle.db.updateTable('applications').set({ settings: JSON.stringify(settings) }).where('id', '=', legacy.id).execute();
    assert.equal((await store().findById(tenantA, legacy.id))?.idTokenClaims, 'scopes');
  });

  test('an admin client keeps its admin access; an application stored before it existed has none', async () => {
    const machine = await store().create(record({ kind: 'machine', redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'], backchannelLogoutUri: null, adminAccess: { scopes: ['apps:read', 'stats:read'], tenant: 'acme' } }));
    assert.deepEqual((await store().findById(tenantA, machine.id))?.adminAccess, { scopes: ['apps:read', 'stats:read'], tenant: 'acme' });
    const updated = await store().update(tenantA, machine.id, { adminAccess: { scopes: ['apps:write'], tenant: '*' } }, Date.now());
    assert.deepEqual(updated?.adminAccess, { scopes: ['apps:write'], tenant: '*' });
    const legacy = await store().create(record());
    const settings = JSON.parse(String((await current().handle.db.selectFrom('applications').select('settings').where('id', '=', legacy.id).executeTakeFirstOrThrow()).settings)) as Record<string, unknown>;
    delete settings['adminAccess'];
    await current().handle.db.updateTable('applications').set({ settings: JSON.stringify(settings) }).where('id', '=', legacy.id).execute();
    assert.equal((await store().findById(tenantA, legacy.id))?.adminAccess, null);
  });

  test('findById never exposes the secret hash; findWithSecret does', async () => {
    const input = record({ secretHash: 'sha256:abc' });
    const created = await store().create(input);
    assert.equal(JSON.stringify(await store().findById(tenantA, input.id)).includes('sha256:abc'), false);
    assert.deepEqual(await store().findWithSecret(tenantA, input.id), { application: created, secretHash: 'sha256:abc' });
    const spa = await store().create(record({ kind: 'spa', secretHash: null }));
    assert.deepEqual(await store().findWithSecret(tenantA, spa.id), { application: spa, secretHash: null });
  });

  test('refuses a client id already in use with a conflict', async () => {
    const input = record();
    await store().create(input);
    await assert.rejects(
      store().create(record({ id: input.id, tenantId: tenantB, name: 'Other' })),
      (error: unknown) => error instanceof DomainError && error.code === 'application.client_id_taken' && error.kind === 'conflict',
    );
    assert.equal((await store().findById(tenantA, input.id))?.name, 'Shop');
  });

  test('an application of tenant A does not exist for tenant B', async () => {
    const input = record();
    await store().create(input);
    assert.equal(await store().findById(tenantB, input.id), undefined);
    assert.equal(await store().findWithSecret(tenantB, input.id), undefined);
    assert.equal((await store().list(tenantB)).some((a) => a.id === input.id), false);
    assert.equal(await store().update(tenantB, input.id, { name: 'Hijacked' }, Date.now()), undefined);
    assert.equal(await store().updateSecretHash(tenantB, input.id, 'sha256:ff', Date.now()), false);
    assert.equal(await store().delete(tenantB, input.id), false);
    const untouched = await store().findWithSecret(tenantA, input.id);
    assert.equal(untouched?.application.name, 'Shop');
    assert.equal(untouched?.secretHash, 'sha256:00');
  });

  test('lists a tenant’s applications oldest first', async () => {
    const tenantId = uuidv7();
    await createTenantStore(current().handle.db).create({ id: tenantId, slug: 'apps-list', name: 'L', now: Date.now() });
    const base = 1_800_000_000_000;
    const second = await store().create(record({ tenantId, name: 'Second', now: base + 2 }));
    const first = await store().create(record({ tenantId, name: 'First', now: base + 1 }));
    assert.deepEqual(await store().list(tenantId), [first, second]);
  });

  test('update replaces the given fields only and moves updatedAt', async () => {
    const input = record();
    await store().create(input);
    const later = input.now + 5_000;
    const updated = await store().update(tenantA, input.id, { name: 'Shop 2', redirectUris: ['https://new.example/cb'], logoUri: 'https://cdn.example/l.png' }, later);
    assert.equal(updated?.name, 'Shop 2');
    assert.deepEqual(updated?.redirectUris, ['https://new.example/cb']);
    assert.equal(updated?.logoUri, 'https://cdn.example/l.png');
    assert.deepEqual(updated?.postLogoutRedirectUris, input.postLogoutRedirectUris);
    assert.deepEqual(updated?.tokenLifetimes, input.tokenLifetimes);
    assert.equal(updated?.createdAt, input.now);
    assert.equal(updated?.updatedAt, later);
    assert.deepEqual(await store().findById(tenantA, input.id), updated);
    assert.equal((await store().findWithSecret(tenantA, input.id))?.secretHash, 'sha256:00');
  });

  test('updateSecretHash replaces the hash', async () => {
    const input = record();
    await store().create(input);
    assert.equal(await store().updateSecretHash(tenantA, input.id, 'sha256:11', input.now + 1), true);
    const found = await store().findWithSecret(tenantA, input.id);
    assert.equal(found?.secretHash, 'sha256:11');
    assert.equal(found?.application.updatedAt, input.now + 1);
  });

  test('delete removes the application, once', async () => {
    const input = record();
    await store().create(input);
    assert.equal(await store().delete(tenantA, input.id), true);
    assert.equal(await store().findById(tenantA, input.id), undefined);
    assert.equal(await store().delete(tenantA, input.id), false);
  });

  test('unknown ids find nothing and change nothing', async () => {
    const id = generateClientId();
    assert.equal(await store().findById(tenantA, id), undefined);
    assert.equal(await store().update(tenantA, id, { name: 'X' }, Date.now()), undefined);
    assert.equal(await store().updateSecretHash(tenantA, id, 'sha256:22', Date.now()), false);
  });
});
