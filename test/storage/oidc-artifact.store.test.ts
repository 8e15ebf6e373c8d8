import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { describeEachEngine } from '../helpers/engines.ts';
import { createOidcArtifactStore } from '../../src/storage/oidc-artifact.store.ts';
import { up as addArtifactAccount } from '../../src/storage/migrations/0003-artifact-account.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const T0 = 1_790_000_000_000;
const HOUR = 3_600_000;

describeEachEngine('OidcArtifactStore', (current) => {
  const store = () => createOidcArtifactStore(current().handle.db);
  // Each test works in tenants of its own, so the tests of one engine share a database safely.
  const tenant = () => uuidv7();

  test('stores an artifact and finds it by id, with its payload and no consumption', async () => {
    const t = tenant();
    const payload = { jti: 'code-1', kind: 'AuthorizationCode', grantId: 'g1', scope: 'openid email', nested: { a: [1, 2] } };
    await store().upsert(t, 'AuthorizationCode', 'code-1', payload, T0 + HOUR);
    assert.deepEqual(await store().find(t, 'AuthorizationCode', 'code-1', T0), { payload, consumedAt: null });
    // The model is part of the key: the same id under another model is another artifact.
    assert.equal(await store().find(t, 'AccessToken', 'code-1', T0), undefined);
    assert.equal(await store().find(t, 'AuthorizationCode', 'code-2', T0), undefined);
  });

  test('the same model and id in two tenants are two artifacts', async () => {
    const [a, b] = [tenant(), tenant()];
    await store().upsert(a, 'Session', 'shared-id', { uid: 'uid-a', account: 'alice' }, T0 + HOUR);
    await store().upsert(b, 'Session', 'shared-id', { uid: 'uid-b', account: 'bob' }, T0 + HOUR);
    assert.equal((await store().find(a, 'Session', 'shared-id', T0))?.payload['account'], 'alice');
    assert.equal((await store().find(b, 'Session', 'shared-id', T0))?.payload['account'], 'bob');
    assert.equal(await store().findByUid(a, 'Session', 'uid-b', T0), undefined);
    await store().destroy(a, 'Session', 'shared-id');
    assert.equal(await store().find(a, 'Session', 'shared-id', T0), undefined);
    assert.equal((await store().find(b, 'Session', 'shared-id', T0))?.payload['account'], 'bob');
  });

  test('expired artifacts are hidden from every finder, at their expiry instant and after', async () => {
    const t = tenant();
    await store().upsert(t, 'DeviceCode', 'dc-1', { userCode: 'ABCD-EFGH', uid: 'u-1' }, T0);
    assert.ok(await store().find(t, 'DeviceCode', 'dc-1', T0 - 1));
    assert.ok(await store().findByUserCode(t, 'DeviceCode', 'ABCD-EFGH', T0 - 1));
    assert.ok(await store().findByUid(t, 'DeviceCode', 'u-1', T0 - 1));
    assert.equal(await store().find(t, 'DeviceCode', 'dc-1', T0), undefined);
    assert.equal(await store().findByUserCode(t, 'DeviceCode', 'ABCD-EFGH', T0), undefined);
    assert.equal(await store().findByUid(t, 'DeviceCode', 'u-1', T0 + 1), undefined);
  });

  test('without an explicit time the finders use the current time; no expiry means it never expires', async () => {
    const t = tenant();
    await store().upsert(t, 'Interaction', 'past', {}, Date.now() - 1_000);
    await store().upsert(t, 'Interaction', 'future', {}, Date.now() + HOUR);
    await store().upsert(t, 'Client', 'dynamic-client', { client_id: 'dynamic-client' }, null);
    assert.equal(await store().find(t, 'Interaction', 'past'), undefined);
    assert.ok(await store().find(t, 'Interaction', 'future'));
    assert.ok(await store().find(t, 'Client', 'dynamic-client', Number.MAX_SAFE_INTEGER));
  });

  test('finds a session by uid and a device code by user code, within the model and tenant', async () => {
    const [t, other] = [tenant(), tenant()];
    await store().upsert(t, 'Session', 's-1', { uid: 'session-uid', account: 'alice' }, T0 + HOUR);
    await store().upsert(t, 'DeviceCode', 'dc-1', { userCode: 'WXYZ-1234', grantId: 'g' }, T0 + HOUR);
    await store().upsert(other, 'DeviceCode', 'dc-2', { userCode: 'OTHR-0000' }, T0 + HOUR);
    assert.equal((await store().findByUid(t, 'Session', 'session-uid', T0))?.payload['account'], 'alice');
    assert.equal(await store().findByUid(t, 'Interaction', 'session-uid', T0), undefined);
    assert.equal((await store().findByUserCode(t, 'DeviceCode', 'WXYZ-1234', T0))?.payload['grantId'], 'g');
    assert.equal(await store().findByUserCode(t, 'DeviceCode', 'OTHR-0000', T0), undefined);
    assert.equal(await store().findByUserCode(t, 'DeviceCode', 'NONE-0000', T0), undefined);
  });

  test('upsert replaces payload, expiry and lookup columns', async () => {
    const t = tenant();
    await store().upsert(t, 'Session', 's-1', { uid: 'old-uid', grantId: 'g-old', v: 1 }, T0);
    await store().upsert(t, 'Session', 's-1', { uid: 'new-uid', v: 2 }, T0 + HOUR);
    assert.deepEqual((await store().find(t, 'Session', 's-1', T0 + 1))?.payload, { uid: 'new-uid', v: 2 });
    assert.equal(await store().findByUid(t, 'Session', 'old-uid', T0 - 1), undefined);
    assert.ok(await store().findByUid(t, 'Session', 'new-uid', T0 + 1));
    // The old grant id went with the old payload: revoking it leaves the artifact alone.
    await store().revokeByGrantId(t, 'g-old');
    assert.ok(await store().find(t, 'Session', 's-1', T0 + 1));
    // An expiry can also be removed.
    await store().upsert(t, 'Session', 's-1', { uid: 'new-uid', v: 3 }, null);
    assert.equal((await store().find(t, 'Session', 's-1', T0 + 10 * HOUR))?.payload['v'], 3);
  });

  test('consume records the first consumption time, and a later upsert keeps it', async () => {
    const t = tenant();
    await store().upsert(t, 'RefreshToken', 'rt-1', { grantId: 'g' }, T0 + HOUR);
    assert.equal(await store().consume(t, 'RefreshToken', 'rt-1', T0 + 5), true, 'this call consumed it');
    assert.equal((await store().find(t, 'RefreshToken', 'rt-1', T0))?.consumedAt, T0 + 5);
    assert.equal(await store().consume(t, 'RefreshToken', 'rt-1', T0 + 9), false, 'it already was');
    assert.equal((await store().find(t, 'RefreshToken', 'rt-1', T0))?.consumedAt, T0 + 5);
    await store().upsert(t, 'RefreshToken', 'rt-1', { grantId: 'g', rotations: 1 }, T0 + HOUR);
    assert.deepEqual(await store().find(t, 'RefreshToken', 'rt-1', T0), { payload: { grantId: 'g', rotations: 1 }, consumedAt: T0 + 5 });
    // Consuming in another tenant, or a missing artifact, changes nothing and does not fail.
    const other = tenant();
    await store().upsert(other, 'RefreshToken', 'rt-1', { grantId: 'g' }, T0 + HOUR);
    assert.equal(await store().consume(t, 'RefreshToken', 'missing', T0), false);
    assert.equal((await store().find(other, 'RefreshToken', 'rt-1', T0))?.consumedAt, null);
  });

  test('writeAll applies several upserts and destroys at once, with the lookup columns, consumption and devices of upsert', async () => {
    const t = tenant();
    await store().upsert(t, 'RefreshToken', 'rt-old', { grantId: 'g1', accountId: 'alice' }, T0 + HOUR);
    await store().consume(t, 'RefreshToken', 'rt-old', T0 + 5);
    await store().upsert(t, 'Interaction', 'int-1', { uid: 'int-1' }, T0 + HOUR);
    await store().upsert(t, 'Session', 'sess-1', { uid: 'uid-1', accountId: 'alice' }, T0 + HOUR, { device: { ip: '192.0.2.1' }, at: T0 });
    await store().writeAll(t, [
      { kind: 'upsert', model: 'Session', id: 'sess-1', payload: { uid: 'uid-1', accountId: 'alice', seen: 2 }, expiresAt: T0 + 2 * HOUR, seen: { device: { ip: '198.51.100.7' }, at: T0 + 9 } },
      { kind: 'upsert', model: 'AuthorizationCode', id: 'code-9', payload: { grantId: 'g1', accountId: 'alice' }, expiresAt: T0 + HOUR },
      { kind: 'upsert', model: 'RefreshToken', id: 'rt-old', payload: { grantId: 'g1', accountId: 'alice', rotated: true }, expiresAt: T0 + HOUR },
      { kind: 'destroy', model: 'Interaction', id: 'int-1' },
      { kind: 'destroy', model: 'Interaction', id: 'never-was' },
    ]);
    assert.deepEqual(await store().find(t, 'Session', 'sess-1', T0 + HOUR + 1), { payload: { uid: 'uid-1', accountId: 'alice', seen: 2 }, consumedAt: null });
    assert.deepEqual(await store().find(t, 'AuthorizationCode', 'code-9', T0), { payload: { grantId: 'g1', accountId: 'alice' }, consumedAt: null });
    assert.deepEqual(await store().find(t, 'RefreshToken', 'rt-old', T0), { payload: { grantId: 'g1', accountId: 'alice', rotated: true }, consumedAt: T0 + 5 }, 'a consumed token stays consumed');
    assert.equal(await store().find(t, 'Interaction', 'int-1', T0), undefined);
    // The device stays the one the session was created from; the save says when it was seen.
    const [session] = await store().listByAccountId(t, 'Session', 'alice', T0);
    assert.deepEqual([session?.device, session?.seenAt], [{ ip: '192.0.2.1' }, T0 + 9]);
    await store().revokeByGrantId(t, 'g1');
    assert.equal(await store().find(t, 'AuthorizationCode', 'code-9', T0), undefined, 'its grant column was written');
    // Destroys only, one write, and nothing at all.
    await store().writeAll(t, [{ kind: 'destroy', model: 'Session', id: 'sess-1' }, { kind: 'destroy', model: 'Grant', id: 'g1' }]);
    assert.equal(await store().findByUid(t, 'Session', 'uid-1', T0), undefined);
    await store().writeAll(t, [{ kind: 'upsert', model: 'Grant', id: 'g2', payload: { accountId: 'alice' }, expiresAt: null }]);
    assert.ok(await store().find(t, 'Grant', 'g2', T0));
    await store().writeAll(t, []);
  });

  test('writeAll is all or nothing: a write the database refuses leaves every other unwritten', async () => {
    const t = tenant();
    await store().upsert(t, 'Session', 'kept', { uid: 'uid-kept' }, T0 + HOUR);
    const refused = { kind: 'upsert', model: 'AccessToken', id: null as unknown as string, payload: {}, expiresAt: T0 + HOUR } as const;
    await assert.rejects(
      store().writeAll(t, [{ kind: 'upsert', model: 'AccessToken', id: 'at-1', payload: {}, expiresAt: T0 + HOUR }, { kind: 'destroy', model: 'Session', id: 'kept' }, refused]),
    );
    assert.equal(await store().find(t, 'AccessToken', 'at-1', T0), undefined);
    assert.ok(await store().find(t, 'Session', 'kept', T0));
  });

  test('writeAll of many requests at once (committed together on SQLite): each lands, all or nothing, and one refused is refused alone', async () => {
    const [t, other] = [tenant(), tenant()];
    const s = store();
    await s.upsert(t, 'Session', 'kept', { uid: 'uid-kept' }, T0 + HOUR);
    const refused = { kind: 'upsert', model: 'AccessToken', id: null as unknown as string, payload: {}, expiresAt: T0 + HOUR } as const;
    // Started in the same turn of the event loop, as the answers of concurrent requests are.
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 20 }, (_, i) => s.writeAll(i % 2 ? t : other, [{ kind: 'upsert', model: 'ClientCredentials', id: `cc-${i}`, payload: { clientId: 'm' }, expiresAt: T0 + HOUR }])),
      s.writeAll(t, [{ kind: 'upsert', model: 'AccessToken', id: 'at-refused', payload: {}, expiresAt: T0 + HOUR }, { kind: 'destroy', model: 'Session', id: 'kept' }, refused]),
      s.writeAll(t, [{ kind: 'upsert', model: 'Grant', id: 'g-after', payload: { accountId: 'alice' }, expiresAt: null }, { kind: 'upsert', model: 'AccessToken', id: 'at-after', payload: { grantId: 'g-after' }, expiresAt: T0 + HOUR }]),
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      [...Array.from({ length: 20 }, () => 'fulfilled'), 'rejected', 'fulfilled'],
    );
    for (let i = 0; i < 20; i++) assert.ok(await s.find(i % 2 ? t : other, 'ClientCredentials', `cc-${i}`, T0), `cc-${i} landed in its tenant`);
    assert.equal(await s.find(t, 'ClientCredentials', 'cc-0', T0), undefined, 'in its own tenant only');
    // The refused request's writes are all undone; the others' are not.
    assert.equal(await s.find(t, 'AccessToken', 'at-refused', T0), undefined);
    assert.ok(await s.find(t, 'Session', 'kept', T0));
    assert.ok(await s.find(t, 'Grant', 'g-after', T0));
    assert.equal((await s.find(t, 'AccessToken', 'at-after', T0))?.payload['grantId'], 'g-after');
  });

  test('revokeByGrantId deletes every model of the grant in the tenant, nothing else', async () => {
    const [t, other] = [tenant(), tenant()];
    for (const model of ['AccessToken', 'RefreshToken', 'AuthorizationCode']) {
      await store().upsert(t, model, `${model}-g1`, { grantId: 'g1' }, T0 + HOUR);
      await store().upsert(other, model, `${model}-g1`, { grantId: 'g1' }, T0 + HOUR);
    }
    await store().upsert(t, 'AccessToken', 'at-g2', { grantId: 'g2' }, T0 + HOUR);
    await store().upsert(t, 'Session', 'no-grant', { uid: 'u' }, T0 + HOUR);
    await store().revokeByGrantId(t, 'g1');
    for (const model of ['AccessToken', 'RefreshToken', 'AuthorizationCode']) {
      assert.equal(await store().find(t, model, `${model}-g1`, T0), undefined);
      assert.ok(await store().find(other, model, `${model}-g1`, T0), `${model} of the other tenant survives`);
    }
    assert.ok(await store().find(t, 'AccessToken', 'at-g2', T0));
    assert.ok(await store().find(t, 'Session', 'no-grant', T0));
  });

  test('revokeByAccountId deletes every model of the account in the tenant, nothing else, and counts', async () => {
    const [t, other] = [tenant(), tenant()];
    const models = ['Session', 'AccessToken', 'RefreshToken', 'AuthorizationCode', 'Grant', 'DeviceCode', 'BackchannelAuthenticationRequest'];
    for (const model of models) {
      await store().upsert(t, model, `${model}-ann`, { accountId: 'ann', grantId: `g-${model}` }, T0 + HOUR);
      await store().upsert(t, model, `${model}-bob`, { accountId: 'bob' }, T0 + HOUR);
      await store().upsert(other, model, `${model}-ann`, { accountId: 'ann' }, T0 + HOUR);
    }
    // Expired and consumed artifacts go too: nothing of the account may be revived or replayed.
    await store().upsert(t, 'AccessToken', 'expired-ann', { accountId: 'ann' }, T0 - HOUR);
    await store().consume(t, 'AuthorizationCode', 'AuthorizationCode-ann', T0);
    await store().upsert(t, 'Interaction', 'nobody', { session: { accountId: 'ann' } }, T0 + HOUR);

    assert.equal(await store().revokeByAccountId(t, 'ann'), models.length + 1);
    for (const model of models) {
      assert.equal(await store().find(t, model, `${model}-ann`, T0), undefined, `${model} of ann is gone`);
      assert.ok(await store().find(t, model, `${model}-bob`, T0), `${model} of bob survives`);
      assert.ok(await store().find(other, model, `${model}-ann`, T0), `${model} of ann in the other tenant survives`);
    }
    // Only a top-level accountId ties an artifact to an account.
    assert.ok(await store().find(t, 'Interaction', 'nobody', T0));
    assert.equal(await store().revokeByAccountId(t, 'ann'), 0);
    assert.equal(await store().revokeByAccountId(t, 'nobody-at-all'), 0);
  });

  test('upsert follows the account of the latest payload', async () => {
    const t = tenant();
    await store().upsert(t, 'Session', 's-1', { uid: 'u', accountId: 'ann' }, T0 + HOUR);
    await store().upsert(t, 'Session', 's-1', { uid: 'u', accountId: 'bob' }, T0 + HOUR);
    await store().upsert(t, 'Session', 's-2', { uid: 'u2', accountId: 42 }, T0 + HOUR);
    assert.equal(await store().revokeByAccountId(t, 'ann'), 0);
    assert.equal(await store().revokeByAccountId(t, '42'), 0);
    assert.equal(await store().revokeByAccountId(t, 'bob'), 1);
    assert.equal(await store().find(t, 'Session', 's-1', T0), undefined);
  });

  test('migration 0003 gives artifacts written before it their account', async () => {
    const t = tenant();
    const rollBack = new Error('roll back the rebuilt column');
    let observed: { accounts: (string | null)[][]; revoked: number } | undefined;
    // Rebuilds the pre-0003 table inside a transaction that is rolled back, so the database the
    // other tests use is left as it was.
    const rebuild = current().handle.db.transaction().execute(async (tx) => {
      await sql`drop index oidc_artifacts_account`.execute(tx);
      await sql`alter table oidc_artifacts drop column account_id`.execute(tx);
      const before = [
        ['Session', 's-ann', { accountId: 'ann', uid: 'u' }],
        ['RefreshToken', 'rt-ann', { accountId: 'ann', grantId: 'g' }],
        ['Interaction', 'i-1', { session: { accountId: 'ann' } }],
        ['Client', 'c-1', { accountId: 7 }],
      ] as const;
      for (const [model, id, payload] of before) {
        await sql`insert into oidc_artifacts (tenant_id, model, id, payload) values (${t}, ${model}, ${id}, ${JSON.stringify(payload)})`.execute(tx);
      }
      await addArtifactAccount(tx as unknown as Kysely<unknown>);
      const rows = await tx.selectFrom('oidc_artifacts').select(['id', 'account_id']).where('tenant_id', '=', t).execute();
      observed = { accounts: rows.map((row) => [row.id, row.account_id]).sort(), revoked: await createOidcArtifactStore(tx).revokeByAccountId(t, 'ann') };
      throw rollBack;
    });
    await assert.rejects(rebuild, (error) => error === rollBack);
    assert.deepEqual(observed?.accounts, [
      ['c-1', null],
      ['i-1', null],
      ['rt-ann', 'ann'],
      ['s-ann', 'ann'],
    ]);
    assert.equal(observed?.revoked, 2);
  });

  test('removeExpired deletes expired artifacts of every tenant in batches and leaves live ones', async () => {
    // Far in the future of every other test's rows, so this test sees only its own expired ones.
    const base = 4_000_000_000_000;
    const [a, b] = [tenant(), tenant()];
    for (let i = 0; i < 5; i++) await store().upsert(a, 'AccessToken', `expired-${i}`, { grantId: 'g' }, base + i);
    for (let i = 0; i < 3; i++) await store().upsert(b, 'Interaction', `expired-${i}`, {}, base + i);
    await store().upsert(a, 'AccessToken', 'live', {}, base + HOUR);
    await store().upsert(b, 'Client', 'forever', {}, null);
    const now = base + 10;
    // Earlier tests' rows expired long before `base` are swept too; drain them relative to a time
    // before this test's rows expire, then count only this test's.
    while ((await store().removeExpired(base - 1, 1_000)) === 1_000);
    assert.equal(await store().removeExpired(now, 3), 3);
    assert.equal(await store().removeExpired(now, 3), 3);
    assert.equal(await store().removeExpired(now, 3), 2);
    assert.equal(await store().removeExpired(now, 3), 0);
    assert.ok(await store().find(a, 'AccessToken', 'live', now));
    assert.ok(await store().find(b, 'Client', 'forever', now));
    assert.equal(await store().find(a, 'AccessToken', 'expired-4', base), undefined);
  });
});
