// The consent purposes, their texts, the append-only consent ledger and the communication
// preferences (migration 0014, ADR 0024). The ledger store offers no update or delete but the
// erasure's forgetting of IP addresses and user agents.
import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import type { ConsentPurposesTable, ConsentRecordsTable } from './tables.ts';
import type { ConsentLedgerStore, PurposeStore } from '../domain/privacy/purpose.port.ts';
import type { PreferenceStore } from '../domain/privacy/preference.port.ts';
import type { Purpose, PurposeTexts } from '../domain/privacy/purpose.ts';
import type { ConsentRecord, GrantedPurpose } from '../domain/privacy/consent-record.ts';
import type { Locale } from '../i18n/locales.ts';
import { DomainError } from '../domain/errors.ts';
import { isUniqueViolation } from './errors.ts';
import { fromJson, toJson } from './json.ts';
import { prepareQuery } from './prepared-query.ts';

// The re-consent check of every authorization request with a session (http/oidc/purposes-check.ts):
// compiled once (prepared-query.ts).
const requiredNotGranted = prepareQuery((db, $: { tenantId: string; identityId: string; required: string; granted: string }) =>
  db
    .selectFrom('consent_purposes as p')
    .select(['p.tenant_id', 'p.id', 'p.version', 'p.kind', 'p.legal_basis', 'p.sale_or_sharing', 'p.texts', 'p.created_at', 'p.updated_at'])
    .where('p.tenant_id', '=', $.tenantId)
    .where('p.kind', '=', $.required)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('consent_records as r')
            .select('r.id')
            .whereRef('r.tenant_id', '=', 'p.tenant_id')
            .where('r.identity_id', '=', $.identityId)
            .whereRef('r.purpose_id', '=', 'p.id')
            .whereRef('r.version', '=', 'p.version')
            .where('r.action', '=', $.granted),
        ),
      ),
    )
    .orderBy('p.id'),
);

function purposeRow(purpose: Purpose): Selectable<ConsentPurposesTable> {
  return {
    tenant_id: purpose.tenantId,
    id: purpose.id,
    version: purpose.version,
    kind: purpose.kind,
    legal_basis: purpose.legalBasis,
    sale_or_sharing: purpose.saleOrSharing ? 1 : 0,
    texts: toJson(purpose.texts),
    created_at: purpose.createdAt,
    updated_at: purpose.updatedAt,
  };
}

