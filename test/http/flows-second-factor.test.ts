// The second-factor step of the JSON flows API (ADR 0036), as a native app drives it through HTTP:
// the tenant's and the application's policy and `acr_values` ask for it after the password (and
// after recovery); a customer without a factor sets up an authenticator app at sign-in (codes
// computed here as the app does); wrong, reused and throttled codes are problems with stable codes;
// the session says acr and amr (RFC 8176); a remembered device skips the policy's question, never the
// app's request; and no route of the API issues a session without the factor.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant, PASSWORD, registerApplication, uniqueEmail } from '../helpers/oidc-clients.ts';
import { totpCode } from '../helpers/second-factor.ts';
import { codeIn } from '../helpers/mailbox.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';
import type { MfaPolicy } from '../../src/domain/tenants/tenant-settings.ts';
import { createEmailOtpEnrolment } from '../../src/domain/credentials/email-otp/email-otp.ts';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';

const MFA = 'urn:foyer:acr:mfa';
const PASSWORD_ACR = 'urn:foyer:acr:password';

type Json = Record<string, any>;

describeEachEngine('flows API: second factor', (current) => {
  let server: TestServer;
  let tenants = 0;
  before(async () => {
    server = await createTestServer(current().engine);
  });
  after(async () => {
    await server.stop();
  });

  const post = async (url: string, payload?: unknown, headers: Record<string, string> = {}) => {
    const response = await server.app.inject({ method: 'POST', url, payload: payload as object, headers });
    return { status: response.statusCode, body: (response.body ? response.json() : {}) as Json, headers: response.headers };
  };
  const get = async (url: string) => {
    const response = await server.app.inject({ url });
    return { status: response.statusCode, body: response.json() as Json };
  };
  /** The path of an absolute action the API answered, on the test server. */
  const pathOf = (action: string) => new URL(action).pathname;

  async function tenantWith(policy: MfaPolicy): Promise<{ tenant: Tenant; prefix: string }> {
    tenants += 1;
    const tenant = await createTenant(server, `fmfa-${policy}-${tenants}-${process.pid}-${current().engine}`, { mfa: { policy } });
    return { tenant, prefix: `/t/${tenant.slug}` };
  }

  async function customer(tenant: Tenant, label: string): Promise<{ email: string; id: string }> {
    const email = uniqueEmail(label);
    const identity = await createIdentityByOperator({ transaction: server.transaction, tenants: server.stores.tenants }, tenant.id, { traits: { email }, password: PASSWORD, verified: true }, { type: 'operator', id: 'test' });
    return { email, id: identity.id };
  }

  /** A login flow (with the query the app starts it with), and the answer to the password. */
  async function password(prefix: string, email: string, query = '', extra: Json = {}) {
    const created = await post(`${prefix}/flows/login${query}`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const answer = await post(`${prefix}/flows/login/${created.body['id']}`, { identifier: email, password: PASSWORD, ...extra });
    return { login: created.body, answer };
  }

  /** The password, then the step's enrolment of an authenticator app: the key and the recovery codes. */
  async function enrolled(prefix: string, email: string, query = '') {
    const { answer } = await password(prefix, email, query);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const step = answer.body['flow'];
    const enrolment = step.ui.enrolment;
    const used = totpCode(enrolment.secret);
    const done = await post(pathOf(step.ui.action), { enrolment: enrolment.enrolment, code: used });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    return { secret: enrolment.secret as string, used, codes: done.body['recovery_codes'] as string[], answer: done.body };
  }

  async function sessionsOf(tenant: Tenant, identityId: string) {
    return server.stores.sessions.listOf(tenant.id, identityId, Date.now());
  }

  test('required, no factor yet: the password answers the enrolment step and no session; nothing else in the API gets past it; the app set up gives pwd, otp, mfa and ten recovery codes', async () => {
    const { tenant, prefix } = await tenantWith('required');
    const ada = await customer(tenant, 'enrol');
    const { login, answer } = await password(prefix, ada.email);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body['session'], undefined, 'no session before the second factor');
    const step = answer.body['flow'];
    assert.equal(step.type, 'second_factor');
    assert.equal(step.state, 'active');
    assert.equal(step.ui.action, `http://localhost:3000${prefix}/flows/second_factor/${step.id}/enrol`);
    assert.equal(step.ui.decline, undefined, 'a required factor cannot be declined');
    assert.match(step.ui.enrolment.otpauth_uri, /^otpauth:\/\/totp\//);
    assert.match(step.ui.enrolment.secret, /^[A-Z2-7]+$/);
    assert.equal(typeof answer.body['device_token'], 'string');

    // Every other way on is closed: the login flow is spent, declining is refused, the step wants enrolment.
    const loginId = login['id'];
    const again = await post(`${prefix}/flows/login/${loginId}`, { identifier: ada.email, password: PASSWORD });
    assert.equal(again.status, 409);
    assert.equal(again.body['code'], 'flow.already_complete');
    assert.equal((await post(`${prefix}/flows/login/${loginId}/code`, { code: '123456' })).body['code'], 'flow.already_complete');
    assert.equal((await post(`${prefix}/flows/login/${loginId}/passkey`, { response: { id: 'x' } })).body['code'], 'flow.already_complete');
    const declined = await post(`${prefix}/flows/second_factor/${step.id}/decline`);
    assert.equal(declined.status, 403);
    assert.equal(declined.body['code'], 'mfa.method_unavailable');
    assert.match(declined.headers['content-type'] as string, /application\/problem\+json/);
    const verify = await post(`${prefix}/flows/second_factor/${step.id}`, { method: 'totp', code: '123456' });
    assert.equal(verify.status, 409);
    assert.equal(verify.body['code'], 'flow.wrong_step');
    assert.equal((await post(`${prefix}/flows/purposes/${step.id}`, { consents: {} })).status, 404);
    assert.equal((await post(`${prefix}/flows/second_factor/${loginId}`, { method: 'totp', code: '123456' })).status, 404);
    // Another tenant's path does not know the step.
    assert.equal((await post(`/flows/second_factor/${step.id}/decline`)).status, 404);
    const read = await get(`${prefix}/flows/${step.id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body['ui'].action, step.ui.action);
    assert.deepEqual(await sessionsOf(tenant, ada.id), [], 'no session exists yet');

    // A wrong first code keeps the step; the right one signs in with both factors.
    const enrolment = step.ui.enrolment;
    const wrongCode = totpCode(enrolment.secret) === '000000' ? '111111' : '000000';
    const wrong = await post(pathOf(step.ui.action), { enrolment: enrolment.enrolment, code: wrongCode });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body['code'], 'mfa.code_invalid');
    const forged = await post(pathOf(step.ui.action), { enrolment: 'not-a-sealed-enrolment', code: totpCode(enrolment.secret) });
    assert.equal(forged.status, 400);
    assert.equal(forged.body['code'], 'mfa.enrolment_expired');
    const done = await post(pathOf(step.ui.action), { enrolment: enrolment.enrolment, code: totpCode(enrolment.secret) });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body['session'].acr, MFA);
    assert.deepEqual([...done.body['session'].amr].sort(), ['mfa', 'otp', 'pwd']);
    assert.equal(done.body['recovery_codes'].length, 10);
    assert.equal(done.body['flow'].state, 'complete');
    const whoami = await server.app.inject({ url: `${prefix}/sessions/whoami`, headers: { authorization: `Bearer ${done.body['session'].token}` } });
    assert.equal(whoami.statusCode, 200);
    assert.deepEqual([...whoami.json().session.amr].sort(), ['mfa', 'otp', 'pwd']);
    assert.equal(whoami.json().session.acr, MFA, 'the session keeps the class its sign-in reached');
    // Once: the step is complete.
    const replay = await post(pathOf(step.ui.action), { enrolment: enrolment.enrolment, code: totpCode(enrolment.secret) });
    assert.equal(replay.status, 409);
    assert.equal(replay.body['code'], 'flow.already_complete');
    assert.equal((await sessionsOf(tenant, ada.id)).length, 1);
  });

  test('enrolled: the step lists the factors; a reused, a late and a wrong code are refused; the next one signs in; a recovery code works once', async () => {
    const { tenant, prefix } = await tenantWith('required');
    const ben = await customer(tenant, 'totp');
    const { secret, used, codes } = await enrolled(prefix, ben.email);
    const { answer } = await password(prefix, ben.email);
    const step = answer.body['flow'];
    assert.deepEqual(step.ui.factors.map((factor: Json) => factor.method).sort(), ['recovery_code', 'totp']);
    assert.equal(step.ui.action, `http://localhost:3000${prefix}/flows/second_factor/${step.id}`);
    const action = pathOf(step.ui.action);
    // The code enrolment used: reused.
    const reused = await post(action, { method: 'totp', code: used });
    assert.equal(reused.status, 400);
    assert.equal(reused.body['code'], 'mfa.code_invalid');
    const late = await post(action, { method: 'totp', code: totpCode(secret, Date.now() - 65_000) });
    assert.equal(late.body['code'], 'mfa.code_invalid');
    const unknownMethod = await post(action, { method: 'sms', code: '123456' });
    assert.equal(unknownMethod.status, 400);
    assert.equal(unknownMethod.body['code'], 'mfa.method_unavailable');
    const missing = await post(action, { method: 'totp' });
    assert.equal(missing.status, 400);
    assert.equal(missing.body['code'], 'validation.failed');
    const signedIn = await post(action, { method: 'totp', code: totpCode(secret, Date.now() + 30_000) });
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
    assert.equal(signedIn.body['session'].acr, MFA);
    assert.deepEqual([...signedIn.body['session'].amr].sort(), ['mfa', 'otp', 'pwd']);
    assert.equal(signedIn.body['mfa_device_token'], undefined, 'not remembered unless asked');

    const first = await password(prefix, ben.email);
    const byRecovery = await post(pathOf(first.answer.body['flow'].ui.action), { method: 'recovery_code', code: codes[0] });
    assert.equal(byRecovery.status, 200, JSON.stringify(byRecovery.body));
    assert.equal(byRecovery.body['session'].acr, MFA);
    const second = await password(prefix, ben.email);
    const spent = await post(pathOf(second.answer.body['flow'].ui.action), { method: 'recovery_code', code: codes[0] });
    assert.equal(spent.status, 400);
    assert.equal(spent.body['code'], 'mfa.code_invalid');

    const audit = await server.stores.audit.listForIdentity(tenant.id, ben.id, { limit: 50 });
    assert.ok(audit.some((entry) => entry.action === 'mfa.used' && entry.details?.['method'] === 'totp'));
    assert.ok(audit.some((entry) => entry.action === 'mfa.used' && entry.details?.['method'] === 'recovery_code'));
    assert.ok(audit.filter((entry) => entry.action === 'mfa.failed').length >= 3);
  });

  test('code entry is throttled per customer across flows, as on the hosted step: 429 mfa.throttled with Retry-After, the right code refused too', async () => {
    const { tenant, prefix } = await tenantWith('required');
    const cy = await customer(tenant, 'throttle');
    const { secret } = await enrolled(prefix, cy.email);
    const wrongCode = (at: number) => (totpCode(secret, at) === '000000' ? '111111' : '000000');
    // Three wrong codes in one flow, then more in another: the count is the customer's, not the flow's.
    const first = pathOf((await password(prefix, cy.email)).answer.body['flow'].ui.action);
    for (let attempt = 0; attempt < 3; attempt++) assert.equal((await post(first, { method: 'totp', code: wrongCode(Date.now()) })).body['code'], 'mfa.code_invalid');
    const second = pathOf((await password(prefix, cy.email)).answer.body['flow'].ui.action);
    let throttled: Awaited<ReturnType<typeof post>> | undefined;
    for (let attempt = 0; attempt < 6 && !throttled; attempt++) {
      const refused = await post(second, { method: 'totp', code: wrongCode(Date.now()) });
      if (refused.status === 429) throttled = refused;
      else assert.equal(refused.body['code'], 'mfa.code_invalid');
    }
    assert.ok(throttled, 'wrong codes end in a throttle');
    assert.equal(throttled.body['code'], 'mfa.throttled');
    assert.ok(Number(throttled.headers['retry-after']) >= 1);
    const right = await post(second, { method: 'totp', code: totpCode(secret, Date.now() + 30_000) });
    assert.equal(right.status, 429, 'while throttled, no code is checked');
    assert.deepEqual((await sessionsOf(tenant, cy.id)).length, 1, 'only the enrolment signed in');
  });

  test('acr_values asks on a tenant without a policy; the customer may decline (acr says password) or enrol; without it no step', async () => {
    const { tenant, prefix } = await tenantWith('off');
    const dee = await customer(tenant, 'acr');
    const plain = await password(prefix, dee.email);
    assert.equal(plain.answer.body['session'].acr, PASSWORD_ACR);
    assert.deepEqual(plain.answer.body['session'].amr, ['pwd']);

    const query = `?acr_values=${encodeURIComponent(MFA)}`;
    const asked = await password(prefix, dee.email, query);
    const step = asked.answer.body['flow'];
    assert.equal(step.type, 'second_factor');
    assert.ok(step.ui.enrolment, 'no factor yet: the app may set one up');
    assert.equal(step.ui.decline, `http://localhost:3000${prefix}/flows/second_factor/${step.id}/decline`);
    const declined = await post(pathOf(step.ui.decline));
    assert.equal(declined.status, 200, JSON.stringify(declined.body));
    assert.equal(declined.body['session'].acr, PASSWORD_ACR, 'a declined request says what happened');
    assert.deepEqual(declined.body['session'].amr, ['pwd']);
    assert.equal((await post(pathOf(step.ui.decline))).body['code'], 'flow.already_complete');

    const { secret } = await enrolled(prefix, dee.email, query);
    // Enrolled, still no policy: a flow without acr_values is not asked.
    assert.equal((await password(prefix, dee.email)).answer.body['session'].acr, PASSWORD_ACR);
    const again = await password(prefix, dee.email, query);
    const verified = await post(pathOf(again.answer.body['flow'].ui.action), { method: 'totp', code: totpCode(secret, Date.now() + 30_000) });
    assert.equal(verified.body['session'].acr, MFA);
    // Values Foyer does not know are ignored, as acr_values are voluntary.
    assert.equal((await password(prefix, dee.email, '?acr_values=urn%3Aexample%3Aother')).answer.body['session'].acr, PASSWORD_ACR);
  });

  test("an application's policy applies when the app names it (client_id); an unknown one is refused", async () => {
    const { tenant, prefix } = await tenantWith('off');
    const { application } = await registerApplication(server, tenant.id, { name: 'Bank app', kind: 'native', redirectUris: ['com.example.bank:/callback'], mfaPolicy: 'required' });
    const eve = await customer(tenant, 'app');
    assert.equal((await password(prefix, eve.email)).answer.body['session'].acr, PASSWORD_ACR, 'the tenant asks nothing');
    const asked = await password(prefix, eve.email, `?client_id=${application.id}`);
    assert.equal(asked.answer.body['flow'].type, 'second_factor');
    assert.equal(asked.answer.body['flow'].ui.decline, undefined);
    const unknown = await post(`${prefix}/flows/login?client_id=nobody`);
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body['code'], 'application.not_found');
  });

  test('remember this device: the mfa_device_token skips the policy on the next sign-in, but not an app asking with acr_values', async () => {
    const { tenant, prefix } = await tenantWith('optional');
    const fay = await customer(tenant, 'remember');
    // Optional: nothing asked of a customer without a factor.
    assert.equal((await password(prefix, fay.email)).answer.body['session'].acr, PASSWORD_ACR);
    const { secret } = await enrolled(prefix, fay.email, `?acr_values=${encodeURIComponent(MFA)}`);
    const { answer } = await password(prefix, fay.email);
    const step = answer.body['flow'];
    assert.equal(step.ui.remember_device, true);
    const remembered = await post(pathOf(step.ui.action), { method: 'totp', code: totpCode(secret, Date.now() + 30_000), remember_device: true });
    assert.equal(remembered.status, 200, JSON.stringify(remembered.body));
    const token = remembered.body['mfa_device_token'];
    assert.equal(typeof token, 'string');
    const skipped = await password(prefix, fay.email, '', { mfa_device_token: token });
    assert.equal(skipped.answer.body['session'].acr, PASSWORD_ACR, 'the remembered device is not asked');
    const forged = await password(prefix, fay.email, '', { mfa_device_token: `${fay.id}.0197.forged` });
    assert.equal(forged.answer.body['flow'].type, 'second_factor');
    const asked = await password(prefix, fay.email, `?acr_values=${encodeURIComponent(MFA)}`, { mfa_device_token: token });
    assert.equal(asked.answer.body['flow'].type, 'second_factor', "the app's request is asked even on a remembered device");
  });

  test('recovery: the new password answers the second-factor step when the policy asks, not a session', async () => {
    const { tenant, prefix } = await tenantWith('required');
    const gus = await customer(tenant, 'recover');
    const { secret } = await enrolled(prefix, gus.email);
    const created = await post(`${prefix}/flows/recovery`);
    const seen = await server.mailbox.lastId(gus.email);
    await post(`${prefix}/flows/recovery/${created.body['id']}`, { email: gus.email });
    const code = codeIn(await server.mailbox.next(gus.email, 'recover_password', seen));
    assert.equal((await post(`${prefix}/flows/recovery/${created.body['id']}/code`, { code })).status, 200);
    const reset = await post(`${prefix}/flows/recovery/${created.body['id']}/password`, { password: 'a brand new passphrase 2026' });
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.equal(reset.body['session'], undefined, 'an inbox and a new password do not pass the authenticator app');
    const step = reset.body['flow'];
    assert.equal(step.type, 'second_factor');
    assert.equal((await post(`${prefix}/flows/recovery/${created.body['id']}/password`, { password: 'another new passphrase 2026' })).status, 409);
    const signedIn = await post(pathOf(step.ui.action), { method: 'totp', code: totpCode(secret, Date.now() + 30_000) });
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
    assert.deepEqual([...signedIn.body['session'].amr].sort(), ['mfa', 'otp', 'pwd']);
  });

  test('an emailed code as the second factor: listed with the masked address, sent on request (a new one voids the last), once', async () => {
    const { tenant, prefix } = await tenantWith('required');
    const hal = await customer(tenant, 'emailotp');
    const enrolment = createEmailOtpEnrolment({ identities: server.stores.identities, audit: server.stores.audit, throttle: undefined as never, secretBox: createSecretBox(TEST_MASTER_SECRET), transaction: server.transaction });
    assert.deepEqual(await enrolment.enable(tenant, hal.id, { ip: '127.0.0.1' }), { ok: true });
    const { answer } = await password(prefix, hal.email);
    const step = answer.body['flow'];
    const factor = (step.ui.factors as Json[]).find((candidate) => candidate['method'] === 'email_otp');
    assert.ok(factor, JSON.stringify(step.ui));
    assert.match(factor['sent_to'], /^e•+@example\.com$/);
    const action = pathOf(step.ui.action);
    const before = await server.mailbox.lastId(hal.email);
    const sent = await post(pathOf(factor['send']));
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body['sent'].method, 'email_otp');
    const voided = codeIn(await server.mailbox.next(hal.email, 'mfa_code', before));
    const latest = await server.mailbox.lastId(hal.email);
    assert.equal((await post(pathOf(factor['send']), { method: 'email_otp' })).status, 200);
    const code = codeIn(await server.mailbox.next(hal.email, 'mfa_code', latest));
    assert.equal((await post(pathOf(factor['send']), { method: 'sms' })).body['code'], 'mfa.method_unavailable');
    if (voided !== code) assert.equal((await post(action, { method: 'email_otp', code: voided })).body['code'], 'mfa.code_invalid', 'a new code voids the last');
    const signedIn = await post(action, { method: 'email_otp', code });
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
    assert.equal(signedIn.body['session'].acr, MFA);
    assert.deepEqual([...signedIn.body['session'].amr].sort(), ['mfa', 'otp', 'pwd']);
    const again = await password(prefix, hal.email);
    const reused = await post(pathOf(again.answer.body['flow'].ui.action), { method: 'email_otp', code });
    assert.equal(reused.status, 400);
    assert.equal(reused.body['code'], 'mfa.code_invalid');
  });

  test('adaptive: an app without a device token for the account is asked; the device token of an earlier sign-in is not', async () => {
    const { tenant, prefix } = await tenantWith('adaptive');
    const ivy = await customer(tenant, 'adaptive');
    // Without a factor, a new device is not asked to set one up: a stolen password must not be able
    // to bind its holder's authenticator to the account (ADR 25).
    const bare = await password(prefix, ivy.email);
    assert.equal(bare.answer.status, 200, JSON.stringify(bare.answer.body));
    assert.equal(bare.answer.body['session'].acr, PASSWORD_ACR, 'no factor, no step');
    // The customer sets one up when an application asks (acr_values); from then on adaptive applies.
    const { answer } = await password(prefix, ivy.email, `?acr_values=${encodeURIComponent(MFA)}`);
    const step = answer.body['flow'];
    assert.equal(step.type, 'second_factor', 'the application asks: set up an app');
    const deviceToken = answer.body['device_token'];
    assert.equal(typeof deviceToken, 'string');
    const enrolment = step.ui.enrolment;
    const used = totpCode(enrolment.secret);
    assert.equal((await post(pathOf(step.ui.action), { enrolment: enrolment.enrolment, code: used })).status, 200);
    const seen = await password(prefix, ivy.email, '', { device_token: deviceToken });
    assert.equal(seen.answer.status, 200, JSON.stringify(seen.answer.body));
    assert.equal(seen.answer.body['session'].acr, PASSWORD_ACR, 'the device that signed in before is not asked');
    const unseen = await password(prefix, ivy.email);
    assert.equal(unseen.answer.body['flow'].type, 'second_factor');
    assert.deepEqual(unseen.answer.body['flow'].ui.factors.map((factor: Json) => factor['method']).sort(), ['recovery_code', 'totp']);
  });

  test('step-up: a signed-in app asking for the MFA class with its session token is asked for the second factor only, and gets a session saying both', async () => {
    const { tenant, prefix } = await tenantWith('off');
    const joy = await customer(tenant, 'stepup');
    const mfa = `?acr_values=${encodeURIComponent(MFA)}`;
    const { secret } = await enrolled(prefix, joy.email, mfa);
    const plain = (await password(prefix, joy.email)).answer.body['session'];
    assert.equal(plain.acr, PASSWORD_ACR);
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const asked = await post(`${prefix}/flows/login${mfa}`, undefined, bearer(plain.token));
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    const step = asked.body['flow'];
    assert.equal(step.type, 'second_factor', 'no password again: the missing factor only');
    assert.ok(step.ui.decline, 'acr_values is voluntary');
    const upgraded = await post(pathOf(step.ui.action), { method: 'totp', code: totpCode(secret, Date.now() + 30_000) });
    assert.equal(upgraded.status, 200, JSON.stringify(upgraded.body));
    assert.equal(upgraded.body['session'].acr, MFA);
    assert.deepEqual([...upgraded.body['session'].amr].sort(), ['mfa', 'otp', 'pwd']);
    assert.equal(upgraded.body['identity'].id, joy.id);
    // A session at the class already gets a plain login flow; a wrong token is refused; without acr_values the token is not read.
    assert.equal((await post(`${prefix}/flows/login${mfa}`, undefined, bearer(upgraded.body['session'].token))).body['type'], 'login');
    const forged = await post(`${prefix}/flows/login${mfa}`, undefined, bearer('not-a-session'));
    assert.equal(forged.status, 401);
    assert.equal(forged.body['code'], 'session.invalid');
    assert.equal((await post(`${prefix}/flows/login`, undefined, bearer('not-a-session'))).status, 201);
  });
});
