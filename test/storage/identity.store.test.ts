import { test } from 'node:test';
import { sql } from 'kysely';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { createIdentityStore } from '../../src/storage/identity.store.ts';
import { createTenantStore } from '../../src/storage/tenant.store.ts';
import { DomainError } from '../../src/domain/errors.ts';
import type { NewIdentity } from '../../src/domain/identity/identity.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

let tenantCount = 0;
async function newTenant(database: TestDatabase): Promise<string> {
  const now = Date.now();
  const tenant = await createTenantStore(database.handle.db).create({ id: uuidv7(now), slug: `t${++tenantCount}-${process.pid}`, name: 'T', now });
  return tenant.id;
}

function customer(tenantId: string, email: string, extra: Partial<NewIdentity> = {}): NewIdentity {
  const now = Date.now();
  const credentialId = uuidv7(now);
  return {
    id: uuidv7(now),
    tenantId,
    traits: { email, name: { given: 'Ann' } },
    addresses: [{ kind: 'email', value: email }],
    credentials: [{ id: credentialId, type: 'password', config: { hash: '$argon2id$fake' }, identifiers: [email.toLowerCase()] }],
    now,
    ...extra,
  };
}

const isConflict = (code: string) => (error: unknown) => error instanceof DomainError && error.code === code && error.kind === 'conflict';

