// The storage the account portal adds: a customer's artifacts by model (with the device a session
// was created from), "everything but the current session", app sessions per customer, the audit
// log by actor or target, traits and credential metadata. On both engines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createStores } from '../../src/storage/stores.ts';
import { newSession, hashSessionToken } from '../../src/domain/sessions/session.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const T0 = 1_790_000_000_000;
const HOUR = 3_600_000;

describeEachEngine('account queries', (current) => {
  const stores = () => createStores(current().handle.db);
  const tenant = () => uuidv7();
  /** A tenant row, for tables with foreign keys to it. */
  async function realTenant(): Promise<string> {
    const id = uuidv7();
    await stores().tenants.create({ id, slug: `t-${id.slice(-12)}`, name: 'Test', settings: {}, now: T0 });
    return id;
  }
  async function customer(t: string, email: string): Promise<string> {
    const id = uuidv7(T0);
    await stores().identities.create({ id, tenantId: t, traits: { email }, addresses: [{ kind: 'email', value: email }], credentials: [{ id: uuidv7(T0), type: 'password', config: { hash: 'h' }, identifiers: [email] }], now: T0 });
    return id;
  }

  test("a session records its device once, and its last save each time; listed per account and model", async () => {
    const t = tenant();
    const artifacts = stores().oidcArtifacts;
    await artifacts.upsert(t, 'Session', 's1', { uid: 'u1', accountId: 'ann' }, T0 + HOUR, { device: { userAgent: 'Firefox', ip: '192.0.2.1' }, at: T0 });
    await artifacts.upsert(t, 'Session', 's1', { uid: 'u1', accountId: 'ann', touched: true }, T0 + 2 * HOUR, { device: { userAgent: 'Other', ip: '198.51.100.9' }, at: T0 + 60_000 });
    await artifacts.upsert(t, 'Session', 's2', { uid: 'u2', accountId: 'bob' }, T0 + HOUR);
    await artifacts.upsert(t, 'Grant', 'g1', { accountId: 'ann', clientId: 'app' }, T0 + HOUR);
    await artifacts.upsert(t, 'Session', 'old', { uid: 'u3', accountId: 'ann' }, T0 - 1);
    const sessions = await artifacts.listByAccountId(t, 'Session', 'ann', T0);
    assert.deepEqual(sessions, [{ id: 's1', payload: { uid: 'u1', accountId: 'ann', touched: true }, consumedAt: null, device: { userAgent: 'Firefox', ip: '192.0.2.1' }, seenAt: T0 + 60_000 }]);
    assert.deepEqual((await artifacts.listByAccountId(t, 'Grant', 'ann', T0)).map((grant) => grant.id), ['g1']);
    assert.deepEqual(await artifacts.listByAccountId(uuidv7(), 'Session', 'ann', T0), []);
  });

  test('revokes everything of an account but the kept session and grants', async () => {
    const t = tenant();
    const artifacts = stores().oidcArtifacts;
    const put = (model: string, id: string, payload: Record<string, unknown>) => artifacts.upsert(t, model, id, { accountId: 'ann', ...payload }, T0 + HOUR);
    await put('Session', 'here', { uid: 'u-here' });
    await put('Session', 'there', { uid: 'u-there' });
    await put('Grant', 'g-here', {});
    await put('Grant', 'g-there', {});
    await put('RefreshToken', 'rt-here', { grantId: 'g-here' });
    await put('RefreshToken', 'rt-there', { grantId: 'g-there' });
    await put('AccessToken', 'at-device', { grantId: 'g-device' });
    await artifacts.upsert(t, 'RefreshToken', 'rt-bob', { accountId: 'bob', grantId: 'g-bob' }, T0 + HOUR);
    const revoked = await artifacts.revokeByAccountIdExcept(t, 'ann', { sessionUid: 'u-here', grantIds: ['g-here'] });
    assert.equal(revoked, 4);
    const left = async (model: string) => (await artifacts.listByAccountId(t, model, 'ann', T0)).map((artifact) => artifact.id);
    assert.deepEqual(await left('Session'), ['here']);
    assert.deepEqual(await left('Grant'), ['g-here']);
    assert.deepEqual(await left('RefreshToken'), ['rt-here']);
    assert.deepEqual(await left('AccessToken'), []);
    assert.ok(await artifacts.find(t, 'RefreshToken', 'rt-bob', T0), "another customer's tokens are untouched");
    // Nothing kept: everything goes.
    assert.equal(await artifacts.revokeByAccountIdExcept(t, 'ann', { grantIds: [] }), 3);
  });

  test("app sessions are listed and revoked per customer, never another's", async () => {
    const t = await realTenant();
    const { sessions } = stores();
    const [annId, bobId] = [await customer(t, 'ann@example.com'), await customer(t, 'bob@example.com')];
    const ann = newSession({ tenantId: t, identityId: annId, methods: ['pwd'], device: { userAgent: 'App/1' }, now: T0 });
    const bob = newSession({ tenantId: t, identityId: bobId, methods: ['pwd'], device: {}, now: T0 });
    await sessions.create(ann.session, hashSessionToken(ann.token));
    await sessions.create(bob.session, hashSessionToken(bob.token));
    assert.deepEqual((await sessions.listOf(t, annId, T0 + 1)).map((session) => session.id), [ann.session.id]);
    assert.equal(await sessions.revokeOf(t, annId, bob.session.id, T0 + 1), false);
    assert.equal(await sessions.revokeOf(t, annId, ann.session.id, T0 + 1), true);
    assert.deepEqual(await sessions.listOf(t, annId, T0 + 2), []);
    assert.equal((await sessions.listOf(t, bobId, T0 + 2)).length, 1);
  });

  test('the audit log of one identity: as target or as actor, newest first, limited', async () => {
    const t = tenant();
    const { audit } = stores();
    const append = (id: string, at: number, actor: string | undefined, target: string | undefined) =>
      audit.append({ id, occurredAt: at, tenantId: t, action: 'x', outcome: 'success', actor: { type: 'customer', id: actor }, target: target ? { type: 'identity', id: target } : undefined });
    await append('e1', T0, 'ann', 'ann');
    await append('e2', T0 + 1, undefined, 'ann');
    await append('e3', T0 + 2, 'ann', 'app');
    await append('e4', T0 + 3, 'bob', 'bob');
    assert.deepEqual((await audit.listForIdentity(t, 'ann', { limit: 10 })).map((event) => event.id), ['e3', 'e2', 'e1']);
    assert.deepEqual((await audit.listForIdentity(t, 'ann', { limit: 2 })).map((event) => event.id), ['e3', 'e2']);
    assert.deepEqual((await audit.listForIdentity(t, 'ann', { limit: 10, before: T0 + 2 })).map((event) => event.id), ['e2', 'e1']);
  });

  test('traits are replaced and credentials listed with their identifiers', async () => {
    const t = await realTenant();
    const { identities } = stores();
    const id = await customer(t, 'ann@example.com');
    assert.equal(await identities.updateTraits(t, id, { email: 'ann@example.com', name: 'Ann' }, T0 + 5), true);
    const identity = await identities.findById(t, id);
    assert.deepEqual(identity?.traits, { email: 'ann@example.com', name: 'Ann' });
    assert.equal(identity?.updatedAt, T0 + 5);
    assert.equal(await identities.updateTraits(uuidv7(), id, {}, T0), false);
    const credentials = await identities.listCredentials(t, id);
    assert.deepEqual(credentials.map((credential) => [credential.type, credential.identifiers, credential.createdAt]), [['password', ['ann@example.com'], T0]]);
  });
});
