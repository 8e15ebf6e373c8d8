// Passport with openid-client's strategy (`openid-client/passport`) in a minimal Express app, as
// openid-client's own example wires it: a customer signs in through Chromium and `req.user`, the
// claims of the ID token, holds their email and name. Asking for offline_access as documented
// (no prompt=consent) brings a refresh token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import * as client from 'openid-client';
import { Strategy } from 'openid-client/passport';
import type { VerifyFunction } from 'openid-client/passport';
import type { Browser } from 'playwright-core';
import { browserSkipReason, launchChromium } from '../helpers/chromium.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createCustomer, signInOnHostedPage, startAppServer } from '../helpers/client-library-app.ts';
import type { AppServer } from '../helpers/client-library-app.ts';
import { registerApplication } from '../helpers/oidc-clients.ts';

for (const engine of ['sqlite', 'postgres'] as const) {
  const skip = await browserSkipReason(engine);
  describe(`Passport with openid-client's strategy [${engine}]`, { skip }, () => {
    let foyer: ListeningServer;
    let site: AppServer;
    let browser: Browser;
    const customer = { email: `ada.passport.${engine}@example.com`, password: 'correct horse battery staple', name: 'Ada Lovelace' };

    before(async () => {
      [foyer, site, browser] = await Promise.all([startListeningServer(engine), startAppServer(), launchChromium()]);
      await createCustomer(foyer.server, customer);
      const { application, clientSecret } = await registerApplication(foyer.server, foyer.server.defaultTenant.id, {
        name: 'Passport site',
        kind: 'web',
        redirectUris: [`${site.url}/login/callback`],
      });
      // The test server speaks plain http; that is the only departure from the documented setup.
      const config = await client.discovery(new URL(foyer.url), application.id, clientSecret, undefined, { execute: [client.allowInsecureRequests] });
      const verify: VerifyFunction = (tokens, verified) => verified(null, { ...tokens.claims(), hasRefreshToken: tokens.refresh_token !== undefined });
      const strategy = new Strategy({ config, scope: 'openid email profile offline_access', callbackURL: `${site.url}/login/callback` }, verify);
      const auth = new passport.Passport();
      auth.use(strategy);
      auth.serializeUser((user, done) => done(null, user));
      auth.deserializeUser((user: Express.User, done) => done(null, user));

      const app = express();
      app.use(session({ secret: 'a-test-session-secret', resave: false, saveUninitialized: false }), auth.authenticate('session'));
      app.get('/login', auth.authenticate(strategy.name));
      app.get('/login/callback', auth.authenticate(strategy.name, { successRedirect: '/me', failureRedirect: '/failed' }));
      app.get('/me', (request, response) => void response.json(request.user ?? null));
      site.serve(app);
    });

    after(async () => {
      await browser?.close();
      await site?.close();
      await foyer?.stop();
    });

    test('signs in through the hosted page; req.user holds the email and the name, and a refresh token came', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        await page.goto(`${site.url}/login`);
        await page.getByRole('heading', { name: 'Sign in to Passport site' }).waitFor();
        await signInOnHostedPage(page, customer);
        await page.waitForURL(`${site.url}/me`);
        const user = JSON.parse(await page.locator('body').innerText()) as Record<string, unknown>;
        assert.equal(user['email'], customer.email);
        assert.equal(user['email_verified'], true);
        assert.equal(user['name'], customer.name);
        assert.equal(user['hasRefreshToken'], true, 'offline_access without prompt=consent');
      } finally {
        await context.close();
      }
    });
  });
}
