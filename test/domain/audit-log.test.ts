// The audit log's query and export use cases over the real store, on both engines: pages and their
// cursor, filter validation, and an export that reads the store in bounded pages, only as fast as
// its consumer takes entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createAuditStore } from '../../src/storage/audit.store.ts';
import { exportAuditLog, queryAuditLog, toAuditRecord } from '../../src/domain/audit/audit-log.ts';
import type { AuditStore } from '../../src/domain/audit/audit.port.ts';
import { ValidationError } from '../../src/domain/errors.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const T = 1_796_000_000_000;

describeEachEngine('audit log use cases', (current) => {
  const store = () => createAuditStore(current().handle.db);
  /** The real store, counting the rows each read asked for. */
  function countingStore(): { audit: Pick<AuditStore, 'search'>; reads: number[] } {
    const reads: number[] = [];
    const real = store();
    return { reads, audit: { search: (tenantId, filter, page) => (reads.push(page.limit), real.search(tenantId, filter, page)) } };
  }

  test('setup: 2,500 entries', async () => {
    for (let i = 0; i < 2_500; i++) {
      await store().append({ id: uuidv7(T + i), tenantId: 'x', occurredAt: T + i, action: i % 2 ? 'signin.failed' : 'signin.succeeded', outcome: 'success', actor: { type: 'system' } });
    }
  });

  test('a query answers one page and the position of the next; the last page has none', async () => {
    const first = await queryAuditLog({ audit: store() }, 'x', { action: 'signin.failed' }, { limit: 1000 });
    assert.equal(first.events.length, 200, 'pages hold at most 200');
    assert.deepEqual(first.next, { occurredAt: first.events.at(-1)!.occurredAt, id: first.events.at(-1)!.id });
    const tail = await queryAuditLog({ audit: store() }, 'x', { action: 'signin.failed', since: T + 2_490 }, { limit: 5 });
    assert.equal(tail.events.length, 5);
    assert.equal(tail.next, null);
    const after = await queryAuditLog({ audit: store() }, 'x', { action: 'signin.failed' }, { limit: 2, after: first.next! });
    assert.ok(after.events[0]!.occurredAt < first.events.at(-1)!.occurredAt);
  });

  test('a bad filter is refused naming each field', async () => {
    await assert.rejects(
      queryAuditLog({ audit: store() }, 'x', { action: 'DROP TABLE', since: T + 5, until: T }, { limit: 5 }),
      (error: unknown) => error instanceof ValidationError && error.problems.map((p) => p.field).join() === 'action,until',
    );
  });

  test('the export yields every match, reading the store in pages of at most the page size', async () => {
    const { audit, reads } = countingStore();
    let count = 0;
    let previous = Number.POSITIVE_INFINITY;
    for await (const event of exportAuditLog({ audit }, 'x', {}, 1_000)) {
      assert.ok(event.occurredAt < previous, 'newest first, no repeats');
      previous = event.occurredAt;
      count++;
    }
    assert.equal(count, 2_500);
    assert.deepEqual(reads, [1_000, 1_000, 1_000]);
  });

  test('the export reads only as far as its consumer has taken', async () => {
    const { audit, reads } = countingStore();
    const iterator = exportAuditLog({ audit }, 'x', {}, 100);
    for (let i = 0; i < 150; i++) await iterator.next();
    assert.equal(reads.length, 2, 'two pages read for 150 entries, not the whole log');
    await iterator.return(undefined);
  });

  test('the record format: snake_case, RFC 3339, nulls for what is absent', () => {
    const record = toAuditRecord({ id: 'e1', tenantId: 'x', occurredAt: T, action: 'a.b', outcome: 'failure', actor: { type: 'system' }, context: { ip: '203.0.113.1' } });
    assert.deepEqual(record, {
      id: 'e1',
      occurred_at: new Date(T).toISOString(),
      action: 'a.b',
      outcome: 'failure',
      actor: { type: 'system', id: null },
      subject: null,
      context: { ip: '203.0.113.1', user_agent: null, request_id: null, application_id: null },
      details: {},
    });
  });
});
