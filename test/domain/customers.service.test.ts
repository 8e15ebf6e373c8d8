// Operators' customer use cases (domain/customers) on each engine: search with cursors and the
// last sign-in, the analyst's masking, traits by JSON Merge Patch (the email moving with its
// address and password identifier), the recovery and verification emails sent for the customer
// (whose links open the same pages as the customer's own), sessions and grants ended with
// back-channel logout recorded, activity by cursor; every change audited with the operator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createStores, createTransaction } from '../../src/storage/stores.ts';
import { createSqlThrottleStore } from '../../src/storage/throttle.store.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';
import type { Actor } from '../../src/domain/tenants/tenants.service.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import { traitSchemaOf } from '../../src/domain/identity/traits.ts';
import { getCustomer, searchCustomers } from '../../src/domain/customers/customer-search.ts';
import { maskCustomer, maskEmail } from '../../src/domain/customers/masking.ts';
import { applyMergePatch, patchCustomerTraits } from '../../src/domain/customers/customer-traits.ts';
import { resendVerificationEmail, sendRecoveryEmail } from '../../src/domain/customers/customer-mail.ts';
import { listCustomerGrants, listCustomerSessions, revokeAllCustomerSessions, revokeCustomerGrant, revokeCustomerSession } from '../../src/domain/customers/customer-access.ts';
import { customerActivity } from '../../src/domain/customers/customer-activity.ts';
import { codeKeyOf } from '../../src/domain/self-service/one-time-code.ts';
import { linkIsLive, resetPassword } from '../../src/domain/self-service/recovery.ts';
import type { SelfServiceDeps } from '../../src/domain/self-service/code-steps.ts';
import { verifyPassword } from '../../src/domain/credentials/password/argon2.ts';
import { SIGN_IN_AUDIT_ACTION } from '../../src/domain/audit/audit.ts';
import { DomainError, ValidationError } from '../../src/domain/errors.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const OPERATOR: Actor = { type: 'operator', id: 'staff:test', context: { ip: '198.51.100.7', userAgent: 'test' } };
const HOUR = 3_600_000;
let count = 0;
const unique = (name: string) => `${name}-${++count}-${process.pid}`;

const SCHEMA = {
  type: 'object',
  properties: {
    email: { type: 'string', 'x-foyer': { identifier: true, verifiable: 'email' } },
    phone: { type: 'string', 'x-foyer': { verifiable: 'phone' } },
    name: { type: 'string' },
    plan: { type: 'string', enum: ['free', 'pro'] },
    prefs: { type: 'object' },
  },
  required: ['email'],
  additionalProperties: false,
};

