// The console's session outlives its access token (issue 19): against a Foyer whose admin API
// tokens live 5 seconds (ADMIN_API_TOKEN_TTL_SECONDS), an owner signs in to /console in Chromium,
// the first access token expires (the API refuses it), and the console keeps working on renewed
// tokens from its refresh token: no new sign-in page, no "session expired", the pages still load.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, launchChromium } from '../helpers/chromium.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { assertNoSeriousAxeViolations } from '../helpers/axe.ts';
import { SYSTEM_ACTOR } from '../helpers/oidc-clients.ts';
import { buildConsole } from '../../console/build.ts';
import { createStaff } from '../../src/domain/admin/staff.ts';
import { ADMIN_API_PATH } from '../../src/http/admin/admin-resource.ts';

const PASSWORD = 'correct horse battery staple';
const OWNER = 'renewing-owner@example.com';
const TTL_SECONDS = 5;
/** The admin API accepts a token this long past its expiry (clock skew between nodes). */
const CLOCK_TOLERANCE_MS = 5_000;

type StoredUser = { access_token: string; refresh_token?: string };

const skip = await browserSkipReason('sqlite');
describe('admin console token renewal in Chromium [sqlite]', { skip }, () => {
  let foyer: ListeningServer;
  let browser: Browser;

  before(async () => {
    await buildConsole({ quiet: true });
    foyer = await startListeningServer('sqlite', { ADMIN_API_TOKEN_TTL_SECONDS: String(TTL_SECONDS) });
    await createStaff({ transaction: foyer.server.transaction }, foyer.server.adminTenant.id, { email: OWNER, password: PASSWORD, role: 'owner' }, SYSTEM_ACTOR);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await foyer?.stop();
  });

  const storedUser = async (page: Page): Promise<StoredUser> => {
    const stored = await page.evaluate<string | undefined>('Object.entries(sessionStorage).find(([key]) => key.startsWith("oidc.user:"))?.[1]');
    assert.ok(stored, 'the signed-in user is in sessionStorage');
    return JSON.parse(stored) as StoredUser;
  };
  const expiryOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number }).exp * 1000;
  const apiStatus = async (token: string) => (await fetch(`${foyer.url}${ADMIN_API_PATH}/me`, { headers: { authorization: `Bearer ${token}` } })).status;

  test('the first access token expires and the console keeps working on renewed ones, without a new sign-in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${foyer.url}/console/`);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL((url) => url.pathname.startsWith('/t/admin/'));
      await page.getByLabel('Email').fill(OWNER);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { name: 'Home' }).waitFor();

      // From here on, any visit to the sign-in pages would be a new sign-in.
      const signInVisits: string[] = [];
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame() && new URL(frame.url()).pathname.startsWith('/t/admin/')) signInVisits.push(frame.url());
      });
      const first = await storedUser(page);
      assert.ok(first.refresh_token, 'a refresh token to renew with');
      const firstExpiry = expiryOf(first.access_token);
      assert.ok(firstExpiry - Date.now() <= TTL_SECONDS * 1000, 'the short lifetime is in force');
      assert.equal(await apiStatus(first.access_token), 200);

      // Wait until the API refuses the first token.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstExpiry + CLOCK_TOLERANCE_MS + 1_500 - Date.now())));
      assert.equal(await apiStatus(first.access_token), 401, 'the first access token has expired');

      // The console holds a newer token, still valid, and its pages still load with it.
      const now = await storedUser(page);
      assert.notEqual(now.access_token, first.access_token, 'renewed');
      assert.ok(expiryOf(now.access_token) > Date.now(), 'the current token is unexpired');
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Staff' }).click();
      await page.getByRole('heading', { name: 'Staff', exact: true }).waitFor();
      await page.getByRole('cell', { name: OWNER, exact: true }).waitFor();
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Audit log' }).click();
      await page.getByRole('heading', { name: 'Audit log' }).waitFor();
      await page.reload();
      await page.getByRole('heading', { name: 'Audit log' }).waitFor();
      assert.equal(await page.getByRole('heading', { name: 'Sign in to the Foyer console' }).count(), 0, 'not signed out');
      assert.deepEqual(signInVisits, [], 'no new sign-in');
      await assertNoSeriousAxeViolations(page, 'audit log after renewal');
    } finally {
      await context.close();
    }
  });
});
