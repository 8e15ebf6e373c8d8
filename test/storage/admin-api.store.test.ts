// The admin API's stores on both engines: idempotency keys claimed once per caller, completed,
// released after a server error, hidden once expired; setup links usable once until they expire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createIdempotencyStore } from '../../src/storage/idempotency.store.ts';
import { createSetupLinkStore } from '../../src/storage/setup-link.store.ts';

describeEachEngine('IdempotencyStore and SetupLinkStore', (current) => {
  const keys = () => createIdempotencyStore(current().handle.db);
  const links = () => createSetupLinkStore(current().handle.db);
  const now = 1_800_000_000_000;

  test('a key is claimed once per caller; the first answer is kept; a release frees an unanswered claim', async () => {
    const entry = { credential: 'machine:a', key: 'k1', requestHash: 'h1', now, expiresAt: now + 1000 };
    assert.equal(await keys().claim(entry), true);
    assert.equal(await keys().claim({ ...entry, requestHash: 'h2' }), false);
    assert.equal(await keys().claim({ ...entry, credential: 'machine:b' }), true, 'another caller’s key');
    assert.deepEqual(await keys().find('machine:a', 'k1', now), { requestHash: 'h1', status: null, response: null });
    await keys().complete('machine:a', 'k1', 201, 'sealed');
    assert.deepEqual(await keys().find('machine:a', 'k1', now), { requestHash: 'h1', status: 201, response: 'sealed' });
    await keys().release('machine:a', 'k1');
    assert.ok(await keys().find('machine:a', 'k1', now), 'an answered key stays');
    await keys().release('machine:b', 'k1');
    assert.equal(await keys().find('machine:b', 'k1', now), undefined, 'an unanswered claim is freed');
  });

  test('an expired key is no longer found and may be claimed anew; the sweep removes it', async () => {
    const entry = { credential: 'staff:x', key: 'k2', requestHash: 'h', now, expiresAt: now + 10 };
    assert.equal(await keys().claim(entry), true);
    assert.equal(await keys().find('staff:x', 'k2', now + 10), undefined);
    assert.equal(await keys().claim({ ...entry, now: now + 20, expiresAt: now + 30, requestHash: 'new' }), true);
    assert.equal((await keys().find('staff:x', 'k2', now + 21))?.requestHash, 'new');
    assert.ok((await keys().removeExpired(now + 100, 100)) >= 1);
    assert.equal(await keys().claim({ ...entry, now: now + 200, expiresAt: now + 300 }), true);
  });

  test('a setup link is usable until it is consumed, once, or expires', async () => {
    await links().insert({ tokenHash: 'hash-1', createdAt: now, expiresAt: now + 1000 });
    assert.equal(await links().isUsable('hash-1', now), true);
    assert.equal(await links().isUsable('unknown', now), false);
    assert.equal(await links().consume('hash-1', now + 1000), false, 'expired');
    assert.equal(await links().consume('hash-1', now + 1), true);
    assert.equal(await links().consume('hash-1', now + 2), false, 'once');
    assert.equal(await links().isUsable('hash-1', now + 2), false);
    assert.equal(await links().removeExpired(now + 1000, 10), 1);
  });
});
