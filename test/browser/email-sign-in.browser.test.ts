// Sign-in by an emailed code in a real Chromium with scripts off (ADR 0031): from the account
// portal's sign-in page, "Email me a sign-in code instead", the address, the code read from the
// email, and the portal; then the emailed link, opened in the same browser, does the same. The
// pages pass the small accessibility check of the other hosted pages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { assertLabelledAndNamed, browserSkipReason, launchChromium } from '../helpers/chromium.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createTenant, PASSWORD } from '../helpers/oidc-clients.ts';
import { codeIn, linkIn } from '../helpers/mailbox.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';

for (const engine of ['sqlite', 'postgres'] as const) {
  const skip = await browserSkipReason(engine);
  describe(`sign-in by an emailed code in Chromium [${engine}]`, { skip }, () => {
    let foyer: ListeningServer;
    let browser: Browser;
    let tenant: Tenant;
    let portal: string;

    before(async () => {
      foyer = await startListeningServer(engine);
      browser = await launchChromium();
      tenant = await createTenant(foyer.server, `email-code-${engine}`);
      portal = `${foyer.url}/t/${tenant.slug}/account`;
    });
    after(async () => {
      await browser?.close();
      await foyer?.stop();
    });

    async function customer(email: string) {
      await createIdentityByOperator({ transaction: foyer.server.transaction, tenants: foyer.server.stores.tenants }, tenant.id, { traits: { email }, password: PASSWORD, verified: true }, { type: 'operator', id: 'test' });
    }

    test('the code from the email signs in to the portal, without JavaScript', async () => {
      const email = `code.${engine}@example.com`;
      await customer(email);
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      try {
        await page.goto(portal);
        await page.getByRole('link', { name: 'Email me a sign-in code instead' }).click();
        await page.getByRole('heading', { name: /without a password/ }).waitFor();
        await assertLabelledAndNamed(page, 'email sign-in');
        await page.getByLabel('Email').fill(email);
        await page.getByRole('button', { name: 'Email me a code' }).click();
        await page.getByRole('heading', { name: 'Check your email' }).waitFor();
        await assertLabelledAndNamed(page, 'code');
        const mail = await foyer.server.mailbox.next(email, 'sign_in_code');
        await page.getByLabel('Code', { exact: true }).fill(codeIn(mail));
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('heading', { name: 'Profile' }).waitFor();
        assert.equal(new URL(page.url()).pathname, new URL(portal).pathname);
      } finally {
        await context.close();
      }
    });

    test('the emailed link, opened in the same browser, signs in to the portal', async () => {
      const email = `link.${engine}@example.com`;
      await customer(email);
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      try {
        await page.goto(portal);
        await page.getByRole('link', { name: 'Email me a sign-in code instead' }).click();
        await page.getByLabel('Email').fill(email);
        await page.getByRole('button', { name: 'Email me a code' }).click();
        await page.getByRole('heading', { name: 'Check your email' }).waitFor();
        await page.goto(linkIn(await foyer.server.mailbox.next(email, 'sign_in_code')).href);
        await page.getByRole('heading', { name: 'Continue signing in' }).waitFor();
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('heading', { name: 'Profile' }).waitFor();
      } finally {
        await context.close();
      }
    });
  });
}
