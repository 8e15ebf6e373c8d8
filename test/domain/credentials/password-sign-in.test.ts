// The password sign-in step on each engine, through the real stores and the SQL throttle under an
// injected clock: answers, audit entries, blocking, throttling (a parallel burst included), the
// same work whether or not the account exists (counted in argon2 computations, not timed), and the
// upgrade of an outdated hash at sign-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describeEachEngine } from '../../helpers/engines.ts';
import type { TestDatabase } from '../../helpers/engines.ts';
import { createStores } from '../../../src/storage/stores.ts';
import { createSqlThrottleStore } from '../../../src/storage/throttle.store.ts';
import { signInWithPassword } from '../../../src/domain/credentials/password/password-sign-in.ts';
import type { SignInDeps } from '../../../src/domain/credentials/password/password-sign-in.ts';
import { ACCOUNT_POLICY, ADDRESS_POLICY, createSignInThrottle, signInThrottleKeys } from '../../../src/domain/flows/throttle.ts';
import { hashPassword, verifyPassword } from '../../../src/domain/credentials/password/argon2.ts';
import type { AuditEvent, RequestContext } from '../../../src/domain/audit/audit.ts';
import type { Identity } from '../../../src/domain/identity/identity.ts';
import { uuidv7 } from '../../../src/lib/ids.ts';

const T0 = 1_790_000_000_000;
const PASSWORD = 'violet-tractor-harbour';
const WRONG_PASSWORD = 'violet-tractor-harbor';
const CONTEXT: RequestContext = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'req-1' };
const INVALID = { ok: false, code: 'signin.invalid_credentials' } as const;
/** A right password signs in by the password method: `pwd` (RFC 8176), the password class, AAL1. */
const signedIn = (identity: Identity) => ({ ok: true, identity, result: { identityId: identity.id, method: 'password', amr: ['pwd'], acr: 'urn:foyer:acr:password', aal: 1 } });
// Hashed once for the whole file: each hash is tens of milliseconds of argon2id.
const HASH = await hashPassword(PASSWORD);
const CURRENT_PHC_PREFIX = '$argon2id$v=19$m=19456,t=2,p=1$';

/** PASSWORD hashed as an older Foyer (or an imported database) would have: argon2id with m=4096, t=3. */
function olderHash(): Promise<string> {
  const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
  const salt = crypto.randomBytes(16);
  return new Promise((resolve, reject) => {
    crypto.argon2('argon2id', { message: PASSWORD, nonce: salt, memory: 4096, passes: 3, parallelism: 1, tagLength: 32 }, (error, tag) =>
      error ? reject(error) : resolve(`$argon2id$v=19$m=4096,t=3,p=1$${b64(salt)}$${b64(tag)}`),
    );
  });
}

let tenantCount = 0;

