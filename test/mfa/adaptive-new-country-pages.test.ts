// Adaptive MFA's new-country signal on the hosted pages (GEOIP_DATABASE, ADR 0025's amendment): a
// browser behind a proxy (TRUST_PROXY=1, the client address in X-Forwarded-For) that signed in
// from DE is not asked there, is asked for the second factor from FR, and once a sign-in from FR
// completes, FR is familiar too. The GeoIP database is written here (test/helpers/mmdb-writer.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession, Page } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, createTenant, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { asksSecondFactor, enrolOnSignIn, submitSecondFactor, totpCode } from '../helpers/second-factor.ts';
import { writeMmdb } from '../helpers/mmdb-writer.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';

const CALLBACK = 'https://shop.example.test/callback';

describeEachEngine('adaptive MFA on the hosted pages: a sign-in from a new country', (current) => {
  let node: ListeningServer;
  before(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'foyer-geoip-'));
    const database = path.join(dir, 'countries.mmdb');
    writeFileSync(database, writeMmdb([
      { network: '203.0.113.0', prefixLength: 24, data: { country: { iso_code: 'DE' } } },
      { network: '198.51.100.0', prefixLength: 24, data: { country: { iso_code: 'FR' } } },
    ]));
    node = await startListeningServer(current().engine, { GEOIP_DATABASE: database, TRUST_PROXY: '1' });
  });
  after(async () => {
    await node?.stop();
  });

  test('the browser that signed in from DE is asked from FR, and not from DE; FR counts once a sign-in from it completed', async () => {
    const tenant = await createTenant(node.server, `geoip-pages-${process.pid}-${current().engine}`, { mfa: { policy: 'adaptive' } });
    const shop = await relyingParty(`${node.url}/t/${tenant.slug}`, await registerApplication(node.server, tenant.id, { name: 'Shop', kind: 'web', redirectUris: [CALLBACK] }));
    const email = uniqueEmail('geoip-pages');
    await createIdentityByOperator({ transaction: node.server.transaction, tenants: node.server.stores.tenants }, tenant.id, { traits: { email }, password: PASSWORD, verified: true }, { type: 'operator', id: 'test' });
    // The proxy's header, changed between sign-ins as the customer travels.
    const proxied = { 'x-forwarded-for': '203.0.113.5' };
    const browser = createBrowserSession({ headers: proxied });

    let secret = '';
    // The first sign-in's application asks for the MFA class (adaptive asks only customers who have a factor): the app is set up.
    await authorizationCodeFlow(shop, { redirectUri: CALLBACK, parameters: { acr_values: 'urn:foyer:acr:mfa' } }, async (url) => {
      const enrolment = await enrolOnSignIn(browser, await signIn(browser, url, email));
      secret = enrolment.secret;
      return back(await browser.submit(requireForm(enrolment.codesPage, isAction('/second-factor/continue'))));
    });
    const again = { redirectUri: CALLBACK, parameters: { prompt: 'login' } };
    const home = await authorizationCodeFlow(shop, again, async (url) => back(await signIn(browser, url, email)));
    assert.deepEqual(home.claims['amr'], ['pwd'], 'the known browser in a known country is not asked');

    proxied['x-forwarded-for'] = '198.51.100.7';
    const abroad = await authorizationCodeFlow(shop, again, async (url) => {
      const page = await signIn(browser, url, email);
      assert.ok(asksSecondFactor(page), `a new country is asked: ${textOf(page.html).slice(0, 200)}`);
      return back(await submitSecondFactor(browser, page, totpCode(secret, Date.now() + 30_000)));
    });
    assert.deepEqual([...(abroad.claims['amr'] as string[])].sort(), ['mfa', 'otp', 'pwd']);
    const settled = await authorizationCodeFlow(shop, again, async (url) => back(await signIn(browser, url, email)));
    assert.deepEqual(settled.claims['amr'], ['pwd'], 'FR is familiar once a sign-in from it completed');
  });
});

async function signIn(browser: BrowserSession, url: URL, email: string): Promise<Page> {
  return browser.submit(requireForm(await browser.open(url), isAction('/signin')), { email, password: PASSWORD });
}

function back(page: Page): URL {
  assert.ok(page.redirectedTo, `expected a redirect to the application, got ${page.status} at ${page.url.pathname}: ${textOf(page.html).slice(0, 300)}`);
  return page.redirectedTo;
}
