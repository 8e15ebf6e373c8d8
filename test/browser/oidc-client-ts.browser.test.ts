// oidc-client-ts, the usual library of single-page applications, with its default settings in a
// small page this test serves (its browser bundle, straight from node_modules): sign in through
// Chromium, refresh with offline_access (no prompt=consent), revokeTokens(), sign out.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { browserSkipReason, launchChromium } from '../helpers/chromium.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createCustomer, signInOnHostedPage, startAppServer } from '../helpers/client-library-app.ts';
import type { AppServer } from '../helpers/client-library-app.ts';
import { postToken, registerApplication } from '../helpers/oidc-clients.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';

const require = createRequire(import.meta.url);
const LIBRARY = readFileSync(path.join(path.dirname(require.resolve('oidc-client-ts/package.json')), 'dist/browser/oidc-client-ts.min.js'));

/** Every page of the application loads the library; the callback page finishes the sign-in. */
function pageOf(authority: string, clientId: string, origin: string): string {
  const settings = { authority, client_id: clientId, redirect_uri: `${origin}/callback`, post_logout_redirect_uri: `${origin}/signed-out`, scope: 'openid email profile offline_access' };
  return `<!doctype html><meta charset="utf-8"><title>SPA</title><script src="/oidc-client-ts.js"></script>
<script>
  window.mgr = new oidc.UserManager(${JSON.stringify(settings)});
  if (location.pathname === '/callback') {
    window.signedIn = mgr.signinCallback().then(
      (user) => ({ email: user.profile.email, name: user.profile.name, access: user.access_token, refresh: user.refresh_token ?? null }),
      (error) => ({ error: error.error ?? String(error) }),
    );
  }
</script><p>SPA</p>`;
}

type SignedIn = { email?: string; name?: string; access?: string; refresh?: string | null; error?: string };

for (const engine of ['sqlite', 'postgres'] as const) {
  const skip = await browserSkipReason(engine);
  describe(`oidc-client-ts in Chromium [${engine}]`, { skip }, () => {
    let foyer: ListeningServer;
    let site: AppServer;
    let browser: Browser;
    let spa: RegisteredApplication;
    const customer = { email: `ada.spa.${engine}@example.com`, password: 'correct horse battery staple', name: 'Ada Lovelace' };

    before(async () => {
      [foyer, site, browser] = await Promise.all([startListeningServer(engine), startAppServer(), launchChromium()]);
      await createCustomer(foyer.server, customer);
      spa = await registerApplication(foyer.server, foyer.server.defaultTenant.id, {
        name: 'Single-page app',
        kind: 'spa',
        redirectUris: [`${site.url}/callback`],
        postLogoutRedirectUris: [`${site.url}/signed-out`],
      });
      const html = pageOf(foyer.url, spa.application.id, site.url);
      site.serve((request, response) => {
        if (request.url === '/oidc-client-ts.js') return void response.writeHead(200, { 'content-type': 'text/javascript' }).end(LIBRARY);
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      });
    });

    after(async () => {
      await browser?.close();
      await site?.close();
      await foyer?.stop();
    });

    test('sign in, refresh with offline_access, revokeTokens(), sign out', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        await page.goto(`${site.url}/`);
        await page.evaluate('void mgr.signinRedirect()');
        await page.getByRole('heading', { name: 'Sign in to Single-page app' }).waitFor();
        await signInOnHostedPage(page, customer);
        await page.waitForURL((url) => url.pathname === '/callback');
        const signedIn = await page.evaluate<SignedIn>('window.signedIn');
        assert.equal(signedIn.error, undefined);
        assert.equal(signedIn.email, customer.email);
        assert.equal(signedIn.name, customer.name);
        assert.ok(signedIn.refresh, 'a refresh token for offline_access, without prompt=consent');

        // signinSilent() uses the refresh token when the user has one.
        const renewed = await page.evaluate<SignedIn>('mgr.signinSilent().then((user) => ({ email: user.profile.email, access: user.access_token, refresh: user.refresh_token }))');
        assert.equal(renewed.email, customer.email);
        assert.notEqual(renewed.access, signedIn.access);
        assert.ok(renewed.refresh && renewed.refresh !== signedIn.refresh, 'the refresh token rotated');

        await page.evaluate('mgr.revokeTokens()');
        const refreshed = await postToken(`${foyer.url}/token`, spa, { grant_type: 'refresh_token', refresh_token: renewed.refresh! });
        assert.equal(refreshed.body['error'], 'invalid_grant', 'the revoked refresh token no longer works');

        await page.evaluate('void mgr.signoutRedirect()');
        await page.getByRole('button', { name: 'Yes, sign me out' }).click();
        await page.waitForURL(`${site.url}/signed-out`);
        await page.evaluate('void mgr.signinRedirect({ prompt: "none" })');
        await page.waitForURL((url) => url.pathname === '/callback');
        assert.equal((await page.evaluate<SignedIn>('window.signedIn')).error, 'login_required', 'the Foyer session ended');
      } finally {
        await context.close();
      }
    });
  });
}
