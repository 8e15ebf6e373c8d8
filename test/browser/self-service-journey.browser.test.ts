// A customer's whole self-service life in a real Chromium, in English and in German (every label
// looked up in that language's catalogue): sign up and verify by the emailed code, sign out, forget
// the password and reset it by the emailed link (which signs out the session another browser still
// had), sign in with the new password, change the profile, download the data, delete the account,
// and fail to sign in afterwards. Arabic pages render right to left.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { enterEmailedCode } from '../helpers/emailed-code.ts';
import { linkIn } from '../helpers/mailbox.ts';
import { browserSkipReason, launchChromium } from '../helpers/chromium.ts';
import { translator } from '../../src/i18n/translate.ts';
import type { Translate } from '../../src/i18n/translate.ts';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a fresh passphrase for spring';

describe('self-service journey in Chromium [sqlite]', { skip: await browserSkipReason('sqlite') }, () => {
  let foyer: ListeningServer;
  let browser: Browser;

  before(async () => {
    foyer = await startListeningServer('sqlite');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await foyer?.stop();
  });

  const contextIn = (locale: string) => browser.newContext({ locale, acceptDownloads: true });

  async function signIn(page: Page, t: Translate, email: string, password: string) {
    await page.getByLabel(t('field.email'), { exact: true }).fill(email);
    await page.getByLabel(t('field.password'), { exact: true }).fill(password);
    await page.getByRole('button', { name: t('page.signin.submit'), exact: true }).click();
  }

  for (const locale of ['en', 'de'] as const) {
    test(`${locale}: sign up, verify, sign out, recover by link, sign in, change profile, download, delete`, async () => {
      const t = translator(locale);
      const email = `journey.${locale}@example.com`;
      const code = { heading: t('page.code.heading'), code: t('field.code'), submit: t('page.code.submit') };
      const first = await contextIn(locale === 'de' ? 'de-DE' : 'en-US');
      const second = await contextIn(locale === 'de' ? 'de-DE' : 'en-US');
      try {
        // Sign up on the way into the portal, in the browser's language, and verify by code.
        const page = await first.newPage();
        await page.goto(`${foyer.url}/account`);
        assert.equal(await page.locator('html').getAttribute('lang'), locale);
        await page.getByRole('link', { name: t('page.signin.create_account') }).click();
        await page.getByLabel(t('field.email'), { exact: true }).fill(email);
        await page.getByLabel(t('field.password'), { exact: true }).fill(PASSWORD);
        await page.getByRole('button', { name: t('page.signup.submit') }).click();
        await enterEmailedCode(page, foyer.server.mailbox, email, code);
        await page.getByRole('heading', { name: t('account.profile.heading'), exact: true }).waitFor();
        assert.match(await page.locator('main').innerText(), new RegExp(t('account.profile.verified')));

        // Another browser signs in too: its session must not survive the password reset.
        const other = await second.newPage();
        await other.goto(`${foyer.url}/account`);
        await signIn(other, t, email, PASSWORD);
        await other.getByRole('heading', { name: t('account.profile.heading'), exact: true }).waitFor();

        // Sign out of the first browser (the provider asks to confirm), which lands on sign-in.
        await page.getByRole('button', { name: t('account.sign_out') }).click();
        await page.getByRole('button', { name: t('page.logout.submit') }).click();
        await page.getByRole('link', { name: t('page.signin.forgot') }).click();

        // Forgot password: the email, then the link from the email sets the new password.
        await page.getByRole('heading', { name: t('page.recovery.heading') }).waitFor();
        await page.getByLabel(t('field.email'), { exact: true }).fill(email);
        await page.getByRole('button', { name: t('page.recovery.submit') }).click();
        await page.getByRole('heading', { name: t('page.code.heading') }).waitFor();
        const mail = await foyer.server.mailbox.next(email, 'recover_password');
        assert.equal(mail.locale, locale, 'the email speaks the customer\'s language');
        await page.goto(linkIn(mail).href);
        await page.getByLabel(t('field.new_password'), { exact: true }).fill(NEW_PASSWORD);
        await page.getByRole('button', { name: t('page.password.submit') }).click();
        // The link was opened in the browser whose sign-in asked for it: that sign-in finishes, and
        // the customer is back in the portal.
        await page.getByRole('heading', { name: t('account.profile.heading'), exact: true }).waitFor();
        await foyer.server.mailbox.next(email, 'password_changed');

        // The other browser's session is gone: the portal asks it to sign in again, and the new
        // password signs in.
        await other.goto(`${foyer.url}/account`);
        await other.getByLabel(t('field.password'), { exact: true }).waitFor();
        assert.match(new URL(other.url()).pathname, /\/interaction\//);
        await signIn(other, t, email, NEW_PASSWORD);
        await other.getByRole('heading', { name: t('account.profile.heading'), exact: true }).waitFor();

        // The profile changes.
        await page.getByLabel(t('account.field.name'), { exact: true }).fill('Lin Wei');
        await page.getByRole('button', { name: t('account.profile.save') }).click();
        assert.match(await page.getByRole('status').innerText(), new RegExp(t('account.saved')));

        // Download my data: one JSON document with the new name.
        await page.getByRole('link', { name: t('account.nav.data') }).click();
        const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: t('account.data.download') }).click()]);
        const data = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { profile: { traits: Record<string, unknown> } };
        assert.equal(data.profile.traits['name'], 'Lin Wei');
        assert.equal(data.profile.traits['email'], email);

        // Delete the account, then no sign-in works.
        await page.getByRole('link', { name: t('account.delete.start') }).click();
        await page.getByLabel(t('account.delete.confirm'), { exact: true }).fill(email);
        await page.getByRole('button', { name: t('account.delete.submit') }).click();
        await page.getByRole('heading', { name: t('account.deleted.heading') }).waitFor();
        await page.goto(`${foyer.url}/account`);
        await signIn(page, t, email, NEW_PASSWORD);
        await page.waitForURL(/\/signin$/);
        assert.equal(await page.getByRole('alert').innerText(), t('signin.invalid_credentials'));
      } finally {
        await first.close();
        await second.close();
      }
    });
  }

  test('Arabic pages render right to left', async () => {
    const context = await contextIn('ar');
    try {
      const page = await context.newPage();
      await page.goto(`${foyer.url}/account`);
      const t = translator('ar');
      assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
      assert.equal(await page.evaluate<string>('getComputedStyle(document.querySelector("main")).direction'), 'rtl');
      await page.getByLabel(t('field.email'), { exact: true }).waitFor();
      // The label sits right of its input's left edge: laid out from the right.
      const label = (await page.getByText(t('field.email'), { exact: true }).boundingBox())!;
      const input = (await page.getByLabel(t('field.email'), { exact: true }).boundingBox())!;
      assert.ok(label.x + label.width > input.x + input.width - 2, `the label ends at the input's right edge (${label.x + label.width} vs ${input.x + input.width})`);
    } finally {
      await context.close();
    }
  });
});
