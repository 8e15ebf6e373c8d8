// The admin scenario: how long the customer searches operators make take on the loaded database,
// one at a time (latency, not throughput), through the same use case the admin API calls
// (searchCustomers), on the bench process's own connection while the server idles. The queries name
// real customers of the bulk load (bulk-customers.ts): an email prefix as an operator types it (the
// first name, a dot and three letters of the last name), a page of 50 after a cursor somewhere in
// the list, and a trait's value (a plan held by 9 % of customers, and a CRM id held by one).
import type { DatabaseConfig } from '../src/config/schema.ts';
import { openDatabase } from '../src/storage/database.ts';
import { createStores } from '../src/storage/stores.ts';
import { traitSchemaOf } from '../src/domain/identity/traits.ts';
import { searchCustomers } from '../src/domain/customers/customer-search.ts';
import { bulkTraitsOf } from './bulk-customers.ts';
import type { AdminFigure } from './report.ts';

const SAMPLES = 200;
const PAGE = 50;

export async function adminSearches(config: DatabaseConfig, tenantId: string, customers: number): Promise<AdminFigure[]> {
  const database = await openDatabase(config);
  try {
    const stores = createStores(database.db);
    const tenant = await stores.tenants.findById(tenantId);
    if (!tenant) throw new Error('the bench tenant is gone');
    const scope = { id: tenant.id, schema: traitSchemaOf(tenant.settings) };
    const deps = { stores };
    const pick = () => Math.floor(Math.random() * Math.max(customers, 1));
    const search = (criteria: Parameters<typeof searchCustomers>[2], cursor?: string) => searchCustomers(deps, scope, criteria, { limit: PAGE, cursor });

    const figures: AdminFigure[] = [];
    figures.push(
      await measureLatency('email-prefix', 'Email prefix search (first name + 3 letters of the last), first page of 50', async () => {
        const { email } = bulkTraitsOf(pick());
        const prefix = email.slice(0, email.indexOf('.') + 4);
        return (await search({ email_prefix: prefix })).items.length;
      }),
    );
    figures.push(
      await measureLatency('cursor-page', 'A page of 50 after a cursor anywhere in the list (no filter)', async (prepared) => (await search({}, prepared)).items.length, async () => {
        // A real cursor: the one the page ending just before a random customer would give.
        const before = await search({ created_before: Math.floor(Date.now() - Math.random() * 3 * 365 * 24 * 3_600_000) });
        return before.nextCursor ?? undefined;
      }),
    );
    figures.push(await measureLatency('trait-value', 'Trait value search: plan = business (9 % of customers), first page of 50', async () => (await search({ trait_name: 'plan', trait_value: 'business' })).items.length));
    figures.push(await measureLatency('verified-rare', 'Verified filter: email not verified yet (2 % of customers), first page of 50', async () => (await search({ verified: false })).items.length));
    figures.push(await measureLatency('trait-value-unique', 'Trait value search: one crm_id (a single customer)', async () => (await search({ trait_name: 'crm_id', trait_value: bulkTraitsOf(pick()).crm_id })).items.length));
    return figures;
  } finally {
    await database.close();
  }
}

/** SAMPLES runs of `query` one after another (after 10 unmeasured ones), `prepare` untimed before each. */
export async function measureLatency(name: AdminFigure['name'], label: string, query: (prepared: string | undefined) => Promise<number>, prepare?: () => Promise<string | undefined>): Promise<AdminFigure> {
  const times: number[] = [];
  let matches = 0;
  for (let sample = 0; sample < SAMPLES + 10; sample++) {
    const prepared = prepare ? await prepare() : undefined;
    const started = performance.now();
    const found = await query(prepared);
    const elapsed = performance.now() - started;
    if (sample >= 10) {
      times.push(elapsed);
      matches += found;
    }
  }
  times.sort((a, b) => a - b);
  const at = (share: number) => times[Math.min(times.length - 1, Math.floor(share * times.length))]!;
  return { name, label, samples: times.length, p50: at(0.5), p95: at(0.95), meanResults: matches / times.length };
}
