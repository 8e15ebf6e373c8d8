// The passkey use store (ADR 0037) on each engine: a passkey sign-in's writes land together (the
// passkey's new config, the audit entry and, when the store holds the throttle, the customer's
// counter reset and the address's attempt given back), and only the rows they name change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describeEachEngine } from '../helpers/engines.ts';
import { createIdentityStore } from '../../src/storage/identity.store.ts';
import { createTenantStore } from '../../src/storage/tenant.store.ts';
import { createAuditStore } from '../../src/storage/audit.store.ts';
import { createSqlThrottleStore } from '../../src/storage/throttle.store.ts';
import { createPasskeyUseStore } from '../../src/storage/passkey-use.store.ts';
import type { AuditEvent } from '../../src/domain/audit/audit.ts';
import type { ThrottlePolicy } from '../../src/domain/flows/throttle.port.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const POLICY: ThrottlePolicy = { freeAttempts: 100, windowMs: 600_000, maxDelayMs: 1_000 };

describeEachEngine('PasskeyUseStore', (current) => {
  async function customerWithPasskeys() {
    const db = current().handle.db;
    const now = Date.now();
    const tenant = await createTenantStore(db).create({ id: uuidv7(now), slug: `pk-${randomUUID().slice(0, 8)}`, name: 'T', now });
    const identityId = uuidv7(now);
    const [used, other] = [uuidv7(now), uuidv7(now)];
    const config = { publicKey: 'AQID', counter: 1, lastUsedAt: null };
    await createIdentityStore(db).create({
      id: identityId,
      tenantId: tenant.id,
      traits: { email: `${identityId}@example.com` },
      addresses: [],
      credentials: [
        { id: used, type: 'passkey', config, identifiers: [`cred-${used}`] },
        { id: other, type: 'passkey', config, identifiers: [`cred-${other}`] },
      ],
      now,
    });
    return { tenantId: tenant.id, identityId, used, other, config };
  }

  function entry(tenantId: string, identityId: string, now: number): AuditEvent {
    return { id: uuidv7(now), tenantId, occurredAt: now, action: 'signin.succeeded', outcome: 'success', actor: { type: 'customer', id: identityId }, target: { type: 'identity', id: identityId }, context: { ip: '203.0.113.9' }, details: { method: 'passkey' } };
  }

  for (const holdsThrottle of [true, false]) {
    test(`writes the passkey's new config and the audit entry${holdsThrottle ? ', and resets and releases the throttle' : ''}`, async () => {
      const db = current().handle.db;
      const { tenantId, identityId, used, other, config } = await customerWithPasskeys();
      const throttle = createSqlThrottleStore(db);
      const [reset, release] = [`test:identity:${randomUUID()}`, `test:ip:${randomUUID()}`];
      const now = Date.now();
      for (let i = 0; i < 3; i++) assert.deepEqual(await throttle.reserveAll([{ key: reset, policy: POLICY }, { key: release, policy: POLICY }], now), { allowed: true });
      const store = createPasskeyUseStore(db, { holdsThrottle });
      assert.equal(store.holdsThrottle, holdsThrottle);
      const written = entry(tenantId, identityId, now + 1);
      const updated = { ...config, counter: 7, lastUsedAt: now + 1 };
      await store.record({ tenantId, credentialId: used, config: updated, now: now + 1, audit: written }, holdsThrottle ? { reset, release } : undefined);

      const credentials = await createIdentityStore(db).listCredentials(tenantId, identityId);
      assert.deepEqual(credentials.find((credential) => credential.id === used)?.config, updated);
      assert.equal(credentials.find((credential) => credential.id === used)?.updatedAt, now + 1);
      assert.deepEqual(credentials.find((credential) => credential.id === other)?.config, config, 'another passkey is left as it was');
      assert.deepEqual(await createAuditStore(db).list(tenantId, { limit: 10 }), [written]);
      if (holdsThrottle) {
        assert.deepEqual(await throttle.peek(reset, now + 2, POLICY.windowMs), { count: 0, lastAt: 0 }, "the customer's counter starts afresh");
        assert.equal((await throttle.peek(release, now + 2, POLICY.windowMs)).count, 2, "the address's attempt is given back");
      } else {
        assert.equal((await throttle.peek(reset, now + 2, POLICY.windowMs)).count, 3, 'the throttle is left to its own store');
        assert.equal((await throttle.peek(release, now + 2, POLICY.windowMs)).count, 3);
      }
    });
  }

  test('refuses the throttle\'s part when the counters are elsewhere (Redis)', async () => {
    const { tenantId, identityId, used, config } = await customerWithPasskeys();
    const store = createPasskeyUseStore(current().handle.db, { holdsThrottle: false });
    const now = Date.now();
    await assert.rejects(store.record({ tenantId, credentialId: used, config, now, audit: entry(tenantId, identityId, now) }, { reset: 'a', release: 'b' }));
  });
});
