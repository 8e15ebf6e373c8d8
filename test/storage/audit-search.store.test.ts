// AuditStore.search on both engines: every filter, their combination, and keyset pages that neither
// skip nor repeat an entry, also between entries of the same millisecond.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createAuditStore } from '../../src/storage/audit.store.ts';
import type { AuditEvent } from '../../src/domain/audit/audit.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const T = 1_795_000_000_000;

function entry(tenantId: string, at: number, fields: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: uuidv7(at),
    tenantId,
    occurredAt: at,
    action: 'signin.succeeded',
    outcome: 'success',
    actor: { type: 'customer', id: 'alice' },
    target: { type: 'identity', id: 'alice' },
    context: {},
    details: {},
    ...fields,
  };
}

describeEachEngine('AuditStore.search', (current) => {
  const store = () => createAuditStore(current().handle.db);
  const written: AuditEvent[] = [];

  test('setup', async () => {
    const rows = [
      entry('t1', T + 1),
      entry('t1', T + 2, { action: 'signin.failed', outcome: 'failure' }),
      entry('t1', T + 3, { action: 'password.verification_failed', actor: { type: 'customer', id: 'bob' }, target: { type: 'identity', id: 'bob' } }),
      entry('t1', T + 4, { action: 'application.updated', actor: { type: 'operator', id: 'op-1' }, target: { type: 'application', id: 'app-1' } }),
      entry('t1', T + 5, { action: 'token.revoked', actor: { type: 'client', id: 'app-1' }, target: undefined }),
      entry('t1', T + 6, { action: 'passwordless.x', actor: { type: 'customer', id: 'bob' } }),
      entry('t2', T + 3, { actor: { type: 'customer', id: 'alice' } }),
    ];
    for (const row of rows) await store().append(row);
    written.push(...rows);
  });

  const ids = (events: AuditEvent[]) => events.map((e) => e.occurredAt - T);

  test('without a filter: the tenant\'s entries, newest first', async () => {
    assert.deepEqual(ids(await store().search('t1', {}, { limit: 10 })), [6, 5, 4, 3, 2, 1]);
    assert.deepEqual(ids(await store().search('t2', {}, { limit: 10 })), [3]);
  });

  test('by actor, by subject, by exact action and by action prefix (whole segments, underscores literal)', async () => {
    assert.deepEqual(ids(await store().search('t1', { actorId: 'bob' }, { limit: 10 })), [6, 3]);
    assert.deepEqual(ids(await store().search('t1', { subjectId: 'alice' }, { limit: 10 })), [6, 2, 1]);
    assert.deepEqual(ids(await store().search('t1', { action: 'signin.failed' }, { limit: 10 })), [2]);
    assert.deepEqual(ids(await store().search('t1', { action: 'signin.*' }, { limit: 10 })), [2, 1]);
    assert.deepEqual(ids(await store().search('t1', { action: 'password.*' }, { limit: 10 })), [3], '"password.*" does not match "passwordless.x"');
    assert.deepEqual(ids(await store().search('t1', { action: 'password.verification_failed' }, { limit: 10 })), [3]);
    assert.deepEqual(ids(await store().search('t1', { action: 'password.verification_*' }, { limit: 10 })), [], 'no wildcard inside a segment');
  });

  test('by application: entries about it and entries by it', async () => {
    assert.deepEqual(ids(await store().search('t1', { applicationId: 'app-1' }, { limit: 10 })), [5, 4]);
    assert.deepEqual(ids(await store().search('t2', { applicationId: 'app-1' }, { limit: 10 })), []);
  });

  test('by time range (since inclusive, until exclusive), combined with other filters', async () => {
    assert.deepEqual(ids(await store().search('t1', { since: T + 2, until: T + 5 }, { limit: 10 })), [4, 3, 2]);
    assert.deepEqual(ids(await store().search('t1', { since: T + 2, actorId: 'alice' }, { limit: 10 })), [2]);
  });

  test('keyset pages cover every entry once, also between entries of one millisecond', async () => {
    const same = Array.from({ length: 7 }, () => entry('t3', T + 100));
    for (const row of same) await store().append(row);
    await store().append(entry('t3', T + 99));
    const seen: string[] = [];
    let after: { occurredAt: number; id: string } | undefined;
    for (;;) {
      const page = await store().search('t3', {}, { limit: 3, after });
      seen.push(...page.map((e) => e.id));
      if (page.length < 3) break;
      after = { occurredAt: page.at(-1)!.occurredAt, id: page.at(-1)!.id };
    }
    const expected = same.map((e) => e.id).sort().reverse();
    assert.deepEqual(seen.slice(0, 7), expected);
    assert.equal(seen.length, 8);
    assert.equal(new Set(seen).size, 8);
  });
});
