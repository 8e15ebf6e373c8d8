// A passkey sign-in's writes after its assertion checked out (ADR 0037): the passkey's new counter
// and last use, the audit entry and, when the throttle counters are in this database, the
// code-entry throttle's reset and release. On PostgreSQL they are one statement (data-modifying
// WITH), one round trip instead of three; on SQLite one transaction, one commit instead of three.
// They touch different rows of different tables and none reads what another writes, so writing
// them together changes nothing but the cost.
import type { QueryCreator, Selectable } from 'kysely';
import { PostgresAdapter } from 'kysely';
import type { Db } from './database.ts';
import { inTransaction } from './database.ts';
import type { AuditEventsTable, Database } from './tables.ts';
import type { PasskeyUse, PasskeyUseStore, ThrottleRelease } from '../domain/credentials/passkey/passkey-use.port.ts';
import { auditColumns, auditRowOf } from './audit.store.ts';
import { toJson } from './json.ts';
import { prepareQuery } from './prepared-query.ts';

type UseValues = Selectable<AuditEventsTable> & { readonly passkey_tenant_id: string; readonly credential_id: string; readonly config: string; readonly now: number };

const updateUsedPasskey = (db: QueryCreator<Database>, $: UseValues) => db.updateTable('credentials').set({ config: $.config, updated_at: $.now }).where('tenant_id', '=', $.passkey_tenant_id).where('id', '=', $.credential_id);

/** PostgreSQL: the passkey, the audit entry and the throttle's reset and release, in one statement. */
const recordWithThrottle = prepareQuery((db, $: UseValues & ThrottleRelease) =>
  db
    .with('used', (db) => updateUsedPasskey(db, $))
    .with('forgotten', (db) => db.deleteFrom('throttle_counters').where('key', '=', $.reset))
    .with('released', (db) => db.updateTable('throttle_counters').set((eb) => ({ count: eb('count', '-', 1) })).where('key', '=', $.release).where('count', '>', 0))
    .insertInto('audit_events')
    .values(auditColumns($)),
);

/** PostgreSQL without the throttle (its counters are in Redis): the passkey and the audit entry. */
const recordAlone = prepareQuery((db, $: UseValues) =>
  db
    .with('used', (db) => updateUsedPasskey(db, $))
    .insertInto('audit_events')
    .values(auditColumns($)),
);

// SQLite: the same writes as statements of one transaction.
const updatePasskey = prepareQuery((db, $: UseValues) => updateUsedPasskey(db, $));
const insertAudit = prepareQuery((db, $: UseValues) => db.insertInto('audit_events').values(auditColumns($)));
const deleteCounter = prepareQuery((db, $: { reset: string }) => db.deleteFrom('throttle_counters').where('key', '=', $.reset));
const releaseCounter = prepareQuery((db, $: { release: string }) =>
  db
    .updateTable('throttle_counters')
    .set((eb) => ({ count: eb('count', '-', 1) }))
    .where('key', '=', $.release)
    .where('count', '>', 0),
);

/** `holdsThrottle`: the throttle counters are in this database (no Redis), so the throttle's part is written here too. */
export function createPasskeyUseStore(db: Db, options: { readonly holdsThrottle: boolean }): PasskeyUseStore {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    holdsThrottle: options.holdsThrottle,
    async record(use: PasskeyUse, throttle?: ThrottleRelease) {
      if (throttle && !options.holdsThrottle) throw new Error('the throttle counters are not in this database');
      // Two keys, two rows: a reset key is never also the one released (ThrottleStore.resetAndRelease).
      if (throttle && throttle.reset === throttle.release) throw new Error('a throttle key cannot be both reset and released');
      const values: UseValues = { ...auditRowOf(use.audit), passkey_tenant_id: use.tenantId, credential_id: use.credentialId, config: toJson(use.config), now: use.now };
      if (postgres) {
        await (throttle ? recordWithThrottle.execute(db, { ...values, ...throttle }) : recordAlone.execute(db, values));
        return;
      }
      await inTransaction(db, async (tx) => {
        await updatePasskey.execute(tx, values);
        if (throttle) {
          await deleteCounter.execute(tx, throttle);
          await releaseCounter.execute(tx, throttle);
        }
        await insertAudit.execute(tx, values);
      });
    },
  };
}
