// The SCIM scenario of --admin: how long the filters provisioning clients send take on the loaded
// database, one at a time, through the use case the /scim/v2/Users route calls (listUsers: the
// filter parsed and evaluated in SQL, the page and totalResults), on the bench process's own
// connection while the server idles. `userName eq` is what Entra ID and Okta ask before every
// create; the second is a composite filter of an application's sync: a prefix of the email and a
// trait of the Foyer extension (plan = business, 9 % of customers), a page of 50 with its total.
import type { DatabaseConfig } from '../src/config/schema.ts';
import { openDatabase } from '../src/storage/database.ts';
import { createStores, createTransaction } from '../src/storage/stores.ts';
import { listUsers } from '../src/domain/scim/scim-users.ts';
import { bulkTraitsOf } from './bulk-customers.ts';
import type { AdminFigure } from './report.ts';
import { measureLatency } from './admin-search.ts';

const TRAITS = 'urn:ietf:params:scim:schemas:extension:foyer:2.0:User';

export async function scimFilters(config: DatabaseConfig, tenantId: string, customers: number): Promise<AdminFigure[]> {
  const database = await openDatabase(config);
  try {
    const stores = createStores(database.db);
    const tenant = await stores.tenants.findById(tenantId);
    if (!tenant) throw new Error('the bench tenant is gone');
    const deps = { stores, transaction: createTransaction(database.db) };
    const pick = () => Math.floor(Math.random() * Math.max(customers, 1));
    const figures: AdminFigure[] = [];
    figures.push(
      await measureLatency('scim-username', 'SCIM: userName eq "<an email>" (before each create)', async () => {
        const { email } = bulkTraitsOf(pick());
        return (await listUsers(deps, tenant, { filter: `userName eq "${email}"` })).users.length;
      }),
    );
    figures.push(
      await measureLatency('scim-filter', 'SCIM: userName sw "<first name + 3 letters>" and …:foyer:2.0:User:plan eq "business", 50 with totalResults', async () => {
        const { email } = bulkTraitsOf(pick());
        const prefix = email.slice(0, email.indexOf('.') + 4);
        return (await listUsers(deps, tenant, { filter: `userName sw "${prefix}" and ${TRAITS}:plan eq "business"`, count: 50 })).users.length;
      }),
    );
    return figures;
  } finally {
    await database.close();
  }
}
