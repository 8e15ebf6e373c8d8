import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { createStores } from '../../src/storage/stores.ts';
import { hashSessionToken, isLive, newSession, SESSION_IDLE_TIMEOUT_MS, SESSION_LIFETIME_MS } from '../../src/domain/sessions/session.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

let counter = 0;
async function customer(database: TestDatabase) {
  const stores = createStores(database.handle.db);
  const now = Date.now();
  const tenant = await stores.tenants.create({ id: uuidv7(now), slug: `sessions-${process.pid}-${++counter}`, name: 'T', now });
  const identity = await stores.identities.create({ id: uuidv7(now), tenantId: tenant.id, traits: { email: `s${counter}@example.com` }, addresses: [], credentials: [], now });
  return { stores, tenantId: tenant.id, identityId: identity.id };
}

describeEachEngine('SessionStore', (current) => {
  test('finds a session by its token hash only, in its own tenant, until revoked', async () => {
    const { stores, tenantId, identityId } = await customer(current());
    const { session, token } = newSession({ tenantId, identityId, methods: ['pwd'], device: { userAgent: 'Phone', ip: '203.0.113.9' }, now: 1_790_000_000_000 });
    await stores.sessions.create(session, hashSessionToken(token));
    assert.deepEqual(await stores.sessions.findByTokenHash(tenantId, hashSessionToken(token)), session);
    assert.equal(await stores.sessions.findByTokenHash(tenantId, token), undefined, 'the token itself is not what is stored');
    assert.equal(await stores.sessions.findByTokenHash('another-tenant', hashSessionToken(token)), undefined);
    await stores.sessions.touch(tenantId, session.id, session.lastSeenAt + 5);
    assert.equal((await stores.sessions.findByTokenHash(tenantId, hashSessionToken(token)))?.lastSeenAt, session.lastSeenAt + 5);
    assert.equal(await stores.sessions.revoke(tenantId, session.id, session.lastSeenAt + 6), true);
    assert.equal(await stores.sessions.revoke(tenantId, session.id, session.lastSeenAt + 7), false);
    assert.equal(await stores.sessions.findByTokenHash(tenantId, hashSessionToken(token)), undefined);
  });

  test('keeps the class the sign-in reached beside its methods (migration 0032)', async () => {
    const { stores, tenantId, identityId } = await customer(current());
    const { session, token } = newSession({ tenantId, identityId, methods: ['pwd', 'otp', 'mfa'], acr: 'urn:foyer:acr:mfa', device: {}, now: Date.now() });
    await stores.sessions.create(session, hashSessionToken(token));
    const found = await stores.sessions.findByTokenHash(tenantId, hashSessionToken(token));
    assert.equal(found?.acr, 'urn:foyer:acr:mfa');
    assert.deepEqual(found, session);
  });

  test('revokes every session of one customer, and no one else\'s', async () => {
    const { stores, tenantId, identityId } = await customer(current());
    const other = await customer(current());
    const make = async (who: { tenantId: string; identityId: string }) => {
      const { session, token } = newSession({ ...who, methods: ['pwd'], device: {}, now: Date.now() });
      await stores.sessions.create(session, hashSessionToken(token));
      return token;
    };
    await make({ tenantId, identityId });
    await make({ tenantId, identityId });
    const kept = await make(other);
    assert.equal(await stores.sessions.revokeAllOf(tenantId, identityId, Date.now()), 2);
    assert.ok(await stores.sessions.findByTokenHash(other.tenantId, hashSessionToken(kept)));
  });

  test('the sweep removes sessions past their lifetime; idle ones stay until then (isLive refuses them)', async () => {
    const { stores, tenantId, identityId } = await customer(current());
    const now = 1_800_000_000_000;
    const at = (createdAt: number, lastSeenAt: number) => {
      const { session, token } = newSession({ tenantId, identityId, methods: ['pwd'], device: {}, now: createdAt });
      return { session: { ...session, lastSeenAt }, token };
    };
    const live = at(now - 1_000, now - 1_000);
    const idle = at(now - SESSION_IDLE_TIMEOUT_MS - 10, now - SESSION_IDLE_TIMEOUT_MS - 10);
    const old = at(now - SESSION_LIFETIME_MS - 10, now - 5);
    for (const { session, token } of [live, idle, old]) await stores.sessions.create(session, hashSessionToken(token));
    let removed = 0;
    for (let batch; (batch = await stores.sessions.removeExpired(now, 1)) > 0; ) removed += batch;
    assert.ok(removed >= 1);
    assert.ok(await stores.sessions.findByTokenHash(tenantId, hashSessionToken(live.token)));
    const stillStored = await stores.sessions.findByTokenHash(tenantId, hashSessionToken(idle.token));
    assert.ok(stillStored && !isLive(stillStored, now), 'kept until its lifetime ends, but no longer live');
    assert.equal(await stores.sessions.findByTokenHash(tenantId, hashSessionToken(old.token)), undefined);
  });
});
