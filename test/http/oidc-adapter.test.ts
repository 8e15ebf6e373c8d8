// oidc-provider's adapter on the real OidcArtifactStore, and the job that sweeps expired artifacts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';
import { describeEachEngine } from '../helpers/engines.ts';
import { createOidcArtifactStore } from '../../src/storage/oidc-artifact.store.ts';
import { createOidcAdapter } from '../../src/http/oidc/adapter.ts';
import { startExpiredRowsCleanup } from '../../src/infra/jobs/expired-rows.job.ts';
import type { OidcArtifactStore } from '../../src/domain/oauth/oidc-artifact.port.ts';
import { uuidv7 } from '../../src/lib/ids.ts';
import { withArtifactBatch } from '../../src/http/oidc/artifact-batch.ts';

const T0 = 1_790_000_000_000;

/** A clock the test moves by hand. */
function manualClock(start = T0) {
  let time = start;
  return { now: () => time, advance: (ms: number) => void (time += ms) };
}

describeEachEngine('oidc-provider adapter', (current) => {
  const store = () => createOidcArtifactStore(current().handle.db);

  test('expiresIn seconds become an expiry in milliseconds; find answers until then', async () => {
    const clock = manualClock();
    const tenant = uuidv7();
    const adapter = createOidcAdapter(store(), tenant, clock.now)('AccessToken');
    await adapter.upsert('at-1', { jti: 'at-1', kind: 'AccessToken', scope: 'openid' }, 60);
    assert.ok(await store().find(tenant, 'AccessToken', 'at-1', T0 + 59_999));
    assert.equal(await store().find(tenant, 'AccessToken', 'at-1', T0 + 60_000), undefined);
    assert.deepEqual(await adapter.find('at-1'), { jti: 'at-1', kind: 'AccessToken', scope: 'openid' });
    clock.advance(60_000);
    assert.equal(await adapter.find('at-1'), undefined);
    assert.equal(await adapter.find('missing'), undefined);
  });

  test('a consumed artifact comes back with consumed in epoch seconds', async () => {
    const clock = manualClock(T0 + 1_999);
    const adapter = createOidcAdapter(store(), uuidv7(), clock.now)('AuthorizationCode');
    await adapter.upsert('code-1', { grantId: 'g' }, 600);
    assert.equal((await adapter.find('code-1'))?.consumed, undefined);
    await adapter.consume('code-1');
    assert.deepEqual(await adapter.find('code-1'), { grantId: 'g', consumed: (T0 + 1_000) / 1000 });
  });

  test('consuming what a concurrent request just consumed is a replay: the grant is revoked and the request refused', async () => {
    const tenant = uuidv7();
    const adapters = createOidcAdapter(store(), tenant, manualClock(T0).now);
    await adapters('AuthorizationCode').upsert('code-race', { grantId: 'g-race' }, 600);
    await adapters('AccessToken').upsert('at-race', { grantId: 'g-race' }, 3_600);
    await adapters('AuthorizationCode').consume('code-race');
    await assert.rejects(adapters('AuthorizationCode').consume('code-race'), (error: Error & { error?: string }) => error.error === 'invalid_grant');
    assert.equal(await adapters('AccessToken').find('at-race'), undefined, 'what the first use issued is revoked');
    await adapters('PushedAuthorizationRequest').upsert('par-race', {}, 60);
    await adapters('PushedAuthorizationRequest').consume('par-race');
    await assert.rejects(adapters('PushedAuthorizationRequest').consume('par-race'), (error: Error & { error?: string }) => error.error === 'invalid_request_uri');
  });

  test('finds a session by uid and a device code by user code, only in its own tenant', async () => {
    const [tenant, other] = [uuidv7(), uuidv7()];
    const adapters = createOidcAdapter(store(), tenant);
    await adapters('Session').upsert('s-1', { uid: 'uid-1', accountId: 'alice' }, 3_600);
    await adapters('DeviceCode').upsert('dc-1', { userCode: 'BCDF-GHJK', grantId: 'g' }, 600);
    assert.equal((await adapters('Session').findByUid('uid-1'))?.accountId, 'alice');
    assert.equal((await adapters('DeviceCode').findByUserCode('BCDF-GHJK'))?.grantId, 'g');
    assert.equal(await adapters('Session').findByUid('uid-2'), undefined);
    assert.equal(await createOidcAdapter(store(), other)('Session').findByUid('uid-1'), undefined);
    await adapters('Session').destroy('s-1');
    assert.equal(await adapters('Session').findByUid('uid-1'), undefined);
  });

  /** The real store, counting the calls that write. */
  function countingStore() {
    const calls: string[] = [];
    const real = store();
    const counted: OidcArtifactStore = {
      ...real,
      upsert: (...args) => (calls.push(`upsert ${args[1]}`), real.upsert(...args)),
      destroy: (...args) => (calls.push(`destroy ${args[1]}`), real.destroy(...args)),
      writeAll: (tenantId, writes) => (calls.push(`writeAll ${writes.map((write) => `${write.kind} ${write.model}`).join(', ')}`), real.writeAll(tenantId, writes)),
    };
    return { calls, store: counted };
  }

  test('while the provider answers, writes wait in the batch and are saved together, the last write of an artifact winning', async () => {
    const tenant = uuidv7();
    const { calls, store: counted } = countingStore();
    const adapters = createOidcAdapter(counted, tenant);
    await adapters('Interaction').upsert('int-1', { uid: 'int-1' }, 600);
    calls.length = 0;
    await withArtifactBatch(async () => {
      await adapters('Session').upsert('s-1', { uid: 'uid-1', accountId: 'alice' }, 3_600);
      await adapters('Grant').upsert('g-1', { accountId: 'alice', n: 1 }, 3_600);
      await adapters('Grant').upsert('g-1', { accountId: 'alice', n: 2 }, 3_600);
      await adapters('AuthorizationCode').upsert('c-1', { grantId: 'g-1' }, 60);
      await adapters('Interaction').destroy('int-1');
      // Not saved yet: nothing has been answered.
      assert.ok(await store().find(tenant, 'Interaction', 'int-1'));
      assert.equal(await store().find(tenant, 'Grant', 'g-1'), undefined);
      assert.deepEqual(calls, []);
    });
    assert.deepEqual(calls, ['writeAll upsert Session, upsert Grant, upsert AuthorizationCode, destroy Interaction']);
    assert.equal((await adapters('Grant').find('g-1'))?.['n'], 2);
    assert.equal((await adapters('Session').findByUid('uid-1'))?.accountId, 'alice');
    assert.equal(await adapters('Interaction').find('int-1'), undefined);
  });

  test('in a batch, reading or consuming a pending artifact and revoking a grant save what is pending first', async () => {
    const tenant = uuidv7();
    const { calls, store: counted } = countingStore();
    const adapters = createOidcAdapter(counted, tenant);
    await withArtifactBatch(async () => {
      await adapters('RefreshToken').upsert('rt-1', { grantId: 'g-1' }, 600);
      assert.deepEqual(await adapters('RefreshToken').find('rt-1'), { grantId: 'g-1' });
      assert.equal(calls.length, 1, 'the read saved the batch');
      await adapters('AccessToken').upsert('at-1', { grantId: 'g-1' }, 600);
      // A read of another artifact leaves the batch alone.
      assert.equal(await adapters('AccessToken').find('at-other'), undefined);
      assert.equal(calls.length, 1);
      await adapters('RefreshToken').upsert('rt-2', { grantId: 'g-1' }, 600);
      await adapters('RefreshToken').consume('rt-2');
      assert.equal(typeof (await adapters('RefreshToken').find('rt-2'))?.consumed, 'number');
      await adapters('Session').upsert('s-1', { uid: 'uid-1' }, 600);
      assert.ok(await adapters('Session').findByUid('uid-1'), 'a lookup by uid sees pending sessions');
      await adapters('DeviceCode').upsert('dc-1', { userCode: 'BCDF-GHJK', grantId: 'g-1' }, 600);
      assert.ok(await adapters('DeviceCode').findByUserCode('BCDF-GHJK'), 'a lookup by user code sees pending device codes');
      // Issued in this request, revoked in this request: nothing of the grant survives the batch.
      await adapters('AccessToken').upsert('at-2', { grantId: 'g-1' }, 600);
      await adapters('RefreshToken').revokeByGrantId('g-1');
    });
    for (const [model, id] of [['RefreshToken', 'rt-1'], ['RefreshToken', 'rt-2'], ['AccessToken', 'at-1'], ['AccessToken', 'at-2'], ['DeviceCode', 'dc-1']] as const) {
      assert.equal(await store().find(tenant, model, id), undefined, `${model} ${id} was revoked`);
    }
    assert.ok(await store().findByUid(tenant, 'Session', 'uid-1'));
  });

  test('in a batch, a read beside another that started the save waits for it, and sees what it saves', async () => {
    const tenant = uuidv7();
    const real = store();
    // A slow save, so that the second read surely comes while the first one's save is under way.
    const slow: OidcArtifactStore = { ...real, writeAll: async (...args) => (await new Promise((resolve) => setTimeout(resolve, 30)), real.writeAll(...args)) };
    const adapters = createOidcAdapter(slow, tenant);
    await withArtifactBatch(async () => {
      await adapters('AccessToken').upsert('at-a', { grantId: 'g' }, 600);
      await adapters('RefreshToken').upsert('rt-b', { grantId: 'g' }, 600);
      const [a, b] = await Promise.all([adapters('AccessToken').find('at-a'), adapters('RefreshToken').find('rt-b')]);
      assert.deepEqual([a, b], [{ grantId: 'g' }, { grantId: 'g' }]);
    });
  });

  test('a failed answer still saves what it wrote, and a write after the answer goes straight to the store', async () => {
    const tenant = uuidv7();
    const adapters = createOidcAdapter(store(), tenant);
    let late: Promise<void> | undefined;
    await assert.rejects(
      withArtifactBatch(async () => {
        await adapters('Session').upsert('s-failed', { uid: 'uid-failed' }, 600);
        // A timer keeps the request's context: it fires after the batch was closed.
        late = new Promise((resolve, reject) => setTimeout(() => adapters('Session').upsert('s-late', { uid: 'uid-late' }, 600).then(resolve, reject), 20));
        throw new Error('the answer failed');
      }),
      /the answer failed/,
    );
    assert.ok(await store().find(tenant, 'Session', 's-failed'));
    await late;
    assert.ok(await store().find(tenant, 'Session', 's-late'));
  });

  test('outside a batch (Foyer\'s own handlers, the CLI, jobs) every write is immediate', async () => {
    const tenant = uuidv7();
    const { calls, store: counted } = countingStore();
    const adapters = createOidcAdapter(counted, tenant);
    await adapters('Grant').upsert('g-1', { accountId: 'alice' }, 600);
    await adapters('Grant').destroy('g-1');
    assert.deepEqual(calls, ['upsert Grant', 'destroy Grant']);
  });

  test('revokeByGrantId from any model drops every model of the grant, once for concurrent calls', async () => {
    const [tenant, other] = [uuidv7(), uuidv7()];
    const models = ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode', 'BackchannelAuthenticationRequest'];
    for (const t of [tenant, other]) {
      for (const model of models) await createOidcAdapter(store(), t)(model).upsert(`${model}-1`, { grantId: 'g1' }, 600);
    }
    await createOidcAdapter(store(), tenant)('AccessToken').upsert('kept', { grantId: 'g2' }, 600);
    let deletes = 0;
    const counting: OidcArtifactStore = { ...store(), revokeByGrantId: (...args) => (deletes++, store().revokeByGrantId(...args)) };
    const adapters = createOidcAdapter(counting, tenant);
    // As oidc-provider's revoke() does: every grant-bearing model at once.
    await Promise.all(models.map((model) => adapters(model).revokeByGrantId('g1')));
    assert.equal(deletes, 1);
    for (const model of models) {
      assert.equal(await adapters(model).find(`${model}-1`), undefined, `${model} revoked`);
      assert.ok(await createOidcAdapter(store(), other)(model).find(`${model}-1`), `${model} of the other tenant kept`);
    }
    assert.ok(await adapters('AccessToken').find('kept'));
    await adapters('RefreshToken').revokeByGrantId('g2');
    assert.equal(deletes, 2);
    assert.equal(await adapters('AccessToken').find('kept'), undefined);
  });

  test('the Client model finds nothing for unknown ids and keeps a registered client without expiry', async () => {
    const clock = manualClock();
    const adapter = createOidcAdapter(store(), uuidv7(), clock.now)('Client');
    assert.equal(await adapter.find('unknown-client'), undefined);
    await adapter.upsert('dyn-1', { client_id: 'dyn-1', redirect_uris: ['https://rp.example/cb'] });
    clock.advance(10 * 365 * 86_400_000);
    assert.equal((await adapter.find('dyn-1'))?.client_id, 'dyn-1');
  });

  test('a real Provider detects a reused authorization code through the adapter', async () => {
    const tenant = uuidv7();
    const provider = new Provider('http://localhost/t/adapter-test', {
      adapter: createOidcAdapter(store(), tenant),
      clients: [{ client_id: 'rp', client_secret: 'rp-secret-rp-secret-rp-secret-00', redirect_uris: ['https://rp.example/cb'], id_token_signed_response_alg: 'ES256' }],
      jwks: { keys: [generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })] },
      features: { devInteractions: { enabled: false } },
      ttl: { Grant: 3_600 },
    });
    const client = await provider.Client.find('rp');
    assert.ok(client);
    assert.equal(await provider.Client.find('not-registered'), undefined);
    const grant = new provider.Grant({ accountId: 'alice', clientId: 'rp' });
    grant.addOIDCScope('openid');
    const grantId = await grant.save();
    const value = await new provider.AuthorizationCode({ accountId: 'alice', grantId, client, gty: 'authorization_code', scope: 'openid', redirectUri: 'https://rp.example/cb' }).save();
    const code = await provider.AuthorizationCode.find(value);
    assert.equal(code?.isValid, true);
    await code.consume();
    const reused = await provider.AuthorizationCode.find(value);
    // oidc-provider's typings leave `consumed` out; it is the field its reuse check reads.
    assert.equal(typeof (reused && Reflect.get(reused, 'consumed')), 'number');
    assert.equal(reused?.isValid, false);
    await provider.AuthorizationCode.revokeByGrantId(grantId);
    assert.equal(await provider.AuthorizationCode.find(value), undefined);
  });
});

