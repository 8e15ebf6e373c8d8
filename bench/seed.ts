// What the bench needs in a fresh database before Foyer starts: the default tenant, a machine
// application (client credentials), a first-party web application with a loopback redirect URI,
// and customers with passwords. It goes through the same domain functions as operators and the
// sign-up page, so the rows are exactly those production would hold.
import { randomBytes } from 'node:crypto';
import type { DatabaseConfig } from '../src/config/schema.ts';
import { openDatabase } from '../src/storage/database.ts';
import { migrateToLatest } from '../src/storage/migrate.ts';
import { createStores, createTransaction } from '../src/storage/stores.ts';
import { ensureDefaultTenant } from '../src/domain/tenants/tenants.service.ts';
import type { Actor } from '../src/domain/tenants/tenants.service.ts';
import { createApplication } from '../src/domain/applications/applications.service.ts';
import { createIdentityByOperator } from '../src/domain/identity/identities.service.ts';
import { THREAD_POOL_SIZE } from './argon2-ceiling.ts';
import type { Account, WebClient } from './hosted-sign-in.ts';

export type Seed = {
  readonly tenantId: string;
  readonly machine: { readonly clientId: string; readonly clientSecret: string };
  readonly web: WebClient;
  readonly accounts: readonly Account[];
};

const BENCH_ACTOR: Actor = { type: 'operator', id: 'bench', context: { userAgent: 'foyer-bench' } };
/** Never contacted: the bench reads the code from the Location header and stops there. */
export const BENCH_REDIRECT_URI = 'https://127.0.0.1:9/callback';

export async function seedDatabase(config: DatabaseConfig, accountCount: number): Promise<Seed> {
  const database = await openDatabase(config);
  try {
    await migrateToLatest(database.db);
    const stores = createStores(database.db);
    const transaction = createTransaction(database.db);
    const { tenant } = await ensureDefaultTenant({ transaction, tenants: stores.tenants });
    const machine = await createApplication({ transaction }, tenant.id, { name: 'Bench machine', kind: 'machine' }, BENCH_ACTOR);
    const web = await createApplication(
      { transaction },
      tenant.id,
      { name: 'Bench web', kind: 'web', firstParty: true, redirectUris: [BENCH_REDIRECT_URI], grantTypes: ['authorization_code', 'refresh_token'] },
      BENCH_ACTOR,
    );
    if (!machine.clientSecret || !web.clientSecret) throw new Error('confidential applications came back without a secret');

    const accounts: Account[] = Array.from({ length: accountCount }, (_, index) => ({
      email: `customer-${index}@bench.example`,
      password: `bench ${randomBytes(12).toString('base64url')}`,
    }));
    // Each sign-up hashes a password: as many at once as there are thread-pool threads.
    for (let start = 0; start < accounts.length; start += THREAD_POOL_SIZE) {
      await Promise.all(
        accounts.slice(start, start + THREAD_POOL_SIZE).map(async (account) => {
          await createIdentityByOperator({ transaction, tenants: stores.tenants }, tenant.id, { traits: { email: account.email }, password: account.password, verified: true }, BENCH_ACTOR);
        }),
      );
    }
    return {
      tenantId: tenant.id,
      machine: { clientId: machine.application.id, clientSecret: machine.clientSecret },
      web: { clientId: web.application.id, clientSecret: web.clientSecret, redirectUri: BENCH_REDIRECT_URI },
      accounts,
    };
  } finally {
    await database.close();
  }
}
