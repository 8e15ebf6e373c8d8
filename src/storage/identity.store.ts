import { PostgresAdapter, sql } from 'kysely';
import type { Insertable, Selectable } from 'kysely';
import type { Db } from './database.ts';
import { inTransaction } from './database.ts';
import type { Database, IdentitiesTable, IdentityAddressesTable } from './tables.ts';
import type { Address, AddressKind, Identity, IdentityStatus, StoredCredential, Credential } from '../domain/identity/identity.ts';
import { normalizeAddress } from '../domain/identity/identity.ts';
import type { Traits } from '../domain/identity/identity.ts';
import type { IdentityStore } from '../domain/identity/identity.port.ts';
import { searchableTraits } from '../domain/identity/trait-index.ts';
import { searchIdentities } from './identity-search.ts';
import { filterIdentities } from './identity-filter.ts';
import { DomainError } from '../domain/errors.ts';
import type { ErrorCode } from '../domain/errors.ts';
import { uuidv7, uuidv7Time } from '../lib/ids.ts';
import { isUniqueViolation } from './errors.ts';
import { fromJson, toJson } from './json.ts';
import { prepareQuery } from './prepared-query.ts';
import { insertRows } from './bulk-insert.ts';

type IdentityRow = Selectable<IdentitiesTable>;
type AddressRow = Selectable<IdentityAddressesTable>;

// Every sign-in looks up a credential with its identity, and every token grant and userinfo the
// identity again: those statements are compiled once (prepared-query.ts).

const IDENTITY_WITH_ADDRESS_COLUMNS = [
  'identities.id',
  'identities.tenant_id',
  'identities.status',
  'identities.traits',
  'identities.metadata_public',
  'identities.metadata_admin',
  'identities.external_id',
  'identities.created_at',
  'identities.updated_at',
  'identity_addresses.id as address_id',
  'identity_addresses.kind as address_kind',
  'identity_addresses.value as address_value',
  'identity_addresses.verified_at as address_verified_at',
] as const;

/** The identity with its addresses (a customer has one or two), in one statement. */
const findIdentityWithAddresses = prepareQuery((db, $: { tenantId: string; id: string }) =>
  db
    .selectFrom('identities')
    .leftJoin('identity_addresses', 'identity_addresses.identity_id', 'identities.id')
    .select(IDENTITY_WITH_ADDRESS_COLUMNS)
    .where('identities.tenant_id', '=', $.tenantId)
    .where('identities.id', '=', $.id)
    .orderBy('identity_addresses.created_at')
    .orderBy('identity_addresses.id'),
);

/** A sign-in's one read: the credential an identifier names, its identity and the addresses. */
const findCredentialWithIdentity = prepareQuery((db, $: { tenantId: string; type: string; identifier: string }) =>
  db
    .selectFrom('credential_identifiers')
    .innerJoin('credentials', 'credentials.id', 'credential_identifiers.credential_id')
    .innerJoin('identities', 'identities.id', 'credentials.identity_id')
    .leftJoin('identity_addresses', 'identity_addresses.identity_id', 'identities.id')
    .select([...IDENTITY_WITH_ADDRESS_COLUMNS, 'credentials.id as credential_id', 'credentials.type as credential_type', 'credentials.config as credential_config'])
    .where('credential_identifiers.tenant_id', '=', $.tenantId)
    .where('credential_identifiers.type', '=', $.type)
    .where('credential_identifiers.identifier', '=', $.identifier)
    .orderBy('identity_addresses.created_at')
    .orderBy('identity_addresses.id'),
);

const findCredentialByIdentifier = prepareQuery((db, $: { tenantId: string; type: string; identifier: string }) =>
  db
    .selectFrom('credential_identifiers')
    .innerJoin('credentials', 'credentials.id', 'credential_identifiers.credential_id')
    .select(['credentials.id', 'credentials.identity_id', 'credentials.type', 'credentials.config'])
    .where('credential_identifiers.tenant_id', '=', $.tenantId)
    .where('credential_identifiers.type', '=', $.type)
    .where('credential_identifiers.identifier', '=', $.identifier),
);

/**
 * `db` may be a transaction; `create` writes several tables, so outside one it opens its own.
 */