describeEachEngine('customers service', (current) => {
  const stores = () => createStores(current().handle.db);
  const transaction = () => createTransaction(current().handle.db);
  const selfService = (): SelfServiceDeps => ({ stores: stores(), transaction: transaction(), throttle: createSqlThrottleStore(current().handle.db), codeKey: codeKeyOf('x'.repeat(32)), publicUrl: 'https://id.example.com' });
  const access = () => ({ stores: stores(), transaction: transaction() });

  async function newTenant(): Promise<Tenant> {
    return stores().tenants.create({ id: uuidv7(), slug: unique('cs'), name: 'Customers', settings: { identitySchema: SCHEMA }, now: Date.now() });
  }
  const create = (tenant: Tenant, traits: Record<string, unknown>, extra: { password?: string; verified?: boolean | string[]; now?: number } = {}) =>
    createIdentityByOperator({ transaction: transaction(), tenants: stores().tenants, now: () => extra.now ?? Date.now() }, tenant.id, { traits, password: extra.password, verified: extra.verified }, OPERATOR);
  const auditOf = async (tenantId: string, identityId: string) => stores().audit.listForIdentity(tenantId, identityId, { limit: 50 });
  const eventsOf = (identityId: string, type: string) => current().handle.db.selectFrom('outbox_events').selectAll().where('aggregate_id', '=', identityId).where('type', '=', type).execute();

  test('create: verified flags per verifiable trait', async () => {
    const tenant = await newTenant();
    const identity = await create(tenant, { email: 'v@example.com', phone: '+1 555 0100' }, { verified: ['phone'] });
    assert.deepEqual(identity.addresses.map((address) => [address.kind, address.verifiedAt !== null]), [['email', false], ['phone', true]]);
    await assert.rejects(create(tenant, { email: 'w@example.com' }, { verified: ['name'] }), (error) => error instanceof ValidationError && error.problems[0]?.field === 'verified.name');
  });

  test('search: criteria, newest first, cursors, last sign-in; masked for analysts', async () => {
    const tenant = await newTenant();
    const t0 = Date.now() - 10 * HOUR;
    const ann = await create(tenant, { email: 'ann@example.com', name: 'Ann Lee', plan: 'pro' }, { now: t0 });
    const bob = await create(tenant, { email: 'bob@example.com', name: 'Bob', plan: 'free' }, { now: t0 + HOUR });
    const amy = await create(tenant, { email: 'amy@example.org', name: 'amy', plan: 'pro' }, { now: t0 + 2 * HOUR });
    await stores().audit.append({ id: uuidv7(), occurredAt: t0 + 5 * HOUR, tenantId: tenant.id, action: SIGN_IN_AUDIT_ACTION, outcome: 'success', actor: { type: 'customer', id: ann.id }, target: { type: 'identity', id: ann.id } });
    const scope = { id: tenant.id, schema: traitSchemaOf(tenant.settings) };
    const deps = { stores: stores() };
    const ids = async (criteria: Parameters<typeof searchCustomers>[2]) => (await searchCustomers(deps, scope, criteria, { limit: 10 })).items.map((item) => item.identity.id);
    assert.deepEqual(await ids({}), [amy.id, bob.id, ann.id]);
    assert.deepEqual(await ids({ email_prefix: 'A' }), [amy.id, ann.id]);
    assert.deepEqual(await ids({ email: 'ANN@example.com' }), [ann.id]);
    assert.deepEqual(await ids({ identifier_prefix: 'bo' }), [bob.id]);
    assert.deepEqual(await ids({ name: 'a' }), [amy.id, ann.id]);
    assert.deepEqual(await ids({ trait_name: 'plan', trait_value: 'PRO' }), [amy.id, ann.id]);
    assert.deepEqual(await ids({ last_sign_in_after: t0 }), [ann.id]);
    assert.deepEqual(await ids({ created_before: t0 + HOUR }), [ann.id]);

    const first = await searchCustomers(deps, scope, {}, { limit: 2 });
    assert.deepEqual(first.items.map((item) => item.identity.id), [amy.id, bob.id]);
    assert.ok(first.nextCursor);
    const second = await searchCustomers(deps, scope, {}, { limit: 2, cursor: first.nextCursor });
    assert.deepEqual(second.items.map((item) => [item.identity.id, item.lastSignedInAt]), [[ann.id, t0 + 5 * HOUR]]);
    assert.equal(second.nextCursor, null);

    await assert.rejects(
      searchCustomers(deps, scope, { email: 'a', email_prefix: 'a', trait_name: 'nope', trait_value: 'x', created_after: 1.5 }, { limit: 500, cursor: 'not-a-cursor' }),
      (error) => error instanceof ValidationError && error.problems.map((problem) => problem.field).sort().join() === 'created_after,cursor,email_prefix,limit,trait_name',
    );

    assert.equal(maskEmail('ann@example.com'), 'a•••@example.com');
    assert.equal(maskEmail('nonsense'), '•••');
    const masked = maskCustomer(await getCustomer(deps, tenant.id, ann.id));
    assert.deepEqual(masked, { id: ann.id, status: 'active', maskedEmail: 'a•••@example.com', emailVerified: false, createdAt: t0, lastSignedInAt: t0 + 5 * HOUR });
    assert.ok(!JSON.stringify(masked).includes('Ann Lee'));
  });

  test('JSON Merge Patch of traits: merged, validated, audited by field name', async () => {
    assert.deepEqual(applyMergePatch({ a: 1, b: { c: 2, d: 3 } }, { a: null, b: { c: null, e: 4 }, f: [1] }), { b: { d: 3, e: 4 }, f: [1] });
    const tenant = await newTenant();
    const identity = await create(tenant, { email: 'p@example.com', name: 'Pat', prefs: { theme: 'dark', lang: 'en' } });
    const patched = await patchCustomerTraits(transactionDeps(), tenant, identity.id, { traits: { name: null, plan: 'pro', prefs: { lang: null } } }, OPERATOR);
    assert.deepEqual(patched.traits, { email: 'p@example.com', plan: 'pro', prefs: { theme: 'dark' } });
    const [entry] = await auditOf(tenant.id, identity.id);
    assert.equal(entry?.action, 'identity.updated');
    assert.deepEqual(entry?.actor, { type: 'operator', id: 'staff:test' });
    assert.deepEqual([...(entry?.details?.['changed'] as string[])].sort(), ['name', 'plan', 'prefs']);
    assert.equal((await eventsOf(identity.id, 'identity.updated')).length, 1);

    await assert.rejects(
      patchCustomerTraits(transactionDeps(), tenant, identity.id, { traits: { plan: 'gold', email: null, phone: '+1 555' } }, OPERATOR),
      (error) => error instanceof ValidationError && error.problems.map((problem) => `${problem.field}:${problem.code}`).sort().join() === 'email:email.required,email:field.required,phone:trait.verifiable_read_only,plan:field.enum',
    );
    // If-Match: the route's precondition runs on the customer read inside the transaction.
    await assert.rejects(
      patchCustomerTraits(transactionDeps(), tenant, identity.id, { traits: { plan: 'free' }, precondition: () => { throw new DomainError('request.invalid', 'conflict', 'stale'); } }, OPERATOR),
      (error) => error instanceof DomainError && error.message === 'stale',
    );
    assert.equal((await stores().identities.findById(tenant.id, identity.id))?.traits['plan'], 'pro');
    await assert.rejects(patchCustomerTraits(transactionDeps(), tenant, 'no-such-id', { traits: {} }, OPERATOR), (error) => error instanceof DomainError && error.code === 'identity.not_found');
  });

  test('a new email moves the address and the password identifier, unverified unless vouched for; the old inbox is told', async () => {
    const tenant = await newTenant();
    const identity = await create(tenant, { email: 'old@example.com' }, { password: 'correct horse battery', verified: true });
    await create(tenant, { email: 'taken@example.com' });
    await assert.rejects(patchCustomerTraits(transactionDeps(), tenant, identity.id, { traits: { email: 'Taken@example.com' } }, OPERATOR), (error) => error instanceof DomainError && error.code === 'identity.address_taken');
    const moved = await patchCustomerTraits(transactionDeps(), tenant, identity.id, { traits: { email: 'New@Example.com' } }, OPERATOR);
    assert.deepEqual(moved.addresses.map((address) => [address.value, address.verifiedAt]), [['new@example.com', null]]);
    assert.equal((await stores().identities.findCredential(tenant.id, 'password', 'new@example.com'))?.identityId, identity.id);
    assert.equal(await stores().identities.findCredential(tenant.id, 'password', 'old@example.com'), undefined);
    assert.equal(await stores().identities.findByAddress(tenant.id, 'email', 'old@example.com'), undefined);
    const told = await stores().mail.list({ tenantId: tenant.id, limit: 10 });
    assert.deepEqual(told.filter((mail) => mail.kind === 'email_changed').map((mail) => mail.to), ['old@example.com']);
    const vouched = await patchCustomerTraits(transactionDeps(), tenant, identity.id, { traits: { email: 'third@example.com' }, emailVerified: true }, OPERATOR);
    assert.notEqual(vouched.addresses[0]?.verifiedAt, null);
  });

  test('the recovery email opens the customer\'s own new-password page, for active customers with an email only', async () => {
    const tenant = await newTenant();
    const identity = await create(tenant, { email: 'rec@example.com' }, { password: 'an old long password' });
    const sent = await sendRecoveryEmail(selfService(), tenant, identity.id, OPERATOR);
    assert.equal(sent.address, 'rec@example.com');
    const [mail] = await stores().mail.list({ tenantId: tenant.id, limit: 1 });
    assert.equal(mail?.kind, 'recover_password');
    const link = new URL(/https:\/\/id\.example\.com\/t\/[^\s"<]+/.exec(mail!.text!)![0]);
    assert.equal(link.pathname, `/t/${tenant.slug}/recovery`);
    const flow = (await stores().flows.find(tenant.id, link.searchParams.get('flow')!, Date.now()))!;
    const token = link.searchParams.get('token')!;
    assert.equal(await linkIsLive(selfService(), flow, token), true);
    const reset = await resetPassword(selfService(), tenant, flow, 'a brand new long password', {}, token);
    assert.equal(reset.ok, true);
    const credential = await stores().identities.findCredential(tenant.id, 'password', 'rec@example.com');
    assert.equal((await verifyPassword(String(credential?.config['hash']), 'a brand new long password')).valid, true);
    const actions = (await auditOf(tenant.id, identity.id)).map((entry) => `${entry.action}:${entry.actor.type}`);
    assert.ok(actions.includes('recovery.requested:operator'), actions.join());

    const blocked = await create(tenant, { email: 'blocked@example.com' });
    await stores().identities.setStatus(tenant.id, blocked.id, 'blocked', Date.now());
    await assert.rejects(sendRecoveryEmail(selfService(), tenant, blocked.id, OPERATOR), (error) => error instanceof DomainError && error.code === 'customer.blocked');
    await assert.rejects(sendRecoveryEmail(selfService(), tenant, 'nobody', OPERATOR), (error) => error instanceof DomainError && error.code === 'identity.not_found');
  });

  test('the verification email again: for an unverified address, within the address\'s send limit', async () => {
    const tenant = await newTenant();
    const identity = await create(tenant, { email: 'ver@example.com' });
    for (let i = 0; i < 3; i++) await resendVerificationEmail(selfService(), tenant, identity.id, OPERATOR);
    await assert.rejects(resendVerificationEmail(selfService(), tenant, identity.id, OPERATOR), (error) => error instanceof DomainError && error.kind === 'rate_limited' && Number(error.params['seconds']) > 0);
    const mails = await stores().mail.list({ tenantId: tenant.id, limit: 10 });
    assert.deepEqual(mails.map((mail) => mail.kind), ['verify_email', 'verify_email', 'verify_email']);
    const entries = (await auditOf(tenant.id, identity.id)).filter((entry) => entry.action === 'address.verification_sent');
    assert.deepEqual(entries.map((entry) => entry.actor.type), ['operator', 'operator', 'operator']);
    const verified = await create(tenant, { email: 'done@example.com' }, { verified: true });
    await assert.rejects(resendVerificationEmail(selfService(), tenant, verified.id, OPERATOR), (error) => error instanceof DomainError && error.code === 'customer.address_verified');
  });

  test('sessions and grants: listed, ended one by one or all at once, with back-channel logout recorded', async () => {
    const tenant = await newTenant();
    const identity = await create(tenant, { email: 'ses@example.com' });
    const now = Date.now();
    const authorizations = { web: { sid: 'sid-web', grantId: 'grant-web' } };
    const exp = Math.floor(now / 1000) + 3600;
    await stores().oidcArtifacts.upsert(tenant.id, 'Session', 's1', { uid: 'uid-1', accountId: identity.id, loginTs: Math.floor(now / 1000), exp, authorizations }, now + HOUR);
    await stores().oidcArtifacts.upsert(tenant.id, 'Session', 's2', { uid: 'uid-2', accountId: identity.id, loginTs: Math.floor(now / 1000), exp, authorizations: { app: { sid: 'sid-app', grantId: 'grant-app' } } }, now + HOUR);
    // A grant of its own (a refresh token's, say), beyond the one the first session ends with it.
    await stores().oidcArtifacts.upsert(tenant.id, 'Grant', 'grant-web-offline', { accountId: identity.id, clientId: 'web' }, now + HOUR);
    await stores().consents.save({ tenantId: tenant.id, identityId: identity.id, applicationId: 'web', scopes: ['openid'], resourceScopes: {}, grantedAt: now, updatedAt: now });

    assert.deepEqual((await listCustomerSessions(access(), tenant.id, identity.id)).map((session) => session.id).sort(), ['uid-1', 'uid-2']);
    await revokeCustomerSession(access(), tenant.id, identity.id, 'uid-1', OPERATOR);
    assert.deepEqual((await listCustomerSessions(access(), tenant.id, identity.id)).map((session) => session.id), ['uid-2']);
    await assert.rejects(revokeCustomerSession(access(), tenant.id, identity.id, 'uid-1', OPERATOR), (error) => error instanceof DomainError && error.code === 'session.not_found');
    const ended = await eventsOf(identity.id, 'browser_sessions.ended');
    assert.deepEqual(ended.map((event) => JSON.parse(String(event.payload)).applications), [[{ clientId: 'web', sid: 'sid-web' }]]);

    assert.deepEqual((await listCustomerGrants(access(), tenant.id, identity.id)).map((grant) => grant.clientId), ['web']);
    assert.deepEqual(await revokeCustomerGrant(access(), tenant.id, identity.id, 'web', OPERATOR), { revokedGrants: 1 });
    assert.deepEqual(await listCustomerGrants(access(), tenant.id, identity.id), []);
    await assert.rejects(revokeCustomerGrant(access(), tenant.id, identity.id, 'web', OPERATOR), (error) => error instanceof DomainError && error.code === 'application.not_connected');

    const all = await revokeAllCustomerSessions(access(), tenant.id, identity.id, OPERATOR);
    assert.ok(all.revokedArtifacts >= 1);
    assert.deepEqual(await listCustomerSessions(access(), tenant.id, identity.id), []);
    const payloads = (await eventsOf(identity.id, 'browser_sessions.ended')).map((event) => JSON.parse(String(event.payload)).applications);
    assert.deepEqual(payloads.at(-1), [{ clientId: 'app', sid: 'sid-app' }]);
    const actions = (await auditOf(tenant.id, identity.id)).filter((entry) => entry.actor.type === 'operator').map((entry) => entry.action);
    assert.deepEqual(actions.slice(0, 3), ['session.revoked_all', 'consent.revoked', 'session.revoked']);
    await assert.rejects(listCustomerSessions(access(), tenant.id, 'no-such-id'), (error) => error instanceof DomainError && error.code === 'identity.not_found');
  });

  test('activity: newest first, by cursor, exact when entries share a millisecond', async () => {
    const tenant = await newTenant();
    const identity = await create(tenant, { email: 'act@example.com' });
    const at = Date.now();
    for (let i = 0; i < 5; i++) {
      await stores().audit.append({ id: uuidv7(at), occurredAt: at, tenantId: tenant.id, action: `test.${i}`, outcome: 'success', actor: { type: 'customer', id: identity.id }, target: { type: 'identity', id: identity.id } });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await customerActivity({ stores: stores() }, tenant.id, identity.id, { limit: 2, cursor });
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const all = await stores().audit.listForIdentity(tenant.id, identity.id, { limit: 50 });
    assert.deepEqual(seen, all.map((entry) => entry.id));
    assert.equal(seen.length, 6);
    await assert.rejects(customerActivity({ stores: stores() }, tenant.id, identity.id, { limit: 2, cursor: '!!' }), ValidationError);
  });

  function transactionDeps() {
    return { transaction: transaction() };
  }
});
