// Unauthenticated requests that store something are limited per client address (SECURITY.md 30,
// 36): a flood of new flows or authorization requests from one address is refused with 429 and
// Retry-After once its budget is spent, stores nothing more, and leaves other addresses alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { registerApplication } from '../helpers/oidc-clients.ts';
import { AUTHORIZATION_LIMIT, FLOW_CREATION_LIMIT } from '../../src/http/write-limits.ts';

const CALLBACK = 'https://shop.example.test/callback';

describeEachEngine('limits on unauthenticated writes', (current) => {
  let server: TestServer;
  let clientId: string;
  before(async () => {
    server = await createTestServer(current().engine);
    clientId = (await registerApplication(server, server.defaultTenant.id, { name: 'Shop', kind: 'web', firstParty: true, redirectUris: [CALLBACK] })).application.id;
  });
  after(async () => {
    await server.stop();
  });

  const count = async (table: 'flows' | 'oidc_artifacts') => {
    const query = table === 'flows' ? sql<{ n: number }>`select count(*) as n from flows` : sql<{ n: number }>`select count(*) as n from oidc_artifacts where model = 'Interaction'`;
    return Number((await query.execute(server.database.db)).rows[0]!.n);
  };

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
