// Turning passkeys off (issue 17), through HTTP on both engines: the admin API sets the tenant's
// settings.passkeys.enabled or an application's passkeys_disabled; then the sign-in page has no
// passkey button, no passkey autofill and no script, an answer posted anyway is refused, the
// second-factor step does not offer the customer's old passkey, "sign in faster next time" is not
// offered, and the portal and the Account API add no passkey (problem+json passkey.disabled). An
// application's switch leaves the tenant's other applications as they were.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { Page } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, createTenant, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { callAdmin, machineToken } from '../helpers/admin.ts';
import { assertPasskey, createPasskey } from '../../bench/software-authenticator.ts';

const CALLBACK = 'https://web.example.test/callback';
const MFA = 'urn:foyer:acr:mfa';

describeEachEngine('passkeys turned off', (current) => {
  let node: ListeningServer;

  before(async () => {
    node = await startListeningServer(current().engine, { ADMIN_API_RATE_LIMIT: '1000000' });
  });
  after(async () => {
    await node?.stop();
  });

  async function api(issuer: string, method: string, path: string, token: string, body?: unknown) {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${issuer}/api/account${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** Whether the sign-in page offers a passkey in any way: its button, the email field's autofill, the scripts that run them. */
  function offersPasskeys(page: Page): boolean {
    return findForm(page, isAction('/passkey')) !== undefined || /webauthn/.test(page.html) || /data-challenge=/.test(page.html) || /<script/.test(page.html);
  }

  test('the tenant turns passkeys off through the admin API: no button, autofill, step, offer or new passkey; an answer is refused', async () => {
    const slug = `nopasskeys-${process.pid}-${current().engine}`;
    const tenant = await createTenant(node.server, slug);
    const issuer = `${node.url}/t/${slug}`;
    const web = await relyingParty(issuer, await registerApplication(node.server, tenant.id, { name: 'Web', kind: 'web', firstParty: true, redirectUris: [CALLBACK] }));
    // A customer who made a passkey while they were on.
    const email = uniqueEmail('nopasskeys');
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const { tokens } = await authorizationCodeFlow(web, { redirectUri: CALLBACK, scope: 'openid email account' }, (url) => browser.signUpAndAuthorize(url, { email, password: PASSWORD }));
    const offer = await api(issuer, 'POST', '/passkeys/options', tokens.access_token);
    const { response, passkey } = createPasskey(offer.body['options'] as never, node.url);
    assert.equal((await api(issuer, 'POST', '/passkeys', tokens.access_token, { response, enrolment: offer.body['enrolment'] })).status, 201);
    const before = createBrowserSession();
    await assert.rejects(
      authorizationCodeFlow(web, { redirectUri: CALLBACK }, async (url) => {
        assert.ok(offersPasskeys(await before.open(url)), 'on by default');
        throw new Error('looked');
      }),
      /looked/,
    );

    const owner = await machineToken(node.server, ['tenants:read', 'tenants:write']);
    const changed = await callAdmin(node.server, owner, 'PATCH', `/tenants/${slug}`, { body: { settings: { passkeys: { enabled: false } } }, headers: { 'content-type': 'application/merge-patch+json' } });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.deepEqual(changed.json<{ settings: Record<string, unknown> }>().settings['passkeys'], { enabled: false });
    const invalid = await callAdmin(node.server, owner, 'PATCH', `/tenants/${slug}`, { body: { settings: { passkeys: { enabled: 'no' } } } });
    assert.equal(invalid.statusCode, 400);

    const other = createBrowserSession();
    other.setCookie('foyer_passkey', 'capable');
    const { claims } = await authorizationCodeFlow(web, { redirectUri: CALLBACK, scope: 'openid email account', parameters: { acr_values: MFA } }, async (url) => {
      const page = await other.open(url);
      assert.equal(offersPasskeys(page), false, `no passkey on the sign-in page: ${page.html.slice(0, 2000)}`);
      assert.match(page.html, /autocomplete="username"/);
      // An answer posted anyway (with the login flow's fields) is refused.
      const signInForm = requireForm(page, isAction('/signin'));
      const forged = await other.submit({ ...signInForm, action: new URL(signInForm.action.href.replace(/\/signin$/, '/passkey')), fields: { flow: signInForm.fields['flow']!, csrf_token: signInForm.fields['csrf_token']!, response: JSON.stringify(assertPasskey(passkey, { challenge: 'AAAA' }, node.url)) } });
      assert.equal(forged.status, 403);
      assert.match(textOf(forged.html), /Passkeys are not offered here/);
      // The password, then the step: the old passkey is not offered (nor counted), so the customer is asked to set up an app, and may decline.
      const step = await other.submit(requireForm(forged, isAction('/signin')), { email, password: PASSWORD });
      assert.equal(findForm(step, (form) => form.fields['method'] === 'passkey'), undefined, 'no passkey at the step');
      assert.ok(findForm(step, isAction('/second-factor/enrol')), `asked to set up an app: ${textOf(step.html).slice(0, 200)}`);
      const declined = await other.submit(requireForm(step, isAction('/second-factor/decline')));
      // A capable browser after a password sign-in: no "sign in faster next time".
      assert.ok(declined.redirectedTo, `signed in without an offer: ${textOf(declined.html).slice(0, 200)}`);
      return declined.redirectedTo;
    });
    assert.deepEqual(claims['amr'], ['pwd']);

    const refused = await api(issuer, 'POST', '/passkeys/options', tokens.access_token);
    assert.equal(refused.status, 403);
    assert.match(refused.type, /application\/problem\+json/);
    assert.equal(refused.body['code'], 'passkey.disabled');
    assert.equal((await api(issuer, 'POST', '/passkeys', tokens.access_token, { response, enrolment: offer.body['enrolment'] })).body['code'], 'passkey.disabled');
    // The old passkey can still be seen and removed.
    assert.equal(((await api(issuer, 'GET', '/passkeys', tokens.access_token)).body['passkeys'] as unknown[]).length, 1);
    const list = await browser.open(`${issuer}/account/passkeys`);
    assert.match(textOf(list.html), /Passkeys are not offered here/);
    assert.doesNotMatch(list.html, /passkeys\/new/);
    assert.equal((await browser.open(`${issuer}/account/passkeys/new`)).status, 403);
  });

  test('an application turns them off for its own sign-ins only', async () => {
    const tenantId = node.server.defaultTenant.id;
    const quiet = await registerApplication(node.server, tenantId, { name: 'Quiet', kind: 'web', firstParty: true, redirectUris: [CALLBACK] });
    const loud = await relyingParty(node.url, await registerApplication(node.server, tenantId, { name: 'Loud', kind: 'web', firstParty: true, redirectUris: [CALLBACK] }));
    const apps = await machineToken(node.server, ['apps:read', 'apps:write']);
    const changed = await callAdmin(node.server, apps, 'PATCH', `/tenants/default/applications/${quiet.application.id}`, { body: { passkeys_disabled: true }, headers: { 'content-type': 'application/merge-patch+json' } });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(changed.json<{ passkeys_disabled: boolean }>().passkeys_disabled, true);
    assert.equal((await callAdmin(node.server, apps, 'GET', `/tenants/default/applications/${quiet.application.id}`)).json<{ passkeys_disabled: boolean }>().passkeys_disabled, true);

    const look = async (rp: client.Configuration) => {
      const browser = createBrowserSession();
      let offered = false;
      await assert.rejects(
        authorizationCodeFlow(rp, { redirectUri: CALLBACK }, async (url) => {
          const page = await browser.open(url);
          offered = offersPasskeys(page);
          if (!offered) {
            const signInForm = requireForm(page, isAction('/signin'));
            const forged = await browser.submit({ ...signInForm, action: new URL(signInForm.action.href.replace(/\/signin$/, '/passkey')), fields: { flow: signInForm.fields['flow']!, csrf_token: signInForm.fields['csrf_token']!, response: '{}' } });
            assert.equal(forged.status, 403);
          }
          throw new Error('looked');
        }),
        /looked/,
      );
      return offered;
    };
    assert.equal(await look(await relyingParty(node.url, quiet)), false, 'not on the application that turned them off');
    assert.equal(await look(loud), true, 'still on the tenant’s other applications');
  });
});