export function createIdentityStore(db: Db): IdentityStore {
  async function loadAddresses(identityIds: readonly string[]): Promise<Map<string, Address[]>> {
    const byIdentity = new Map<string, Address[]>(identityIds.map((id) => [id, []]));
    if (identityIds.length === 0) return byIdentity;
    const rows = await db.selectFrom('identity_addresses').selectAll().where('identity_id', 'in', identityIds).orderBy('created_at').orderBy('id').execute();
    for (const row of rows) byIdentity.get(row.identity_id)?.push(toAddress(row));
    return byIdentity;
  }

  async function withAddresses(rows: IdentityRow[]): Promise<Identity[]> {
    const addresses = await loadAddresses(rows.map((row) => row.id));
    return rows.map((row) => toIdentity(row, addresses.get(row.id) ?? []));
  }

  return {
    async create(identity) {
      const { id, tenantId, now } = identity;
      const addresses: AddressRow[] = identity.addresses.map((address) => ({
        id: uuidv7(now),
        tenant_id: tenantId,
        identity_id: id,
        kind: address.kind,
        value: normalizeAddress(address.kind, address.value),
        verified_at: address.verifiedAt ?? null,
        identity_created_at: now,
        created_at: now,
        updated_at: now,
      }));
      const write = async (tx: Db) => {
        const row: IdentityRow = {
          id,
          tenant_id: tenantId,
          status: identity.status ?? 'active',
          traits: toJson(identity.traits),
          metadata_public: toJson(identity.metadataPublic),
          metadata_admin: toJson(identity.metadataAdmin),
          external_id: identity.externalId ?? null,
          created_at: now,
          updated_at: now,
        };
        await insertOrConflict(tx.insertInto('identities').values(row).execute(), 'identity.external_id_taken', 'This external id belongs to another customer.');
        for (const address of addresses) {
          await insertOrConflict(tx.insertInto('identity_addresses').values(address).execute(), 'identity.address_taken', 'This address is already in use.');
        }
        for (const credential of identity.credentials) await insertCredential(tx, tenantId, id, credential, now);
        await insertTraitValues(tx, tenantId, id, now, identity.traits);
        return toIdentity(row, addresses.map(toAddress));
      };
      return inTransaction(db, write);
    },

    async createMany(identities) {
      // The rows create() writes, each table in multi-row statements (a bulk import's batch).
      const rows: IdentityRow[] = [];
      const addresses: AddressRow[] = [];
      const credentials: Insertable<Database['credentials']>[] = [];
      const identifiers: Insertable<Database['credential_identifiers']>[] = [];
      const traitValues: Insertable<Database['identity_trait_values']>[] = [];
      for (const identity of identities) {
        const { id, tenantId, now } = identity;
        const status = identity.status ?? 'active';
        rows.push({ id, tenant_id: tenantId, status, traits: toJson(identity.traits), metadata_public: toJson(identity.metadataPublic ?? {}), metadata_admin: toJson(identity.metadataAdmin ?? {}), external_id: identity.externalId ?? null, created_at: now, updated_at: now });
        for (const address of identity.addresses) {
          addresses.push({ id: uuidv7(now), tenant_id: tenantId, identity_id: id, kind: address.kind, value: normalizeAddress(address.kind, address.value), verified_at: address.verifiedAt ?? null, identity_created_at: now, created_at: now, updated_at: now });
        }
        for (const credential of identity.credentials) {
          credentials.push({ id: credential.id, tenant_id: tenantId, identity_id: id, type: credential.type, config: toJson(credential.config), created_at: now, updated_at: now });
          for (const identifier of credential.identifiers) identifiers.push({ id: uuidv7(now), tenant_id: tenantId, credential_id: credential.id, identity_id: id, type: credential.type, identifier });
        }
        for (const { name, value } of searchableTraits(identity.traits)) traitValues.push({ tenant_id: tenantId, identity_id: id, name, value, identity_created_at: now });
      }
      await inTransaction(db, async (tx) => {
        try {
          await insertRows(tx, 'identities', rows);
          await insertRows(tx, 'identity_addresses', addresses);
          await insertRows(tx, 'credentials', credentials);
          await insertRows(tx, 'credential_identifiers', identifiers);
          await insertRows(tx, 'identity_trait_values', traitValues);
        } catch (error) {
          if (isUniqueViolation(error)) throw new DomainError('identity.address_taken', 'conflict', 'An address, identifier or external id of the batch is already in use.');
          throw error;
        }
      });
      const addressesOf = Map.groupBy(addresses, (address) => address.identity_id);
      return rows.map((row) => toIdentity(row, (addressesOf.get(row.id) ?? []).map(toAddress)));
    },

    async findMatches(tenantId, { emails, externalIds }) {
      const byEmail = emails.length === 0 ? [] : await db
        .selectFrom('identity_addresses')
        .innerJoin('identities', 'identities.id', 'identity_addresses.identity_id')
        .select(['identities.id', 'identities.external_id', 'identity_addresses.value as email'])
        .where('identity_addresses.tenant_id', '=', tenantId)
        .where('identity_addresses.kind', '=', 'email')
        .where('identity_addresses.value', 'in', emails.map((email) => normalizeAddress('email', email)))
        .execute();
      const byExternalId = externalIds.length === 0 ? [] : await db
        .selectFrom('identities')
        .leftJoin('identity_addresses', (join) => join.onRef('identity_addresses.identity_id', '=', 'identities.id').on('identity_addresses.kind', '=', 'email'))
        .select(['identities.id', 'identities.external_id', 'identity_addresses.value as email'])
        .where('identities.tenant_id', '=', tenantId)
        .where('identities.external_id', 'in', [...externalIds])
        .execute();
      const seen = new Map<string, { id: string; externalId: string | null; email: string | null }>();
      for (const row of [...byEmail, ...byExternalId]) seen.set(row.id, { id: row.id, externalId: row.external_id, email: row.email });
      return [...seen.values()];
    },

    async passwordHashesOf(tenantId, identityIds) {
      const hashes = new Map<string, string>();
      if (identityIds.length === 0) return hashes;
      const rows = await db.selectFrom('credentials').select(['identity_id', 'config']).where('tenant_id', '=', tenantId).where('type', '=', 'password').where('identity_id', 'in', [...identityIds]).execute();
      for (const row of rows) {
        const hash = fromJson<Record<string, unknown>>(row.config)['hash'];
        if (typeof hash === 'string') hashes.set(row.identity_id, hash);
      }
      return hashes;
    },

    async findById(tenantId, id) {
      const { rows } = await findIdentityWithAddresses.execute(db, { tenantId, id });
      const [first] = rows;
      return first && toIdentity(first, addressesOfRows(rows));
    },

    async findCredentialWithIdentity(tenantId, type, identifier) {
      const { rows } = await findCredentialWithIdentity.execute(db, { tenantId, type, identifier });
      const [first] = rows;
      if (!first) return undefined;
      const credential: StoredCredential = { id: first.credential_id, identityId: first.id, type: first.credential_type, config: fromJson(first.credential_config) };
      return { credential, identity: toIdentity(first, addressesOfRows(rows)) };
    },

    async findByAddress(tenantId, kind, value) {
      const row = await db
        .selectFrom('identity_addresses')
        .innerJoin('identities', 'identities.id', 'identity_addresses.identity_id')
        .selectAll('identities')
        .where('identity_addresses.tenant_id', '=', tenantId)
        .where('identity_addresses.kind', '=', kind)
        .where('identity_addresses.value', '=', normalizeAddress(kind, value))
        .executeTakeFirst();
      return row && (await withAddresses([row]))[0];
    },

    async findByExternalId(tenantId, externalId) {
      const row = await db.selectFrom('identities').selectAll().where('tenant_id', '=', tenantId).where('external_id', '=', externalId).executeTakeFirst();
      return row && (await withAddresses([row]))[0];
    },

    async setExternalId(tenantId, id, externalId, now) {
      const update = db.updateTable('identities').set({ external_id: externalId, updated_at: now }).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      try {
        return (await update).numUpdatedRows > 0n;
      } catch (error) {
        if (isUniqueViolation(error)) throw externalIdTaken();
        throw error;
      }
    },

    async findCredential(tenantId, type, identifier) {
      const [row] = (await findCredentialByIdentifier.execute(db, { tenantId, type, identifier })).rows;
      if (!row) return undefined;
      const credential: StoredCredential = { id: row.id, identityId: row.identity_id, type: row.type, config: fromJson(row.config) };
      return credential;
    },

    async updateCredentialConfig(tenantId, credentialId, config, now) {
      const result = await db
        .updateTable('credentials')
        .set({ config: toJson(config), updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', credentialId)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async updateCredentialConfigIf(tenantId, credentialId, expectedUpdatedAt, config, now) {
      const result = await db
        .updateTable('credentials')
        .set({ config: toJson(config), updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', credentialId)
        .where('updated_at', '=', expectedUpdatedAt)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async removeCredential(tenantId, identityId, credentialId) {
      // The identifiers go with it (a passkey's credential id can be registered again).
      return inTransaction(db, async (tx) => {
        await tx.deleteFrom('credential_identifiers').where('tenant_id', '=', tenantId).where('identity_id', '=', identityId).where('credential_id', '=', credentialId).execute();
        const result = await tx.deleteFrom('credentials').where('tenant_id', '=', tenantId).where('identity_id', '=', identityId).where('id', '=', credentialId).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },

    async removeCredentials(tenantId, identityId, types) {
      if (types.length === 0) return 0;
      const result = await db.deleteFrom('credentials').where('tenant_id', '=', tenantId).where('identity_id', '=', identityId).where('type', 'in', [...types]).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async addCredential(tenantId, identityId, credential, now) {
      const write = (tx: Db) => insertCredential(tx, tenantId, identityId, credential, now);
      await inTransaction(db, write);
    },

    async markAddressVerified(tenantId, identityId, kind, value, now) {
      const result = await db
        .updateTable('identity_addresses')
        .set({ verified_at: now, updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('identity_id', '=', identityId)
        .where('kind', '=', kind)
        .where('value', '=', normalizeAddress(kind, value))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async replaceEmail(tenantId, identityId, { from, to, traits, verifiedAt }, now) {
      const old = normalizeAddress('email', from);
      const next = normalizeAddress('email', to);
      await insertOrConflict(
        db
          .updateTable('identity_addresses')
          .set({ value: next, verified_at: verifiedAt, updated_at: now })
          .where('tenant_id', '=', tenantId)
          .where('identity_id', '=', identityId)
          .where('kind', '=', 'email')
          .where('value', '=', old)
          .execute(),
        'identity.address_taken',
        'This email address belongs to another account.',
      );
      await insertOrConflict(
        db
          .updateTable('credential_identifiers')
          .set({ identifier: next })
          .where('tenant_id', '=', tenantId)
          .where('identity_id', '=', identityId)
          .where('identifier', '=', old)
          .execute(),
        'identity.identifier_taken',
        'This email address belongs to another account.',
      );
      return writeTraits(db, tenantId, identityId, traits, now);
    },

    async list(tenantId, { limit, after, afterCreatedAt }) {
      // Keyset paging on identities_tenant_created (tenant_id, created_at, id), read backwards: each
      // page costs its own rows on both engines. Paging by id alone made SQLite sort all of the
      // tenant's identities for every page (no index leads with tenant_id and id), which an export
      // of a million customers felt as a slowdown growing with every page. Imported identities keep
      // the creation time they came with, so creation order is not id order anyway.
      let query = db.selectFrom('identities').selectAll().where('tenant_id', '=', tenantId);
      if (after !== undefined) {
        // Without its creation time, the cursor's is read from its row or, when that identity was
        // deleted meanwhile, from its id: identities get a UUIDv7 made at their creation time, also
        // when imported with an earlier one. A cursor that is neither gives an empty page.
        const createdAt =
          afterCreatedAt !== undefined
            ? sql`${afterCreatedAt}`
            : sql`coalesce((select p.created_at from identities p where p.tenant_id = ${tenantId} and p.id = ${after}), ${uuidv7Time(after) ?? null})`;
        query = query.where(sql<boolean>`(created_at, id) < (${createdAt}, ${after})`);
      }
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return withAddresses(rows);
    },

    async search(tenantId, query, page) {
      return withAddresses(await searchIdentities(db, db.getExecutor().adapter instanceof PostgresAdapter, tenantId, query, page));
    },

    async filter(tenantId, condition, page) {
      const { total, rows } = await filterIdentities(db, db.getExecutor().adapter instanceof PostgresAdapter, tenantId, condition, page);
      return { total, identities: await withAddresses(rows) };
    },

    async setStatus(tenantId, id, status, now) {
      const result = await db.updateTable('identities').set({ status, updated_at: now }).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async lock(tenantId, id) {
      // A write that changes nothing: PostgreSQL locks the row until commit; SQLite takes the
      // database's write lock, which its transactions hold until they end.
      await db.updateTable('identities').set((eb) => ({ id: eb.ref('id') })).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    },

    async updateTraits(tenantId, id, traits, now) {
      return writeTraits(db, tenantId, id, traits, now);
    },

    async updateMetadataAdmin(tenantId, id, metadata, now) {
      const result = await db.updateTable('identities').set({ metadata_admin: toJson(metadata), updated_at: now }).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async listCredentials(tenantId, identityId) {
      const credentials = await db
        .selectFrom('credentials')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('identity_id', '=', identityId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      if (credentials.length === 0) return [];
      const identifiers = await db
        .selectFrom('credential_identifiers')
        .select(['credential_id', 'identifier'])
        .where('tenant_id', '=', tenantId)
        .where('identity_id', '=', identityId)
        .execute();
      return credentials.map((row) => ({
        id: row.id,
        identityId: row.identity_id,
        type: row.type,
        config: fromJson(row.config),
        identifiers: identifiers.filter((entry) => entry.credential_id === row.id).map((entry) => entry.identifier),
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      }));
    },

    async refreshStatistics() {
      // PostgreSQL plans from statistics that autovacuum refreshes in its own time, a minute or more
      // after a bulk load: until then it believes a freshly imported table nearly empty, and pages
      // through it by sorting every row instead of walking an index (an export right after a
      // 100,000-customer import ran at a fifth of its speed). SQLite plans these tables by their
      // indexes alone; its optimize pragma analyses what needs it, within a bounded effort.
      if (db.getExecutor().adapter instanceof PostgresAdapter) {
        await sql`analyze identities, identity_addresses, identity_trait_values, credentials, credential_identifiers, audit_events`.execute(db);
      } else {
        await sql`pragma optimize`.execute(db);
      }
    },

    async delete(tenantId, id) {
      const result = await db.deleteFrom('identities').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

async function insertCredential(tx: Db, tenantId: string, identityId: string, credential: Omit<Credential, 'identityId'>, now: number): Promise<void> {
  await tx
    .insertInto('credentials')
    .values({ id: credential.id, tenant_id: tenantId, identity_id: identityId, type: credential.type, config: toJson(credential.config), created_at: now, updated_at: now })
    .execute();
  for (const identifier of credential.identifiers) {
    const values = { id: uuidv7(now), tenant_id: tenantId, credential_id: credential.id, identity_id: identityId, type: credential.type, identifier };
    await insertOrConflict(tx.insertInto('credential_identifiers').values(values).execute(), 'identity.identifier_taken', 'This identifier is already in use.');
  }
}

/** The traits and their searchable values, replaced together (in a transaction of their own when `db` is none). */
function writeTraits(db: Db, tenantId: string, identityId: string, traits: Traits, now: number): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const row = await tx
      .updateTable('identities')
      .set({ traits: toJson(traits), updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', identityId)
      .returning('created_at')
      .executeTakeFirst();
    if (!row) return false;
    await tx.deleteFrom('identity_trait_values').where('identity_id', '=', identityId).execute();
    await insertTraitValues(tx, tenantId, identityId, row.created_at, traits);
    return true;
  });
}

/** One multi-row insert of what search finds the identity by (trait-index.ts). */
async function insertTraitValues(tx: Db, tenantId: string, identityId: string, createdAt: number, traits: Traits): Promise<void> {
  const rows = searchableTraits(traits).map(({ name, value }) => ({ tenant_id: tenantId, identity_id: identityId, name, value, identity_created_at: createdAt }));
  if (rows.length > 0) await tx.insertInto('identity_trait_values').values(rows).execute();
}

function externalIdTaken(): DomainError {
  return new DomainError('identity.external_id_taken', 'conflict', 'Another customer in this tenant already has this external id.');
}

async function insertOrConflict(insert: Promise<unknown>, code: ErrorCode, detail: string): Promise<void> {
  try {
    await insert;
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError(code, 'conflict', detail);
    throw error;
  }
}

function toAddress(row: AddressRow): Address {
  return { id: row.id, kind: row.kind as AddressKind, value: row.value, verifiedAt: row.verified_at };
}

function toIdentity(row: IdentityRow, addresses: Address[]): Identity {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    status: row.status as IdentityStatus,
    traits: fromJson(row.traits),
    metadataPublic: fromJson(row.metadata_public),
    metadataAdmin: fromJson(row.metadata_admin),
    externalId: row.external_id,
    addresses,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

type JoinedAddressColumns = { address_id: string | null; address_kind: string | null; address_value: string | null; address_verified_at: number | null };

/** The addresses of an identity read with a left join (one row per address, or one with none). */
function addressesOfRows(rows: readonly JoinedAddressColumns[]): Address[] {
  return rows.flatMap((row) =>
    row.address_id === null ? [] : [{ id: row.address_id, kind: row.address_kind as AddressKind, value: row.address_value!, verifiedAt: row.address_verified_at }],
  );
}
