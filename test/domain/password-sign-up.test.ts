// The password sign-up step on each engine, through the real stores and transaction: what a
// sign-up writes (atomically), what it refuses (writing nothing), and signing up again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { describeEachEngine } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { createStores, createTransaction } from '../../src/storage/stores.ts';
import { signUpWithPassword } from '../../src/domain/flows/password-sign-up.ts';
import type { SignUpDeps } from '../../src/domain/flows/password-sign-up.ts';
import { DEFAULT_TRAIT_SCHEMA } from '../../src/domain/identity/traits.ts';
import { verifyPassword } from '../../src/domain/credentials/password/argon2.ts';
import type { BreachedPasswordVerdict } from '../../src/domain/credentials/password/breached.ts';
import type { RequestContext } from '../../src/domain/audit/audit.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const T0 = 1_790_000_000_000;
const PASSWORD = 'violet-tractor-harbour';
const OTHER_PASSWORD = 'amber-lantern-meadow';
const CONTEXT: RequestContext = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'req-1' };
const TABLES = ['identities', 'identity_addresses', 'credentials', 'credential_identifiers', 'audit_events', 'outbox_events'] as const;

let tenantCount = 0;
async function newTenant(database: TestDatabase): Promise<string> {
  const tenant = await createStores(database.handle.db).tenants.create({ id: uuidv7(T0), slug: `signup${++tenantCount}-${process.pid}`, name: 'T', now: T0 });
  return tenant.id;
}

