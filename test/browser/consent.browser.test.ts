// Consent in a real Chromium, with scripts off: a customer signs up for an application ticking the
// required terms and the optional marketing purpose (refused first without the terms); the terms
// get a new version and the next authorization asks for them again before the application; the
// customer withdraws marketing in the account portal; and an unsubscribe link, opened in a browser
// that never signed in, turns a topic's email off. The pages pass the hosted pages' accessibility
// check. The application is played by a route that answers its redirect URI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext } from 'playwright-core';
import { assertLabelledAndNamed, browserSkipReason, launchChromium } from '../helpers/chromium.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { enterEmailedCode } from '../helpers/emailed-code.ts';
import { createTenant, registerApplication, SYSTEM_ACTOR } from '../helpers/oidc-clients.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import { validateTenantSettings } from '../../src/domain/tenants/tenant-settings.ts';
import { createPurpose, updatePurpose } from '../../src/domain/privacy/purposes.service.ts';
import { unsubscribeKeyOf, unsubscribeLinkOf } from '../../src/domain/privacy/unsubscribe.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';

const PASSWORD = 'correct horse battery staple';
const CALLBACK = 'https://shop.example.test/callback';

for (const engine of ['sqlite', 'postgres'] as const) {
  const skip = await browserSkipReason(engine);
  describe(`consent in Chromium [${engine}]`, { skip }, () => {
    let foyer: ListeningServer;
    let browser: Browser;
    let tenant: Tenant;
    let clientId: string;

    before(async () => {
      foyer = await startListeningServer(engine);
      browser = await launchChromium();
      tenant = await createTenant(foyer.server, `consent-${engine}`, validateTenantSettings({ communication: { topics: [{ id: 'newsletter', names: { en: 'Newsletter' } }] } }));
      const deps = { transaction: foyer.server.transaction };
      await createPurpose(deps, tenant, { id: 'terms', kind: 'required', legalBasis: 'contract', texts: { en: { name: 'Terms of service', description: 'The rules of the shop, version 1.' } } }, SYSTEM_ACTOR);
      await createPurpose(deps, tenant, { id: 'marketing', kind: 'optional', legalBasis: 'consent', texts: { en: { name: 'Offers by email', description: 'News and offers we think you will like.' } } }, SYSTEM_ACTOR);
      clientId = (await registerApplication(foyer.server, tenant.id, { name: 'Shop', kind: 'web', firstParty: true, redirectUris: [CALLBACK] })).application.id;
    });
    after(async () => {
      await browser?.close();
      await foyer?.stop();
    });

    function authorizationUrl(): string {
      const query = new URLSearchParams({ client_id: clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid email', state: `s${Date.now()}` });
      return `${foyer.url}/t/${tenant.slug}/auth?${query}`;
    }

    /** The application: its redirect URI answers with a page of its own. */
    async function withApplication(context: BrowserContext): Promise<void> {
      await context.route('https://shop.example.test/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Shop</title><h1>Welcome to the shop</h1>' }));
    }

    async function ledger(identityId: string) {
      return (await foyer.server.stores.consentLedger.listForIdentity(tenant.id, identityId)).map((record) => [record.purposeId, record.version, record.action, record.method]);
    }

    test('sign up with the required and an optional purpose; accept the new terms at the next sign-in; withdraw marketing in the portal; unsubscribe by the link', async () => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      await withApplication(context);
      const page = await context.newPage();
      try {
        const email = `consent.${engine}@example.com`;
        await page.goto(authorizationUrl());
        await page.getByRole('link', { name: 'Create account' }).click();
        const terms = page.getByLabel('Terms of service (required)');
        const marketing = page.getByLabel('Offers by email');
        assert.equal(await terms.isChecked(), false);
        assert.equal(await marketing.isChecked(), false);
        await assertLabelledAndNamed(page, 'sign-up with purposes');
        await page.getByLabel('Email', { exact: true }).fill(email);
        await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
        await page.getByLabel('Offers by email').check();
        await page.getByRole('button', { name: 'Create account' }).click();
        // Without the terms: refused beside their box, the optional choice kept.
        await page.getByText('Please accept Terms of service to continue.').waitFor();
        assert.equal(await page.getByLabel('Offers by email').isChecked(), true);
        await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
        await page.getByLabel('Terms of service (required)').check();
        await page.getByRole('button', { name: 'Create account' }).click();
        await enterEmailedCode(page, foyer.server.mailbox, email);
        await page.getByRole('heading', { name: 'Welcome to the shop' }).waitFor();
        assert.ok(new URL(page.url()).searchParams.get('code'));
        const identity = (await foyer.server.stores.identities.findByAddress(tenant.id, 'email', email))!;
        assert.deepEqual((await ledger(identity.id)).sort(), [['marketing', 1, 'granted', 'signup_page'], ['terms', 1, 'granted', 'signup_page']]);

        // New terms: the next authorization, through single sign-on, asks for them first.
        await updatePurpose({ transaction: foyer.server.transaction }, tenant, 'terms', { version: 2, texts: { en: { name: 'Terms of service', description: 'The rules of the shop, version 2.' } } }, SYSTEM_ACTOR);
        await page.goto(authorizationUrl());
        await page.getByRole('heading', { name: 'Please review what changed' }).waitFor();
        await page.getByText('The rules of the shop, version 2.').waitFor();
        await assertLabelledAndNamed(page, 'new terms');
        await page.getByRole('button', { name: 'Accept and continue' }).click();
        await page.getByText('Please accept Terms of service to continue.').waitFor();
        await page.getByLabel('Terms of service (required)').check();
        await page.getByRole('button', { name: 'Accept and continue' }).click();
        await page.getByRole('heading', { name: 'Welcome to the shop' }).waitFor();
        assert.deepEqual((await ledger(identity.id)).at(-1), ['terms', 2, 'granted', 'signin_page']);

        // The portal: marketing withdrawn as easily as it was given; the newsletter by email turned on.
        await page.goto(`${foyer.url}/t/${tenant.slug}/account`);
        await page.getByRole('link', { name: 'Consents and contact' }).click();
        await page.getByRole('heading', { name: 'Consents and contact' }).waitFor();
        await assertLabelledAndNamed(page, 'consents and contact');
        assert.equal(await page.getByLabel('Offers by email').isChecked(), true);
        await page.getByLabel('Offers by email').uncheck();
        await page.getByRole('button', { name: 'Save consents' }).click();
        assert.match(await page.getByRole('status').innerText(), /Your consents are saved/);
        assert.equal(await page.getByLabel('Offers by email').isChecked(), false);
        assert.deepEqual((await ledger(identity.id)).at(-1), ['marketing', 1, 'withdrawn', 'account_page']);
        await page.getByRole('group', { name: 'Newsletter' }).getByLabel('Email').check();
        await page.getByRole('button', { name: 'Save preferences' }).click();
        assert.match(await page.getByRole('status').innerText(), /Your preferences are saved/);
        assert.equal(await page.getByRole('group', { name: 'Newsletter' }).getByLabel('Email').isChecked(), true);

        // The newsletter's unsubscribe link, opened where nobody signed in.
        const stranger = await browser.newContext({ javaScriptEnabled: false });
        try {
          const mailPage = await stranger.newPage();
          await mailPage.goto(unsubscribeLinkOf(unsubscribeKeyOf(TEST_MASTER_SECRET), foyer.url, tenant, identity.id, 'newsletter'));
          await mailPage.getByText('You will no longer get emails about Newsletter.').waitFor();
          assert.equal((await foyer.server.stores.preferences.list(tenant.id, identity.id)).find((choice) => choice.topic === 'newsletter')?.subscribed, true, 'opening the link changes nothing');
          await mailPage.getByRole('button', { name: 'Unsubscribe' }).click();
          await mailPage.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
          assert.equal((await foyer.server.stores.preferences.list(tenant.id, identity.id)).find((choice) => choice.topic === 'newsletter')?.subscribed, false);
        } finally {
          await stranger.close();
        }
        await page.reload();
        assert.equal(await page.getByRole('group', { name: 'Newsletter' }).getByLabel('Email').isChecked(), false);
      } finally {
        await context.close();
      }
    });
  });
}
