// IdentityStore.search and the audit store's lastOccurrences on both engines: every criterion,
// newest-first keyset pages that stay exact while customers are added, and the searchable trait
// values kept in step with the traits (create, update, email change, deletion).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { createIdentityStore } from '../../src/storage/identity.store.ts';
import { createTenantStore } from '../../src/storage/tenant.store.ts';
import { createAuditStore } from '../../src/storage/audit.store.ts';
import type { Identity, Traits } from '../../src/domain/identity/identity.ts';
import type { IdentityCursor, IdentitySearch } from '../../src/domain/identity/identity.port.ts';
import { SIGN_IN_AUDIT_ACTION } from '../../src/domain/audit/audit.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

let tenantCount = 0;
async function newTenant(database: TestDatabase): Promise<string> {
  const now = Date.now();
  return (await createTenantStore(database.handle.db).create({ id: uuidv7(now), slug: `s${++tenantCount}-${process.pid}`, name: 'T', now })).id;
}

const T0 = Date.UTC(2026, 0, 1);

/** Email addresses are searched through the email trait, whose searchable text is the normalised address. */
function byEmail(value: string, prefix: boolean): IdentitySearch & { traits: NonNullable<IdentitySearch['traits']> } {
  return { traits: [{ names: ['email'], match: { value, prefix } }] };
}
const HOUR = 3_600_000;

