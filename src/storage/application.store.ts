// The applications table: one row per OAuth client; the client metadata lives in the settings JSON.
import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import type { ApplicationsTable } from './tables.ts';
import type { AdminAccess, Application, ApplicationFields, ApplicationKind, IdTokenAlgorithm, IdTokenClaims } from '../domain/applications/application.ts';
import { DEFAULT_ID_TOKEN_CLAIMS, LEGACY_ID_TOKEN_ALGORITHM } from '../domain/applications/application.ts';
import type { ApplicationStore } from '../domain/applications/application.port.ts';
import { DomainError } from '../domain/errors.ts';
import { isUniqueViolation } from './errors.ts';
import { fromJson, toJson } from './json.ts';
import { prepareQuery } from './prepared-query.ts';

type ApplicationRow = Selectable<ApplicationsTable>;
/** Everything but the name, which has its own column. */
/** As stored: rows written before the ID token algorithm and claims were a choice lack them. */
type StoredSettings = Omit<ApplicationFields, 'name' | 'idTokenAlgorithm' | 'idTokenClaims' | 'adminAccess' | 'mfaPolicy' | 'passkeysDisabled'> & { mfaPolicy?: ApplicationFields['mfaPolicy']; passkeysDisabled?: boolean; idTokenAlgorithm?: IdTokenAlgorithm; idTokenClaims?: IdTokenClaims; adminAccess?: AdminAccess | null };

// Every sign-in reads its application's policy (hosted/second-factor.step.ts) and every client not
// yet cached is read by id: compiled once (prepared-query.ts).
const findApplication = prepareQuery((db, $: { tenantId: string; id: string }) =>
  db.selectFrom('applications').select(['id', 'tenant_id', 'name', 'kind', 'settings', 'secret_hash', 'created_at', 'updated_at']).where('tenant_id', '=', $.tenantId).where('id', '=', $.id),
);

export function createApplicationStore(db: Db): ApplicationStore {
  async function findRow(tenantId: string, id: string): Promise<ApplicationRow | undefined> {
    return (await findApplication.execute(db, { tenantId, id })).rows[0];
  }

  return {
    async create({ id, tenantId, kind, secretHash, now, ...fields }) {
      const row: ApplicationRow = {
        id,
        tenant_id: tenantId,
        name: fields.name,
        kind,
        settings: toJson(settingsOf(fields)),
        secret_hash: secretHash,
        created_at: now,
        updated_at: now,
      };
      try {
        await db.insertInto('applications').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new DomainError('application.client_id_taken', 'conflict', `The client id "${id}" is already in use.`, { clientId: id });
        throw error;
      }
      return toApplication(row);
    },

    async findById(tenantId, id) {
      const row = await findRow(tenantId, id);
      return row && toApplication(row);
    },

    async findWithSecret(tenantId, id) {
      const row = await findRow(tenantId, id);
      return row && { application: toApplication(row), secretHash: row.secret_hash };
    },

    async list(tenantId) {
      const rows = await db.selectFrom('applications').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toApplication);
    },

    async update(tenantId, id, changes, now) {
      const row = await findRow(tenantId, id);
      if (!row) return undefined;
      const current = toApplication(row);
      const fields: ApplicationFields = { ...fieldsOf(current), ...stripUndefined(changes) };
      const values = { name: fields.name, settings: toJson(settingsOf(fields)), updated_at: now };
      const result = await db.updateTable('applications').set(values).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      if (result.numUpdatedRows === 0n) return undefined; // deleted in between
      return toApplication({ ...row, ...values });
    },

    async lock(tenantId, id) {
      // A write that changes nothing: PostgreSQL locks the row until commit; SQLite takes the
      // database's write lock, which its transactions hold until they end.
      await db.updateTable('applications').set((eb) => ({ id: eb.ref('id') })).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    },

    async updateSecretHash(tenantId, id, secretHash, now) {
      const result = await db
        .updateTable('applications')
        .set({ secret_hash: secretHash, updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async delete(tenantId, id) {
      const result = await db.deleteFrom('applications').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function settingsOf(fields: ApplicationFields): Omit<ApplicationFields, 'name'> {
  return {
    redirectUris: fields.redirectUris,
    postLogoutRedirectUris: fields.postLogoutRedirectUris,
    grantTypes: fields.grantTypes,
    firstParty: fields.firstParty,
    tokenLifetimes: fields.tokenLifetimes,
    backchannelLogoutUri: fields.backchannelLogoutUri,
    logoUri: fields.logoUri,
    idTokenAlgorithm: fields.idTokenAlgorithm,
    idTokenClaims: fields.idTokenClaims,
    adminAccess: fields.adminAccess,
    mfaPolicy: fields.mfaPolicy,
    passkeysDisabled: fields.passkeysDisabled,
  };
}

function fieldsOf(application: Application): ApplicationFields {
  return { name: application.name, ...settingsOf(application) };
}

function toApplication(row: ApplicationRow): Application {
  const settings = fromJson<StoredSettings>(row.settings);
  return {
    id: row.id,
    tenantId: row.tenant_id,
    kind: row.kind as ApplicationKind,
    name: row.name,
    redirectUris: settings.redirectUris,
    postLogoutRedirectUris: settings.postLogoutRedirectUris,
    grantTypes: settings.grantTypes,
    firstParty: settings.firstParty,
    tokenLifetimes: {
      accessToken: settings.tokenLifetimes.accessToken,
      idToken: settings.tokenLifetimes.idToken,
      refreshToken: settings.tokenLifetimes.refreshToken,
    },
    backchannelLogoutUri: settings.backchannelLogoutUri,
    logoUri: settings.logoUri,
    // Stored before the choice existed: what oidc-provider gave them, RS256.
    idTokenAlgorithm: settings.idTokenAlgorithm ?? LEGACY_ID_TOKEN_ALGORITHM,
    // Stored before the choice existed: the scope claims too. Their libraries found no email or
    // name in the ID token, and extra claims break none of them.
    idTokenClaims: settings.idTokenClaims ?? DEFAULT_ID_TOKEN_CLAIMS,
    adminAccess: settings.adminAccess ?? null,
    mfaPolicy: settings.mfaPolicy ?? null,
    passkeysDisabled: settings.passkeysDisabled ?? false,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
