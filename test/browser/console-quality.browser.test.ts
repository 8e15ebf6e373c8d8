// The admin console's quality bar (issue 19, item 8) in a real Chromium against a real Foyer on
// SQLite: an owner works it with the keyboard alone (skip link, navigation, search, a customer)
// and sees where the focus is; in German every main page shows the German catalogue's texts and
// not the English ones; at a tablet's 768×1024 no main page scrolls sideways and the navigation
// stays in view; a list filtered to nothing says so, and an admin API failure shows an error with
// a retry that recovers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, launchChromium } from '../helpers/chromium.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { SYSTEM_ACTOR } from '../helpers/oidc-clients.ts';
import { buildConsole } from '../../console/build.ts';
import { createStaff } from '../../src/domain/admin/staff.ts';
import { ADMIN_API_PATH } from '../../src/http/admin/admin-resource.ts';
import { bulkTraitsOf, loadBulkCustomers } from '../../bench/bulk-customers.ts';
import { en } from '../../console/src/i18n/en.ts';
import type { MessageKey } from '../../console/src/i18n/en.ts';
import { de } from '../../console/src/i18n/de.ts';

const PASSWORD = 'correct horse battery staple';
const OWNER = 'quality-owner@example.com';
const CUSTOMERS = 30;
/** The skip link, or else the navigation, is this many presses of Tab from the top of a page. */
const TABS_TO_NAVIGATION = 3;

