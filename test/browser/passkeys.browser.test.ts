// Passkeys in a real Chromium with its virtual authenticator (CDP WebAuthn.addVirtualAuthenticator:
// a platform authenticator with user verification), Foyer served as http://localhost:PORT (an IP
// address is no relying party): a customer signs up and takes "sign in faster next time", signs in
// with the passkey alone (the email field's autofill, then the button), uses it as the second factor
// after the password, and removes it in the portal. Without JavaScript the page says passkeys need it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertLabelledAndNamed, browserSkipReason, launchChromium } from '../helpers/chromium.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { enterEmailedCode } from '../helpers/emailed-code.ts';
import { createTenant } from '../helpers/oidc-clients.ts';

const PASSWORD = 'correct horse battery staple';

for (const engine of ['sqlite', 'postgres'] as const) {
  const skip = await browserSkipReason(engine);
  describe(`passkeys in Chromium [${engine}]`, { skip }, () => {
    let foyer: ListeningServer;
    let browser: Browser;
    let portal: string;

    before(async () => {
      foyer = await startListeningServer(engine, {}, { hostName: 'localhost' });
      browser = await launchChromium();
      // Optional: a customer with a second factor (here a passkey) is asked for it after the password.
      const tenant = await createTenant(foyer.server, `passkeys-${engine}`, { mfa: { policy: 'optional' } });
      portal = `${foyer.url}/t/${tenant.slug}/account`;
    });
    after(async () => {
      await browser?.close();
      await foyer?.stop();
    });

    /** A browser context with a platform authenticator that verifies the user (a fingerprint, say) on every ceremony. */
    async function withAuthenticator(): Promise<{ context: BrowserContext; page: Page; credentials: () => Promise<unknown[]> }> {
      const context = await browser.newContext();
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
      });
      const credentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
      return { context, page, credentials };
    }

    /** How many times the customer signed in with a passkey, as the audit log says. */
    async function passkeySignIns(email: string): Promise<number> {
      const tenant = (await foyer.server.stores.tenants.findBySlug(`passkeys-${engine}`))!;
      const identity = (await foyer.server.stores.identities.findByAddress(tenant.id, 'email', email))!;
      const entries = await foyer.server.stores.audit.listForIdentity(tenant.id, identity.id, { limit: 100 });
      return entries.filter((entry) => entry.action === 'signin.succeeded' && entry.details?.['method'] === 'passkey').length;
    }

    /** Signs out, and opens the portal again: its sign-in page. */
    async function signOut(page: Page) {
      await page.goto(portal);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
      // The sign-out finishes before the portal is opened again: otherwise its answer can land after
      // the passkey autofill has already signed in again, and end that new session mid-way.
      await page.waitForLoadState('networkidle');
      await page.goto(portal);
    }

    test('sign up and create a passkey, sign in with it alone (autofill, then button), use it as the second factor, remove it', async () => {
      const { context, page, credentials } = await withAuthenticator();
      try {
        const email = `passkey.${engine}@example.com`;
        await page.goto(portal);
        // The page's script showed the button (this browser can use passkeys).
        await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
        await assertLabelledAndNamed(page, 'sign-in with passkeys');
        await page.getByRole('link', { name: 'Create account' }).click();
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Create account' }).click();
        await enterEmailedCode(page, foyer.server.mailbox, email);

        // Signed up: "sign in faster next time".
        await page.getByRole('heading', { name: 'Sign in faster next time' }).waitFor();
        await page.getByRole('button', { name: 'Create a passkey' }).click();
        await page.getByRole('heading', { name: 'Profile' }).waitFor();
        assert.equal((await credentials()).length, 1, 'the authenticator holds the new passkey');

        // The passkey alone, from the email field's autofill (conditional UI): the page asks the
        // browser at once, and the virtual authenticator, which verifies the user by itself, answers.
        await signOut(page);
        await page.getByRole('heading', { name: 'Profile' }).waitFor();
        const byAutofill = await passkeySignIns(email);
        assert.ok(byAutofill >= 1, 'signed in with the passkey, nothing clicked');

        // From here on the browser offers no autofill: the passkey alone, with the button.
        await context.addInitScript(() => {
          PublicKeyCredential.isConditionalMediationAvailable = async () => false;
        });
        await signOut(page);
        await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
        await page.getByRole('heading', { name: 'Profile' }).waitFor();
        assert.equal(await passkeySignIns(email), byAutofill + 1);

        // The password, then the passkey as the second factor (the tenant's policy is optional).
        await signOut(page);
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
        await page.getByRole('button', { name: 'Use a passkey' }).click();
        await page.getByRole('heading', { name: 'Profile' }).waitFor();

        // Manage it in the portal: rename, then remove.
        await page.getByRole('link', { name: 'Passkeys' }).click();
        await assertLabelledAndNamed(page, 'passkeys section');
        await page.getByLabel('Name of this passkey').fill('My laptop');
        await page.getByRole('button', { name: 'Rename' }).click();
        assert.match(await page.getByRole('status').innerText(), /The passkey is renamed/);
        await page.getByRole('heading', { name: 'My laptop' }).waitFor();
        await page.getByRole('button', { name: 'Remove' }).click();
        assert.match(await page.getByRole('status').innerText(), /The passkey is removed/);
        assert.match(await page.locator('main').innerText(), /You have no passkey yet/);

        await page.getByRole('link', { name: 'Security activity' }).click();
        const activity = await page.locator('main').innerText();
        assert.match(activity, /Passkey added/);
        assert.match(activity, /Passkey removed/);
        assert.match(activity, /Second step confirmed/);
      } finally {
        await context.close();
      }
    });

    test('without JavaScript the sign-in page says passkeys need it, and the password still works', async () => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      try {
        await page.goto(portal);
        await page.getByText('Passkeys need JavaScript').waitFor();
        // The email field offers passkeys in its autofill where scripts run.
        assert.equal(await page.getByLabel('Email').getAttribute('autocomplete'), 'username webauthn');
        assert.equal(await page.getByRole('button', { name: 'Sign in with a passkey' }).count(), 0, 'no button that cannot work');
        await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
      } finally {
        await context.close();
      }
    });
  });
}