describeEachEngine('signInWithPassword', (current) => {
  // The clock moves one millisecond per attempt so that audit entries keep their order.
  let clock = T0;
  const stores = () => createStores(current().handle.db);
  const throttleStore = () => createSqlThrottleStore(current().handle.db);
  const deps = (): SignInDeps => ({
    identities: stores().identities,
    audit: stores().audit,
    throttle: createSignInThrottle(throttleStore(), () => clock),
    now: () => clock,
  });
  const signIn = (tenantId: string, identifier: string, password: string) => {
    clock += 1;
    return signInWithPassword(deps(), tenantId, { identifier, password }, CONTEXT);
  };
  /** The tenant's audit entries, oldest first. */
  const auditOf = async (tenantId: string): Promise<AuditEvent[]> => (await stores().audit.list(tenantId, { limit: 100 })).toReversed();

  /** A tenant of its own with one customer, ann@example.com, whose password is PASSWORD (stored as `hash`). */
  async function tenantWithCustomer(database: TestDatabase, hash = HASH): Promise<{ tenantId: string; ann: Identity }> {
    const tenant = await createStores(database.handle.db).tenants.create({ id: uuidv7(T0), slug: `signin${++tenantCount}-${process.pid}`, name: 'T', now: T0 });
    const ann = await createStores(database.handle.db).identities.create({
      id: uuidv7(T0),
      tenantId: tenant.id,
      traits: { email: 'Ann@Example.com' },
      addresses: [{ kind: 'email', value: 'Ann@Example.com' }],
      credentials: [{ id: uuidv7(T0), type: 'password', config: { hash }, identifiers: ['ann@example.com'] }],
      now: T0,
    });
    return { tenantId: tenant.id, ann };
  }

  test('signs in with the right password, the email in any case and with spaces, and audits the success', async () => {
    const { tenantId, ann } = await tenantWithCustomer(current());
    assert.deepEqual(await signIn(tenantId, '  ANN@example.COM ', PASSWORD), signedIn(ann));
    const [entry, ...more] = await auditOf(tenantId);
    assert.deepEqual(more, []);
    assert.deepEqual(entry, {
      id: entry?.id,
      tenantId,
      occurredAt: clock,
      action: 'signin.succeeded',
      outcome: 'success',
      actor: { type: 'customer', id: ann.id },
      target: { type: 'identity', id: ann.id },
      context: CONTEXT,
      details: { method: 'password', reason: 'password' },
    });
  });

  test('a wrong password and an unknown email get the same answer after one argon2 computation each, audited with their reasons', async (t) => {
    const { tenantId, ann } = await tenantWithCustomer(current());
    const argon2 = t.mock.method(crypto, 'argon2');
    assert.deepEqual(await signIn(tenantId, 'ann@example.com', WRONG_PASSWORD), INVALID);
    assert.equal(argon2.mock.callCount(), 1);
    assert.deepEqual(await signIn(tenantId, 'nobody@example.com', PASSWORD), INVALID);
    assert.equal(argon2.mock.callCount(), 2);
    assert.deepEqual(await signIn(tenantId, '', PASSWORD), INVALID);
    assert.equal(argon2.mock.callCount(), 3);
    // Each computation with the parameters of a real hash, so none is cheaper than another.
    const shapes = argon2.mock.calls.map(({ arguments: [algorithm, { memory, passes, parallelism, tagLength }] }) => ({ algorithm, memory, passes, parallelism, tagLength }));
    assert.deepEqual(shapes.slice(1), [shapes[0], shapes[0]]);

    const entries = await auditOf(tenantId);
    assert.deepEqual(
      entries.map(({ action, outcome, actor, target, details }) => ({ action, outcome, actor, target, details })),
      [
        { action: 'signin.failed', outcome: 'failure', actor: { type: 'customer', id: ann.id }, target: { type: 'identity', id: ann.id }, details: { method: 'password', reason: 'wrong_password' } },
        { action: 'signin.failed', outcome: 'failure', actor: { type: 'customer' }, target: undefined, details: { method: 'password', reason: 'no_account' } },
        { action: 'signin.failed', outcome: 'failure', actor: { type: 'customer' }, target: undefined, details: { method: 'password', reason: 'no_account' } },
      ],
    );
    assert.ok(entries.every((entry) => entry.context?.ip === CONTEXT.ip));
    assert.ok(!JSON.stringify(entries).includes(WRONG_PASSWORD) && !JSON.stringify(entries).includes(PASSWORD), 'a password leaked into the audit log');
  });

  test('a blocked customer learns it only with the right password; a wrong one is just invalid', async () => {
    const { tenantId, ann } = await tenantWithCustomer(current());
    await stores().identities.setStatus(tenantId, ann.id, 'blocked', T0 + 1);
    assert.deepEqual(await signIn(tenantId, 'ann@example.com', WRONG_PASSWORD), INVALID);
    assert.deepEqual(await signIn(tenantId, 'ann@example.com', PASSWORD), { ok: false, code: 'signin.account_blocked' });
    const entries = await auditOf(tenantId);
    assert.deepEqual(
      entries.map(({ action, actor, details }) => ({ action, actor, details })),
      [
        { action: 'signin.failed', actor: { type: 'customer', id: ann.id }, details: { method: 'password', reason: 'wrong_password' } },
        { action: 'signin.failed', actor: { type: 'customer', id: ann.id }, details: { method: 'password', reason: 'blocked' } },
      ],
    );
  });

  test('after 5 failures sign-in is throttled, even with the right password, without hashing; then the wait ends', async (t) => {
    const { tenantId, ann } = await tenantWithCustomer(current());
    for (let i = 0; i < 5; i++) assert.deepEqual(await signIn(tenantId, 'ann@example.com', WRONG_PASSWORD), INVALID);
    const argon2 = t.mock.method(crypto, 'argon2');
    assert.deepEqual(await signIn(tenantId, 'ANN@example.com', PASSWORD), { ok: false, code: 'signin.throttled', retryAfterSeconds: 1 });
    assert.equal(argon2.mock.callCount(), 0);
    // A refused attempt writes nothing: a flood of them must not fill the audit log (SECURITY.md 36).
    assert.deepEqual((await auditOf(tenantId)).map((entry) => entry.details?.['reason']), Array(5).fill('wrong_password'));

    clock += 1_000;
    assert.deepEqual(await signIn(tenantId, 'ann@example.com', PASSWORD), signedIn(ann));
    // The success cleared the account's counter, and gave its own attempt back to the address: the
    // 5 failures still count there, the success does not (the throttled attempt never did).
    const keys = signInThrottleKeys(tenantId, 'ann@example.com', CONTEXT.ip!);
    assert.equal((await throttleStore().peek(keys.account, clock, ACCOUNT_POLICY.windowMs)).count, 0);
    assert.equal((await throttleStore().peek(keys.address, clock, ADDRESS_POLICY.windowMs)).count, 5);
    assert.deepEqual(await signIn(tenantId, 'ann@example.com', WRONG_PASSWORD), INVALID);
    assert.equal((await throttleStore().peek(keys.account, clock, ACCOUNT_POLICY.windowMs)).count, 1);
  });

  test('an unknown email is throttled the same way, so throttling tells nothing about existence', async () => {
    const { tenantId } = await tenantWithCustomer(current());
    for (let i = 0; i < 5; i++) assert.deepEqual(await signIn(tenantId, 'Nobody@example.com', PASSWORD), INVALID);
    assert.deepEqual(await signIn(tenantId, 'nobody@example.com', PASSWORD), { ok: false, code: 'signin.throttled', retryAfterSeconds: 1 });
  });

  test('20 parallel wrong passwords for one account: 5 are checked, the other 15 are throttled without hashing', async (t) => {
    const { tenantId } = await tenantWithCustomer(current());
    const argon2 = t.mock.method(crypto, 'argon2');
    // All within the same few milliseconds: no wait can have run out in between.
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => signIn(tenantId, 'ann@example.com', WRONG_PASSWORD)));
    const codes = outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.code));
    assert.equal(codes.filter((code) => code === 'signin.invalid_credentials').length, 5, codes.join());
    assert.equal(codes.filter((code) => code === 'signin.throttled').length, 15, codes.join());
    assert.equal(argon2.mock.callCount(), 5);
    const reasons = (await auditOf(tenantId)).map((entry) => entry.details?.['reason']);
    assert.equal(reasons.filter((reason) => reason === 'wrong_password').length, 5);
    assert.equal(reasons.length, 5, 'the throttled ones write no audit entry');
  });

  test('a hash with older parameters verifies, is upgraded to the current ones at sign-in, and the success says so', async (t) => {
    const { tenantId, ann } = await tenantWithCustomer(current(), await olderHash());
    const storedHash = async () => (await stores().identities.findCredential(tenantId, 'password', 'ann@example.com'))?.config['hash'] as string;
    assert.ok((await storedHash()).startsWith('$argon2id$v=19$m=4096,t=3,p=1$'));
    // A wrong password changes nothing: only the right one may be rehashed.
    assert.deepEqual(await signIn(tenantId, 'ann@example.com', WRONG_PASSWORD), INVALID);
    assert.ok((await storedHash()).startsWith('$argon2id$v=19$m=4096,t=3,p=1$'));

    assert.deepEqual(await signIn(tenantId, 'ann@example.com', PASSWORD), signedIn(ann));
    const upgraded = await storedHash();
    assert.ok(upgraded.startsWith(CURRENT_PHC_PREFIX), upgraded);
    assert.deepEqual(await verifyPassword(upgraded, PASSWORD), { valid: true, needsRehash: false });
    assert.deepEqual((await auditOf(tenantId)).at(-1)?.details, { method: 'password', reason: 'password', rehashed: true });

    // Once upgraded, a sign-in is one verification again, and the hash stays as it is.
    const argon2 = t.mock.method(crypto, 'argon2');
    assert.equal((await signIn(tenantId, 'ann@example.com', PASSWORD)).ok, true);
    assert.equal(argon2.mock.callCount(), 1);
    assert.equal(await storedHash(), upgraded);
    assert.deepEqual((await auditOf(tenantId)).at(-1)?.details, { method: 'password', reason: 'password' });
  });

  test('a customer of one tenant cannot sign in to another', async () => {
    const { tenantId: other } = await tenantWithCustomer(current());
    const { tenantId } = await tenantWithCustomer(current());
    await stores().identities.delete(other, (await stores().identities.findByAddress(other, 'email', 'ann@example.com'))!.id);
    assert.deepEqual(await signIn(other, 'ann@example.com', PASSWORD), INVALID);
    assert.equal((await signIn(tenantId, 'ann@example.com', PASSWORD)).ok, true);
  });
});
