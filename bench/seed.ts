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
import type { Identity } from '../src/domain/identity/identity.ts';
import type { IdentityStore } from '../src/domain/identity/identity.port.ts';
import type { PasskeyConfig } from '../src/domain/credentials/passkey/passkey.ts';
import { createTotpEnrolment } from '../src/domain/credentials/totp/totp.ts';
import { createSqlThrottleStore } from '../src/storage/throttle.store.ts';
import { createSecretBox } from '../src/infra/crypto/secret-box.ts';
import { uuidv7 } from '../src/lib/ids.ts';
import { Secret, TOTP } from 'otpauth';
import { createPasskey } from './software-authenticator.ts';
import type { SoftwarePasskey } from './software-authenticator.ts';

/** The bench's server answers as https://127.0.0.1:<port>: the relying party is its host, whatever the port. */
const BENCH_RP_ID = '127.0.0.1';

/**
 * A passkey for the customer, as a registration through the portal leaves it: the software
 * authenticator's key pair, its public half stored on a `passkey` credential found by its id. (The
 * server's port, part of the origin a registration checks, is not known yet at seeding.)
 */
async function addPasskey(identities: IdentityStore, tenantId: string, identity: Identity): Promise<SoftwarePasskey> {
  const { passkey } = createPasskey({ challenge: 'seed', rp: { id: BENCH_RP_ID }, user: { id: Buffer.from(identity.id).toString('base64url') } }, `https://${BENCH_RP_ID}`);
  const now = Date.now();
  const config: PasskeyConfig = { publicKey: passkey.publicKey, counter: 0, transports: ['internal'], deviceType: 'singleDevice', backedUp: false, aaguid: '00000000-0000-0000-0000-000000000000', name: 'Bench', lastUsedAt: null };
  await identities.addCredential(tenantId, identity.id, { id: uuidv7(now), type: 'passkey', config, identifiers: [passkey.id] }, now);
  return passkey;
}

/** The authenticator app's code for a 30-second step. */
export function totpCodeAt(secret: string, step: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: step * 30_000 });
}

export type Seed = {
  readonly tenantId: string;
  readonly machine: { readonly clientId: string; readonly clientSecret: string };
  readonly web: WebClient;
  readonly accounts: readonly Account[];
  /** A passkey of each of `accounts`, held by the bench's software authenticator. */
  readonly passkeys: readonly SoftwarePasskey[];
  /** Customers with an authenticator app as well as a password (when asked for): the TOTP second-factor scenario's. */
  readonly totpAccounts: readonly TotpAccount[];
};

/** A customer with an authenticator app: its key, and the last 30-second step a code was used for (each works once). */
export type TotpAccount = Account & { readonly secret: string; lastStep: number };

const BENCH_ACTOR: Actor = { type: 'operator', id: 'bench', context: { userAgent: 'foyer-bench' } };
/** Never contacted: the bench reads the code from the Location header and stops there. */
export const BENCH_REDIRECT_URI = 'https://127.0.0.1:9/callback';

/**
 * `masterSecret`: the servers' (TOTP keys are sealed with it). `totpAccounts`: how many customers
 * with an authenticator app to make; each code works once, so the TOTP scenario needs many.
 */
export async function seedDatabase(config: DatabaseConfig, accountCount: number, options: { readonly masterSecret: string; readonly totpAccounts: number }): Promise<Seed> {
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
    const identities: Identity[] = [];
    const create = async (list: readonly Account[]) => {
      const made: Identity[] = [];
      for (let start = 0; start < list.length; start += THREAD_POOL_SIZE) {
        made.push(...(await Promise.all(list.slice(start, start + THREAD_POOL_SIZE).map((account) => createIdentityByOperator({ transaction, tenants: stores.tenants }, tenant.id, { traits: { email: account.email }, password: account.password, verified: true }, BENCH_ACTOR)))));
      }
      return made;
    };
    identities.push(...(await create(accounts)));
    const passkeys = await Promise.all(identities.map((identity) => addPasskey(stores.identities, tenant.id, identity)));

    const totpAccounts: TotpAccount[] = [];
    if (options.totpAccounts > 0) {
      const withApp = Array.from({ length: options.totpAccounts }, (_, index) => ({ email: `totp-${index}@bench.example`, password: `bench ${randomBytes(12).toString('base64url')}` }));
      // Set up through the enrolment customers go through: the key sealed as Foyer seals it.
      const enrolment = createTotpEnrolment({ identities: stores.identities, audit: stores.audit, throttle: createSqlThrottleStore(database.db), secretBox: createSecretBox(options.masterSecret) });
      for (const [index, identity] of (await create(withApp)).entries()) {
        const now = Date.now();
        const offer = await enrolment.begin(tenant, identity, now);
        const step = Math.floor(now / 30_000);
        const done = await enrolment.complete(tenant, identity.id, { enrolment: offer.enrolment, code: totpCodeAt(offer.secret, step) }, { userAgent: 'foyer-bench' });
        if (!done.ok) throw new Error(`the bench could not set up an authenticator app: ${done.code}`);
        totpAccounts.push({ ...withApp[index]!, secret: offer.secret, lastStep: step });
      }
    }
    return {
      tenantId: tenant.id,
      machine: { clientId: machine.application.id, clientSecret: machine.clientSecret },
      web: { clientId: web.application.id, clientSecret: web.clientSecret, redirectUri: BENCH_REDIRECT_URI },
      accounts,
      passkeys,
      totpAccounts,
    };
  } finally {
    await database.close();
  }
}
