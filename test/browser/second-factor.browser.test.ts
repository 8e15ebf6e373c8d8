// Two-step verification in a real Chromium, without any script of ours: a customer enrols an
// authenticator app in the account portal (the QR code is an image the server drew; the key is
// read from the page, as a person would type it into their app), keeps the recovery codes, signs
// out, and signs in again with the password and then a code from the app. The pages pass the same
// small accessibility check as the other hosted pages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { assertLabelledAndNamed, browserSkipReason, launchChromium } from '../helpers/chromium.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { enterEmailedCode } from '../helpers/emailed-code.ts';
import { totpCode } from '../helpers/second-factor.ts';
import { createTenant } from '../helpers/oidc-clients.ts';

const PASSWORD = 'correct horse battery staple';

for (const engine of ['sqlite', 'postgres'] as const) {
  const skip = await browserSkipReason(engine);
  describe(`two-step verification in Chromium [${engine}]`, { skip }, () => {
    let foyer: ListeningServer;
    let browser: Browser;
    let portal: string;

    before(async () => {
      foyer = await startListeningServer(engine);
      browser = await launchChromium();
      // Optional: a customer who set up an app is asked for it at every sign-in.
      const tenant = await createTenant(foyer.server, `optional-${engine}`, { mfa: { policy: 'optional' } });
      portal = `${foyer.url}/t/${tenant.slug}/account`;
    });
    after(async () => {
      await browser?.close();
      await foyer?.stop();
    });

    test('enrol an authenticator app in the portal, sign out, sign in with the password and a code from the app', async () => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      try {
        const email = `mfa.${engine}@example.com`;
        await page.goto(`${portal}/security`);
        await page.getByRole('link', { name: 'Create account' }).click();
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Create account' }).click();
        await enterEmailedCode(page, foyer.server.mailbox, email);

        await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
        await page.getByRole('link', { name: 'Set up an authenticator app' }).click();
        const qr = page.getByRole('img', { name: 'QR code that adds this account to your authenticator app' });
        await qr.waitFor();
        assert.ok(((await qr.evaluate((image) => (image as HTMLImageElement).naturalWidth)) as number) > 0, 'the QR code image renders');
        await assertLabelledAndNamed(page, 'enrolment');
        const secret = (await page.locator('code.key').innerText()).replace(/\s/g, '');
        await page.getByLabel('Code from your authenticator app').fill(totpCode(secret));
        await page.getByRole('button', { name: 'Turn on' }).click();
        await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
        assert.equal(await page.locator('ul.codes li').count(), 10);
        await page.getByRole('link', { name: 'I have saved them, continue' }).click();
        assert.match(await page.getByRole('status').innerText(), /Two-step verification is on/);

        await page.getByRole('button', { name: 'Sign out' }).click();
        // oidc-provider's sign-out confirmation, then back to the portal, which asks to sign in.
        await page.getByRole('button', { name: 'Yes, sign me out' }).click();
        await page.goto(portal);
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
        // The recovery code's form is behind a disclosure (no script needed): open it, then check the page.
        await page.getByText('Lost your phone? Use a recovery code').click();
        await page.getByLabel('Recovery code').waitFor();
        await assertLabelledAndNamed(page, 'second factor');
        // The code of the step enrolment used is spent: the next one, as a phone a little ahead shows it.
        await page.getByLabel('Code from your authenticator app').fill(totpCode(secret, Date.now() + 30_000));
        await page.getByRole('button', { name: 'Verify' }).first().click();
        await page.getByRole('heading', { name: 'Profile' }).waitFor();
        assert.equal(new URL(page.url()).pathname, new URL(portal).pathname);
        await page.getByRole('link', { name: 'Security activity' }).click();
        const activity = await page.locator('main').innerText();
        assert.match(activity, /Second step confirmed/);
        assert.match(activity, /Two-step verification turned on/);
      } finally {
        await context.close();
      }
    });
  });
}
