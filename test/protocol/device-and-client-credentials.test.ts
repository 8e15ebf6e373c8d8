// Grants without a redirect, through openid-client: client credentials for a machine application,
// and the device authorization grant, where the customer types the user code on our device page,
// signs in there, confirms, and the device's poll of the token endpoint then succeeds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession, Page } from '../helpers/browser-session.ts';
import { PASSWORD, postToken, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';
import { GRANT_AUTHORIZATION_CODE, GRANT_DEVICE_CODE } from '../../src/domain/applications/application.ts';

const TV_CALLBACK = 'https://tv.example.test/callback';

describeEachEngine('client credentials and device grants with openid-client', (current) => {
  let node: ListeningServer;
  let machine: RegisteredApplication;
  let tv: RegisteredApplication;
  let machineRp: client.Configuration;
  let tvRp: client.Configuration;
  let webRp: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    const tenantId = node.server.defaultTenant.id;
    machine = await registerApplication(node.server, tenantId, { name: 'Reporting job', kind: 'machine' });
    tv = await registerApplication(node.server, tenantId, { name: 'TV', kind: 'web', redirectUris: [TV_CALLBACK], grantTypes: [GRANT_AUTHORIZATION_CODE, GRANT_DEVICE_CODE] });
    const web = await registerApplication(node.server, tenantId, { name: 'Web', kind: 'web', redirectUris: ['https://web.example.test/callback'] });
    [machineRp, tvRp, webRp] = await Promise.all([relyingParty(node.url, machine), relyingParty(node.url, tv), relyingParty(node.url, web)]);
  });
  after(async () => {
    await node?.stop();
  });

  test('a machine application gets an access token for itself with client credentials', async () => {
    const tokens = await client.clientCredentialsGrant(machineRp);
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.expires_in, 3600);
    assert.equal(tokens.id_token, undefined);
    assert.equal(tokens.refresh_token, undefined);
    const introspection = await client.tokenIntrospection(machineRp, tokens.access_token);
    assert.equal(introspection.active, true);
    assert.equal(introspection.client_id, machine.application.id);
    assert.equal(introspection.sub, undefined, 'no customer behind the token');
  });

  test('an application not registered for client credentials is refused', async () => {
    // oidc-provider answers invalid_request where RFC 6749 5.2 suggests unauthorized_client: either refuses.
    await assert.rejects(client.clientCredentialsGrant(webRp), (error: client.ResponseBodyError) => error.status === 400 && ['unauthorized_client', 'invalid_request'].includes(error.error));
  });

  test('device grant: pending until the customer enters the code, signs in and confirms; then the poll succeeds', async () => {
    const authorization = await client.initiateDeviceAuthorization(tvRp, { scope: 'openid email' });
    assert.equal(authorization.verification_uri, `${node.url}/device`);
    assert.match(authorization.user_code, /^[A-Z]{4}-[A-Z]{4}$/);
    const pending = await pollOnce(authorization.device_code);
    assert.equal(pending.body['error'], 'authorization_pending');

    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const email = uniqueEmail('device');
    await signUpElsewhere(email);
    const done = await browser.drive(await confirmCode(browser, authorization), { credentials: { email, password: PASSWORD } });
    assert.equal(done.status, 200);
    assert.equal(done.url.pathname.startsWith('/device/'), true, done.url.pathname);
    assert.match(textOf(done.html), /Your device is connected/);

    // The device polls as openid-client does; the interval is shortened so the test does not sit out 5 s.
    const tokens = await client.pollDeviceAuthorizationGrant(tvRp, { ...authorization, interval: 0.01 });
    const claims = tokens.claims()!;
    assert.equal(claims.aud, tv.application.id);
    assert.equal(claims.iss, node.url);
    const userinfo = await client.fetchUserInfo(tvRp, tokens.access_token, claims.sub);
    assert.equal(userinfo.email, email);
    assert.equal((await pollOnce(authorization.device_code)).body['error'], 'invalid_grant', 'a device code is redeemed once');
  });

  test('device grant: a wrong code is refused on the page, and a customer who cancels denies the device', async () => {
    const authorization = await client.initiateDeviceAuthorization(tvRp, { scope: 'openid' });
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const input = await browser.open(authorization.verification_uri);
    const wrong = await browser.submit(requireForm(input, (form) => form.id === 'op.deviceInputForm'), { user_code: 'BCDF-GHJK' });
    assert.match(wrong.html, /aria-invalid="true"/);
    assert.equal(findForm(wrong, (form) => form.id === 'op.deviceConfirmForm'), undefined);

    const confirm = await browser.submit(requireForm(wrong, (form) => form.id === 'op.deviceInputForm'), { user_code: authorization.user_code });
    await browser.submit(requireForm(confirm, (form) => form.id === 'op.deviceConfirmForm'), { abort: 'yes' });
    assert.equal((await pollOnce(authorization.device_code)).body['error'], 'access_denied');
  });

  function pollOnce(deviceCode: string) {
    return postToken(tvRp.serverMetadata().token_endpoint!, tv, { grant_type: GRANT_DEVICE_CODE, device_code: deviceCode });
  }

  /** The customer already has an account (created through another application). */
  async function signUpElsewhere(email: string): Promise<void> {
    const url = client.buildAuthorizationUrl(tvRp, { redirect_uri: TV_CALLBACK, scope: 'openid' });
    await createBrowserSession({ mailbox: node.server.mailbox }).signUpAndAuthorize(url, { email, password: PASSWORD });
  }

  /** Opens the verification URI, types the user code, and confirms it: the sign-in page follows. */
  async function confirmCode(browser: BrowserSession, { verification_uri, user_code: userCode }: client.DeviceAuthorizationResponse): Promise<Page> {
    const input = await browser.open(verification_uri);
    const confirm = await browser.submit(requireForm(input, (form) => form.id === 'op.deviceInputForm'), { user_code: userCode });
    assert.match(textOf(confirm.html), new RegExp(`Connect TV\\?.*${userCode}`));
    return browser.submit(requireForm(confirm, (form) => form.id === 'op.deviceConfirmForm'));
  }
});
