// The sign-up step on each engine, through the real stores and transaction: what a sign-up writes
// (atomically, with its verification email), what it refuses (writing nothing), and why a taken
// email is indistinguishable from a new one (SECURITY.md 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { describeEachEngine } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { createStores, createTransaction } from '../../src/storage/stores.ts';
import { createSqlThrottleStore } from '../../src/storage/throttle.store.ts';
import { submitRegistration } from '../../src/domain/self-service/registration.ts';
import type { SelfServiceDeps } from '../../src/domain/self-service/code-steps.ts';
import { codeKeyOf } from '../../src/domain/self-service/one-time-code.ts';
import { newFlow } from '../../src/domain/flows/flow.ts';
import { DEFAULT_TRAIT_SCHEMA } from '../../src/domain/identity/traits.ts';
import { verifyPassword } from '../../src/domain/credentials/password/argon2.ts';
import type { BreachedPasswordVerdict } from '../../src/domain/credentials/password/breached.ts';
import type { RequestContext } from '../../src/domain/audit/audit.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const T0 = 1_790_000_000_000;
const PASSWORD = 'violet-tractor-harbour';
const OTHER_PASSWORD = 'amber-lantern-meadow';
const CONTEXT: RequestContext = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'req-1' };
const TABLES = ['identities', 'identity_addresses', 'credentials', 'credential_identifiers', 'audit_events', 'outbox_events', 'mail_messages'] as const;

let tenantCount = 0;
async function newTenant(database: TestDatabase): Promise<Tenant> {
  return createStores(database.handle.db).tenants.create({ id: uuidv7(T0), slug: `signup${++tenantCount}-${process.pid}`, name: 'T', now: T0 });
}

function depsOf(database: TestDatabase, extra: Partial<SelfServiceDeps> = {}): SelfServiceDeps {
  const db = database.handle.db;
  return { stores: createStores(db), transaction: createTransaction(db), throttle: createSqlThrottleStore(db), codeKey: codeKeyOf('registration-test-secret-0123456789abcdef'), publicUrl: 'https://id.example.test', now: () => Date.now(), ...extra };
}

