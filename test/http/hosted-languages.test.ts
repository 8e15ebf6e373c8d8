// Every hosted page and email speaks the customer's language: the switcher's choice, then the
// application's ui_locales, then the customer's locale, then the browser, then the tenant's default;
// Arabic pages are right-to-left.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm } from '../helpers/browser-session.ts';
import { createTenant, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { LOCALES } from '../../src/i18n/locales.ts';

const CALLBACK = 'https://shop.example.test/callback';
const PKCE = { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };

describeEachEngine('hosted pages in ten languages', (current) => {
  let node: ListeningServer;
  let rp: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    const app = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Shop', kind: 'web', firstParty: true, redirectUris: [CALLBACK] });
    rp = await relyingParty(node.url, app);
  });
  after(async () => {
    await node?.stop();
  });

  const authorize = (extra: Record<string, string> = {}) => client.buildAuthorizationUrl(rp, { redirect_uri: CALLBACK, scope: 'openid email', ...PKCE, ...extra });
  const langOf = (html: string) => /<html lang="([^"]+)" dir="([^"]+)"/.exec(html)?.slice(1, 3);

  test('the browser language chooses the page language; ui_locales outranks it', async () => {
    const german = await createBrowserSession({ acceptLanguage: 'de-AT,de;q=0.9,en;q=0.5' }).open(authorize());
    assert.deepEqual(langOf(german.html), ['de', 'ltr']);
    assert.match(german.html, /<label for="field-email">E-Mail<\/label>/);
    const japanese = await createBrowserSession({ acceptLanguage: 'de' }).open(authorize({ ui_locales: 'sv ja' }));
    assert.deepEqual(langOf(japanese.html), ['ja', 'ltr']);
    const unknown = await createBrowserSession({ acceptLanguage: 'sv' }).open(authorize());
    assert.deepEqual(langOf(unknown.html), ['en', 'ltr']);
  });

  test('the switcher on every page lists the ten languages; a choice sticks for the next pages', async () => {
    const session = createBrowserSession({ acceptLanguage: 'fr' });
    const page = await session.open(authorize());
    const links = [...page.html.matchAll(/<a href="([^"]+)" hreflang="([^"]+)"/g)].map((match) => match[2]);
    assert.deepEqual(links.toSorted(), LOCALES.filter((locale) => locale !== 'fr').toSorted());
    assert.match(page.html, /<span aria-current="true" lang="fr">Français<\/span>/);
    const arabicHref = /<a href="([^"]+)" hreflang="ar"/.exec(page.html)![1]!.replaceAll('&amp;', '&');
    const arabic = await session.open(new URL(arabicHref, page.url));
    assert.deepEqual(langOf(arabic.html), ['ar', 'rtl']);
    assert.match(arabic.html, /البريد الإلكتروني/);
    // The choice is remembered: the sign-up screen of a new request is Arabic too.
    const next = await session.open(authorize());
    assert.deepEqual(langOf(next.html), ['ar', 'rtl']);
  });

  test('a tenant default applies when nothing else says; a French sign-up gets French email and keeps French', async () => {
    const tenant = await createTenant(node.server, `langs-${process.pid}`, { defaultLocale: 'fr' });
    const app = await registerApplication(node.server, tenant.id, { name: 'Boutique', kind: 'web', firstParty: true, redirectUris: [CALLBACK] });
    const boutique = await relyingParty(`${node.url}/t/${tenant.slug}`, app);
    const session = createBrowserSession({ acceptLanguage: 'sv' });
    const signIn = await session.open(client.buildAuthorizationUrl(boutique, { redirect_uri: CALLBACK, scope: 'openid email', ...PKCE }));
    assert.deepEqual(langOf(signIn.html), ['fr', 'ltr']);
    const signUp = await session.open(`${signIn.url.origin}${signIn.url.pathname}?screen=signup`);
    const email = uniqueEmail('francais');
    const codePage = await session.submit(requireForm(signUp, isAction('/signup')), { email, password: PASSWORD });
    assert.deepEqual(langOf(codePage.html), ['fr', 'ltr']);
    const mail = await node.server.mailbox.next(email, 'verify_email');
    assert.equal(mail.locale, 'fr');
    assert.equal(mail.subject, 'Confirmez votre adresse e-mail pour Boutique'.replace('Boutique', tenant.name));
    assert.match(mail.html, /<html lang="fr" dir="ltr">/);
    const identity = await node.server.stores.identities.findByAddress(tenant.id, 'email', email);
    assert.equal(identity?.traits['locale'], 'fr', 'the language of sign-up becomes the customer\'s locale');
  });

  test('an Arabic email is right-to-left', async () => {
    const session = createBrowserSession({ acceptLanguage: 'ar' });
    const signIn = await session.open(authorize());
    const recovery = await session.open(`${signIn.url.origin}${signIn.url.pathname}?screen=recovery`);
    assert.deepEqual(langOf(recovery.html), ['ar', 'rtl']);
    const email = uniqueEmail('arabic');
    await node.server.stores.identities.create({ id: crypto.randomUUID(), tenantId: node.server.defaultTenant.id, traits: { email }, addresses: [{ kind: 'email', value: email }], credentials: [], now: Date.now() });
    await session.submit(requireForm(recovery, isAction('/recovery')), { email });
    const mail = await node.server.mailbox.next(email, 'recover_password');
    assert.equal(mail.locale, 'ar');
    assert.match(mail.html, /<html lang="ar" dir="rtl">/);
  });
});