describeEachEngine('IdentityStore', (current) => {
  const store = () => createIdentityStore(current().handle.db);

  test('creates an identity with addresses and credentials, and reads it back', async () => {
    const tenantId = await newTenant(current());
    const input = customer(tenantId, 'Ann@Example.com', { metadataPublic: { plan: 'gold' } });
    const created = await store().create(input);
    assert.equal(created.status, 'active');
    assert.deepEqual(created.traits, { email: 'Ann@Example.com', name: { given: 'Ann' } });
    assert.equal(created.addresses[0]?.value, 'ann@example.com');
    assert.equal(created.addresses[0]?.verifiedAt, null);
    assert.deepEqual(await store().findById(tenantId, created.id), created);
    assert.deepEqual(created.metadataPublic, { plan: 'gold' });
    assert.deepEqual(created.metadataAdmin, {});
  });

  test('address lookup and uniqueness ignore case and surrounding space', async () => {
    const tenantId = await newTenant(current());
    const created = await store().create(customer(tenantId, 'bob@example.com'));
    assert.equal((await store().findByAddress(tenantId, 'email', '  BOB@Example.COM '))?.id, created.id);
    await assert.rejects(store().create(customer(tenantId, 'Bob@EXAMPLE.com')), isConflict('identity.address_taken'));
  });

  test('a refused identity leaves nothing behind', async () => {
    const tenantId = await newTenant(current());
    await store().create(customer(tenantId, 'first@example.com'));
    const clash = customer(tenantId, 'second@example.com', {
      addresses: [{ kind: 'email', value: 'second@example.com' }, { kind: 'email', value: 'FIRST@example.com' }],
    });
    await assert.rejects(store().create(clash), isConflict('identity.address_taken'));
    assert.equal(await store().findById(tenantId, clash.id), undefined);
    assert.equal(await store().findByAddress(tenantId, 'email', 'second@example.com'), undefined);
    assert.equal(await store().findCredential(tenantId, 'password', 'second@example.com'), undefined);
  });

  test('credential identifiers are unique per tenant and type', async () => {
    const tenantId = await newTenant(current());
    await store().create(customer(tenantId, 'carol@example.com'));
    const other = customer(tenantId, 'carol2@example.com');
    const sameIdentifier = { ...other, credentials: [{ ...other.credentials[0]!, identifiers: ['carol@example.com'] }] };
    await assert.rejects(store().create(sameIdentifier), isConflict('identity.identifier_taken'));
  });

  test('tenants are isolated: the same address lives in two tenants, and lookups never cross', async () => {
    const [a, b] = [await newTenant(current()), await newTenant(current())];
    const inA = await store().create(customer(a, 'dave@example.com'));
    const inB = await store().create(customer(b, 'dave@example.com'));
    assert.equal((await store().findByAddress(a, 'email', 'dave@example.com'))?.id, inA.id);
    assert.equal((await store().findByAddress(b, 'email', 'dave@example.com'))?.id, inB.id);
    assert.equal(await store().findById(a, inB.id), undefined);
    assert.equal(await store().setStatus(a, inB.id, 'blocked', Date.now()), false);
    assert.equal(await store().delete(a, inB.id), false);
    assert.equal((await store().findById(b, inB.id))?.status, 'active');
  });

  test('finds a credential by its identifier', async () => {
    const tenantId = await newTenant(current());
    const created = await store().create(customer(tenantId, 'erin@example.com'));
    const credential = await store().findCredential(tenantId, 'password', 'erin@example.com');
    assert.equal(credential?.identityId, created.id);
    assert.deepEqual(credential?.config, { hash: '$argon2id$fake' });
    assert.equal(credential?.type, 'password');
    assert.equal(await store().findCredential(tenantId, 'webauthn', 'erin@example.com'), undefined);
  });

  test('finds a credential with its identity and every address in one read, within its tenant only', async () => {
    const [tenantId, otherTenant] = [await newTenant(current()), await newTenant(current())];
    const created = await store().create(customer(tenantId, 'fay@example.com'));
    const found = await store().findCredentialWithIdentity(tenantId, 'password', 'fay@example.com');
    assert.deepEqual(found?.identity, await store().findById(tenantId, created.id));
    assert.deepEqual(found?.credential, await store().findCredential(tenantId, 'password', 'fay@example.com'));
    assert.equal(found?.identity.addresses.length, created.addresses.length);
    assert.equal(await store().findCredentialWithIdentity(otherTenant, 'password', 'fay@example.com'), undefined);
    assert.equal(await store().findCredentialWithIdentity(tenantId, 'webauthn', 'fay@example.com'), undefined);
    assert.equal(await store().findCredentialWithIdentity(tenantId, 'password', 'nobody@example.com'), undefined);
  });

  test('replaces a credential config within its tenant only, and says whether there was one', async () => {
    const [tenantId, otherTenant] = [await newTenant(current()), await newTenant(current())];
    await store().create(customer(tenantId, 'ivy@example.com'));
    const credential = (await store().findCredential(tenantId, 'password', 'ivy@example.com'))!;
    const later = Date.now() + 1_000;
    // Another tenant cannot reach it, even by its exact id.
    assert.equal(await store().updateCredentialConfig(otherTenant, credential.id, { hash: '$argon2id$intruder' }, later), false);
    assert.deepEqual((await store().findCredential(tenantId, 'password', 'ivy@example.com'))?.config, { hash: '$argon2id$fake' });
    assert.equal(await store().updateCredentialConfig(tenantId, uuidv7(later), { hash: '$argon2id$nobody' }, later), false);

    assert.equal(await store().updateCredentialConfig(tenantId, credential.id, { hash: '$argon2id$upgraded', note: { nested: [1] } }, later), true);
    const updated = await store().findCredential(tenantId, 'password', 'ivy@example.com');
    assert.deepEqual(updated, { ...credential, config: { hash: '$argon2id$upgraded', note: { nested: [1] } } });
    const row = await current().handle.db.selectFrom('credentials').select(['created_at', 'updated_at']).where('id', '=', credential.id).executeTakeFirstOrThrow();
    assert.equal(Number(row.updated_at), later);
    assert.ok(Number(row.created_at) < later);
  });

  test('removes one credential of its identity, within its tenant only, and frees its identifier', async () => {
    const [tenantId, otherTenant] = [await newTenant(current()), await newTenant(current())];
    const created = await store().create(customer(tenantId, 'pia@example.com'));
    const other = await store().create(customer(tenantId, 'quin@example.com'));
    const now = Date.now();
    const passkey = { id: uuidv7(now), type: 'passkey', config: { publicKey: 'key' }, identifiers: ['Q3JlZElk'] };
    await store().addCredential(tenantId, created.id, passkey, now);
    // Neither another tenant nor another customer of the same tenant can remove it.
    assert.equal(await store().removeCredential(otherTenant, created.id, passkey.id), false);
    assert.equal(await store().removeCredential(tenantId, other.id, passkey.id), false);
    assert.equal((await store().findCredentialWithIdentity(tenantId, 'passkey', 'Q3JlZElk'))?.identity.id, created.id);
    assert.equal(await store().removeCredential(tenantId, created.id, passkey.id), true);
    assert.equal(await store().removeCredential(tenantId, created.id, passkey.id), false);
    assert.equal(await store().findCredentialWithIdentity(tenantId, 'passkey', 'Q3JlZElk'), undefined);
    assert.deepEqual((await store().listCredentials(tenantId, created.id)).map((credential) => credential.type), ['password']);
    // Its identifier is free again: the same key can be registered anew.
    await store().addCredential(tenantId, other.id, { ...passkey, id: uuidv7(now + 1) }, now + 1);
    assert.equal((await store().findCredentialWithIdentity(tenantId, 'passkey', 'Q3JlZElk'))?.identity.id, other.id);
  });

  test('lists newest first, page by page', async () => {
    const tenantId = await newTenant(current());
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const now = 1_800_000_000_000 + i;
      ids.push((await store().create({ ...customer(tenantId, `p${i}@example.com`), id: uuidv7(now), now })).id);
    }
    const first = await store().list(tenantId, { limit: 2 });
    const second = await store().list(tenantId, { limit: 2, after: first.at(-1)!.id });
    const third = await store().list(tenantId, { limit: 2, after: second.at(-1)!.id });
    assert.deepEqual([...first, ...second, ...third].map((i) => i.id), ids.toReversed());
    assert.equal(first[0]?.addresses[0]?.value, 'p4@example.com');
    // The cursor's identity deleted before the next page: its id (a UUIDv7 of its creation time) still places it.
    assert.equal(await store().delete(tenantId, first.at(-1)!.id), true);
    assert.deepEqual((await store().list(tenantId, { limit: 5, after: first.at(-1)!.id })).map((i) => i.id), ids.toReversed().slice(2));
    assert.deepEqual(await store().list(tenantId, { limit: 5, after: 'not-an-id' }), []);
  });


  test('lists by creation time, not id (imported customers keep theirs), with ties broken by id, and pages past a deleted one', async () => {
    const tenantId = await newTenant(current());
    // Ids made now, creation times from the past in another order, two of them equal.
    const times = [1_700_000_000_500, 1_700_000_000_100, 1_700_000_000_300, 1_700_000_000_300, 1_700_000_000_200];
    const created = [];
    for (const [i, at] of times.entries()) {
      created.push(await store().create({ ...customer(tenantId, `c${i}@example.com`), id: uuidv7(1_800_000_000_000 + i), now: at }));
    }
    const expected = created.toSorted((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1)).map((i) => i.id);
    const first = await store().list(tenantId, { limit: 2 });
    const second = await store().list(tenantId, { limit: 2, after: first.at(-1)!.id });
    const third = await store().list(tenantId, { limit: 2, after: second.at(-1)!.id });
    assert.deepEqual([...first, ...second, ...third].map((i) => i.id), expected);
    // The cursor's identity is deleted between pages: its id and creation time still place the next page.
    const cursor = second.at(-1)!;
    assert.equal(await store().delete(tenantId, cursor.id), true);
    const after = await store().list(tenantId, { limit: 5, after: cursor.id, afterCreatedAt: cursor.createdAt });
    assert.deepEqual(after.map((i) => i.id), expected.slice(4));
  });
  test('refreshes the statistics of the identity tables (after an import)', async () => {
    const tenantId = await newTenant(current());
    await store().create(customer(tenantId, 'stats@example.com'));
    await store().refreshStatistics();
    if (current().engine === 'postgres') {
      // reltuples is -1 until a table is first analysed, and ANALYZE sets it in the catalog at once.
      const { rows } = await sql<{ relname: string }>`select relname from pg_class where relnamespace = current_schema()::regnamespace and reltuples >= 0 and relname in ('identities', 'identity_addresses', 'audit_events')`.execute(current().handle.db);
      assert.deepEqual(rows.map((row) => row.relname).toSorted(), ['audit_events', 'identities', 'identity_addresses']);
    }
  });

  test('blocks and unblocks', async () => {
    const tenantId = await newTenant(current());
    const created = await store().create(customer(tenantId, 'frank@example.com'));
    assert.equal(await store().setStatus(tenantId, created.id, 'blocked', created.createdAt + 5), true);
    const blocked = await store().findById(tenantId, created.id);
    assert.equal(blocked?.status, 'blocked');
    assert.equal(blocked?.updatedAt, created.createdAt + 5);
  });

  test('deleting an identity removes its addresses and credentials, freeing the address', async () => {
    const tenantId = await newTenant(current());
    const created = await store().create(customer(tenantId, 'gina@example.com'));
    assert.equal(await store().delete(tenantId, created.id), true);
    assert.equal(await store().findById(tenantId, created.id), undefined);
    assert.equal(await store().findCredential(tenantId, 'password', 'gina@example.com'), undefined);
    const again = await store().create(customer(tenantId, 'gina@example.com'));
    assert.equal((await store().findByAddress(tenantId, 'email', 'gina@example.com'))?.id, again.id);
  });

  test('creates inside a caller transaction that can roll everything back', async () => {
    const tenantId = await newTenant(current());
    const input = customer(tenantId, 'hank@example.com');
    await assert.rejects(
      current().handle.db.transaction().execute(async (tx) => {
        await createIdentityStore(tx).create(input);
        throw new Error('abort');
      }),
      /abort/,
    );
    assert.equal(await store().findById(tenantId, input.id), undefined);
  });
});