function toPurpose(row: Selectable<ConsentPurposesTable>): Purpose {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    version: Number(row.version),
    kind: row.kind as Purpose['kind'],
    legalBasis: row.legal_basis as Purpose['legalBasis'],
    saleOrSharing: Number(row.sale_or_sharing) === 1,
    texts: fromJson<PurposeTexts>(row.texts),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function createPurposeStore(db: Db): PurposeStore {
  return {
    async create(purpose) {
      try {
        await db.insertInto('consent_purposes').values(purposeRow(purpose)).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new DomainError('purpose.id_taken', 'conflict', `This tenant already has a consent purpose "${purpose.id}".`, { id: purpose.id });
        throw error;
      }
    },

    async find(tenantId, id) {
      const row = await db.selectFrom('consent_purposes').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row && toPurpose(row);
    },

    async list(tenantId) {
      const rows = await db.selectFrom('consent_purposes').selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute();
      return rows.map(toPurpose);
    },

    async lock(tenantId, id) {
      // A write that changes nothing: PostgreSQL locks the row until commit; SQLite takes the
      // database's write lock, which its transactions hold until they end.
      await db.updateTable('consent_purposes').set((eb) => ({ id: eb.ref('id') })).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    },

    async update(purpose) {
      const { tenant_id: tenantId, id, created_at: _created, ...values } = purposeRow(purpose);
      const result = await db.updateTable('consent_purposes').set(values).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async delete(tenantId, id) {
      const result = await db.deleteFrom('consent_purposes').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async keepTexts(tenantId, texts, now) {
      if (texts.length === 0) return;
      await db
        .insertInto('consent_texts')
        .values(texts.map((text) => ({ tenant_id: tenantId, hash: text.hash, purpose_id: text.purposeId, version: text.version, locale: text.locale, text: text.text, created_at: now })))
        .onConflict((conflict) => conflict.columns(['tenant_id', 'hash']).doNothing())
        .execute();
    },
  };
}

function recordRow(record: ConsentRecord): Selectable<ConsentRecordsTable> {
  return {
    id: record.id,
    tenant_id: record.tenantId,
    identity_id: record.identityId,
    purpose_id: record.purposeId,
    version: record.version,
    text_hash: record.textHash,
    locale: record.locale,
    action: record.action,
    occurred_at: record.occurredAt,
    client_id: record.clientId,
    ip: record.ip,
    user_agent: record.userAgent,
    method: record.method,
    gpc: record.gpc ? 1 : 0,
  };
}

function toRecord(row: Selectable<ConsentRecordsTable>): ConsentRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    identityId: row.identity_id,
    purposeId: row.purpose_id,
    version: Number(row.version),
    textHash: row.text_hash,
    locale: row.locale as Locale,
    action: row.action as ConsentRecord['action'],
    occurredAt: Number(row.occurred_at),
    clientId: row.client_id,
    ip: row.ip,
    userAgent: row.user_agent,
    method: row.method as ConsentRecord['method'],
    gpc: Number(row.gpc) === 1,
  };
}

export function createConsentLedgerStore(db: Db): ConsentLedgerStore {
  return {
    async append(records) {
      if (records.length === 0) return;
      await db.insertInto('consent_records').values(records.map(recordRow)).execute();
    },

    async granted(tenantId, identityId) {
      const rows = await db
        .selectFrom('consent_records as r')
        .innerJoin('consent_purposes as p', (join) => join.onRef('p.tenant_id', '=', 'r.tenant_id').onRef('p.id', '=', 'r.purpose_id'))
        .select(['r.purpose_id', 'r.version', 'r.action', 'r.occurred_at'])
        .where('r.tenant_id', '=', tenantId)
        .where('r.identity_id', '=', identityId)
        .orderBy('r.purpose_id')
        .orderBy('r.occurred_at')
        .orderBy('r.id')
        .execute();
      // The latest record per purpose wins.
      const latest = new Map<string, (typeof rows)[number]>();
      for (const row of rows) latest.set(row.purpose_id, row);
      const granted: GrantedPurpose[] = [];
      for (const row of latest.values()) {
        if (row.action === 'granted') granted.push({ purposeId: row.purpose_id, version: Number(row.version), grantedAt: Number(row.occurred_at) });
      }
      return granted;
    },

    async requiredNotGranted(tenantId, identityId) {
      const { rows } = await requiredNotGranted.execute(db, { tenantId, identityId, required: 'required', granted: 'granted' });
      return rows.map(toPurpose);
    },

    async listForIdentity(tenantId, identityId) {
      const rows = await db.selectFrom('consent_records').selectAll().where('tenant_id', '=', tenantId).where('identity_id', '=', identityId).orderBy('occurred_at').orderBy('id').execute();
      return rows.map(toRecord);
    },

    async pageForPurpose(tenantId, purposeId, after, limit) {
      let query = db.selectFrom('consent_records').selectAll().where('tenant_id', '=', tenantId).where('purpose_id', '=', purposeId);
      if (after !== undefined) query = query.where('id', '>', after);
      const rows = await query.orderBy('id').limit(limit + 1).execute();
      const records = rows.slice(0, limit).map(toRecord);
      return { records, next: rows.length > limit ? records.at(-1)?.id : undefined };
    },

    async forgetPersonalData(tenantId, identityId) {
      const result = await db.updateTable('consent_records').set({ ip: null, user_agent: null }).where('tenant_id', '=', tenantId).where('identity_id', '=', identityId).executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}

export function createPreferenceStore(db: Db): PreferenceStore {
  return {
    async list(tenantId, identityId) {
      const rows = await db.selectFrom('communication_preferences').select(['topic', 'channel', 'subscribed']).where('tenant_id', '=', tenantId).where('identity_id', '=', identityId).execute();
      return rows.map((row) => ({ topic: row.topic, channel: row.channel, subscribed: Number(row.subscribed) === 1 }));
    },

    async set(tenantId, identityId, choices, now) {
      if (choices.length === 0) return;
      await db
        .insertInto('communication_preferences')
        .values(choices.map((choice) => ({ tenant_id: tenantId, identity_id: identityId, topic: choice.topic, channel: choice.channel, subscribed: choice.subscribed ? 1 : 0, updated_at: now })))
        .onConflict((conflict) => conflict.columns(['tenant_id', 'identity_id', 'topic', 'channel']).doUpdateSet((eb) => ({ subscribed: eb.ref('excluded.subscribed'), updated_at: eb.ref('excluded.updated_at') })))
        .execute();
    },
  };
}