describeEachEngine('expired artifacts cleanup', (current) => {
  test('runOnce removes every expired artifact in batches and leaves live ones', async () => {
    const real = createOidcArtifactStore(current().handle.db);
    const tenant = uuidv7();
    for (let i = 0; i < 7; i++) await real.upsert(tenant, 'Interaction', `old-${i}`, {}, T0 - i);
    await real.upsert(tenant, 'Session', 'live', { uid: 'u' }, T0 + 1);
    const batches: number[] = [];
    const store: OidcArtifactStore = { ...real, removeExpired: async (now, limit) => { const n = await real.removeExpired(now, limit); batches.push(n); return n; } };
    const job = startExpiredRowsCleanup({ store, intervalMs: 60_000, batchSize: 3, logger: recordingLogger().logger, now: () => T0 });
    assert.equal(await job.runOnce(), 7);
    assert.deepEqual(batches, [3, 3, 1]);
    assert.ok(await real.find(tenant, 'Session', 'live', T0));
    assert.equal(await job.runOnce(), 0);
    await job.stop();
  });
});

describe('expired artifacts cleanup schedule', () => {
  test('runs every interval, never overlapping; stop() waits for the batch in progress', async () => {
    const gate = deferred<void>();
    const thirdCall = deferred<void>();
    let calls = 0;
    let active = 0;
    let maxActive = 0;
    const store = fakeStore(async () => {
      calls++;
      active++;
      maxActive = Math.max(maxActive, active);
      if (calls === 3) {
        thirdCall.resolve();
        await gate.promise;
      }
      active--;
      // Only the third call finds a full batch; had the job gone on draining, it would count 1 more.
      return calls === 3 ? 10 : calls > 3 ? 1 : 0;
    });
    const job = startExpiredRowsCleanup({ store, intervalMs: 2, batchSize: 10, logger: recordingLogger().logger });
    await thirdCall.promise;
    const joined = job.runOnce();
    let stopped = false;
    const stopping = job.stop().then(() => void (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(stopped, false);
    gate.resolve();
    await stopping;
    // The gated batch was full, but a stopped job does not go on draining.
    assert.equal(await joined, 10);
    assert.equal(maxActive, 1);
    const callsAtStop = calls;
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(calls, callsAtStop);
    assert.equal(await job.runOnce(), 0);
  });

  test('a failing batch is logged, not thrown, and the next run tries again', async () => {
    let calls = 0;
    const store = fakeStore(async () => {
      calls++;
      if (calls === 2) throw new Error('database unavailable');
      return calls === 1 ? 5 : 0;
    });
    const { logger, entries } = recordingLogger();
    const job = startExpiredRowsCleanup({ store, intervalMs: 60_000, batchSize: 5, logger });
    assert.equal(await job.runOnce(), 5);
    assert.equal(entries[0]?.level, 'error');
    assert.equal(entries[0]?.fields['removed'], 5);
    assert.equal(await job.runOnce(), 0);
    assert.equal(calls, 3);
    await job.stop();
  });

  test('refuses a batch size or interval that could not work', () => {
    const deps = { store: fakeStore(async () => 0), logger: recordingLogger().logger };
    assert.throws(() => startExpiredRowsCleanup({ ...deps, intervalMs: 1_000, batchSize: 0 }), RangeError);
    assert.throws(() => startExpiredRowsCleanup({ ...deps, intervalMs: 0, batchSize: 10 }), RangeError);
  });
});

function fakeStore(removeExpired: OidcArtifactStore['removeExpired']): OidcArtifactStore {
  const unused = () => Promise.reject(new Error('not used by the cleanup job'));
  return { upsert: unused, find: unused, findByUid: unused, findByUserCode: unused, consume: unused, destroy: unused, writeAll: unused, markSeen: unused, revokeByGrantId: unused, revokeByAccountId: unused, listByAccountId: unused, revokeByAccountIdExcept: unused, removeExpired };
}

function recordingLogger() {
  const entries: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => void entries.push({ level, fields, message });
  return { entries, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
