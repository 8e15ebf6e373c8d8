// `--customers <n>`: loads n more customers straight into the bench database, for the admin search
// figures and for sign-in at scale. Not through the domain's create (an argon2id hash and several
// statements each would take hours for a million): the same rows the identity store writes
// (identities, email address, password credential and identifier, searchable trait values),
// multi-row inserts of BATCH customers in one transaction each, and one argon2id hash computed
// once and shared by every customer (nobody signs in as them; the 64 seeded accounts do). The
// tenant's trait schema gains `plan` and `crm_id` so there are traits to search by value.
import { sql } from 'kysely';
import type { Insertable } from 'kysely';
import type { Database } from '../src/storage/tables.ts';
import type { DatabaseConfig } from '../src/config/schema.ts';
import { openDatabase } from '../src/storage/database.ts';
import { createTransaction } from '../src/storage/stores.ts';
import { configureTenant } from '../src/domain/tenants/tenants.service.ts';
import { DEFAULT_TRAIT_SCHEMA } from '../src/domain/identity/traits.ts';
import { searchableTraits } from '../src/domain/identity/trait-index.ts';
import { hashPassword } from '../src/domain/credentials/password/argon2.ts';
import { uuidv7 } from '../src/lib/ids.ts';

const BATCH = 1_000;
/** Sign-ups spread over three years before the load. */
const SPREAD_MS = 3 * 365 * 24 * 3_600_000;

const FIRST = ['maria', 'james', 'anna', 'li', 'mohammed', 'sofia', 'lucas', 'emma', 'noah', 'olivia', 'liam', 'ava', 'yuki', 'chen', 'fatima', 'ivan', 'elena', 'omar', 'sara', 'david', 'laura', 'pedro', 'nina', 'tom', 'julia', 'ali', 'mei', 'hugo', 'clara', 'ben'];
const LAST = ['garcia', 'smith', 'müller', 'wang', 'khan', 'rossi', 'silva', 'dubois', 'jansen', 'kowalski', 'tanaka', 'nguyen', 'ivanova', 'brown', 'lopez', 'martin', 'kim', 'novak', 'costa', 'weber', 'larsen', 'moreau', 'santos', 'fischer', 'berg', 'haddad', 'sato', 'meyer', 'park', 'lee'];
const DOMAINS = ['example.com', 'mail.example', 'example.org', 'inbox.example', 'example.net'];
/** free 70 %, pro 20 %, business 9 %, enterprise 1 %. */
const PLANS: readonly [string, number][] = [['free', 0.7], ['pro', 0.9], ['business', 0.99], ['enterprise', 1]];

export const BENCH_TRAIT_SCHEMA = {
  ...DEFAULT_TRAIT_SCHEMA,
  properties: {
    ...(DEFAULT_TRAIT_SCHEMA['properties'] as Record<string, unknown>),
    plan: { type: 'string', enum: PLANS.map(([plan]) => plan) },
    crm_id: { type: 'string', maxLength: 40 },
  },
};

/** The traits of the bench's customer number `index` (deterministic, so the scenario can name real ones). */
export function bulkTraitsOf(index: number): { email: string; name: string; plan: string; crm_id: string } {
  const first = FIRST[index % FIRST.length]!;
  const last = LAST[Math.floor(index / FIRST.length) % LAST.length]!;
  const draw = ((index * 2654435761) % 1000) / 1000;
  const plan = PLANS.find(([, upTo]) => draw < upTo)![0];
  return { email: `${first}.${last}.${index}@${DOMAINS[index % DOMAINS.length]}`, name: `${first[0]!.toUpperCase()}${first.slice(1)} ${last[0]!.toUpperCase()}${last.slice(1)}`, plan, crm_id: `CRM-${String(index).padStart(8, '0')}` };
}

/** 2 % of the bulk customers have not verified their email yet: the rare state the "verified" filter must still page fast. */
export function bulkVerified(index: number): boolean {
  return index % 50 !== 7;
}

export async function loadBulkCustomers(config: DatabaseConfig, tenantId: string, count: number, log: (message: string) => void): Promise<void> {
  const database = await openDatabase(config);
  const { db } = database;
  try {
    await configureTenant({ transaction: createTransaction(db) }, tenantId, { identitySchema: BENCH_TRAIT_SCHEMA }, { type: 'operator', id: 'bench' });
    const hash = await hashPassword('a password nobody signs in with');
    const credentialConfig = JSON.stringify({ hash });
    const started = Date.now();
    const end = Date.now() - 60_000;
    for (let start = 0; start < count; start += BATCH) {
      const identities: Insertable<Database['identities']>[] = [];
      const addresses: Insertable<Database['identity_addresses']>[] = [];
      const credentials: Insertable<Database['credentials']>[] = [];
      const identifiers: Insertable<Database['credential_identifiers']>[] = [];
      const traitValues: Insertable<Database['identity_trait_values']>[] = [];
      for (let index = start; index < Math.min(count, start + BATCH); index++) {
        // Creation times rise with the index, as sign-ups do; the ids follow them (UUIDv7).
        const createdAt = Math.floor(end - SPREAD_MS + (SPREAD_MS * index) / count);
        const id = uuidv7(createdAt);
        const traits = bulkTraitsOf(index);
        identities.push({ id, tenant_id: tenantId, status: index % 97 === 0 ? 'blocked' : 'active', traits: JSON.stringify(traits), metadata_public: '{}', metadata_admin: '{}', created_at: createdAt, updated_at: createdAt });
        addresses.push({ id: uuidv7(createdAt), tenant_id: tenantId, identity_id: id, kind: 'email', value: traits.email, verified_at: bulkVerified(index) ? createdAt : null, identity_created_at: createdAt, created_at: createdAt, updated_at: createdAt });
        const credentialId = uuidv7(createdAt);
        credentials.push({ id: credentialId, tenant_id: tenantId, identity_id: id, type: 'password', config: credentialConfig, created_at: createdAt, updated_at: createdAt });
        identifiers.push({ id: uuidv7(createdAt), tenant_id: tenantId, credential_id: credentialId, identity_id: id, type: 'password', identifier: traits.email });
        for (const { name, value } of searchableTraits(traits)) traitValues.push({ tenant_id: tenantId, identity_id: id, name, value, identity_created_at: createdAt });
      }
      await db.transaction().execute(async (tx) => {
        await tx.insertInto('identities').values(identities).execute();
        await tx.insertInto('identity_addresses').values(addresses).execute();
        await tx.insertInto('credentials').values(credentials).execute();
        await tx.insertInto('credential_identifiers').values(identifiers).execute();
        await tx.insertInto('identity_trait_values').values(traitValues).execute();
      });
      const done = Math.min(count, start + BATCH);
      if (done % 100_000 === 0 || done === count) {
        const seconds = (Date.now() - started) / 1000;
        const perSecond = done / Math.max(seconds, 0.001);
        log(`loaded ${done.toLocaleString('en-US')} of ${count.toLocaleString('en-US')} customers in ${Math.round(seconds)} s (${Math.round(perSecond).toLocaleString('en-US')}/s, about ${Math.round((count - done) / perSecond)} s left)`);
      }
    }
    // What a live database has had time for: fresh statistics, and on PostgreSQL the visibility map
    // that lets a search read its index alone (autovacuum does both after bulk inserts).
    await (config.engine === 'postgres' ? sql`vacuum analyze` : sql`analyze`).execute(db);
  } finally {
    await database.close();
  }
}
