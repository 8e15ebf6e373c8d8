// The keys use cases on each engine: generation on first use, secrecy at rest, rotation and what
// the JWKS publishes, checked by signing and verifying real JWTs with node:crypto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, createPrivateKey, sign, verify } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { describeEachEngine } from '../helpers/engines.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import { createStores, createTransaction } from '../../src/storage/stores.ts';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';
import { createTenantStore } from '../../src/storage/tenant.store.ts';
import { createAuditStore } from '../../src/storage/audit.store.ts';
import { ensureSigningKeys, loadSigningJwks, rotateSigningKeys } from '../../src/domain/keys/keys.service.ts';
import type { KeysDeps } from '../../src/domain/keys/keys.service.ts';
import { jwkThumbprint } from '../../src/domain/keys/signing-key.ts';
import type { PrivateSigningJwk } from '../../src/domain/keys/signing-key.ts';
import type { Actor } from '../../src/domain/tenants/tenants.service.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const T0 = 1_790_000_000_000;
const OPERATOR: Actor = { type: 'operator', id: 'cli:test', context: { userAgent: 'foyer-cli' } };
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];

let tenantCounter = 0;

/** A compact JWS, signed the way oidc-provider does for ES256 (raw r‖s) and RS256. */
function signJwt(jwk: PrivateSigningJwk, claims: Record<string, unknown>): string {
  const header = Buffer.from(JSON.stringify({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${signature.toString('base64url')}`;
}

/** What a relying party does: pick the published key by kid and alg, verify the signature. */
function verifiesAgainst(jwks: { keys: readonly Record<string, unknown>[] }, jwt: string): boolean {
  const [header = '', payload = '', signature = ''] = jwt.split('.');
  const { alg, kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg: string; kid: string };
  const jwk = jwks.keys.find((key) => key['kid'] === kid && key['alg'] === alg);
  if (!jwk) return false;
  const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  return verify('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
}

/** The public JWKS oidc-provider derives from its `jwks` option (it strips these same members). */
function publicJwks(jwks: { keys: readonly PrivateSigningJwk[] }): { keys: Record<string, unknown>[] } {
  return { keys: jwks.keys.map((jwk) => Object.fromEntries(Object.entries(jwk).filter(([member]) => !PRIVATE_MEMBERS.includes(member)))) };
}

test('jwkThumbprint gives the RFC 7638 §3.1 example its published thumbprint, whatever optional members it carries', () => {
  const rfcExample = {
    kty: 'RSA',
    n:
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
    e: 'AQAB',
    alg: 'RS256',
    kid: '2011-04-29',
  };
  assert.equal(jwkThumbprint(rfcExample), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  assert.throws(() => jwkThumbprint({ kty: 'oct', k: 'secret' }), TypeError);
  assert.throws(() => jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'x' }), /lacks "y"/);
});

describeEachEngine('keys service', (current) => {
  const secretBox = createSecretBox(TEST_MASTER_SECRET);

  function deps(overrides: Partial<KeysDeps> = {}): KeysDeps {
    const db = current().handle.db;
    return { transaction: createTransaction(db), keys: createStores(db).signingKeys, secretBox, now: () => T0, ...overrides };
  }

  async function newTenant(): Promise<string> {
    tenantCounter += 1;
    const tenant = await createTenantStore(current().handle.db).create({ id: uuidv7(T0), slug: `signing-${tenantCounter}`, name: 'Signing', now: T0 });
    return tenant.id;
  }

  const auditActions = async (tenantId: string) => (await createAuditStore(current().handle.db).list(tenantId, { limit: 20 })).map((event) => event.action);

  test('ensure gives a new tenant one active ES256 and one RS256 key, once', async () => {
    const tenantId = await newTenant();
    await ensureSigningKeys(deps(), tenantId);
    const first = await deps().keys.listPublished(tenantId, T0);
    assert.deepEqual(first.map((key) => [key.algorithm, key.status]).sort(), [['ES256', 'active'], ['RS256', 'active']]);
    for (const key of first) {
      assert.equal(key.kid, jwkThumbprint(key.publicJwk));
      assert.equal(key.publicJwk.alg, key.algorithm);
      assert.equal(key.publicJwk.use, 'sig');
    }
    assert.equal(first.find((key) => key.algorithm === 'ES256')?.publicJwk.crv, 'P-256');
    const rsa = first.find((key) => key.algorithm === 'RS256')!;
    assert.equal(Buffer.from(rsa.publicJwk.n!, 'base64url').length * 8, 2048);

    await ensureSigningKeys(deps({ now: () => T0 + 1_000 }), tenantId);
    assert.deepEqual(await deps().keys.listPublished(tenantId, T0 + 1_000), first);
    assert.deepEqual(await auditActions(tenantId), ['keys.generated']);
  });

  test('concurrent ensure calls leave exactly one active key per algorithm', async () => {
    const tenantId = await newTenant();
    // Each transaction pauses after reading the key set: without the tenant lock, every caller
    // would see no keys and insert its own.
    const transaction = createTransaction(current().handle.db);
    const slowTransaction: KeysDeps['transaction'] = (work) =>
      transaction((stores) =>
        work({
          ...stores,
          signingKeys: {
            ...stores.signingKeys,
            listPublished: async (...args) => {
              const keys = await stores.signingKeys.listPublished(...args);
              await new Promise((resolve) => setTimeout(resolve, 50));
              return keys;
            },
          },
        }),
      );
    await Promise.all([1, 2, 3].map(() => ensureSigningKeys(deps({ transaction: slowTransaction }), tenantId)));
    const keys = await deps().keys.listPublished(tenantId, T0);
    assert.deepEqual(keys.map((key) => key.algorithm).sort(), ['ES256', 'RS256']);
    assert.deepEqual(await auditActions(tenantId), ['keys.generated']);
  });

  test('private key material is not stored in clear, and only opens for its own tenant and kid', async () => {
    const tenantId = await newTenant();
    await ensureSigningKeys(deps(), tenantId);
    const { keys } = await loadSigningJwks(deps(), tenantId, T0);
    const rows = await current().handle.db.selectFrom('signing_keys').selectAll().where('tenant_id', '=', tenantId).execute();
    assert.equal(rows.length, 2);
    const everything = JSON.stringify(rows);
    for (const jwk of keys) {
      for (const member of PRIVATE_MEMBERS.filter((name) => jwk[name] !== undefined)) {
        assert.equal(everything.includes(jwk[member]!), false, `${jwk.alg} ${member} is stored in clear`);
      }
    }
    for (const row of rows) {
      assert.match(row.private_key, /^v1\./);
      assert.deepEqual(Object.keys(JSON.parse(row.public_jwk)).filter((member) => PRIVATE_MEMBERS.includes(member)), []);
    }
    // A sealed key copied to another tenant's row does not open there.
    const other = await newTenant();
    await current().handle.db.insertInto('signing_keys').values({ ...rows[0]!, id: uuidv7(T0), tenant_id: other }).execute();
    await assert.rejects(loadSigningJwks(deps(), other, T0), { name: 'SecretBoxError' });
  });

  test('rotate adds new active keys, retires the old ones until their tokens expire, and audits', async () => {
    const tenantId = await newTenant();
    await ensureSigningKeys(deps(), tenantId);
    const before = await deps().keys.listPublished(tenantId, T0);
    const now = T0 + 60_000;
    const result = await rotateSigningKeys(deps(), tenantId, { now, maxTokenLifetimeSeconds: 3_600, actor: OPERATOR });

    assert.deepEqual(result.added.map((key) => [key.algorithm, key.status, key.createdAt]).sort(), [['ES256', 'active', now], ['RS256', 'active', now]]);
    assert.deepEqual(
      result.retired.map((key) => [key.kid, key.status, key.retiredAt, key.unpublishAt]).sort(),
      before.map((key) => [key.kid, 'retired', now, now + 3_600_000]).sort(),
    );
    const after = await deps().keys.listPublished(tenantId, now);
    assert.deepEqual(after.map((key) => key.status), ['active', 'active', 'retired', 'retired']);
    assert.deepEqual(after.slice(0, 2).map((key) => key.kid).sort(), result.added.map((key) => key.kid).sort());

    const [audit] = await createAuditStore(current().handle.db).list(tenantId, { limit: 1 });
    assert.equal(audit?.action, 'keys.rotated');
    assert.deepEqual(audit?.actor, { type: 'operator', id: 'cli:test' });
    assert.deepEqual(audit?.details?.['retired'], result.retired.map((key) => key.kid));
    assert.equal(audit?.details?.['unpublishAt'], now + 3_600_000);
    assert.equal(JSON.stringify(audit).includes('"d"'), false);

    await assert.rejects(rotateSigningKeys(deps(), tenantId, { now, maxTokenLifetimeSeconds: 0, actor: OPERATOR }), { name: 'ValidationError' });
  });

  test('loadSigningJwks lists active keys first and drops retired keys once unpublished', async () => {
    const tenantId = await newTenant();
    await ensureSigningKeys(deps(), tenantId);
    const first = await rotateSigningKeys(deps(), tenantId, { now: T0 + 1_000, maxTokenLifetimeSeconds: 10, actor: OPERATOR });
    const second = await rotateSigningKeys(deps(), tenantId, { now: T0 + 50_000, maxTokenLifetimeSeconds: 100, actor: OPERATOR });
    const kidsAt = async (now: number) => (await loadSigningJwks(deps(), tenantId, now)).keys.map((jwk) => jwk.kid);
    const active = second.added.map((key) => key.kid).sort();
    const retiredFirst = first.added.map((key) => key.kid).sort();

    const during = await loadSigningJwks(deps(), tenantId, T0 + 60_000);
    assert.deepEqual(during.keys.slice(0, 2).map((jwk) => jwk.kid).sort(), active);
    assert.deepEqual(during.keys.slice(2).map((jwk) => jwk.kid).sort(), retiredFirst);
    for (const jwk of during.keys) {
      assert.equal(jwk.use, 'sig');
      assert.ok(jwk.d, 'oidc-provider needs the private key');
      assert.equal(jwk.kty, jwk.alg === 'ES256' ? 'EC' : 'RSA');
    }
    assert.deepEqual((await kidsAt(T0 + 150_000)).sort(), active);
    // The second rotation deleted the first keys, unpublished since T0 + 11 s; the table keeps the rest.
    const rows = await current().handle.db.selectFrom('signing_keys').select('id').where('tenant_id', '=', tenantId).execute();
    assert.equal(rows.length, 4);
  });

  test('a JWT signed by the old key verifies after rotation, until the old key is unpublished', async () => {
    const tenantId = await newTenant();
    await ensureSigningKeys(deps(), tenantId);
    const before = await loadSigningJwks(deps(), tenantId, T0);
    const tokens = before.keys.map((jwk) => signJwt(jwk, { sub: 'customer-1', iat: T0 / 1000, exp: T0 / 1000 + 3_600 }));
    for (const token of tokens) assert.equal(verifiesAgainst(publicJwks(before), token), true);

    const rotatedAt = T0 + 10_000;
    const { added } = await rotateSigningKeys(deps(), tenantId, { now: rotatedAt, maxTokenLifetimeSeconds: 3_600, actor: OPERATOR });
    const afterRotation = await loadSigningJwks(deps(), tenantId, rotatedAt + 3_599_999);
    for (const token of tokens) assert.equal(verifiesAgainst(publicJwks(afterRotation), token), true);
    // The provider now signs with the new keys: they are the first of their algorithm.
    for (const algorithm of ['ES256', 'RS256'] as const) {
      assert.equal(afterRotation.keys.find((jwk) => jwk.alg === algorithm)?.kid, added.find((key) => key.algorithm === algorithm)?.kid);
    }

    const afterUnpublish = await loadSigningJwks(deps(), tenantId, rotatedAt + 3_600_000);
    for (const token of tokens) assert.equal(verifiesAgainst(publicJwks(afterUnpublish), token), false);
    const fresh = afterUnpublish.keys.map((jwk) => signJwt(jwk, { sub: 'customer-1' }));
    for (const token of fresh) assert.equal(verifiesAgainst(publicJwks(afterUnpublish), token), true);
  });
});
