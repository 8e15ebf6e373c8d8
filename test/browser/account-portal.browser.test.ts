// The account portal in a real Chromium: a customer arrives without a session and signs up on the
// way in, changes their profile, downloads their data, deletes the account, and can no longer sign
// in. The pages pass the same small accessibility check as the sign-in pages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { assertLabelledAndNamed, browserSkipReason, launchChromium } from '../helpers/chromium.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { enterEmailedCode } from '../helpers/emailed-code.ts';

const PASSWORD = 'correct horse battery staple';


for (const engine of ['sqlite', 'postgres'] as const) {
  const skip = await browserSkipReason(engine);
  describe(`account portal in Chromium [${engine}]`, { skip }, () => {
    let foyer: ListeningServer;
    let browser: Browser;

    before(async () => {
      foyer = await startListeningServer(engine);
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await foyer?.stop();
    });

    test('sign up on the way in, change the profile, download the data, delete the account, and no sign-in after', async () => {
      const context = await browser.newContext({ acceptDownloads: true });
      const page = await context.newPage();
      try {
        const email = `lin.${engine}@example.com`;
        await page.goto(`${foyer.url}/account`);
        await page.getByRole('link', { name: 'Create account' }).click();
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Create account' }).click();
        await enterEmailedCode(page, foyer.server.mailbox, email);

        // Back in the portal, on the page first asked for.
        await page.getByRole('heading', { name: 'Profile' }).waitFor();
        assert.equal(new URL(page.url()).pathname, '/account');
        assert.match(await page.locator('main').innerText(), new RegExp(`Signed in as ${email.replace('.', '\\.')}`));
        assert.equal(await page.getByRole('navigation', { name: 'Account sections' }).getByRole('link').count(), 10);
        assert.equal(await page.getByRole('link', { name: 'Change email' }).getAttribute('href'), '/account/email');
        await assertLabelledAndNamed(page, 'profile');

        // A field error is announced and tied to its field; a valid change is saved.
        await page.getByLabel('Language (for example en or pt-BR)').fill('not a language');
        await page.getByRole('button', { name: 'Save changes' }).click();
        const locale = page.getByLabel('Language (for example en or pt-BR)');
        await page.locator('#field-locale-error').waitFor();
        assert.equal(await locale.getAttribute('aria-invalid'), 'true');
        assert.equal(await locale.getAttribute('aria-describedby'), 'field-locale-error');
        assert.equal(await page.locator('#field-locale-error').getAttribute('role'), 'alert');
        await locale.fill('');
        await page.getByLabel('Full name').fill('Lin Wei');
        await page.getByRole('button', { name: 'Save changes' }).click();
        assert.match(await page.getByRole('status').innerText(), /Your changes are saved/);
        assert.equal(await page.getByLabel('Full name').inputValue(), 'Lin Wei');

        // Sessions: this browser, marked as the current one.
        await page.getByRole('link', { name: 'Sessions and devices' }).click();
        await page.getByRole('heading', { name: 'Sessions and devices' }).waitFor();
        assert.match(await page.locator('tr.current').innerText(), /Chrome on Linux[\s\S]*This device[\s\S]*127\.0\.0\.1/);

        // Download my data: one JSON attachment with the new name and no secret.
        await page.getByRole('link', { name: 'Your data' }).click();
        const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download my data' }).click()]);
        assert.equal(download.suggestedFilename(), 'account-data.json');
        const exported = readFileSync((await download.path())!, 'utf8');
        const data = JSON.parse(exported) as { profile: { traits: Record<string, unknown> }; credentials: { type: string }[] };
        assert.equal(data.profile.traits['name'], 'Lin Wei');
        assert.deepEqual(data.credentials.map((credential) => credential.type), ['password']);
        assert.doesNotMatch(exported, /argon2/);

        // Delete: typed confirmation (a wrong one is refused), then the account is gone.
        await page.getByRole('link', { name: 'Delete my account' }).click();
        await page.getByRole('heading', { name: 'Delete your account' }).waitFor();
        await assertLabelledAndNamed(page, 'delete');
        await page.getByLabel('To confirm, type your email address').fill('someone@example.com');
        await page.getByRole('button', { name: 'Delete my account forever' }).click();
        await page.locator('#field-confirm-error').waitFor();
        await page.getByLabel('To confirm, type your email address').fill(email);
        await page.getByRole('button', { name: 'Delete my account forever' }).click();
        await page.getByRole('heading', { name: 'Your account is deleted' }).waitFor();

        // The portal asks to sign in again, and the old credentials no longer work.
        await page.goto(`${foyer.url}/account`);
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.waitForURL(/\/signin$/);
        assert.match(await page.getByRole('alert').innerText(), /email and password do not match/);
      } finally {
        await context.close();
      }
    });
  });
}
