// Operators' identity use cases below the CLI, on each engine: what the command line cannot reach
// (a tenant's own trait schema, the breached-password check, an injected clock) and the promise
// that a change, its revocations, its audit entry and its event commit together or not at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createStores, createTransaction } from '../../src/storage/stores.ts';
import type { Stores, Transaction } from '../../src/domain/unit-of-work.ts';
import {
  blockIdentity,
  createIdentityByOperator,
  deleteIdentity,
  unblockIdentity,
} from '../../src/domain/identity/identities.service.ts';
import type { Actor } from '../../src/domain/tenants/tenants.service.ts';
import { DomainError, ValidationError } from '../../src/domain/errors.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const OPERATOR: Actor = { type: 'operator', id: 'cli:test' };
const T0 = 1_790_000_000_000;
const HOUR = 3_600_000;

let count = 0;
const unique = (name: string) => `${name}-${++count}-${process.pid}`;

describeEachEngine('identities service', (current) => {
  const stores = () => createStores(current().handle.db);
  const transaction = (): Transaction => createTransaction(current().handle.db);
  /** A transaction whose stores are the real ones with some replaced. */
  const transactionWith = (replace: (stores: Stores) => Partial<Stores>): Transaction => (work) => transaction()((real) => work({ ...real, ...replace(real) }));
  const deps = () => ({ transaction: transaction(), tenants: stores().tenants });

  async function newTenant(settings: Record<string, unknown> = {}): Promise<string> {
    const tenant = await stores().tenants.create({ id: uuidv7(), slug: unique('svc'), name: 'Service test', settings, now: Date.now() });
    return tenant.id;
  }

  async function customerWithArtifacts(tenantId: string, now = Date.now()) {
    const identity = await createIdentityByOperator({ ...deps(), now: () => now }, tenantId, { traits: { email: `${unique('c')}@example.com` } }, OPERATOR);
    for (const model of ['Session', 'RefreshToken']) await stores().oidcArtifacts.upsert(tenantId, model, `${model}-${identity.id}`, { accountId: identity.id }, Date.now() + HOUR);
    return identity;
  }

  async function artifactCount(tenantId: string, identityId: string): Promise<number> {
    let found = 0;
    for (const model of ['Session', 'RefreshToken']) if (await stores().oidcArtifacts.find(tenantId, model, `${model}-${identityId}`)) found += 1;
    return found;
  }

  // The transaction's own outbox with enqueue failing (the rest of it must run inside the transaction).
  const failingOutbox = (real: Stores): Partial<Stores> => ({
    outbox: { ...real.outbox, enqueue: () => Promise.reject(new Error('outbox unavailable')) },
  });

  test('traits are checked with the tenant\'s own schema, whose verifiable traits become addresses', async () => {
    const identitySchema = {
      type: 'object',
      properties: {
        email: { type: 'string', 'x-foyer': { identifier: true, verifiable: 'email' } },
        phone: { type: 'string', 'x-foyer': { verifiable: 'phone' } },
        plan: { type: 'string', enum: ['free', 'gold'] },
      },
      required: ['email', 'plan'],
      additionalProperties: false,
    };
    const tenantId = await newTenant({ identitySchema });
    await assert.rejects(
      createIdentityByOperator(deps(), tenantId, { traits: { email: 'ann@example.com', name: 'Ann' } }, OPERATOR),
      (error) => error instanceof ValidationError && error.problems.map((problem) => problem.field).sort().join() === 'name,plan',
    );
    const identity = await createIdentityByOperator(deps(), tenantId, { traits: { email: ' ann@example.com ', phone: '+44 20 7946 0000', plan: 'gold' } }, OPERATOR);
    assert.deepEqual(identity.traits, { email: 'ann@example.com', phone: '+44 20 7946 0000', plan: 'gold' });
    assert.deepEqual(identity.addresses.map((address) => [address.kind, address.value]), [['email', 'ann@example.com'], ['phone', '+442079460000']]);
    await assert.rejects(
      createIdentityByOperator(deps(), tenantId, { traits: { email: 'bob@example.com', phone: '+44 (20) 7946-0000', plan: 'free' } }, OPERATOR),
      (error) => error instanceof DomainError && error.code === 'identity.address_taken' && error.message.includes('phone address "+442079460000"'),
    );
  });

  test('the breached-password check refuses a listed password, and is not asked when there is none', async () => {
    const tenantId = await newTenant();
    const asked: string[] = [];
    const breachedCheck = async (password: string) => (asked.push(password), 'breached' as const);
    await assert.rejects(
      createIdentityByOperator({ ...deps(), breachedCheck }, tenantId, { traits: { email: 'breached@example.com' }, password: 'long enough passphrase' }, OPERATOR),
      (error) => error instanceof ValidationError && error.problems[0]?.code === 'password.breached',
    );
    assert.equal(await stores().identities.findByAddress(tenantId, 'email', 'breached@example.com'), undefined);
    await createIdentityByOperator({ ...deps(), breachedCheck }, tenantId, { traits: { email: 'breached@example.com' } }, OPERATOR);
    assert.deepEqual(asked, ['long enough passphrase']);
  });

  test('times come from the clock given; --verified verifies every address at that time', async () => {
    const tenantId = await newTenant();
    const identity = await createIdentityByOperator({ ...deps(), now: () => T0 }, tenantId, { traits: { email: 'clock@example.com' }, verified: true }, OPERATOR);
    assert.equal(identity.createdAt, T0);
    assert.deepEqual(identity.addresses.map((address) => address.verifiedAt), [T0]);
    const { identity: blocked } = await blockIdentity({ transaction: transaction(), now: () => T0 + 5 }, tenantId, identity.id, OPERATOR);
    assert.equal(blocked.updatedAt, T0 + 5);
    assert.equal((await stores().identities.findById(tenantId, identity.id))?.updatedAt, T0 + 5);
  });

  test('the unique index still refuses a taken address that the early check missed (a race)', async () => {
    const tenantId = await newTenant();
    await createIdentityByOperator(deps(), tenantId, { traits: { email: 'race@example.com' } }, OPERATOR);
    const blind = transactionWith((real) => ({ identities: { ...real.identities, findByAddress: async () => undefined } }));
    await assert.rejects(
      createIdentityByOperator({ ...deps(), transaction: blind }, tenantId, { traits: { email: 'RACE@example.com' } }, OPERATOR),
      (error) => error instanceof DomainError && error.kind === 'conflict',
    );
    assert.equal((await stores().identities.list(tenantId, { limit: 5 })).length, 1);
  });

  test('an unknown tenant or identity is a not_found DomainError', async () => {
    await assert.rejects(
      createIdentityByOperator(deps(), uuidv7(), { traits: { email: 'x@example.com' } }, OPERATOR),
      (error) => error instanceof DomainError && error.code === 'tenant.not_found' && error.kind === 'not_found',
    );
    const tenantId = await newTenant();
    for (const change of [blockIdentity, unblockIdentity, deleteIdentity]) {
      await assert.rejects(
        change({ transaction: transaction() }, tenantId, uuidv7(), OPERATOR),
        (error) => error instanceof DomainError && error.code === 'identity.not_found' && error.kind === 'not_found',
      );
    }
  });

  test('when the event cannot be written, nothing of a block or a delete happens', async () => {
    const tenantId = await newTenant();
    const identity = await customerWithArtifacts(tenantId);
    const broken = { transaction: transactionWith(failingOutbox) };
    await assert.rejects(blockIdentity(broken, tenantId, identity.id, OPERATOR), /outbox unavailable/);
    assert.equal((await stores().identities.findById(tenantId, identity.id))?.status, 'active');
    assert.equal(await artifactCount(tenantId, identity.id), 2);
    await assert.rejects(deleteIdentity(broken, tenantId, identity.id, OPERATOR), /outbox unavailable/);
    assert.ok(await stores().identities.findById(tenantId, identity.id));
    assert.equal(await artifactCount(tenantId, identity.id), 2);
    assert.deepEqual((await stores().audit.list(tenantId, { targetId: identity.id, limit: 5 })).map((event) => event.action), ['identity.created']);
  });

  test('block, unblock and delete each write their audit entry and event, attributed to the actor', async () => {
    const tenantId = await newTenant();
    // One tick apart, so that listing by time (and UUIDv7 ids) gives a certain order.
    const identity = await customerWithArtifacts(tenantId, T0);
    const at = (tick: number) => ({ transaction: transaction(), now: () => T0 + tick });
    const actor: Actor = { type: 'operator', id: 'cli:alice', context: { userAgent: 'foyer-cli' } };
    assert.equal((await blockIdentity(at(1), tenantId, identity.id, actor)).revokedArtifacts, 2);
    await unblockIdentity(at(2), tenantId, identity.id, actor);
    assert.deepEqual(await deleteIdentity(at(3), tenantId, identity.id, actor), { revokedArtifacts: 0 });
    const audit = await stores().audit.list(tenantId, { targetId: identity.id, limit: 10 });
    assert.deepEqual(audit.map((event) => [event.action, event.occurredAt, event.actor.id, event.context?.userAgent]), [
      ['identity.deleted', T0 + 3, 'cli:alice', 'foyer-cli'],
      ['identity.unblocked', T0 + 2, 'cli:alice', 'foyer-cli'],
      ['identity.blocked', T0 + 1, 'cli:alice', 'foyer-cli'],
      ['identity.created', T0, 'cli:test', undefined],
    ]);
    const events = await current().handle.db.selectFrom('outbox_events').select(['type', 'payload']).where('aggregate_id', '=', identity.id).orderBy('occurred_at').execute();
    // The erased customer's earlier events stay, their payloads emptied.
    assert.deepEqual(events.map((event) => [event.type, JSON.parse(event.payload)]).slice(1), [
      ['identity.blocked', { redacted: true }],
      ['identity.unblocked', { redacted: true }],
      ['identity.deleted', {}],
    ]);
    assert.equal(events[0]?.type, 'identity.created');
  });
});
