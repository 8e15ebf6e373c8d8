// A bounded property-based fuzz of every admin route, generated from the OpenAPI document
// (fast-check arbitraries from each operation's parameter and body schemas), sent with a credential
// that holds every scope: zero 5xx, zero stack traces, and nothing secret echoed back (the token,
// a password sent in the body, the master secret). Every answer is also held to its declared
// schema by the test server. The seeds are fixed (FUZZ_SEED explores others) and the run is bounded
// in time (FUZZ_BUDGET_MS, default 4 s per engine, shared by the routes); every route gets at least
// one round, however loaded the machine.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer, TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant, SYSTEM_ACTOR } from '../helpers/oidc-clients.ts';
import { createApplication } from '../../src/domain/applications/applications.service.ts';
import { machineToken } from '../helpers/admin.ts';
import { adminOperations } from '../helpers/admin-operations.ts';
import type { AdminOperation } from '../helpers/admin-operations.ts';
import { arbitraryOf, textOf } from '../helpers/schema-arbitrary.ts';
import { headerPart, urlPart } from '../helpers/fuzz-input.ts';
import { ADMIN_SCOPES } from '../../src/domain/admin/scopes.ts';
import { ADMIN_API_PATH } from '../../src/http/admin/admin-resource.ts';

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x14ad);
const BUDGET_MS = Number(process.env['FUZZ_BUDGET_MS'] ?? 4_000);
const STACK_TRACE = /\bat [^\n"]*\((?:file:|node:)|\.ts:\d+:\d+|node_modules\//;

type Sent = { method: AdminOperation['method']; url: string; headers: Record<string, string>; body: unknown };

function requestOf(operation: AdminOperation): fc.Arbitrary<Sent> {
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  const query = operation.parameters.filter((parameter) => parameter.in === 'query');
  const headers = operation.parameters.filter((parameter) => parameter.in === 'header');
  // Mostly a tenant that exists, so requests reach the resource; otherwise whatever the schema allows.
  const path = fc.record(Object.fromEntries(pathParameters.map((parameter) => [parameter.name, parameter.name === 'tenant' ? fc.oneof({ weight: 4, arbitrary: fc.constant('acme') }, { weight: 1, arbitrary: textOf(parameter.schema) }) : textOf(parameter.schema)])));
  const queryValues = fc.record(Object.fromEntries(query.map((parameter) => [parameter.name, textOf(parameter.schema)])), { requiredKeys: [] });
  const headerValues = fc.record(Object.fromEntries(headers.map((parameter) => [parameter.name, textOf(parameter.schema)])), { requiredKeys: [] });
  const body = operation.hasBody ? arbitraryOf(operation.body) : fc.constant(undefined);
  return fc.record({ path, queryValues, headerValues, body }).map(({ path: values, queryValues: q, headerValues: h, body: payload }) => {
    const url = operation.path.replace(/\{([^}]+)\}/g, (_whole, name: string) => urlPart(String(values[name] ?? 'zz')));
    const search = Object.entries(q).map(([key, value]) => `${urlPart(key)}=${urlPart(String(value))}`).join('&');
    return {
      method: operation.method,
      url: `${ADMIN_API_PATH}${url}${search ? `?${search}` : ''}`,
      headers: Object.fromEntries(Object.entries(h).map(([key, value]) => [key, headerPart(String(value))])),
      body: payload,
    };
  });
}

/** Passwords the request carried (long enough that finding one in the answer cannot be chance). */
function secretsIn(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  return Object.entries(body).flatMap(([key, value]) => (/password|secret/i.test(key) && typeof value === 'string' && value.length >= 8 ? [value] : secretsIn(value)));
}

describeEachEngine('admin API fuzz (from the OpenAPI document)', (current) => {
  let server: TestServer;
  let token: string;
  let operations: AdminOperation[];

  before(async () => {
    server = await createTestServer(current().engine, { ADMIN_API_RATE_LIMIT: '1000000' });
    const acme = await createTenant(server, 'acme');
    // Not empty, so a fuzzed DELETE of the tenant cannot take it from under the later rounds.
    await createApplication({ transaction: server.transaction }, acme.id, { name: 'Fixture', kind: 'machine' }, SYSTEM_ACTOR);
    token = await machineToken(server, ADMIN_SCOPES);
    operations = await adminOperations(server);
  });
  after(() => server.stop());

  test('every route, fed what its schemas describe and worse: no 5xx, no stack trace, no secret echoed', async () => {
    const perOperation = Math.max(1, Math.floor(BUDGET_MS / operations.length));
    const rounds = new Map<string, number>();
    for (const operation of operations) {
      const label = `${operation.method} ${operation.path}`;
      const check = async (sent: Sent) => {
        rounds.set(label, (rounds.get(label) ?? 0) + 1);
        const headers = { ...sent.headers, authorization: `Bearer ${token}`, ...(sent.body === undefined ? {} : { 'content-type': 'application/json' }) };
        const answer = await server.app.inject({ method: sent.method, url: sent.url, headers, ...(sent.body === undefined ? {} : { payload: JSON.stringify(sent.body) }) });
        const where = `${sent.method} ${sent.url.slice(0, 200)} → ${answer.statusCode}`;
        assert.ok(answer.statusCode < 500, `${where}: ${answer.body.slice(0, 500)}`);
        assert.doesNotMatch(answer.body, STACK_TRACE, `${where}: a stack trace`);
        for (const secret of [token, TEST_MASTER_SECRET, ...secretsIn(sent.body)]) assert.ok(!answer.body.includes(secret), `${where}: echoes a secret`);
      };
      // Round n sends the request fast-check draws from seed SEED + n: a failure names the seed
      // that sends the same request again. One round whatever the machine's speed, then as many
      // as this operation's share of the budget allows.
      const deadline = Date.now() + perOperation;
      for (let round = 0; round === 0 || Date.now() < deadline; round += 1) {
        const [sent] = fc.sample(requestOf(operation), { seed: SEED + round, numRuns: 1 });
        try {
          await check(sent!);
        } catch (error) {
          throw new Error(`${label}, seed ${SEED + round}: ${(error as Error).message}`, { cause: error });
        }
      }
    }
    for (const operation of operations) assert.ok((rounds.get(`${operation.method} ${operation.path}`) ?? 0) >= 1);
  });
});
