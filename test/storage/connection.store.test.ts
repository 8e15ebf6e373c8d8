// The connection store on both engines: create and read back every field (the JSON document and the
// identifying columns), the sealed secret kept apart, a taken id a conflict, the tenant's order
// (position, then id), update keeping or replacing the secret, delete; another tenant sees nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createStores } from '../../src/storage/stores.ts';
import type { Connection } from '../../src/domain/federation/connection.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

let counter = 0;

function connection(tenantId: string, id: string, fields: Partial<Connection> = {}): Connection {
  return {
    tenantId, id, kind: 'oidc', preset: null, presetOptions: {}, storeTokens: false, displayName: id.toUpperCase(), iconUrl: null, clientId: 'client', hasClientSecret: true, issuer: 'https://id.example', endpoints: null,
    scopes: ['openid', 'email'], mapping: { given_name: 'first' }, allowSignUp: true, trustEmailVerified: false, refreshTraits: false, applications: null, domains: ['example.com'],
    position: 0, enabled: true, roleMapping: null, saml: null, createdAt: 1_000, updatedAt: 1_000, ...fields,
  };
}

describeEachEngine('connection store', (current) => {
  const stores = () => createStores(current().handle.db);
  async function tenant(): Promise<string> {
    const now = Date.now();
    return (await stores().tenants.create({ id: uuidv7(now), slug: `connections-${process.pid}-${++counter}`, name: 'T', now })).id;
  }

  test('create, find, list in the tenant’s order, sealed secret apart, taken id, update, delete', async () => {
    const tenantId = await tenant();
    const other = await tenant();
    const acme = connection(tenantId, 'acme', { position: 2, applications: ['shop'], endpoints: null, preset: 'microsoft', presetOptions: { tenant: 'organizations' }, storeTokens: true });
    await stores().connections.create(acme, 'sealed-1');
    await stores().connections.create(connection(tenantId, 'beta', { position: 1, hasClientSecret: false }), null);
    await stores().connections.create(connection(tenantId, 'alpha', { position: 2 }), 'sealed-2');
    assert.deepEqual(await stores().connections.find(tenantId, 'acme'), acme);
    assert.deepEqual((await stores().connections.list(tenantId)).map((item) => item.id), ['beta', 'acme', 'alpha'], 'by position, then id');
    assert.equal(await stores().connections.sealedSecret(tenantId, 'acme'), 'sealed-1');
    assert.equal(await stores().connections.sealedSecret(tenantId, 'beta'), undefined);
    await assert.rejects(stores().connections.create(connection(tenantId, 'acme'), null), { code: 'connection.id_taken' });
    assert.equal(await stores().connections.find(other, 'acme'), undefined);
    assert.deepEqual(await stores().connections.list(other), []);

    assert.equal(await stores().connections.update({ ...acme, displayName: 'Acme', updatedAt: 2_000 }, undefined), true);
    assert.equal(await stores().connections.sealedSecret(tenantId, 'acme'), 'sealed-1', 'undefined keeps the secret');
    assert.equal(await stores().connections.update({ ...acme, hasClientSecret: false, updatedAt: 3_000 }, null), true);
    const updated = await stores().connections.find(tenantId, 'acme');
    assert.equal(updated?.hasClientSecret, false);
    assert.equal(updated?.updatedAt, 3_000);
    assert.equal(await stores().connections.update(connection(other, 'acme'), null), false);
    assert.equal(await stores().connections.delete(other, 'acme'), false);
    assert.equal(await stores().connections.delete(tenantId, 'acme'), true);
    assert.equal(await stores().connections.find(tenantId, 'acme'), undefined);
  });

  test('identity store: removeCredential removes one credential of the identity, and its identifiers with it', async () => {
    const tenantId = await tenant();
    const now = Date.now();
    const identity = await stores().identities.create({
      id: uuidv7(now), tenantId, traits: { email: `linked-${counter}@example.com` }, addresses: [], now,
      credentials: [{ id: uuidv7(now), type: 'federated', config: { connection: 'a' }, identifiers: ['a:1'] }, { id: uuidv7(now + 1), type: 'federated', config: { connection: 'b' }, identifiers: ['b:1'] }],
    });
    const [first, second] = await stores().identities.listCredentials(tenantId, identity.id);
    assert.equal(await stores().identities.removeCredential(tenantId, 'someone-else', first!.id), false);
    assert.equal(await stores().identities.removeCredential(tenantId, identity.id, first!.id), true);
    assert.equal(await stores().identities.removeCredential(tenantId, identity.id, first!.id), false);
    assert.deepEqual((await stores().identities.listCredentials(tenantId, identity.id)).map((credential) => credential.id), [second!.id]);
    assert.equal(await stores().identities.findCredential(tenantId, 'federated', 'a:1'), undefined, 'its identifier went with it');
    assert.ok(await stores().identities.findCredential(tenantId, 'federated', 'b:1'));
  });
});
