// The flows API's OpenAPI document (GET /flows/openapi.json) stays true: valid OpenAPI 3.1 for a
// maintained validator, every route of the surface in it, and the live answers of the steps that
// matter (a new login flow with its passkey options, the second-factor step, the session it ends in,
// a problem) valid against the schemas it publishes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { validate } from '@readme/openapi-parser';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant, PASSWORD, uniqueEmail } from '../helpers/oidc-clients.ts';
import { totpCode } from '../helpers/second-factor.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';

type Json = Record<string, any>;

describeEachEngine('flows API: OpenAPI document', (current) => {
  let server: TestServer;
  let document: Json;
  before(async () => {
    server = await createTestServer(current().engine);
    const answer = await server.app.inject('/flows/openapi.json');
    assert.equal(answer.statusCode, 200);
    document = answer.json();
  });
  after(async () => {
    await server.stop();
  });

  /** Whether `value` is valid against the document's component `name`; the errors when not. */
  function check(name: string, value: unknown): void {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(document, 'flows');
    const validateAgainst = ajv.getSchema(`flows#/components/schemas/${name}`)!;
    assert.ok(validateAgainst(value), `${name}: ${JSON.stringify(validateAgainst.errors)} in ${JSON.stringify(value)}`);
  }

  test('the document is valid OpenAPI 3.1 (@readme/openapi-parser) and names this tenant as its server', async () => {
    const result = await validate(structuredClone(document) as Parameters<typeof validate>[0]);
    assert.deepEqual(result.valid ? [] : result.errors, []);
    assert.deepEqual(result.warnings, []);
    assert.equal(document['servers'][0].url, 'http://localhost:3000');
    const tenant = await createTenant(server, `foas-${process.pid}-${current().engine}`);
    assert.equal((await server.app.inject(`/t/${tenant.slug}/flows/openapi.json`)).json().servers[0].url, `http://localhost:3000/t/${tenant.slug}`);
  });

  test('every route of the flows surface is in the document, and nothing else', () => {
    const routes = server.routes.filter((route) => /^\/(flows|sessions)(\/|$)/.test(route.url) && route.method !== 'HEAD');
    assert.ok(routes.length > 20);
    const documented = new Set(Object.entries(document['paths'] as Record<string, Json>).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`)));
    const served = new Set(routes.map((route) => `${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`));
    assert.deepEqual([...served].filter((route) => !documented.has(route)).sort(), [], 'routes missing from the document');
    assert.deepEqual([...documented].filter((route) => !served.has(route)).sort(), [], 'documented routes that do not exist');
  });

  test("the steps' live answers match the published schemas", async () => {
    const tenant = await createTenant(server, `foal-${process.pid}-${current().engine}`, { mfa: { policy: 'required' } });
    const prefix = `/t/${tenant.slug}`;
    const email = uniqueEmail('openapi');
    await createIdentityByOperator({ transaction: server.transaction, tenants: server.stores.tenants }, tenant.id, { traits: { email }, password: PASSWORD, verified: true }, { type: 'operator', id: 'test' });
    const post = async (url: string, payload?: unknown) => {
      const response = await server.app.inject({ method: 'POST', url, payload: payload as object });
      return response.json() as Json;
    };

    const login = await post(`${prefix}/flows/login`);
    check('Flow', login);
    assert.ok(login['ui'].alternatives.some((alternative: Json) => alternative['method'] === 'passkey'));
    const step = await post(`${prefix}/flows/login/${login['id']}`, { identifier: email, password: PASSWORD });
    check('NextStep', step);
    assert.ok(step['flow'].ui.enrolment);
    check('Flow', (await server.app.inject(`${prefix}/flows/${step['flow'].id}`)).json());
    check('Problem', await post(`${prefix}/flows/second_factor/${step['flow'].id}/decline`));
    const enrolment = step['flow'].ui.enrolment;
    const signedIn = await post(new URL(step['flow'].ui.action).pathname, { enrolment: enrolment.enrolment, code: totpCode(enrolment.secret) });
    check('SignedIn', signedIn);
    assert.equal(signedIn['recovery_codes'].length, 10);
    const next = await post(`${prefix}/flows/login/${(await post(`${prefix}/flows/login`))['id']}`, { identifier: email, password: PASSWORD });
    check('NextStep', next);
    assert.deepEqual(next['flow'].ui.factors.map((factor: Json) => factor['method']).sort(), ['recovery_code', 'totp']);
    const whoami = await server.app.inject({ url: `${prefix}/sessions/whoami`, headers: { authorization: `Bearer ${signedIn['session'].token}` } });
    check('Session', whoami.json().session);
    check('Identity', whoami.json().identity);
  });
});
