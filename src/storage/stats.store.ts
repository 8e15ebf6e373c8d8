// Statistics on both engines (StatsStore, ADR 0022). Counters are added to by multi-row upserts
// (`count = count + excluded.count`), which nodes can run side by side; a sketch is merged by
// reading it and writing the merge over the version read, again when another node wrote first.
// Sketches are stored deflated: a small tenant's day is mostly empty registers.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Db } from './database.ts';
import type { StatsStore } from '../domain/stats/stats.port.ts';
import type { Metric } from '../domain/stats/stats.ts';
import { mergeInto } from '../domain/stats/hyperloglog.ts';

/** Rows per statement: well within either engine's limit on parameters. */
const CHUNK = 200;
/** How long a written batch's id is kept: longer than any batch is retried. */
const BATCH_MARK_MS = 7 * 24 * 60 * 60_000;

export function createStatsStore(db: Db): StatsStore {
  return {
    async claimBatch(id, now) {
      const result = await db.insertInto('stats_batches').values({ id, written_at: now }).onConflict((conflict) => conflict.column('id').doNothing()).executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    },

    async addCounts(counts) {
      for (const chunk of chunksOf(counts)) {
        await db
          .insertInto('stats_daily')
          .values(chunk.map((c) => ({ tenant_id: c.tenantId, day: c.day, metric: c.metric, application: c.application, method: c.method, count: c.count })))
          .onConflict((conflict) =>
            conflict.columns(['tenant_id', 'day', 'metric', 'application', 'method']).doUpdateSet((eb) => ({ count: eb(eb.ref('stats_daily.count'), '+', eb.ref('excluded.count')) })),
          )
          .execute();
      }
    },

    async mergeActive({ tenantId, day, registers }) {
      for (;;) {
        const row = await db.selectFrom('stats_active').select(['registers', 'version']).where('tenant_id', '=', tenantId).where('day', '=', day).executeTakeFirst();
        if (!row) {
          const inserted = await db
            .insertInto('stats_active')
            .values({ tenant_id: tenantId, day, registers: deflateRawSync(registers), version: 1 })
            .onConflict((conflict) => conflict.columns(['tenant_id', 'day']).doNothing())
            .executeTakeFirst();
          if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return;
          continue; // another node created it meanwhile: merge into theirs
        }
        const merged = new Uint8Array(inflateRawSync(row.registers));
        mergeInto(merged, registers);
        const updated = await db
          .updateTable('stats_active')
          .set({ registers: deflateRawSync(merged), version: row.version + 1 })
          .where('tenant_id', '=', tenantId)
          .where('day', '=', day)
          .where('version', '=', row.version)
          .executeTakeFirst();
        if (updated.numUpdatedRows > 0n) return;
      }
    },

    async expectReturns(expected) {
      for (const chunk of chunksOf(expected)) {
        await db
          .insertInto('stats_expected_returns')
          .values(chunk.map((e) => ({ tenant_id: e.tenantId, identity_id: e.identityId, application: e.application, day: e.day, expires_at: e.expiresAt })))
          .onConflict((conflict) => conflict.columns(['tenant_id', 'identity_id']).doNothing())
          .execute();
      }
    },

    async claimReturns(tenantId, identityIds, now) {
      const claimed: { application: string; day: string }[] = [];
      for (const chunk of chunksOf(identityIds)) {
        const rows = await db
          .deleteFrom('stats_expected_returns')
          .where('tenant_id', '=', tenantId)
          .where('identity_id', 'in', chunk)
          .where('expires_at', '>', now)
          .returning(['application', 'day'])
          .execute();
        claimed.push(...rows.map((row) => ({ application: row.application, day: row.day })));
      }
      return claimed;
    },

    async countsBetween(tenantId, metrics, from, to) {
      if (metrics.length === 0) return [];
      const rows = await db
        .selectFrom('stats_daily')
        .select(['day', 'metric', 'application', 'method', 'count'])
        .where('tenant_id', '=', tenantId)
        .where('day', '>=', from)
        .where('day', '<=', to)
        .where('metric', 'in', metrics)
        .execute();
      return rows.map((row) => ({ tenantId, day: row.day, metric: row.metric as Metric, application: row.application, method: row.method, count: Number(row.count) }));
    },

    async activeBetween(tenantId, from, to) {
      const rows = await db.selectFrom('stats_active').select(['day', 'registers']).where('tenant_id', '=', tenantId).where('day', '>=', from).where('day', '<=', to).execute();
      return rows.map((row) => ({ tenantId, day: row.day, registers: new Uint8Array(inflateRawSync(row.registers)) }));
    },

    async removeExpired(now, limit) {
      const returns = await db.selectFrom('stats_expected_returns').select(['tenant_id', 'identity_id']).where('expires_at', '<=', now).limit(limit).execute();
      let removed = 0;
      if (returns.length > 0) {
        const result = await db
          .deleteFrom('stats_expected_returns')
          .where('expires_at', '<=', now)
          .where((eb) => eb.or(returns.map((row) => eb.and([eb('tenant_id', '=', row.tenant_id), eb('identity_id', '=', row.identity_id)]))))
          .executeTakeFirst();
        removed += Number(result.numDeletedRows);
      }
      if (removed >= limit) return removed;
      const batches = await db.selectFrom('stats_batches').select('id').where('written_at', '<=', now - BATCH_MARK_MS).limit(limit - removed).execute();
      if (batches.length > 0) {
        const result = await db.deleteFrom('stats_batches').where('id', 'in', batches.map((row) => row.id)).executeTakeFirst();
        removed += Number(result.numDeletedRows);
      }
      return removed;
    },
  };
}

function chunksOf<T>(items: readonly T[]): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) chunks.push(items.slice(i, i + CHUNK));
  return chunks;
}
