// Hardening of issue 13 item 8, through HTTP: the consent screen's "Deny" needs the form's CSRF
// token, hosted pages limit where forms lead (CSP form-action), the language cookie is Secure
// when Foyer is served over https, and client-credentials tokens never carry a customer's scopes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createTestServer } from '../helpers/test-server.ts';
import { createBrowserSession, isAction, requireForm } from '../helpers/browser-session.ts';
import { basic, PASSWORD, pkcePair, registerApplication, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';

const CALLBACK = 'https://partner.example.test/callback';
const NATIVE_CALLBACK = 'com.example.shop:/callback';

describeEachEngine('hardening', (current) => {
  let node: ListeningServer;
  let partner: RegisteredApplication;
  let native: RegisteredApplication;
  let machine: RegisteredApplication;

  before(async () => {
    node = await startListeningServer(current().engine);
    const tenantId = node.server.defaultTenant.id;
    partner = await registerApplication(node.server, tenantId, { name: 'Partner', kind: 'web', firstParty: false, redirectUris: [CALLBACK] });
    native = await registerApplication(node.server, tenantId, { name: 'Shop app', kind: 'native', redirectUris: [NATIVE_CALLBACK] });
    machine = await registerApplication(node.server, tenantId, { name: 'Reports', kind: 'machine' });
  });
  after(async () => {
    await node?.stop();
  });

  async function authorizationUrl(registered: RegisteredApplication, redirectUri: string): Promise<URL> {
    const { challenge } = await pkcePair();
    const url = new URL(`${node.url}/auth`);
    url.search = new URLSearchParams({ client_id: registered.application.id, response_type: 'code', scope: 'openid email', redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state: 's' }).toString();
    return url;
  }

  test('"Deny" on the consent screen ends the request only with the consent form\'s flow and CSRF token', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const credentials = { email: uniqueEmail('deny'), password: PASSWORD };
    const consent = await browser.drive(await browser.open(await authorizationUrl(partner, CALLBACK)), { credentials, signUp: true, consent: false });
    const abort = requireForm(consent, isAction('/abort'));
    assert.ok(abort.fields['csrf_token'], 'the deny form carries the CSRF token');

    // A post without the form's fields (another site's form, the customer's own cookies): nothing ends.
    for (const body of [new URLSearchParams(), new URLSearchParams({ flow: abort.fields['flow']!, csrf_token: 'A'.repeat(32) })]) {
      const forged = await browser.open(abort.action, { method: 'POST', body });
      assert.equal(forged.redirectedTo, undefined, 'no redirect to the application');
      requireForm(forged, isAction('/consent'));
    }
    const denied = await browser.submit(abort);
    assert.equal(denied.redirectedTo?.origin, 'https://partner.example.test');
    assert.equal(denied.redirectedTo?.searchParams.get('error'), 'access_denied');
  });

  test('hosted pages send form-action: this server, and the application the interaction returns to', async () => {
    const web = await createBrowserSession().open(await authorizationUrl(partner, CALLBACK));
    assert.match(web.headers?.get('content-security-policy') ?? '', /(^|; )form-action 'self' https:\/\/partner\.example\.test;/);
    const app = await createBrowserSession().open(await authorizationUrl(native, NATIVE_CALLBACK));
    assert.match(app.headers?.get('content-security-policy') ?? '', /(^|; )form-action 'self' com\.example\.shop:;/);
    const link = await createBrowserSession().open(`${node.url}/recovery?flow=x&token=y`);
    assert.match(link.headers?.get('content-security-policy') ?? '', /(^|; )form-action 'self';/);
    // The whole sign-in still reaches the application (the redirects after the form are allowed).
    const callback = await createBrowserSession({ mailbox: node.server.mailbox }).signUpAndAuthorize(await authorizationUrl(partner, CALLBACK), { email: uniqueEmail('csp'), password: PASSWORD });
    assert.equal(callback.origin, 'https://partner.example.test');
  });

  test('client credentials: openid, account and the profile scopes are invalid_scope; a token without scope carries none', async () => {
    const token = (scope?: string) =>
      fetch(`${node.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(machine.application.id, machine.clientSecret!) },
        body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope === undefined ? {} : { scope }) }),
      });
    for (const scope of ['openid', 'account', 'openid account', 'email', 'profile offline_access']) {
      const refused = await token(scope);
      assert.equal(refused.status, 400, scope);
      assert.equal(((await refused.json()) as { error: string }).error, 'invalid_scope', scope);
    }
    const granted = await token();
    assert.equal(granted.status, 200);
    const body = (await granted.json()) as { access_token: string; scope?: string };
    assert.equal(body.scope, undefined);
    const introspection = await fetch(`${node.url}/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(machine.application.id, machine.clientSecret!) },
      body: new URLSearchParams({ token: body.access_token }),
    });
    const introspected = (await introspection.json()) as { active: boolean; scope?: string };
    assert.equal(introspected.active, true);
    assert.equal(introspected.scope, undefined);
    // The Account API refuses a machine's token whatever it is.
    const api = await fetch(`${node.url}/api/account/profile`, { headers: { authorization: `Bearer ${body.access_token}` } });
    assert.ok(api.status === 401 || api.status === 403, `the Account API refuses it (${api.status})`);
  });

  test('the language cookie is Secure when Foyer is served over https, even when the last hop was http', async () => {
    for (const [publicUrl, secure] of [['https://id.example.test', true], ['http://id.example.test', false]] as const) {
      const server = await createTestServer(current().engine, { PUBLIC_URL: publicUrl });
      try {
        const page = await server.app.inject({ method: 'GET', url: '/recovery?lang=de' });
        const cookie = [page.headers['set-cookie']].flat().find((line) => line?.startsWith('foyer_lang='));
        assert.ok(cookie, `${publicUrl}: the choice is remembered`);
        assert.equal(/; Secure/.test(cookie), secure, `${publicUrl}: ${cookie}`);
      } finally {
        await server.stop();
      }
    }
  });
});
