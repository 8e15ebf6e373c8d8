// The admin console in a real Chromium against a real Foyer on SQLite: the owner is created from the
// first-run link, signs in to /console with OpenID Connect and PKCE on the admin tenant's hosted
// page, sees the dashboard count the traffic it made, finds a customer among 10,000, blocks,
// unblocks and edits them, creates one, creates an application and copies its secret, changes the
// branding and sees the hosted page change, reads and exports the audit log, and invites a support
// member by email, who opens the link from the development outbox, chooses a password, signs in and
// cannot open the settings; every page (the invitation's page too) passes axe-core (no serious or
// critical violation) and runs under the console's strict CSP without a single violation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, launchChromium } from '../helpers/chromium.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { assertNoSeriousAxeViolations } from '../helpers/axe.ts';
import { buildConsole } from '../../console/build.ts';
import { codeIn, linkIn } from '../helpers/mailbox.ts';
import { bulkTraitsOf, loadBulkCustomers } from '../../bench/bulk-customers.ts';

const PASSWORD = 'correct horse battery staple';
const OWNER = 'owner@example.com';

const skip = await browserSkipReason('sqlite');
describe('admin console in Chromium [sqlite]', { skip }, () => {
  let foyer: ListeningServer;
  let browser: Browser;
  const cspViolations: string[] = [];

  before(async () => {
    // The build is made at install; a test run after a change of the sources rebuilds it.
    await buildConsole({ quiet: true });
    foyer = await startListeningServer('sqlite');
    // 10,000 customers, and a trait schema with `plan` (a choice) and `crm_id`, written straight into
    // the database before anything reads the default tenant (whose settings the server caches).
    await loadBulkCustomers(foyer.server.testDatabase.config, foyer.server.defaultTenant.id, 10_000, () => {});
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await foyer?.stop();
  });

  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  };

  test('the owner set up from the first-run link runs every section; a support member they invite cannot open the settings', async () => {
    const logged = foyer.server.logs.find((line) => typeof line['setupLink'] === 'string');
    assert.ok(logged, 'the first start logs the setup link');
    const context = await browser.newContext();
    const page = await context.newPage();
    watch(page);
    try {
      await page.goto(String(logged['setupLink']));
      await page.getByLabel('Email').fill(OWNER);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create the owner' }).click();
      await page.getByRole('heading', { name: 'The owner is created' }).waitFor();

      const response = await page.goto(`${foyer.url}/console/`);
      const csp = response?.headers()['content-security-policy'] ?? '';
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      await page.getByRole('heading', { name: 'Sign in to the Foyer console' }).waitFor();
      await assertNoSeriousAxeViolations(page, 'signed out');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();

      // The admin tenant's hosted sign-in page.
      await page.waitForURL((url) => url.pathname.startsWith('/t/admin/'));
      await page.getByLabel('Email').fill(OWNER);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();

      await page.getByRole('heading', { name: 'Home' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/console/');
      // Tokens stay in this tab; a refresh token (offline_access) renews the 10-minute access token.
      const storedUser = await page.evaluate<string | undefined>('Object.entries(sessionStorage).find(([key]) => key.startsWith("oidc.user:"))?.[1]');
      assert.ok(storedUser && (JSON.parse(storedUser) as { refresh_token?: string }).refresh_token, 'a refresh token for silent renewal');
      assert.equal(await page.evaluate('localStorage.length === 0 || !Object.values(localStorage).some((value) => value.includes("access_token"))'), true, 'no token in localStorage');
      assert.match(await page.locator('main').innerText(), /Signed in as owner@example\.com \(Owner\)/);
      await assertNoSeriousAxeViolations(page, 'home');

      // The dashboard counts the traffic of the default tenant: a sign-up and a sign-in through the
      // JSON flows API, and a wrong password.
      const post = (path: string, payload?: object) => fetch(`${foyer.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload ?? {}) });
      const customer = 'ada@example.com';
      const registration = (await (await post('/flows/registration')).json()) as { id: string };
      assert.equal((await post(`/flows/registration/${registration.id}`, { traits: { email: customer }, password: PASSWORD })).status, 200);
      const code = codeIn(await foyer.server.mailbox.next(customer, 'verify_email'));
      assert.equal((await post(`/flows/registration/${registration.id}/code`, { code })).status, 200);
      for (const password of [PASSWORD, 'not the password']) {
        const login = (await (await post('/flows/login')).json()) as { id: string };
        await post(`/flows/login/${login.id}`, { identifier: customer, password });
      }
      await foyer.server.stats.flush();
      await page.reload();
      const figure = (name: string) => page.locator(`[data-figure="${name}"] .figure`).innerText();
      await page.locator('[data-figure="dash.signups"]').waitFor();
      assert.equal(await figure('dash.signups'), '1');
      assert.equal(await figure('dash.failed'), '1');
      assert.ok(Number(await figure('dash.signins')) >= 1);
      assert.equal(await figure('dash.dau'), '1');
      const step = (name: string) => page.locator(`tr[data-step="${name}"] td`).first().innerText();
      assert.equal(await step('submitted'), '1');
      assert.equal(await step('verified'), '1');
      assert.ok(Number(await step('viewed')) >= 1);
      assert.equal(await page.locator('.recharts-surface').count() >= 6, true, 'the charts are drawn');
      await page.getByLabel('Funnel of').selectOption({ label: 'JSON flows API' });
      await page.locator('tr[data-step="submitted"]').waitFor();
      assert.equal(await step('submitted'), '1');
      await assertNoSeriousAxeViolations(page, 'dashboard');

      // Customers: one found among 10,000 by typing, opened, blocked and unblocked, their profile
      // changed through the form the tenant's trait schema makes; then a new customer.
      const wanted = bulkTraitsOf(4321);
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Customers' }).click();
      await page.getByRole('heading', { name: 'Customers', exact: true }).waitFor();
      await page.locator('table.customers').waitFor();
      await assertNoSeriousAxeViolations(page, 'customers');
      await page.getByLabel('Search').pressSequentially(wanted.email.slice(0, wanted.email.indexOf('@') + 1), { delay: 20 });
      await page.getByRole('link', { name: wanted.email, exact: true }).click();
      await page.getByRole('heading', { name: wanted.email }).waitFor();
      assert.equal(await page.getByLabel('plan').inputValue(), wanted.plan, 'the enum trait is a choice holding its value');
      await assertNoSeriousAxeViolations(page, 'customer');
      await page.getByRole('button', { name: 'Block' }).click();
      await page.locator('[data-status="blocked"]').waitFor();
      assert.match(await page.getByRole('status').innerText(), /blocked/);
      await page.getByRole('button', { name: 'Unblock' }).click();
      await page.locator('[data-status="active"]').waitFor();
      await page.getByLabel('Full name').fill('Ada Renamed');
      await page.getByRole('button', { name: 'Save profile' }).click();
      await page.getByText('The profile is saved.').waitFor();
      const saved = await foyer.server.stores.identities.findById(foyer.server.defaultTenant.id, page.url().split('/').pop()!);
      assert.equal(saved?.traits['name'], 'Ada Renamed');
      assert.equal(saved?.status, 'active');

      await page.getByRole('link', { name: 'All customers' }).click();
      await page.getByRole('link', { name: 'Create customer' }).click();
      await page.getByLabel('Email (required)').fill('grace@example.com');
      await page.getByRole('button', { name: 'Create customer' }).click();
      await page.getByRole('heading', { name: 'grace@example.com' }).waitFor();
      await assertNoSeriousAxeViolations(page, 'new customer');
      // The verified filter: Grace, created unverified, heads the customers not verified yet (2 % of the bulk ones), none with a ✓.
      await page.getByRole('link', { name: 'All customers' }).click();
      await page.getByLabel('Email verified').selectOption({ label: 'Not verified yet' });
      await page.waitForFunction(() => document.querySelector('table.customers tbody tr')?.textContent?.includes('grace@example.com') && ![...document.querySelectorAll('table.customers tbody tr')].some((row) => row.textContent?.includes('✓')));
      assert.equal(await page.locator('table.customers tbody tr').count(), 25, 'a full page of them');
      await assertNoSeriousAxeViolations(page, 'customers, filtered by verified');

      // Applications: a web application created with its guide, its secret shown once and copied,
      // a snippet for the issuer, the secret rotated, then deleted after typing its name.
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: foyer.url });
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Applications' }).click();
      await page.getByRole('heading', { name: 'Applications', exact: true }).waitFor();
      await assertNoSeriousAxeViolations(page, 'applications');
      await page.getByRole('link', { name: 'Create application' }).click();
      await page.getByLabel('Web application (server-side)').check();
      await page.getByLabel('Name').fill('Shop');
      await page.getByLabel('Redirect URIs (one a line)').fill('https://shop.example.com/callback');
      await assertNoSeriousAxeViolations(page, 'new application');
      await page.getByRole('button', { name: 'Create application' }).click();
      await page.getByRole('heading', { name: 'Shop' }).waitFor();
      const secret = await page.locator('[data-secret]').innerText();
      await page.getByRole('button', { name: 'Copy secret' }).click();
      await page.getByText('Copied.').waitFor();
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), secret);
      const clientId = page.url().split('/').pop()!;
      const stored = await foyer.server.stores.applications.findById(foyer.server.defaultTenant.id, clientId);
      assert.deepEqual(stored?.redirectUris, ['https://shop.example.com/callback']);
      assert.match(await page.locator('pre').innerText(), new RegExp(`${foyer.url}[\\s\\S]*${clientId}`), 'the snippet names the issuer and the client id');
      await assertNoSeriousAxeViolations(page, 'application');
      await page.getByRole('button', { name: 'Rotate secret' }).click();
      await page.getByText('A new secret is made').waitFor();
      assert.notEqual(await page.locator('[data-secret]').innerText(), secret);
      await page.reload();
      await page.getByRole('heading', { name: 'Shop' }).waitFor();
      assert.equal(await page.locator('[data-secret]').count(), 0, 'the secret is not shown again');
      await page.getByLabel('Type Shop to delete the application').fill('Shop');
      await page.getByRole('button', { name: 'Delete application' }).click();
      await page.getByRole('heading', { name: 'Applications', exact: true }).waitFor();
      assert.equal(await foyer.server.stores.applications.findById(foyer.server.defaultTenant.id, clientId), undefined);

      // A reload keeps the session (this tab's storage); an unknown path of the app is its own page.
      await page.goto(`${foyer.url}/console/no-such-page`);
      await page.getByText('There is nothing here.').waitFor();
      await assertNoSeriousAxeViolations(page, 'not found');

      // Settings: the branding changes the preview at once and, saved, the hosted pages.
      const nav = page.getByRole('navigation', { name: 'Sections' });
      await nav.getByRole('link', { name: 'Settings' }).click();
      await page.getByLabel('Name on the sign-in pages').fill('Acme Shop');
      await page.getByLabel('Colour').fill('#c2410c');
      assert.match(await page.locator('[data-preview]').innerText(), /Acme Shop/);
      assert.equal(await page.locator('.preview-button').evaluate((element) => getComputedStyle(element).backgroundColor), 'rgb(194, 65, 12)');
      assert.ok(await page.locator('#preview-profile-plan').count(), 'the trait schema previews its profile form');
      await assertNoSeriousAxeViolations(page, 'settings');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByText('The settings are saved').waitFor();
      const hosted = await context.newPage();
      await hosted.goto(`${foyer.url}/account`);
      await hosted.getByText('Acme Shop').first().waitFor();
      await hosted.close();

      // Audit log: the block is there; one entry opens; the export downloads JSON Lines.
      await nav.getByRole('link', { name: 'Audit log' }).click();
      await page.getByLabel('Action (or prefix.*)').fill('identity.blocked');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByRole('button', { name: 'identity.blocked' }).first().click();
      assert.match(await page.locator('pre').innerText(), /"action": "identity.blocked"/);
      await assertNoSeriousAxeViolations(page, 'audit log');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export (JSON Lines)' }).click()]);
      const exported = readFileSync((await download.path())!, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { action: string });
      assert.ok(exported.length >= 1 && exported.every((entry) => entry.action === 'identity.blocked'));

      // Staff: the owner invites a support member by email (who then signs in and cannot open the
      // settings), and adds an analyst with a first password.
      await nav.getByRole('link', { name: 'Staff' }).click();
      await page.getByText('No invitation is waiting.').waitFor();
      await page.getByLabel('Email to invite').fill('sam@example.com');
      await page.getByLabel('Role to give').selectOption('support');
      await page.getByRole('button', { name: 'Send invitation' }).click();
      await page.getByText('sam@example.com is invited').waitFor();
      await page.locator('tr[data-invitation="sam@example.com"]').waitFor();
      assert.match(await page.locator('tr[data-invitation="sam@example.com"]').innerText(), /Support[\s\S]*works until/);
      await page.getByLabel('Email', { exact: true }).fill('ana@example.com');
      await page.getByLabel('First password').fill(PASSWORD);
      await page.getByLabel('Role', { exact: true }).selectOption('analyst');
      await page.getByRole('button', { name: 'Add staff member' }).click();
      await page.getByText('ana@example.com can now sign in').waitFor();
      await assertNoSeriousAxeViolations(page, 'staff');

      // A reload keeps the session (this tab's storage); an unknown path of the app is its own page.
      await page.goto(`${foyer.url}/console/no-such-page`);
      await page.getByText('There is nothing here.').waitFor();

      const signOut = async () => {
        await page.getByRole('button', { name: 'Sign out' }).click();
        const confirm = page.getByRole('button', { name: 'Yes, sign me out' });
        await Promise.race([confirm.click().catch(() => undefined), page.waitForURL(`${foyer.url}/console/`)]);
        await page.getByRole('heading', { name: 'Sign in to the Foyer console' }).waitFor();
      };
      await signOut();
      // Sam reads the invitation in the development outbox, opens its link and chooses a password.
      const invitation = await foyer.server.mailbox.next('sam@example.com', 'staff_invitation');
      await page.goto(linkIn(invitation).href);
      await page.getByRole('heading', { name: 'Accept your invitation' }).waitFor();
      assert.equal(await page.getByLabel('Email').inputValue(), 'sam@example.com');
      await assertNoSeriousAxeViolations(page, 'staff invitation');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Accept and create my account' }).click();
      await page.getByRole('heading', { name: 'Welcome to the team' }).waitFor();
      await assertNoSeriousAxeViolations(page, 'staff invitation accepted');
      await page.getByRole('link', { name: 'Open the console' }).click();
      await page.getByRole('heading', { name: 'Sign in to the Foyer console' }).waitFor();
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL((url) => url.pathname.startsWith('/t/admin/'));
      await page.getByLabel('Email').fill('sam@example.com');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { name: 'Home' }).waitFor();
      assert.match(await page.locator('main').innerText(), /sam@example\.com \(Support\)/);
      assert.deepEqual(await page.getByRole('navigation', { name: 'Sections' }).getByRole('link').allInnerTexts(), ['Home', 'Customers']);
      await assertNoSeriousAxeViolations(page, 'home of a support member');
      await page.goto(`${foyer.url}/console/settings`);
      await page.getByText('Your role does not open this page.').waitFor();
      await assertNoSeriousAxeViolations(page, 'settings refused');
      await signOut();

      // An analyst sees the dashboard, and customers masked: no names, the email shortened, no search.
      const signInAs = async (email: string) => {
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.waitForURL((url) => url.pathname.startsWith('/t/admin/'));
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.getByRole('heading', { name: 'Home' }).waitFor();
      };
      await signInAs('ana@example.com');
      await page.locator('[data-figure="dash.signups"]').waitFor();
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Customers' }).click();
      await page.locator('table.customers').waitFor();
      assert.equal(await page.getByLabel('Search').count(), 0, 'no search by text for a masked role');
      await assertNoSeriousAxeViolations(page, 'masked customers');
      const firstRow = await page.locator('table.customers tbody tr').first().innerText();
      assert.match(firstRow, /•••@/);
      assert.match(firstRow, /hidden/);
      await page.locator('table.customers tbody tr a').first().click();
      await page.getByText('Your role sees customers masked').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Save profile' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Block' }).count(), 0);
      await assertNoSeriousAxeViolations(page, 'masked customer');
      await signOut();
      assert.deepEqual(cspViolations, [], 'no CSP violation on any console page');
    } finally {
      await context.close();
    }
  });
});
