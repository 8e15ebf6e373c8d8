// Unauthenticated requests that store something are limited per client address (SECURITY.md 30,
// 36): a flood of new flows, authorization requests, device or sign-out pages, or a public client's
// pushed or device authorization requests from one address is refused with 429 and Retry-After
// once its budget is spent, stores nothing more, and leaves other addresses alone. Requests that
// answer without a limit (a revocation, a throttled sign-in) store nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { registerApplication } from '../helpers/oidc-clients.ts';
import { AUTHORIZATION_LIMIT, FLOW_CREATION_LIMIT, PUBLIC_CLIENT_LIMIT, SESSION_PAGE_LIMIT } from '../../src/http/write-limits.ts';
import { GRANT_AUTHORIZATION_CODE, GRANT_DEVICE_CODE } from '../../src/domain/applications/application.ts';
import { PASSWORD, uniqueEmail } from '../helpers/oidc-clients.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';

const CALLBACK = 'https://shop.example.test/callback';

describeEachEngine('limits on unauthenticated writes', (current) => {
  let server: TestServer;
  let clientId: string;
  let clientSecret: string;
  let publicClientId: string;
  before(async () => {
    server = await createTestServer(current().engine);
    const shop = await registerApplication(server, server.defaultTenant.id, { name: 'Shop', kind: 'web', firstParty: true, redirectUris: [CALLBACK] });
    clientId = shop.application.id;
    clientSecret = shop.clientSecret!;
    const grantTypes = [GRANT_AUTHORIZATION_CODE, GRANT_DEVICE_CODE];
    publicClientId = (await registerApplication(server, server.defaultTenant.id, { name: 'TV', kind: 'native', firstParty: true, redirectUris: ['com.example.tv:/callback'], grantTypes })).application.id;
  });
  after(async () => {
    await server.stop();
  });

  const count = async (table: 'flows' | 'oidc_artifacts', model = 'Interaction') => {
    const query = table === 'flows' ? sql<{ n: number }>`select count(*) as n from flows` : sql<{ n: number }>`select count(*) as n from oidc_artifacts where model = ${model}`;
    return Number((await query.execute(server.database.db)).rows[0]!.n);
  };
  const audited = async () => Number((await sql<{ n: number }>`select count(*) as n from audit_events`.execute(server.database.db)).rows[0]!.n);

  /**
   * `total` requests, one after another so that the count is exact: of requests in flight
   * together, the counter decides each on the count after all of them (it only ever refuses a
   * little early, never lets more through).
   */
  async function flood(total: number, send: (index: number) => Promise<{ statusCode: number; headers: Record<string, unknown>; body: string }>) {
    const answers = [];
    for (let i = 0; i < total; i += 1) answers.push(await send(i));
    return answers;
  }

  test('a flood of POST /flows/login from one address gets 429 with Retry-After; another address is unaffected', async () => {
    const before = await count('flows');
    const flows = ['login', 'registration', 'recovery'] as const;
    // One budget for every type of flow (and tenant) from the address.
    const answers = await flood(FLOW_CREATION_LIMIT.max + 40, (i) => server.app.inject({ method: 'POST', url: `/flows/${flows[i % 3]}`, remoteAddress: '203.0.113.7' }));
    const created = answers.filter((answer) => answer.statusCode === 201).length;
    const refused = answers.filter((answer) => answer.statusCode === 429);
    assert.equal(created, FLOW_CREATION_LIMIT.max);
    assert.equal(refused.length, 40);
    const last = refused.at(-1)!;
    assert.ok(Number(last.headers['retry-after']) >= 1 && Number(last.headers['retry-after']) <= 60, `Retry-After ${String(last.headers['retry-after'])}`);
    assert.match(String(last.headers['content-type']), /application\/problem\+json/);
    assert.equal(JSON.parse(last.body).code, 'request.rate_limited');
    assert.equal(last.headers['x-content-type-options'], 'nosniff');
    // The refused requests stored nothing: the table grew by the budget and no more.
    assert.equal((await count('flows')) - before, FLOW_CREATION_LIMIT.max);

    const other = await server.app.inject({ method: 'POST', url: '/flows/login', remoteAddress: '203.0.113.8' });
    assert.equal(other.statusCode, 201, other.body);
    // An IPv6 customer holds a whole /64: its other addresses share the budget.
    const v6 = await flood(FLOW_CREATION_LIMIT.max + 1, (i) => server.app.inject({ method: 'POST', url: '/flows/login', remoteAddress: `2001:db8:1:2::${(i + 1).toString(16)}` }));
    assert.equal(v6.at(-1)!.statusCode, 429);
  });

  test('a flood of GET /auth from one address gets a 429 page with Retry-After; another address is unaffected', async () => {
    const query = new URLSearchParams({ client_id: clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    const before = await count('oidc_artifacts');
    const answers = await flood(AUTHORIZATION_LIMIT.max + 40, () => server.app.inject({ method: 'GET', url: `/auth?${query}`, remoteAddress: '198.51.100.7' }));
    const started = answers.filter((answer) => answer.statusCode === 303).length;
    const refused = answers.filter((answer) => answer.statusCode === 429);
    assert.equal(started, AUTHORIZATION_LIMIT.max);
    assert.equal(refused.length, 40);
    const last = refused.at(-1)!;
    assert.ok(Number(last.headers['retry-after']) >= 1 && Number(last.headers['retry-after']) <= 60);
    assert.match(String(last.headers['content-type']), /text\/html/);
    assert.match(last.body, /Too many attempts\. Wait \d+ seconds/);
    assert.match(String(last.headers['content-security-policy']), /default-src 'none'/);
    assert.equal(last.headers['x-frame-options'], 'DENY');
    assert.equal((await count('oidc_artifacts')) - before, AUTHORIZATION_LIMIT.max);

    const other = await server.app.inject({ method: 'GET', url: `/auth?${query}`, remoteAddress: '198.51.100.8' });
    assert.equal(other.statusCode, 303);
    assert.match(String(other.headers['location']), /\/interaction\//);
    // Every tenant's authorization endpoint shares the address's budget.
    assert.equal((await server.app.inject({ method: 'GET', url: `/t/no-such-tenant/auth?${query}`, remoteAddress: '198.51.100.7' })).statusCode, 429);
    assert.equal((await server.app.inject({ method: 'GET', url: `/t/no-such-tenant/auth?${query}`, remoteAddress: '198.51.100.8' })).statusCode, 404);
    // Other endpoints of the provider are not counted against the address.
    const discovery = await server.app.inject({ method: 'GET', url: '/.well-known/openid-configuration', remoteAddress: '198.51.100.7' });
    assert.equal(discovery.statusCode, 200);
  });

  test('a public client’s pushed and device authorization requests share one limit per address and answer temporarily_unavailable; an authenticated client is not counted', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const pushed = new URLSearchParams({ client_id: publicClientId, redirect_uri: 'com.example.tv:/callback', response_type: 'code', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString();
    const device = new URLSearchParams({ client_id: publicClientId, scope: 'openid' }).toString();
    const before = { requests: await count('oidc_artifacts', 'PushedAuthorizationRequest'), devices: await count('oidc_artifacts', 'DeviceCode') };
    // Both endpoints draw on one budget of the address.
    const answers = await flood(PUBLIC_CLIENT_LIMIT.max + 20, (i) =>
      server.app.inject({ method: 'POST', url: i % 2 === 0 ? '/request' : '/device/auth', headers: form, payload: i % 2 === 0 ? pushed : device, remoteAddress: '192.0.2.7' }),
    );
    assert.equal(answers.filter((answer) => answer.statusCode === 201 || answer.statusCode === 200).length, PUBLIC_CLIENT_LIMIT.max);
    const refused = answers.filter((answer) => answer.statusCode === 429);
    assert.equal(refused.length, 20);
    for (const last of [refused.at(-1)!, refused.at(-2)!]) {
      assert.ok(Number(last.headers['retry-after']) >= 1 && Number(last.headers['retry-after']) <= 60, `Retry-After ${String(last.headers['retry-after'])}`);
      assert.match(String(last.headers['content-type']), /^application\/json/);
      assert.equal(JSON.parse(last.body).error, 'temporarily_unavailable');
      assert.match(JSON.parse(last.body).error_description, /Wait \d+ seconds/);
      assert.equal(last.headers['cache-control'], 'no-store');
      assert.equal(last.headers['x-content-type-options'], 'nosniff');
    }
    const stored = { requests: (await count('oidc_artifacts', 'PushedAuthorizationRequest')) - before.requests, devices: (await count('oidc_artifacts', 'DeviceCode')) - before.devices };
    assert.equal(stored.requests + stored.devices, PUBLIC_CLIENT_LIMIT.max, 'the refused requests stored nothing');

    // A confidential client authenticates: its backend's requests are its own, never refused here.
    const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    const own = new URLSearchParams({ client_id: clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid' }).toString();
    const confidential = await server.app.inject({ method: 'POST', url: '/request', headers: { ...form, authorization: basic }, payload: own, remoteAddress: '192.0.2.7' });
    assert.equal(confidential.statusCode, 201, confidential.body);
    // A bogus secret to slip past the limit gets the client refused, and stores nothing.
    const bogus = await server.app.inject({ method: 'POST', url: '/device/auth', headers: form, payload: `${device}&client_secret=guess`, remoteAddress: '192.0.2.7' });
    assert.equal(bogus.statusCode, 401, bogus.body);
    assert.equal(bogus.json().error, 'invalid_client');
    // Another address, and other tenants' endpoints of this one.
    assert.equal((await server.app.inject({ method: 'POST', url: '/device/auth', headers: form, payload: device, remoteAddress: '192.0.2.8' })).statusCode, 200);
    assert.equal((await server.app.inject({ method: 'POST', url: '/t/no-such-tenant/request', headers: form, payload: pushed, remoteAddress: '192.0.2.7' })).statusCode, 429);
  });

  test('a flood of the device and sign-out pages, which store a browser session, gets a 429 page; such sessions live an hour', async () => {
    const before = await count('oidc_artifacts', 'Session');
    const answers = await flood(SESSION_PAGE_LIMIT.max + 10, (i) => server.app.inject({ method: 'GET', url: i % 2 === 0 ? '/device' : '/session/end', remoteAddress: '198.51.100.70' }));
    assert.equal(answers.filter((answer) => answer.statusCode === 200).length, SESSION_PAGE_LIMIT.max);
    const refused = answers.filter((answer) => answer.statusCode === 429);
    assert.equal(refused.length, 10);
    const last = refused.at(-1)!;
    assert.ok(Number(last.headers['retry-after']) >= 1);
    assert.match(String(last.headers['content-type']), /text\/html/);
    assert.match(last.body, /Too many attempts\. Wait \d+ seconds/);
    assert.equal(last.headers['x-frame-options'], 'DENY');
    assert.equal((await count('oidc_artifacts', 'Session')) - before, SESSION_PAGE_LIMIT.max);
    assert.equal((await server.app.inject({ method: 'POST', url: '/device', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'user_code=ABCD-EFGH', remoteAddress: '198.51.100.70' })).statusCode, 429);
    assert.equal((await server.app.inject({ method: 'GET', url: '/device', remoteAddress: '198.51.100.71' })).statusCode, 200);

    // What a visitor who never signs in leaves behind is gone within the hour, not after a week.
    const rows = await sql<{ expires_at: number | string }>`select expires_at from oidc_artifacts where model = 'Session'`.execute(server.database.db);
    const latest = Math.max(...rows.rows.map((row) => Number(row.expires_at)));
    assert.ok(latest <= Date.now() + 3600_000 + 5_000, `a session without a sign-in expires at ${new Date(latest).toISOString()}`);
  });

  test('revocations and throttled sign-ins, which any caller may send without limit, write no audit entry', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const revocations = async () => (await server.stores.audit.list(server.defaultTenant.id, { limit: 100 })).filter((entry) => entry.action === 'token.revoked').length;
    const revokedBefore = await revocations();
    for (let i = 0; i < 5; i += 1) {
      const revoked = await server.app.inject({ method: 'POST', url: '/token/revocation', headers: form, payload: `client_id=${publicClientId}&token=not-a-token-${i}`, remoteAddress: '203.0.113.70' });
      assert.equal(revoked.statusCode, 200);
    }
    // Then a token that exists is revoked: its entry is written after any of the above would have been.
    const machine = await registerApplication(server, server.defaultTenant.id, { name: 'Reports', kind: 'machine' });
    const basic = { ...form, authorization: `Basic ${Buffer.from(`${machine.application.id}:${machine.clientSecret}`).toString('base64')}` };
    const token = (await server.app.inject({ method: 'POST', url: '/token', headers: basic, payload: 'grant_type=client_credentials' })).json().access_token as string;
    assert.equal((await server.app.inject({ method: 'POST', url: '/token/revocation', headers: basic, payload: `token=${token}` })).statusCode, 200);
    for (let i = 0; i < 100 && (await revocations()) === revokedBefore; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal((await revocations()) - revokedBefore, 1, 'only the token that was revoked is recorded');


    const email = uniqueEmail('flooded');
    await createIdentityByOperator({ transaction: server.transaction, tenants: server.stores.tenants }, server.defaultTenant.id, { traits: { email }, password: PASSWORD, verified: true }, { type: 'operator', id: 'test' });
    const flow = (await server.app.inject({ method: 'POST', url: '/flows/login', remoteAddress: '203.0.113.71' })).json() as { id: string };
    const start = await audited();
    const statuses = [];
    for (let i = 0; i < 25; i += 1) statuses.push((await server.app.inject({ method: 'POST', url: `/flows/login/${flow.id}`, payload: { identifier: email, password: `wrong ${i}` }, remoteAddress: '203.0.113.71' })).statusCode);
    const checked = statuses.filter((status) => status === 401).length;
    assert.ok(checked >= 5 && statuses.filter((status) => status === 429).length >= 15, statuses.join());
    // The checked attempts are audited; the refused ones are not.
    assert.equal((await audited()) - start, checked);
  });
});

test('with REDIS_URL, the limits count in Redis, shared by every node', async () => {
  const env = { REDIS_URL: 'redis://127.0.0.1:6379' };
  const first = await createTestServer('sqlite', env).catch((error: Error) => error);
  if (first instanceof Error) {
    assert.ok(process.env['CI'] !== 'true', `Redis is required under CI=true: ${first.message}`);
    return;
  }
  const second = await createTestServer('sqlite', env);
  try {
    // An address of its own: other runs may count in the same Redis meanwhile.
    const address = `2001:db8:${(process.pid % 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}::1`;
    for (let i = 0; i < FLOW_CREATION_LIMIT.max; i += 1) {
      const node: TestServer = i % 2 === 0 ? first : second;
      assert.equal((await node.app.inject({ method: 'POST', url: '/flows/login', remoteAddress: address })).statusCode, 201);
    }
    const refused = await second.app.inject({ method: 'POST', url: '/flows/registration', remoteAddress: address });
    assert.equal(refused.statusCode, 429);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
  } finally {
    await first.stop();
    await second.stop();
  }
});