/** How many rows each table holds for the tenant: what a sign-up wrote. */
async function rowCounts(database: TestDatabase, tenantId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where tenant_id = ${tenantId}`.execute(database.handle.db);
    counts[table] = Number(rows[0]?.n);
  }
  return counts;
}

const NOTHING = Object.fromEntries(TABLES.map((table) => [table, 0]));
const ONE_CUSTOMER = Object.fromEntries(TABLES.map((table) => [table, 1]));
type Outcome = Awaited<ReturnType<typeof submitRegistration>>;
const problemsOf = (outcome: Outcome) => (!outcome.ok && outcome.code === 'invalid' ? outcome.problems.map(({ field, code }) => `${field}:${code}`) : []);

describeEachEngine('submitRegistration', (current) => {
  async function signUp(tenant: Tenant, traits: Record<string, unknown>, password: string, extra: Partial<SelfServiceDeps> = {}) {
    const deps = depsOf(current(), extra);
    const flow = newFlow({ id: uuidv7(), tenantId: tenant.id, type: 'registration', kind: 'api', now: Date.now() });
    await deps.stores.flows.create(flow);
    return submitRegistration(deps, tenant, DEFAULT_TRAIT_SCHEMA, flow, { traits, password }, CONTEXT, 'en');
  }

  test('creates the unverified identity, its credential, an audit entry, an event and the code email, at once', async () => {
    const tenant = await newTenant(current());
    const outcome = await signUp(tenant, { email: '  Ann.Lee@Example.COM ', name: ' Ann Lee ' }, PASSWORD);
    assert.ok(outcome.ok);
    assert.equal(outcome.payload['address'], 'ann.lee@example.com');
    assert.equal(typeof outcome.payload['codeHash'], 'string');
    const stores = createStores(current().handle.db);
    const identity = (await stores.identities.findByAddress(tenant.id, 'email', 'ann.lee@example.com'))!;
    assert.deepEqual(identity.traits, { email: 'Ann.Lee@Example.COM', name: 'Ann Lee' });
    assert.deepEqual(identity.addresses.map(({ value, verifiedAt }) => ({ value, verifiedAt })), [{ value: 'ann.lee@example.com', verifiedAt: null }]);
    const credential = await stores.identities.findCredential(tenant.id, 'password', 'ann.lee@example.com');
    assert.equal(credential?.identityId, identity.id);
    assert.match(String(credential?.config['hash']), /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal((await verifyPassword(String(credential?.config['hash']), PASSWORD)).valid, true);
    const [entry] = await stores.audit.list(tenant.id, { limit: 10 });
    assert.equal(entry?.action, 'signup.succeeded');
    assert.deepEqual(entry?.context, CONTEXT);
    const [mail] = await stores.mail.list({ tenantId: tenant.id, limit: 10 });
    assert.equal(mail?.kind, 'verify_email');
    assert.equal(mail?.to, 'ann.lee@example.com');
    assert.deepEqual(await rowCounts(current(), tenant.id), ONE_CUSTOMER);
    const events = await current().handle.db.selectFrom('outbox_events').selectAll().where('tenant_id', '=', tenant.id).execute();
    assert.ok(!JSON.stringify([entry, events, outcome.payload]).includes(PASSWORD), 'the password leaked');
  });

  test('writes all or nothing: when the email cannot be queued, the identity is not created either', async () => {
    const tenant = await newTenant(current());
    const db = current().handle.db;
    const failingMail: SelfServiceDeps['transaction'] = (work) =>
      createTransaction(db)((stores) =>
        work({
          ...stores,
          mail: {
            ...stores.mail,
            enqueue: async () => {
              throw new Error('mail queue unavailable');
            },
          },
        }),
      );
    await assert.rejects(signUp(tenant, { email: 'ann@example.com' }, PASSWORD, { transaction: failingMail }), /mail queue unavailable/);
    assert.deepEqual(await rowCounts(current(), tenant.id), NOTHING);
  });

  test('invalid traits and a weak password are all reported at once, before any hashing, and nothing is written', async (t) => {
    const tenant = await newTenant(current());
    const argon2 = t.mock.method(crypto, 'argon2');
    const breachedCalls: string[] = [];
    const breachedCheck = async (password: string): Promise<BreachedPasswordVerdict> => {
      breachedCalls.push(password);
      return 'not_found';
    };
    assert.deepEqual(problemsOf(await signUp(tenant, { email: 'not-an-email', nickname: 'annie' }, 'zq7-Lm2', { breachedCheck })).toSorted(), [
      'email:email.invalid',
      'nickname:field.unknown',
      'password:password.too_short',
    ]);
    assert.deepEqual(problemsOf(await signUp(tenant, { name: 'Ann' }, PASSWORD, { breachedCheck })), ['email:field.required']);
    assert.deepEqual(problemsOf(await signUp(tenant, { email: 'ann@example.com', locale: 'not a locale' }, PASSWORD)), ['locale:field.pattern']);
    assert.equal(argon2.mock.callCount(), 0);
    assert.deepEqual(breachedCalls, []);
    assert.deepEqual(await rowCounts(current(), tenant.id), NOTHING);
  });

  test('common passwords, passwords made of the email and breached ones are refused', async () => {
    const tenant = await newTenant(current());
    const traits = { email: 'ann.lee@example.com' };
    assert.deepEqual(problemsOf(await signUp(tenant, traits, 'qwertyuiop')), ['password:password.too_common']);
    assert.deepEqual(problemsOf(await signUp(tenant, traits, 'Ann.Lee-rocks-2024')), ['password:password.contains_identifier']);
    assert.deepEqual(problemsOf(await signUp(tenant, traits, PASSWORD, { breachedCheck: async () => 'breached' })), ['password:password.breached']);
    assert.deepEqual(await rowCounts(current(), tenant.id), NOTHING);
    const accepted = await signUp(tenant, traits, PASSWORD, { breachedCheck: async () => 'unavailable' });
    assert.ok(accepted.ok, 'an unavailable breach check does not stop sign-up');
  });

  test('a taken email gets the same answer after the same argon2 work, no account, no code, and a notice to its owner', async (t) => {
    const tenant = await newTenant(current());
    const first = await signUp(tenant, { email: 'ann@example.com', name: 'Ann' }, PASSWORD);
    assert.ok(first.ok);
    const argon2 = t.mock.method(crypto, 'argon2');
    const again = await signUp(tenant, { email: ' ANN@Example.com' }, OTHER_PASSWORD);
    const takenWork = argon2.mock.callCount();
    argon2.mock.resetCalls();
    const fresh = await signUp(tenant, { email: 'bea@example.com' }, OTHER_PASSWORD);
    assert.equal(takenWork, argon2.mock.callCount());
    assert.ok(again.ok && fresh.ok);
    assert.deepEqual(Object.keys(again.payload).sort(), Object.keys(fresh.payload).sort());
    assert.equal(again.payload['subjectId'], undefined, 'nobody owns the code of a taken email');
    assert.equal(again.payload['codeHash'], '');
    const mails = await createStores(current().handle.db).mail.list({ tenantId: tenant.id, limit: 10 });
    assert.deepEqual(mails.map((mail) => `${mail.kind}:${mail.to}`).sort(), ['account_exists:ann@example.com', 'verify_email:ann@example.com', 'verify_email:bea@example.com']);
  });

  test('emails to one address are throttled, whether or not it has an account', async () => {
    const tenant = await newTenant(current());
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const outcome = await signUp(tenant, { email: 'flood@example.com' }, PASSWORD);
      outcomes.push(outcome.ok ? 'sent' : outcome.code);
    }
    assert.deepEqual(outcomes, ['sent', 'sent', 'sent', 'code.throttled', 'code.throttled']);
  });
});
