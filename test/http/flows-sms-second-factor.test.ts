// A texted code as the second factor in the JSON flows API (ADR 0031, ADR 36), with a fake SMS
// gateway on loopback: the step lists `sms` with the number's last digits and a send action; the
// code texted on request signs in with pwd, sms and mfa, once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer, TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant, PASSWORD, uniqueEmail } from '../helpers/oidc-clients.ts';
import { codeOf, startFakeGateway } from '../helpers/sms-gateway.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import { createSmsEnrolment } from '../../src/domain/credentials/sms/sms-code.ts';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';
import { createSqlThrottleStore } from '../../src/storage/throttle.store.ts';

const PHONE = '+447400123987';
type Json = Record<string, any>;

describeEachEngine('flows API: texted second factor', (current) => {
  let server: TestServer;
  let gateway: Awaited<ReturnType<typeof startFakeGateway>>;
  before(async () => {
    gateway = await startFakeGateway();
    server = await createTestServer(current().engine, { SMS_GATEWAY_URL: gateway.url, SMS_GATEWAY_BODY: '{"destination":"{{to}}","message":"{{text}}","sender":"{{from}}"}', SMS_FROM: 'Shop' });
  });
  after(async () => {
    await server?.stop();
    gateway?.server.close();
  });

  const post = async (url: string, payload?: unknown) => {
    const response = await server.app.inject({ method: 'POST', url, payload: payload as object });
    return { status: response.statusCode, body: (response.body ? response.json() : {}) as Json };
  };
  const pathOf = (action: string) => new URL(action).pathname;

  test('the step offers the texted code, sends it on request, and it signs in once with pwd, sms, mfa', async () => {
    const tenant = await createTenant(server, `fsms-${process.pid}-${current().engine}`, { mfa: { policy: 'required' } });
    const prefix = `/t/${tenant.slug}`;
    const email = uniqueEmail('sms');
    const identity = await createIdentityByOperator({ transaction: server.transaction, tenants: server.stores.tenants }, tenant.id, { traits: { email }, password: PASSWORD, verified: true }, { type: 'operator', id: 'test' });
    // The number added as the portal adds it: a code texted to it proves it.
    const enrolment = createSmsEnrolment({ identities: server.stores.identities, audit: server.stores.audit, throttle: createSqlThrottleStore(server.database.db), secretBox: createSecretBox(TEST_MASTER_SECRET), transaction: server.transaction, available: true });
    const seen = gateway.received.length;
    const begun = await enrolment.begin(tenant, identity.id, PHONE, { ip: '127.0.0.1' }, 'en');
    assert.ok(begun.ok, JSON.stringify(begun));
    await server.smsDispatcher.runOnce();
    const proof = codeOf(await gateway.next(PHONE, seen));
    assert.deepEqual(await enrolment.complete(tenant, identity.id, { enrolment: begun.enrolment, code: proof }, { ip: '127.0.0.1' }), { ok: true });

    const login = await post(`${prefix}/flows/login`);
    const step = (await post(`${prefix}/flows/login/${login.body['id']}`, { identifier: email, password: PASSWORD })).body['flow'];
    const factor = (step.ui.factors as Json[]).find((candidate) => candidate['method'] === 'sms');
    assert.ok(factor, JSON.stringify(step.ui));
    assert.equal(factor['phone_ending'], PHONE.slice(-2));
    const before = gateway.received.length;
    const sent = await post(pathOf(factor['send']));
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body['sent'].method, 'sms');
    await server.smsDispatcher.runOnce();
    const code = codeOf(await gateway.next(PHONE, before));
    const signedIn = await post(pathOf(step.ui.action), { method: 'sms', code });
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
    assert.deepEqual([...signedIn.body['session'].amr].sort(), ['mfa', 'pwd', 'sms']);
    assert.equal(signedIn.body['session'].acr, 'urn:foyer:acr:mfa');
    const again = (await post(`${prefix}/flows/login/${(await post(`${prefix}/flows/login`)).body['id']}`, { identifier: email, password: PASSWORD })).body['flow'];
    const reused = await post(pathOf(again.ui.action), { method: 'sms', code });
    assert.equal(reused.status, 400);
    assert.equal(reused.body['code'], 'mfa.code_invalid');
  });
});