function depsOf(database: TestDatabase, extra: Partial<SignUpDeps> = {}): SignUpDeps {
  const db = database.handle.db;
  return { transaction: createTransaction(db), identities: createStores(db).identities, now: () => T0, ...extra };
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
const problemsOf = (outcome: Awaited<ReturnType<typeof signUpWithPassword>>) => (outcome.ok ? [] : outcome.problems.map(({ field, code }) => `${field}:${code}`));

describeEachEngine('signUpWithPassword', (current) => {
  const signUp = (tenantId: string, traits: Record<string, unknown>, password: string, extra: Partial<SignUpDeps> = {}) =>
    signUpWithPassword(depsOf(current(), extra), tenantId, DEFAULT_TRAIT_SCHEMA, { traits, password }, CONTEXT);

  test('creates the identity, its normalised email address, a password credential, an audit entry and an event', async () => {
    const tenantId = await newTenant(current());
    const outcome = await signUp(tenantId, { email: '  Ann.Lee@Example.COM ', name: ' Ann Lee ' }, PASSWORD);
    assert.ok(outcome.ok && outcome.created);
    const { identity } = outcome;
    assert.deepEqual(identity.traits, { email: 'Ann.Lee@Example.COM', name: 'Ann Lee' });
    assert.equal(identity.status, 'active');
    assert.equal(identity.createdAt, T0);
    assert.deepEqual(identity.addresses.map(({ kind, value, verifiedAt }) => ({ kind, value, verifiedAt })), [{ kind: 'email', value: 'ann.lee@example.com', verifiedAt: null }]);

    const stores = createStores(current().handle.db);
    assert.deepEqual(await stores.identities.findByAddress(tenantId, 'email', 'ann.lee@example.com'), identity);
    const credential = await stores.identities.findCredential(tenantId, 'password', 'ann.lee@example.com');
    assert.equal(credential?.identityId, identity.id);
    assert.equal(credential?.type, 'password', 'found by its normalised identifier');
    const hash = String(credential?.config['hash']);
    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal((await verifyPassword(hash, PASSWORD)).valid, true);

    const [entry, ...moreEntries] = await stores.audit.list(tenantId, { limit: 10 });
    assert.deepEqual(moreEntries, []);
    assert.deepEqual(entry, {
      id: entry?.id,
      tenantId,
      occurredAt: T0,
      action: 'signup.succeeded',
      outcome: 'success',
      actor: { type: 'customer', id: identity.id },
      target: { type: 'identity', id: identity.id },
      context: CONTEXT,
      details: { method: 'password' },
    });
    const events = (await stores.outbox.listPending(Number.MAX_SAFE_INTEGER, 1_000)).filter((event) => event.tenantId === tenantId);
    assert.deepEqual(
      events.map(({ type, aggregate, payload, occurredAt }) => ({ type, aggregate, payload, occurredAt })),
      [{ type: 'identity.created', aggregate: { type: 'identity', id: identity.id }, payload: { traits: identity.traits, addresses: identity.addresses }, occurredAt: T0 }],
    );
    assert.deepEqual(await rowCounts(current(), tenantId), ONE_CUSTOMER);
    assert.ok(!JSON.stringify([entry, events]).includes(PASSWORD), 'the password leaked into the audit log or an event');
  });

  test('writes all or nothing: when the event cannot be written, the identity is not created either', async () => {
    const tenantId = await newTenant(current());
    const db = current().handle.db;
    const failingOutbox: SignUpDeps['transaction'] = (work) =>
      createTransaction(db)((stores) =>
        work({
          ...stores,
          outbox: {
            ...stores.outbox,
            enqueue: async () => {
              throw new Error('outbox unavailable');
            },
          },
        }),
      );
    await assert.rejects(signUp(tenantId, { email: 'ann@example.com' }, PASSWORD, { transaction: failingOutbox }), /outbox unavailable/);
    assert.deepEqual(await rowCounts(current(), tenantId), NOTHING);
  });

  test('invalid traits and a weak password are all reported at once, before any hashing, and nothing is written', async (t) => {
    const tenantId = await newTenant(current());
    const argon2 = t.mock.method(crypto, 'argon2');
    const breachedCalls: string[] = [];
    const breachedCheck = async (password: string): Promise<BreachedPasswordVerdict> => {
      breachedCalls.push(password);
      return 'not_found';
    };
    assert.deepEqual(problemsOf(await signUp(tenantId, { email: 'not-an-email', nickname: 'annie' }, 'zq7-Lm2', { breachedCheck })).toSorted(), [
      'email:email.invalid',
      'nickname:field.unknown',
      'password:password.too_short',
    ]);
    assert.deepEqual(problemsOf(await signUp(tenantId, { name: 'Ann' }, PASSWORD, { breachedCheck })), ['email:field.required']);
    assert.deepEqual(problemsOf(await signUp(tenantId, { email: '   ' }, PASSWORD, { breachedCheck })), ['email:field.required']);
    assert.deepEqual(problemsOf(await signUp(tenantId, { email: 'ann@example.com', locale: 'not a locale' }, PASSWORD)), ['locale:field.pattern']);
    assert.equal(argon2.mock.callCount(), 0);
    // Only a password that passes every other check is sent to the breach service.
    assert.deepEqual(breachedCalls, []);
    assert.deepEqual(await rowCounts(current(), tenantId), NOTHING);
  });

  test('common passwords and passwords made of the email are refused, and nothing is written', async () => {
    const tenantId = await newTenant(current());
    const traits = { email: 'ann.lee@example.com' };
    assert.deepEqual(problemsOf(await signUp(tenantId, traits, 'qwertyuiop')), ['password:password.too_common']);
    assert.deepEqual(problemsOf(await signUp(tenantId, traits, 'PASSWORD1')), ['password:password.too_common']);
    assert.deepEqual(problemsOf(await signUp(tenantId, traits, 'Ann.Lee-rocks-2024')), ['password:password.contains_identifier']);
    assert.deepEqual(problemsOf(await signUp(tenantId, traits, 'dragon')), ['password:password.too_short', 'password:password.too_common']);
    assert.deepEqual(await rowCounts(current(), tenantId), NOTHING);
  });

  test('a password the breach check knows is refused; an unavailable check does not stop sign-up', async () => {
    const tenantId = await newTenant(current());
    const checked: string[] = [];
    const answering = (verdict: BreachedPasswordVerdict) => async (password: string) => {
      checked.push(password);
      return verdict;
    };
    const refused = await signUp(tenantId, { email: 'ann@example.com' }, PASSWORD, { breachedCheck: answering('breached') });
    assert.deepEqual(problemsOf(refused), ['password:password.breached']);
    assert.deepEqual(checked, [PASSWORD]);
    assert.deepEqual(await rowCounts(current(), tenantId), NOTHING);

    const accepted = await signUp(tenantId, { email: 'ann@example.com' }, PASSWORD, { breachedCheck: answering('unavailable') });
    assert.ok(accepted.ok && accepted.created);
    assert.deepEqual(await rowCounts(current(), tenantId), ONE_CUSTOMER);
  });

  test('signing up again with the same email and password signs the owner in; another password is refused', async () => {
    const tenantId = await newTenant(current());
    const first = await signUp(tenantId, { email: 'ann@example.com', name: 'Ann' }, PASSWORD);
    assert.ok(first.ok);

    const again = await signUp(tenantId, { email: ' ANN@Example.com', name: 'Someone else' }, PASSWORD);
    assert.ok(again.ok);
    assert.equal(again.created, false);
    assert.deepEqual(again.identity, first.identity);

    const other = await signUp(tenantId, { email: 'ann@example.com' }, OTHER_PASSWORD);
    assert.deepEqual(other, {
      ok: false,
      problems: [{ field: 'email', code: 'signup.email_unavailable', message: 'We could not create an account with this email. If you already have one, sign in instead.' }],
    });
    assert.deepEqual(await rowCounts(current(), tenantId), ONE_CUSTOMER);
  });

  test('a blocked owner signing up again is refused like anyone else', async () => {
    const tenantId = await newTenant(current());
    const first = await signUp(tenantId, { email: 'ann@example.com' }, PASSWORD);
    assert.ok(first.ok);
    await createStores(current().handle.db).identities.setStatus(tenantId, first.identity.id, 'blocked', T0 + 1);
    assert.deepEqual(problemsOf(await signUp(tenantId, { email: 'ann@example.com' }, PASSWORD)), ['email:signup.email_unavailable']);
    assert.deepEqual(await rowCounts(current(), tenantId), ONE_CUSTOMER);
  });

  test('an email taken by a customer without a password costs the same argon2 work as a wrong password', async (t) => {
    const tenantId = await newTenant(current());
    const identities = createStores(current().handle.db).identities;
    await identities.create({ id: uuidv7(T0), tenantId, traits: { email: 'pat@example.com' }, addresses: [{ kind: 'email', value: 'pat@example.com' }], credentials: [], now: T0 });
    const owner = await signUp(tenantId, { email: 'ann@example.com' }, PASSWORD);
    assert.ok(owner.ok);

    const argon2 = t.mock.method(crypto, 'argon2');
    const withoutPassword = await signUp(tenantId, { email: 'pat@example.com' }, OTHER_PASSWORD);
    const withoutPasswordWork = argon2.mock.callCount();
    argon2.mock.resetCalls();
    const wrongPassword = await signUp(tenantId, { email: 'ann@example.com' }, OTHER_PASSWORD);
    assert.deepEqual(withoutPassword, wrongPassword);
    assert.equal(withoutPasswordWork, argon2.mock.callCount());
    assert.equal(withoutPasswordWork, 2);
  });
});