describeEachEngine('IdentityStore search', (current) => {
  const store = () => createIdentityStore(current().handle.db);

  /** A customer created `hoursAfter` hours after T0 (ids follow creation time, as uuidv7 does). */
  function add(tenantId: string, hoursAfter: number, traits: Traits): Promise<Identity> {
    const now = T0 + hoursAfter * HOUR;
    const email = typeof traits['email'] === 'string' ? traits['email'] : undefined;
    return store().create({ id: uuidv7(now), tenantId, traits, addresses: email ? [{ kind: 'email', value: email }] : [], credentials: [], now });
  }

  async function ids(tenantId: string, query: IdentitySearch, limit = 100): Promise<string[]> {
    return (await store().search(tenantId, query, { limit })).map((identity) => identity.id);
  }

  async function fixture() {
    const tenantId = await newTenant(current());
    const ann = await add(tenantId, 1, { email: 'Ann.Lee@Example.com', name: 'Ann Lee', plan: 'Pro', age: 41, newsletter: true });
    const anna = await add(tenantId, 2, { email: 'anna@example.org', name: 'Anna Berg', plan: 'free', nested: { plan: 'pro' } });
    const bob = await add(tenantId, 3, { email: 'bob@example.com', given_name: 'Bob', plan: 'pro' });
    const odd = await add(tenantId, 4, { email: 'a_b%c@example.com', name: 'Zed' });
    return { tenantId, ann, anna, bob, odd };
  }

  test('with no criteria: every identity of the tenant, newest first', async () => {
    const { tenantId, ann, anna, bob, odd } = await fixture();
    await fixture(); // another tenant's customers stay out
    assert.deepEqual(await ids(tenantId, {}), [odd.id, bob.id, anna.id, ann.id]);
  });

  test('by email: exact or by prefix; % and _ are only characters', async () => {
    const { tenantId, ann, anna, odd } = await fixture();
    assert.deepEqual(await ids(tenantId, byEmail('ann.lee@example.com', false)), [ann.id]);
    assert.deepEqual(await ids(tenantId, byEmail('ann', false)), []);
    assert.deepEqual(await ids(tenantId, byEmail('ann', true)), [anna.id, ann.id]);
    assert.deepEqual(await ids(tenantId, byEmail('a_', true)), [odd.id]);
    assert.deepEqual(await ids(tenantId, byEmail('a%', true)), []);
  });

  test('by trait value: exact, case-insensitive, top-level scalars only (numbers and booleans as text)', async () => {
    const { tenantId, ann, anna, bob } = await fixture();
    const trait = (names: string[], value: string, prefix = false): IdentitySearch => ({ traits: [{ names, match: { value, prefix } }] });
    assert.deepEqual(await ids(tenantId, trait(['plan'], 'pro')), [bob.id, ann.id]);
    assert.deepEqual(await ids(tenantId, trait(['plan'], 'free')), [anna.id]);
    assert.deepEqual(await ids(tenantId, trait(['age'], '41')), [ann.id]);
    assert.deepEqual(await ids(tenantId, trait(['newsletter'], 'true')), [ann.id]);
    assert.deepEqual(await ids(tenantId, trait(['nested'], 'pro')), []);
    assert.deepEqual(await ids(tenantId, trait(['name', 'given_name'], 'b', true)), [bob.id]);
    assert.deepEqual(await ids(tenantId, trait(['name', 'given_name'], 'ann', true)), [anna.id, ann.id]);
    assert.deepEqual(await ids(tenantId, trait([], 'ann', true)), []);
    // Matching through two traits at once, an identity is still listed once.
    assert.deepEqual(await ids(tenantId, trait(['name', 'email'], 'ann', true)), [anna.id, ann.id]);
  });

  test('by status, by creation time, and every criterion at once', async () => {
    const { tenantId, ann, anna, bob, odd } = await fixture();
    await store().setStatus(tenantId, anna.id, 'blocked', Date.now());
    assert.deepEqual(await ids(tenantId, { status: 'blocked' }), [anna.id]);
    assert.deepEqual(await ids(tenantId, { status: 'active' }), [odd.id, bob.id, ann.id]);
    assert.deepEqual(await ids(tenantId, { createdAt: { from: T0 + 2 * HOUR, to: T0 + 4 * HOUR } }), [bob.id, anna.id]);
    assert.deepEqual(await ids(tenantId, { createdAt: { from: T0 + 3 * HOUR } }), [odd.id, bob.id]);
    const all: IdentitySearch = { status: 'active', traits: [...byEmail('b', true).traits!, { names: ['plan'], match: { value: 'pro', prefix: false } }], createdAt: { to: T0 + 4 * HOUR } };
    assert.deepEqual(await ids(tenantId, all), [bob.id]);
    // A prefix drives when no exact value does; the other criteria still hold.
    assert.deepEqual(await ids(tenantId, { status: 'active', traits: byEmail('a', true).traits, createdAt: { from: T0 + 2 * HOUR } }), [odd.id]);
    assert.deepEqual(await ids(tenantId, { ...byEmail('a', true), lastSignedInAt: { from: T0 } }), []);
  });

  test('by last sign-in: the latest sign-in entry of the audit log about each customer', async () => {
    const { tenantId, ann, anna, bob } = await fixture();
    const audit = createAuditStore(current().handle.db);
    const entry = (identityId: string, at: number, action = SIGN_IN_AUDIT_ACTION) =>
      audit.append({ id: uuidv7(at), occurredAt: at, tenantId, action, outcome: 'success', actor: { type: 'customer', id: identityId }, target: { type: 'identity', id: identityId } });
    await entry(ann.id, T0 + 10 * HOUR);
    await entry(ann.id, T0 + 30 * HOUR);
    await entry(anna.id, T0 + 12 * HOUR);
    await entry(anna.id, T0 + 40 * HOUR, 'signin.failed');
    await entry(bob.id, T0 + 40 * HOUR, 'password.changed');
    // Ann's last sign-in is at 30 h: not within 0–20 h, though she signed in then too.
    assert.deepEqual(await ids(tenantId, { lastSignedInAt: { from: T0, to: T0 + 20 * HOUR } }), [anna.id]);
    assert.deepEqual(await ids(tenantId, { lastSignedInAt: { from: T0 + 20 * HOUR } }), [ann.id]);
    assert.deepEqual(await ids(tenantId, { lastSignedInAt: { to: T0 + 50 * HOUR } }), [anna.id, ann.id]);
    const last = await audit.lastOccurrences(tenantId, SIGN_IN_AUDIT_ACTION, [ann.id, anna.id, bob.id]);
    assert.deepEqual(Object.fromEntries(last), { [ann.id]: T0 + 30 * HOUR, [anna.id]: T0 + 12 * HOUR });
    assert.deepEqual(await audit.lastOccurrences(tenantId, SIGN_IN_AUDIT_ACTION, []), new Map());
  });

  test('pages by cursor: no identity twice or skipped, also when customers are added between pages', async () => {
    const tenantId = await newTenant(current());
    const created: Identity[] = [];
    // Two per millisecond of creation time: the id breaks the tie.
    for (let i = 0; i < 12; i++) created.push(await add(tenantId, Math.floor(i / 2), { email: `p${i}@example.com`, plan: 'pro' }));
    const expected = [...created].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1)).map((identity) => identity.id);
    for (const query of [{}, { traits: [{ names: ['plan'], match: { value: 'pro', prefix: false } }] }, byEmail('p', true)] satisfies IdentitySearch[]) {
      const seen: string[] = [];
      let after: IdentityCursor | undefined;
      for (let pageNo = 0; ; pageNo++) {
        const page = await store().search(tenantId, query, { limit: 5, after });
        seen.push(...page.map((identity) => identity.id));
        // Newer customers arrive while the operator reads: they belong before the first page.
        await add(tenantId, 100 + pageNo + seen.length, { email: `p-new${seen.length}-${Object.keys(query).length}@example.com`, plan: 'pro' });
        if (page.length < 5) break;
        const last = page.at(-1)!;
        after = { createdAt: last.createdAt, id: last.id };
      }
      assert.deepEqual(seen, expected);
      await Promise.all((await store().search(tenantId, { createdAt: { from: T0 + 100 * HOUR } }, { limit: 100 })).map((identity) => store().delete(tenantId, identity.id)));
    }
  });

  test('searchable values follow the traits: updated, moved with the email, gone with the identity', async () => {
    const { tenantId, ann } = await fixture();
    const plan = (value: string): IdentitySearch => ({ traits: [{ names: ['plan'], match: { value, prefix: false } }] });
    assert.equal(await store().updateTraits(tenantId, ann.id, { ...ann.traits, plan: 'Enterprise' }, Date.now()), true);
    assert.deepEqual(await ids(tenantId, plan('enterprise')), [ann.id]);
    assert.ok(!(await ids(tenantId, plan('pro'))).includes(ann.id));
    const moved = { from: 'Ann.Lee@Example.com', to: 'lee@example.net', traits: { ...ann.traits, plan: 'Enterprise', email: 'lee@example.net' }, verifiedAt: null };
    assert.equal(await store().replaceEmail(tenantId, ann.id, moved, Date.now()), true);
    assert.deepEqual(await ids(tenantId, byEmail('lee@example.net', false)), [ann.id]);
    assert.deepEqual(await ids(tenantId, { traits: [{ names: ['email'], match: { value: 'lee@', prefix: true } }] }), [ann.id]);
    assert.deepEqual(await ids(tenantId, byEmail('ann.lee', true)), []);
    assert.equal((await store().findById(tenantId, ann.id))?.addresses[0]?.verifiedAt, null);
    assert.equal(await store().updateTraits(tenantId, 'no-such-id', { plan: 'x' }, Date.now()), false);
    await store().delete(tenantId, ann.id);
    assert.deepEqual(await ids(tenantId, plan('enterprise')), []);
  });
});
