// The countries a customer signed in from (SignInCountryStore, migration 0034), one row per country.
import type { Db } from './database.ts';
import type { SignInCountryStore } from '../domain/self-service/sign-in-countries.ts';

export function createSignInCountryStore(db: Db): SignInCountryStore {
  return {
    async countriesOf(tenantId, identityId) {
      const rows = await db.selectFrom('sign_in_countries').select('country').where('tenant_id', '=', tenantId).where('identity_id', '=', identityId).execute();
      return rows.map((row) => row.country);
    },

    async record(tenantId, identityId, country, now) {
      await db
        .insertInto('sign_in_countries')
        .values({ tenant_id: tenantId, identity_id: identityId, country, last_seen_at: now })
        .onConflict((conflict) => conflict.columns(['tenant_id', 'identity_id', 'country']).doUpdateSet({ last_seen_at: now }))
        .execute();
    },
  };
}