const skip = await browserSkipReason('sqlite');
describe('admin console quality in Chromium [sqlite]', { skip }, () => {
  let foyer: ListeningServer;
  let browser: Browser;

  before(async () => {
    await buildConsole({ quiet: true });
    foyer = await startListeningServer('sqlite');
    await loadBulkCustomers(foyer.server.testDatabase.config, foyer.server.defaultTenant.id, CUSTOMERS, () => {});
    await createStaff({ transaction: foyer.server.transaction }, foyer.server.adminTenant.id, { email: OWNER, password: PASSWORD, role: 'owner' }, SYSTEM_ACTOR);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await foyer?.stop();
  });

  const signedIn = async (options: { viewport?: { width: number; height: number } } = {}) => {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${foyer.url}/console/`);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/t/admin/'));
    await page.getByLabel('Email').fill(OWNER);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: en['home.heading'] }).waitFor();
    return { context, page, errors };
  };

  type Focused = { tag: string; id: string; text: string; className: string; inNav: boolean; outline: string; boxShadow: string };
  const focused = (page: Page) => page.evaluate((): Focused => {
    const element = document.activeElement as HTMLElement | null;
    const style = element ? getComputedStyle(element) : undefined;
    return {
      tag: element?.tagName.toLowerCase() ?? '',
      id: element?.id ?? '',
      text: element?.textContent?.trim() ?? '',
      className: element?.className ?? '',
      inNav: Boolean(element?.closest('nav')),
      outline: style && style.outlineStyle !== 'none' ? `${style.outlineStyle} ${style.outlineWidth}` : '',
      boxShadow: style?.boxShadow === 'none' ? '' : (style?.boxShadow ?? ''),
    };
  });
  const assertFocusVisible = (where: Focused, what: string) => {
    assert.ok((where.outline && !where.outline.endsWith(' 0px')) || where.boxShadow, `${what} (${where.tag} ${where.text}) shows where the focus is`);
  };
  /** Presses Tab (Shift+Tab with `back`) until the focused element matches, at most `limit` times. */
  const tabTo = async (page: Page, matches: (where: Focused) => boolean, what: string, limit = 40, back = false) => {
    for (let presses = 1; presses <= limit; presses++) {
      await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
      const where = await focused(page);
      if (matches(where)) {
        assertFocusVisible(where, what);
        return presses;
      }
    }
    assert.fail(`${what} is not reached within ${limit} presses of Tab`);
  };

  test('keyboard only: the skip link and the navigation come first, Customers opens, the search finds a customer who opens, and the focus is always visible', async () => {
    const { context, page, errors } = await signedIn();
    try {
      const wanted = bulkTraitsOf(7);
      const first = await tabTo(page, (where) => where.className.includes('skip') || where.inNav, 'the skip link or the navigation', TABS_TO_NAVIGATION);
      const skipLink = await focused(page);
      assert.equal(first, 1, 'the skip link is the first stop');
      assert.equal(skipLink.text, en['app.skip']);
      const box = await page.locator('a.skip').boundingBox();
      assert.ok(box && box.x >= 0 && box.y >= 0, 'the focused skip link is on screen');
      // The skip link moves the focus to the content; Shift+Tab goes back through the navigation.
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.activeElement?.id === 'main');
      await tabTo(page, (where) => where.inNav && where.text === en['nav.customers'], 'the Customers link', 10, true);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: en['customers.heading'], exact: true }).waitFor();
      await page.locator('table.customers').waitFor();
      await tabTo(page, (where) => where.id === 'customer-search', 'the search box');
      await page.keyboard.type(wanted.email.slice(0, wanted.email.indexOf('@') + 1), { delay: 10 });
      await page.getByRole('link', { name: wanted.email, exact: true }).waitFor();
      await tabTo(page, (where) => where.tag === 'a' && where.text === wanted.email, 'the customer found');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: wanted.email }).waitFor();
      // Buttons and fields of the customer's page show their focus too.
      await tabTo(page, (where) => where.tag === 'button', 'a button of the customer page');
      await tabTo(page, (where) => where.tag === 'input' || where.tag === 'select', 'a field of the customer page');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('German: the switcher turns every main page German, with none of the English texts left', async () => {
    const { context, page, errors } = await signedIn();
    try {
      await page.getByLabel(en['language.label']).selectOption('de');
      await page.getByRole('heading', { name: de['home.heading'] }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'de');
      const nav = page.getByRole('navigation', { name: de['nav.label'] });
      const navKeys: MessageKey[] = ['nav.home', 'nav.customers', 'nav.applications', 'nav.settings', 'nav.audit', 'nav.staff'];
      assert.deepEqual(await nav.getByRole('link').allInnerTexts(), navKeys.map((key) => de[key]));
      const pages: { nav: MessageKey; heading: MessageKey; keys: MessageKey[] }[] = [
        { nav: 'nav.home', heading: 'home.heading', keys: [] },
        { nav: 'nav.customers', heading: 'customers.heading', keys: ['customers.search', 'customers.create'] },
        { nav: 'nav.applications', heading: 'apps.heading', keys: [] },
        { nav: 'nav.settings', heading: 'settings.heading', keys: [] },
        { nav: 'nav.audit', heading: 'audit.heading', keys: ['audit.apply', 'audit.export'] },
        { nav: 'nav.staff', heading: 'staff.heading', keys: ['staff.invite_heading'] },
      ];
      // English messages long enough to be told apart, whose German differs and does not hold them.
      const english = (Object.keys(en) as MessageKey[]).filter((key) => en[key].length >= 12 && !en[key].includes('{') && !de[key].includes(en[key]));
      for (const entry of pages) {
        await nav.getByRole('link', { name: de[entry.nav], exact: true }).click();
        await page.getByRole('heading', { name: de[entry.heading], exact: true }).waitFor();
        await page.waitForFunction(() => !document.querySelector('main .loading'));
        const text = await page.locator('body').innerText();
        for (const key of entry.keys) assert.ok(text.includes(de[key]), `${de[entry.heading]} shows ${key} in German`);
        const leftovers = english.filter((key) => text.includes(en[key]));
        assert.deepEqual(leftovers, [], `${de[entry.heading]} shows no English message`);
      }
      // The choice is kept across a reload.
      await page.reload();
      await page.getByRole('heading', { name: de['staff.heading'], exact: true }).waitFor();
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('tablet (768×1024): no main page scrolls sideways and the navigation stays in view and works', async () => {
    const viewport = { width: 768, height: 1024 };
    const { context, page, errors } = await signedIn({ viewport });
    try {
      const nav = page.getByRole('navigation', { name: en['nav.label'] });
      const noSidewaysScroll = async (what: string) => {
        await page.waitForFunction(() => !document.querySelector('main .loading'));
        const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.scrollingElement!.scrollWidth, clientWidth: document.scrollingElement!.clientWidth }));
        // What sticks out (inside a visually hidden box nothing shows), to name the culprit.
        const wide = await page.evaluate(() => [...document.querySelectorAll('body *')].filter((element) => !element.parentElement?.closest('.visually-hidden') && element.getBoundingClientRect().right > document.scrollingElement!.clientWidth).slice(0, 3).map((element) => `${element.tagName.toLowerCase()}.${element.getAttribute('class') ?? ''}`));
        assert.ok(scrollWidth <= clientWidth, `${what}: ${scrollWidth} px wide in a ${clientWidth} px window (${wide.join(', ')})`);
      };
      const navInView = async () => {
        for (const link of await nav.getByRole('link').all()) {
          const box = await link.boundingBox();
          assert.ok(box && box.x >= 0 && box.x + box.width <= viewport.width && box.y + box.height <= viewport.height, `${await link.innerText()} is in view`);
        }
      };
      await noSidewaysScroll('home');
      await navInView();
      const sections: [MessageKey, MessageKey][] = [
        ['nav.customers', 'customers.heading'],
        ['nav.applications', 'apps.heading'],
        ['nav.settings', 'settings.heading'],
        ['nav.audit', 'audit.heading'],
        ['nav.staff', 'staff.heading'],
      ];
      for (const [link, heading] of sections) {
        await nav.getByRole('link', { name: en[link], exact: true }).click();
        await page.getByRole('heading', { name: en[heading], exact: true }).waitFor();
        if (link === 'nav.customers') await page.locator('table.customers').waitFor();
        await noSidewaysScroll(en[heading]);
        await navInView();
        if (link === 'nav.customers') {
          const customer = page.locator('table.customers tbody tr a').first();
          const email = await customer.innerText();
          await customer.click();
          await page.getByRole('heading', { name: email }).waitFor();
          await noSidewaysScroll('a customer');
          await navInView();
        }
      }
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('states: a list filtered to nothing says so; a failing admin API shows an error with a retry that recovers', async () => {
    const { context, page, errors } = await signedIn();
    try {
      const nav = page.getByRole('navigation', { name: en['nav.label'] });
      // Empty: customers searched for no one, the audit log filtered to an action no one took.
      await nav.getByRole('link', { name: en['nav.customers'], exact: true }).click();
      await page.locator('table.customers').waitFor();
      await page.getByLabel(en['customers.search']).fill('nobody-at-all-zzz');
      await page.locator('main .empty').waitFor();
      assert.equal(await page.locator('main .empty').innerText(), en['app.empty']);
      assert.equal(await page.locator('table.customers').count(), 0, 'no blank table');
      await nav.getByRole('link', { name: en['nav.audit'], exact: true }).click();
      await page.getByLabel(en['audit.action']).fill('no.such.action');
      await page.getByRole('button', { name: en['audit.apply'] }).click();
      await page.locator('main .empty').waitFor();
      assert.equal(await page.locator('main .empty').innerText(), en['app.empty']);
      assert.equal(await page.locator('table.audit').count(), 0, 'no blank table');

      // Error: the audit log's read answers 500 until the route is lifted; the page says so and
      // offers a retry, the rest of the console keeps working, and the retry loads the entries.
      let failed = 0;
      const auditRead = (url: URL) => url.pathname.startsWith(ADMIN_API_PATH) && url.pathname.endsWith('/audit');
      await page.route(auditRead, async (route) => {
        failed++;
        await route.fulfill({ status: 500, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'simulated failure' }) });
      });
      await nav.getByRole('link', { name: en['nav.home'], exact: true }).click();
      await page.getByRole('heading', { name: en['home.heading'] }).waitFor();
      await nav.getByRole('link', { name: en['nav.audit'], exact: true }).click();
      const alert = page.locator('main [role="alert"]');
      await alert.waitFor();
      assert.ok(failed >= 1, 'the audit read was answered by the failure');
      assert.match(await alert.innerText(), new RegExp(en['app.error'].split('{')[0]!));
      assert.equal(await page.getByRole('heading', { name: en['audit.heading'] }).count(), 1, 'the page itself still stands');
      await page.unroute(auditRead);
      await alert.getByRole('button', { name: en['app.retry'] }).click();
      await page.locator('table.audit, main .empty').first().waitFor();
      assert.equal(await alert.count(), 0);
      assert.deepEqual(errors, [], 'no crash');
    } finally {
      await context.close();
    }
  });
});
