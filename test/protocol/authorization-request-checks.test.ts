// What the authorization endpoint must refuse or enforce (SECURITY.md 18, 20, 23), checked with raw
// HTTP where a certified client would not even send the request: exact redirect_uri matching
// without any redirect on failure, PKCE for public clients (S256 only), prompt=none, max_age and
// prompt=login.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, isAction, textOf } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, pkcePair, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';

const WEB_CALLBACK = 'https://web.example.test/callback';
const SPA_CALLBACK = 'https://spa.example.test/callback';

describeEachEngine('authorization request checks', (current) => {
  let node: ListeningServer;
  let web: RegisteredApplication;
  let spa: RegisteredApplication;
  let webRp: client.Configuration;
  let spaRp: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    const tenantId = node.server.defaultTenant.id;
    web = await registerApplication(node.server, tenantId, { name: 'Web', kind: 'web', redirectUris: [WEB_CALLBACK] });
    spa = await registerApplication(node.server, tenantId, { name: 'SPA', kind: 'spa', redirectUris: [SPA_CALLBACK] });
    [webRp, spaRp] = await Promise.all([relyingParty(node.url, web), relyingParty(node.url, spa)]);
  });
  after(async () => {
    await node?.stop();
  });

  async function authorizationRequest(parameters: Record<string, string>): Promise<Response> {
    const url = new URL(`${node.url}/auth`);
    url.search = new URLSearchParams({ response_type: 'code', scope: 'openid', state: 'st', ...parameters }).toString();
    return fetch(url, { redirect: 'manual' });
  }

  test('a redirect_uri that is not registered byte for byte gets an error page and no redirect', async () => {
    const { challenge } = await pkcePair();
    const attempts = [
      'https://evil.example.test/callback',
      'https://web.example.test/callback/',
      'https://web.example.test/Callback',
      'https://web.example.test:8443/callback',
      'http://web.example.test/callback',
      'https://web.example.test/callback?next=https://evil.example.test/',
      'https://web.example.test/callback#fragment',
      'https://web.example.test.evil.example/callback',
    ];
    for (const redirectUri of attempts) {
      const response = await authorizationRequest({ client_id: web.application.id, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256' });
      assert.equal(response.status, 400, redirectUri);
      assert.equal(response.headers.get('location'), null, redirectUri);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(textOf(await response.text()), /invalid_redirect_uri/, redirectUri);
    }
  });

  test('a pushed authorization request with an unregistered redirect_uri is refused at the push', async () => {
    const { challenge } = await pkcePair();
    await assert.rejects(
      client.buildAuthorizationUrlWithPAR(webRp, { redirect_uri: `${WEB_CALLBACK}?extra=1`, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }),
      (error: client.ResponseBodyError) => error.status === 400 && /redirect_uri/.test(String(error.error_description)),
    );
  });

  test('a public client must use PKCE, with S256 only', async () => {
    const base = { client_id: spa.application.id, redirect_uri: SPA_CALLBACK };
    const { challenge } = await pkcePair();
    const attempts: Record<string, string>[] = [{}, { code_challenge: challenge, code_challenge_method: 'plain' }, { code_challenge: challenge.slice(0, 20), code_challenge_method: 'S256' }];
    for (const parameters of attempts) {
      const response = await authorizationRequest({ ...base, ...parameters });
      // The redirect_uri is the registered one, so the error may (and must) go back to the application.
      assert.equal(response.status, 303);
      const location = new URL(response.headers.get('location')!);
      assert.equal(`${location.origin}${location.pathname}`, SPA_CALLBACK);
      assert.equal(location.searchParams.get('error'), 'invalid_request', JSON.stringify(parameters));
      assert.equal(location.searchParams.get('code'), null);
      assert.equal(location.searchParams.get('state'), 'st');
    }
    assert.deepEqual(spaRp.serverMetadata().code_challenge_methods_supported, ['S256']);
  });

  test('prompt=none without a session answers login_required to the application', async () => {
    const { challenge } = await pkcePair();
    const url = client.buildAuthorizationUrl(spaRp, { redirect_uri: SPA_CALLBACK, scope: 'openid', prompt: 'none', state: 'silent', code_challenge: challenge, code_challenge_method: 'S256' });
    const callback = await createBrowserSession({ mailbox: node.server.mailbox }).authorize(url);
    assert.equal(callback.searchParams.get('error'), 'login_required');
    assert.equal(callback.searchParams.get('state'), 'silent');
    assert.equal(callback.searchParams.get('iss'), node.url);
    assert.equal(callback.searchParams.get('code'), null);
  });

  test('max_age=0 and prompt=login ask for the password again despite the session; the ID token says when', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const credentials = { email: uniqueEmail('reauth'), password: PASSWORD };
    const first = await authorizationCodeFlow(webRp, { redirectUri: WEB_CALLBACK }, (url) => browser.signUpAndAuthorize(url, credentials));
    // The session alone suffices without these parameters...
    await authorizationCodeFlow(webRp, { redirectUri: WEB_CALLBACK }, (url) => browser.authorize(url));

    for (const options of [{ maxAge: 0 }, { parameters: { prompt: 'login' } }]) {
      // ...but not with them: the password form comes back before any code is issued.
      const again = await authorizationCodeFlow(webRp, { redirectUri: WEB_CALLBACK, ...options }, async (url) => {
        const page = await browser.open(url);
        assert.equal(page.status, 200);
        assert.ok(findForm(page, isAction('/signin')), `sign-in form for ${JSON.stringify(options)}`);
        assert.match(page.html, /type="password"/);
        const done = await browser.drive(page, { credentials });
        assert.ok(done.redirectedTo, textOf(done.html));
        return done.redirectedTo;
      });
      assert.equal(again.claims.sub, first.claims.sub);
      assert.equal(typeof again.claims.auth_time, 'number');
      assert.ok(again.claims.auth_time! >= first.claims.auth_time!);
    }
  });
});
