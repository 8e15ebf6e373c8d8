// Consent to a third-party application is remembered beyond the protocol's grants (which sign-out
// revokes), and a wider request asks only for what is new (SECURITY.md 25).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';

const CALLBACK = 'https://partner.example.test/callback';
const SIGNED_OUT = 'https://partner.example.test/signed-out';

describeEachEngine('consent', (current) => {
  let node: ListeningServer;
  let partner: RegisteredApplication;
  let rp: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    partner = await registerApplication(node.server, node.server.defaultTenant.id, {
      name: 'Partner',
      kind: 'web',
      firstParty: false,
      redirectUris: [CALLBACK],
      postLogoutRedirectUris: [SIGNED_OUT],
      logoUri: 'https://partner.example.test/logo.png',
    });
    rp = await relyingParty(node.url, partner);
  });
  after(async () => {
    await node?.stop();
  });

  test('is asked once, remembered across sign-out, and widened only for new scopes', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const credentials = { email: uniqueEmail('consent'), password: PASSWORD };
    const first = await authorizationCodeFlow(rp, { redirectUri: CALLBACK, scope: 'openid email' }, (url) => browser.signUpAndAuthorize(url, credentials));
    const consent = await node.server.stores.consents.find(node.server.defaultTenant.id, first.claims.sub, partner.application.id);
    assert.deepEqual(consent?.scopes, ['email', 'openid']);

    // The browser session is stored to expire after the 7-day idle timeout (SECURITY.md 15).
    const session = await node.server.database.db
      .selectFrom('oidc_artifacts')
      .select('expires_at')
      .where('model', '=', 'Session')
      .where('account_id', '=', first.claims.sub)
      .executeTakeFirstOrThrow();
    const idleMs = 7 * 24 * 3600_000;
    assert.ok(Math.abs(session.expires_at! - (Date.now() + idleMs)) < 60_000, `session expires at ${session.expires_at}`);

    // Sign out everywhere: the protocol's grant is revoked with the session.
    const confirmation = await browser.open(client.buildEndSessionUrl(rp, { id_token_hint: first.tokens.id_token!, post_logout_redirect_uri: SIGNED_OUT }));
    await browser.submit(requireForm(confirmation, (form) => form.id === 'op.logoutForm'), { logout: 'yes' });

    // Signing in again: the password form, and no consent screen.
    const again = await authorizationCodeFlow(rp, { redirectUri: CALLBACK, scope: 'openid email' }, async (url) => {
      const page = await browser.drive(await browser.open(url), { credentials, consent: false });
      assert.equal(findForm(page, isAction('/consent')), undefined, 'consent was asked again');
      return page.redirectedTo!;
    });
    assert.equal(again.claims.sub, first.claims.sub);

    // Asking for more: only the new scope is on the consent screen.
    const wider = await authorizationCodeFlow(rp, { redirectUri: CALLBACK, scope: 'openid email profile' }, async (url) => {
      const page = await browser.drive(await browser.open(url), { consent: false });
      const text = textOf(page.html);
      assert.match(page.html, /<img class="app-logo" src="https:\/\/partner\.example\.test\/logo\.png" alt="Partner">/, 'the customer sees who asks');
      assert.match(text, /See your name and profile details/);
      assert.doesNotMatch(text, /See your email address/);
      const allowed = await browser.submit(requireForm(page, isAction('/consent')));
      return allowed.redirectedTo!;
    });
    assert.ok(wider.tokens.access_token);
    const widened = await node.server.stores.consents.find(node.server.defaultTenant.id, first.claims.sub, partner.application.id);
    assert.deepEqual(widened?.scopes, ['email', 'openid', 'profile']);
  });
});
