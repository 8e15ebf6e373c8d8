// Passkeys in the JSON flows API (ADR 0030, ADR 0036), with the software authenticator
// (bench/software-authenticator.ts) as the app's platform authenticator: a login flow carries
// WebAuthn request options for a discoverable credential (no account named), whose answer signs in
// alone at the MFA class, once, for this flow only, origin and relying party checked; and a passkey
// as the second factor after the password, its options naming the customer's own keys.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer, TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant, PASSWORD, registerApplication, uniqueEmail } from '../helpers/oidc-clients.ts';
import { assertPasskey, createPasskey } from '../../bench/software-authenticator.ts';
import type { SoftwarePasskey } from '../../bench/software-authenticator.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import { createPasskeyEnrolment, passkeyChallengeKeyOf } from '../../src/domain/credentials/passkey/passkey.ts';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';
import { dayOf } from '../../src/domain/stats/stats.ts';

const MFA = 'urn:foyer:acr:mfa';
/** The test server's public URL: the relying party is its host, `localhost`. */
const ORIGIN = 'http://localhost:3000';

type Json = Record<string, any>;

describeEachEngine('flows API: passkeys', (current) => {
  let server: TestServer;
  let tenant: Tenant;
  let prefix: string;
  before(async () => {
    server = await createTestServer(current().engine);
    tenant = await createTenant(server, `fpk-${process.pid}-${current().engine}`, { mfa: { policy: 'required' } });
    prefix = `/t/${tenant.slug}`;
  });
  after(async () => {
    await server.stop();
  });

  const post = async (url: string, payload?: unknown) => {
    const response = await server.app.inject({ method: 'POST', url, payload: payload as object });
    return { status: response.statusCode, body: (response.body ? response.json() : {}) as Json };
  };
  const pathOf = (action: string) => new URL(action).pathname;

  /** A customer with a password and a passkey the software authenticator holds (added as the portal adds one). */
  async function customerWithPasskey(label: string): Promise<{ email: string; id: string; passkey: SoftwarePasskey }> {
    const email = uniqueEmail(label);
    const identity = await createIdentityByOperator({ transaction: server.transaction, tenants: server.stores.tenants }, tenant.id, { traits: { email }, password: PASSWORD, verified: true }, { type: 'operator', id: 'test' });
    const enrolment = createPasskeyEnrolment({ identities: server.stores.identities, audit: server.stores.audit, throttle: undefined as never, secretBox: createSecretBox(TEST_MASTER_SECRET), publicUrl: ORIGIN, challengeKey: passkeyChallengeKeyOf(TEST_MASTER_SECRET) });
    const offer = await enrolment.begin(tenant, identity, Date.now());
    const { response, passkey } = createPasskey(offer.options as never, ORIGIN);
    const added = await enrolment.complete(tenant, identity.id, { response: JSON.stringify(response), enrolment: offer.enrolment }, { ip: '127.0.0.1' });
    assert.ok(added.ok, JSON.stringify(added));
    return { email, id: identity.id, passkey };
  }

  /** A new login flow's passkey alternative: where to post and the WebAuthn options. */
  async function passkeyAlternative() {
    const created = await post(`${prefix}/flows/login`);
    assert.equal(created.status, 201);
    const alternative = (created.body['ui'].alternatives as Json[]).find((candidate) => candidate['method'] === 'passkey');
    assert.ok(alternative, 'a login flow offers a passkey');
    return { flowId: created.body['id'] as string, action: pathOf(alternative['action']), options: alternative['options'] as { challenge: string; rpId: string; allowCredentials: unknown[]; userVerification: string } };
  }

  test('usernameless: the answer to the flow options signs in alone at the MFA class (amr hwk), once; another flow, origin, relying party or no user verification is refused', async () => {
    const { id, passkey } = await customerWithPasskey('first');
    const first = await passkeyAlternative();
    assert.equal(first.options.rpId, 'localhost');
    assert.deepEqual(first.options.allowCredentials, [], 'no account is named: a discoverable credential says who it is');
    assert.equal(first.options.userVerification, 'required');

    // Answers the flow cannot accept, each one refused without a session.
    const other = await passkeyAlternative();
    const forOtherFlow = await post(first.action, { response: assertPasskey(passkey, other.options, ORIGIN) });
    assert.equal(forOtherFlow.status, 401);
    assert.equal(forOtherFlow.body['code'], 'passkey.invalid');
    assert.equal((await post(first.action, { response: assertPasskey(passkey, first.options, 'https://evil.example') })).body['code'], 'passkey.invalid');
    assert.equal((await post(first.action, { response: assertPasskey(passkey, first.options, ORIGIN, { rpId: 'evil.example' }) })).body['code'], 'passkey.invalid');
    assert.equal((await post(first.action, { response: assertPasskey(passkey, first.options, ORIGIN, { userVerified: false }) })).body['code'], 'passkey.invalid');
    const stranger = createPasskey({ challenge: 'x', rp: { id: 'localhost' }, user: { id: 'someone' } }, ORIGIN).passkey;
    assert.equal((await post(first.action, { response: assertPasskey(stranger, first.options, ORIGIN) })).body['code'], 'passkey.invalid');
    const empty = await post(first.action, {});
    assert.equal(empty.status, 400);
    assert.equal(empty.body['code'], 'request.invalid');
    assert.deepEqual(await server.stores.sessions.listOf(tenant.id, id, Date.now()), []);

    const passkeySignIns = async () => {
      await server.stats.flush();
      const today = dayOf(Date.now());
      return (await server.stores.stats.countsBetween(tenant.id, ['signin.succeeded'], today, today)).filter((count) => count.method === 'passkey').reduce((sum, count) => sum + count.count, 0);
    };
    const countedBefore = await passkeySignIns();
    const answer = assertPasskey(passkey, first.options, ORIGIN);
    const signedIn = await post(first.action, { response: answer });
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
    assert.equal(signedIn.body['session'].acr, MFA, 'a passkey with user verification is multi-factor: no second step on a required tenant');
    assert.deepEqual(signedIn.body['session'].amr, ['hwk']);
    assert.equal(signedIn.body['identity'].id, id);
    const whoami = await server.app.inject({ url: `${prefix}/sessions/whoami`, headers: { authorization: `Bearer ${signedIn.body['session'].token}` } });
    assert.equal(whoami.statusCode, 200);
    const replay = await post(first.action, { response: answer });
    assert.equal(replay.status, 409);
    assert.equal(replay.body['code'], 'flow.already_complete');
    assert.equal(await passkeySignIns(), countedBefore + 1, 'counted once on the dashboards as a passkey sign-in');
    const audit = await server.stores.audit.listForIdentity(tenant.id, id, { limit: 20 });
    assert.ok(audit.some((entry) => entry.action === 'signin.succeeded' && entry.details?.['method'] === 'passkey'));
  });

  test("as the second factor: the step's options name the customer's passkeys; its answer gives pwd, hwk, mfa; an answer to another challenge is refused", async () => {
    const { email, passkey } = await customerWithPasskey('second');
    const login = await post(`${prefix}/flows/login`);
    const loginOptions = (login.body['ui'].alternatives as Json[]).find((candidate) => candidate['method'] === 'passkey')!['options'];
    const answered = await post(`${prefix}/flows/login/${login.body['id']}`, { identifier: email, password: PASSWORD });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    assert.equal(answered.body['session'], undefined);
    const step = answered.body['flow'];
    const factor = (step.ui.factors as Json[]).find((candidate) => candidate['method'] === 'passkey');
    assert.ok(factor, JSON.stringify(step.ui));
    assert.deepEqual(factor['options'].allowCredentials.map((allowed: Json) => allowed['id']), [passkey.id]);
    assert.equal(factor['options'].rpId, 'localhost');
    const action = pathOf(step.ui.action);

    const toLoginChallenge = await post(action, { method: 'passkey', response: assertPasskey(passkey, loginOptions, ORIGIN) });
    assert.equal(toLoginChallenge.status, 400);
    assert.equal(toLoginChallenge.body['code'], 'passkey.invalid');
    const missing = await post(action, { method: 'passkey' });
    assert.equal(missing.status, 400);
    assert.equal(missing.body['code'], 'validation.failed');

    const signedIn = await post(action, { method: 'passkey', response: assertPasskey(passkey, factor['options'], ORIGIN) });
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
    assert.equal(signedIn.body['session'].acr, MFA);
    assert.deepEqual([...signedIn.body['session'].amr].sort(), ['hwk', 'mfa', 'pwd']);
  });

  test('passkeys turned off for an application: its flows offer none, an answer is 403 passkey.disabled, and its step asks for another factor', async () => {
    const { email, passkey } = await customerWithPasskey('off');
    const { application } = await registerApplication(server, tenant.id, { name: 'No passkeys', kind: 'native', redirectUris: ['com.example.nopk:/cb'], passkeysDisabled: true });
    const created = await post(`${prefix}/flows/login?client_id=${application.id}`);
    assert.equal(created.status, 201);
    assert.equal(((created.body['ui'].alternatives ?? []) as Json[]).some((candidate) => candidate['method'] === 'passkey'), false);
    const elsewhere = await passkeyAlternative();
    const refused = await post(`${prefix}/flows/login/${created.body['id']}/passkey`, { response: assertPasskey(passkey, elsewhere.options, ORIGIN) });
    assert.equal(refused.status, 403);
    assert.equal(refused.body['code'], 'passkey.disabled');
    const step = (await post(`${prefix}/flows/login/${created.body['id']}`, { identifier: email, password: PASSWORD })).body['flow'];
    assert.equal(step.type, 'second_factor');
    assert.equal(step.ui.factors, undefined, 'the passkey is not offered: the customer sets up an app instead');
    assert.ok(step.ui.enrolment);
  });
});
