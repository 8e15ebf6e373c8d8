// Fills a tenant's audit log with many entries at once (multi-row inserts), for tests that need a
// large log: the export of 100,000 entries in constant memory.
import type { Db } from '../../src/storage/database.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const ROWS_PER_INSERT = 1_000;

/** Appends `count` entries to the tenant's log, one millisecond apart, the newest at `newest`. */
export async function appendAuditRows(db: Db, tenantId: string, count: number, newest = Date.now()): Promise<void> {
  for (let start = 0; start < count; start += ROWS_PER_INSERT) {
    const rows = [];
    for (let i = start; i < Math.min(count, start + ROWS_PER_INSERT); i++) {
      const occurredAt = newest - (count - 1 - i);
      rows.push({
        id: uuidv7(occurredAt),
        tenant_id: tenantId,
        occurred_at: occurredAt,
        action: i % 3 === 0 ? 'signin.failed' : 'signin.succeeded',
        outcome: i % 3 === 0 ? 'failure' : 'success',
        actor_type: 'customer',
        actor_id: `identity-${i % 1_000}`,
        target_type: 'identity',
        target_id: `identity-${i % 1_000}`,
        ip: '203.0.113.9',
        user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/140.0',
        request_id: `req-${i}`,
        details: JSON.stringify({ method: 'password', reason: 'password' }),
      });
    }
    await db.insertInto('audit_events').values(rows).execute();
  }
}
