// What the admin API promises as a whole: its OpenAPI 3.1 document and reference page, limits per
// credential (429 with Retry-After, other credentials unaffected), and that expired idempotency
// records are pruned by the expired-rows sweep.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant } from '../helpers/oidc-clients.ts';
import { validate } from '@readme/openapi-parser';
import { callAdmin, machineToken } from '../helpers/admin.ts';

type OpenApi = { openapi: string; paths: Record<string, Record<string, { operationId?: string; tags?: string[]; security?: Record<string, string[]>[]; responses: Record<string, unknown> }>> };

describeEachEngine('admin API contract', (current) => {
  let server: TestServer;

  before(async () => {
    server = await createTestServer(current().engine, { ADMIN_API_RATE_LIMIT: '5' });
    await createTenant(server, 'acme');
  });
  after(() => server.stop());

  test('the OpenAPI 3.1 document names every operation, its tags, scope and answers, problems included', async () => {
    const response = await callAdmin(server, undefined, 'GET', '/openapi.json');
    assert.equal(response.statusCode, 200);
    const document = response.json<OpenApi>();
    assert.equal(document.openapi, '3.1.0');
    assert.ok(document.paths['/tenants/{tenant}/applications']?.['post']);
    const ids = new Set<string>();
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        assert.ok(operation.operationId, `${method} ${path} has an operationId`);
        assert.ok(!ids.has(operation.operationId), `${operation.operationId} is unique`);
        ids.add(operation.operationId);
        assert.ok(operation.tags?.length, `${method} ${path} has tags`);
        assert.equal(Object.values(operation.security?.[0] ?? {}).flat().length, 1, `${method} ${path} names its scope`);
        for (const status of ['400', '401', '403', '404', '429']) assert.ok(operation.responses[status], `${method} ${path} declares ${status}`);
      }
    }
  });

  test('the document is valid OpenAPI 3.1 for a maintained validator (@readme/openapi-parser)', async () => {
    const document = (await callAdmin(server, undefined, 'GET', '/openapi.json')).json<object>();
    const result = await validate(structuredClone(document) as Parameters<typeof validate>[0]);
    assert.deepEqual(result.valid ? [] : result.errors, []);
    assert.deepEqual(result.warnings, []);
    assert.equal(result.specification, 'OpenAPI');
  });

  test('the reference page is server-rendered HTML under a CSP that allows only its own stylesheet', async () => {
    const page = await callAdmin(server, undefined, 'GET', '/docs');
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(String(page.headers['content-security-policy']), /^default-src 'none'; style-src 'sha256-[^']+'; frame-ancestors 'none'/);
    assert.match(page.body, /createApplication/);
    assert.doesNotMatch(page.body, /<script/);
  });

  test('each credential has its own rate limit: 429 with Retry-After past it, others unaffected', async () => {
    const busy = await machineToken(server, ['apps:read']);
    const calm = await machineToken(server, ['apps:read']);
    const answers = [];
    for (let i = 0; i < 6; i += 1) answers.push(await callAdmin(server, busy, 'GET', '/tenants/acme/applications'));
    assert.deepEqual(answers.map((answer) => answer.statusCode), [200, 200, 200, 200, 200, 429]);
    const limited = answers.at(-1)!;
    assert.equal(limited.json<{ code: string }>().code, 'request.rate_limited');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.equal((await callAdmin(server, calm, 'GET', '/tenants/acme/applications')).statusCode, 200);
  });

  test('expired idempotency records and setup links are removed by the stores the expired-rows sweep runs', async () => {
    const { idempotencyKeys, setupLinks } = server.stores;
    const past = Date.now() - 1000;
    await idempotencyKeys.claim({ credential: 'machine:old', key: 'k', requestHash: 'h', now: past - 10, expiresAt: past });
    await setupLinks.insert({ tokenHash: `old-${Math.random()}`, createdAt: past - 10, expiresAt: past });
    assert.ok((await idempotencyKeys.removeExpired(Date.now(), 100)) >= 1);
    assert.ok((await setupLinks.removeExpired(Date.now(), 100)) >= 1);
    assert.equal(await idempotencyKeys.find('machine:old', 'k', past - 20), undefined);
  });
});
