// Auth.js (@auth/express) with a generic OpenID Connect provider, configured exactly as its
// documentation says (`type: "oidc"`, issuer, client id and secret): a customer signs in through
// Chromium and the application's session holds their email and name. Auth.js reads the profile
// from the ID token for OIDC providers, so this fails when ID tokens lack the scope claims.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import { ExpressAuth } from '@auth/express';
import type { Browser } from 'playwright-core';
import { browserSkipReason, launchChromium } from '../helpers/chromium.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createCustomer, signInOnHostedPage, startAppServer } from '../helpers/client-library-app.ts';
import type { AppServer } from '../helpers/client-library-app.ts';
import { registerApplication } from '../helpers/oidc-clients.ts';

for (const engine of ['sqlite', 'postgres'] as const) {
  const skip = await browserSkipReason(engine);
  describe(`Auth.js with Foyer as a generic OIDC provider [${engine}]`, { skip }, () => {
    let foyer: ListeningServer;
    let site: AppServer;
    let browser: Browser;
    const customer = { email: `ada.authjs.${engine}@example.com`, password: 'correct horse battery staple', name: 'Ada Lovelace' };

    before(async () => {
      [foyer, site, browser] = await Promise.all([startListeningServer(engine), startAppServer(), launchChromium()]);
      await createCustomer(foyer.server, customer);
      const { application, clientSecret } = await registerApplication(foyer.server, foyer.server.defaultTenant.id, {
        name: 'Auth.js site',
        kind: 'web',
        redirectUris: [`${site.url}/auth/callback/foyer`],
      });
      // https://authjs.dev/guides/configuring-oauth-providers#adding-a-new-built-in-provider
      // and the @auth/express README, unchanged.
      const app = express();
      app.set('trust proxy', true);
      app.use(
        '/auth/*',
        ExpressAuth({
          secret: 'a-test-secret-of-at-least-thirty-two-characters',
          providers: [{ id: 'foyer', name: 'Foyer', type: 'oidc', issuer: foyer.url, clientId: application.id, clientSecret: clientSecret! }],
        }),
      );
      app.get('/', (_request, response) => void response.send('home'));
      site.serve(app);
    });

    after(async () => {
      await browser?.close();
      await site?.close();
      await foyer?.stop();
    });

    test('signs in through the hosted page; the session holds the email and the name', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        await page.goto(`${site.url}/auth/signin`);
        await page.getByRole('button', { name: 'Sign in with Foyer' }).click();
        await page.getByRole('heading', { name: 'Sign in to Auth.js site' }).waitFor();
        await signInOnHostedPage(page, customer);
        await page.waitForURL(`${site.url}/`);
        const response = await page.goto(`${site.url}/auth/session`);
        const session = (await response!.json()) as { user?: { email?: string; name?: string } };
        assert.equal(session.user?.email, customer.email);
        assert.equal(session.user?.name, customer.name);
      } finally {
        await context.close();
      }
    });
  });
}
