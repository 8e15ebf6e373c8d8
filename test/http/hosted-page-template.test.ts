// The sign-in page is rendered once per tenant, application and language and reused with each
// interaction's id and CSRF token spliced in; every hosted and protocol page allows its inline
// stylesheet by hash. Checked over HTTP against the running server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm } from '../helpers/browser-session.ts';
import type { Page } from '../helpers/browser-session.ts';
import { PASSWORD, pkcePair, registerApplication, uniqueEmail } from '../helpers/oidc-clients.ts';

const CALLBACK = 'https://w.example.test/cb';

describeEachEngine('hosted page templates', (current) => {
  let node: ListeningServer;
  let shopId: string;
  let forumId: string;
  before(async () => {
    node = await startListeningServer(current().engine);
    const tenantId = node.server.defaultTenant.id;
    shopId = (await registerApplication(node.server, tenantId, { name: 'Shop', kind: 'web', redirectUris: [CALLBACK] })).application.id;
    forumId = (await registerApplication(node.server, tenantId, { name: 'Forum', kind: 'web', redirectUris: [CALLBACK] })).application.id;
  });
  after(async () => {
    await node?.stop();
  });

  /** The sign-in page of a new interaction in a fresh browser, with its id and CSRF token. */
  async function signInPage(clientId: string, extra: Record<string, string> = {}): Promise<{ page: Page; uid: string; csrf: string }> {
    const { challenge } = await pkcePair();
    const query = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: CALLBACK, code_challenge: challenge, code_challenge_method: 'S256', ...extra });
    const page = await createBrowserSession().open(`${node.url}/auth?${query}`);
    const form = requireForm(page, isAction('/signin'));
    const uid = /\/interaction\/([^/]+)\/signin$/.exec(form.action.pathname)?.[1];
    assert.ok(uid, form.action.href);
    return { page, uid, csrf: form.fields['csrf_token']! };
  }

  test('two interactions get the same page but for their own id, CSRF token and passkey challenge, everywhere they appear', async () => {
    const first = await signInPage(shopId);
    const second = await signInPage(shopId);
    assert.notEqual(first.uid, second.uid);
    assert.notEqual(first.csrf, second.csrf);
    assert.doesNotMatch(first.page.html + second.page.html, /foyerSlot/);
    // Form action, hidden flow id, sign-up and recovery links, and every language link.
    const uses = first.page.html.split(first.uid).length - 1;
    assert.ok(uses >= 4 + 9, `the interaction id appears ${uses} times`);
    assert.match(first.page.html, new RegExp(`name="flow" value="${first.uid}\\.login"`));
    assert.match(first.page.html, new RegExp(`href="/interaction/${first.uid}\\?screen=signup"`));
    assert.match(first.page.html, new RegExp(`href="/interaction/${first.uid}\\?lang=fr"`));
    const challengeOf = (html: string) => /data-challenge="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.notEqual(challengeOf(first.page.html), challengeOf(second.page.html));
    assert.equal(second.page.html, first.page.html.replaceAll(first.uid, second.uid).replaceAll(first.csrf, second.csrf).replaceAll(challengeOf(first.page.html), challengeOf(second.page.html)));
    assert.match(first.page.html, /<h1>Sign in to Shop<\/h1>/);
  });

  test('what is not the same for everyone is not reused: the application, the language, a login hint', async () => {
    const shop = await signInPage(shopId);
    const forum = await signInPage(forumId);
    assert.match(shop.page.html, /<h1>Sign in to Shop<\/h1>/);
    assert.doesNotMatch(shop.page.html, /Forum/);
    assert.match(forum.page.html, /<h1>Sign in to Forum<\/h1>/);
    assert.doesNotMatch(forum.page.html, /Shop/);

    const french = await signInPage(shopId, { ui_locales: 'fr' });
    assert.match(french.page.html, /<html lang="fr"/);
    assert.match((await signInPage(shopId)).page.html, /<html lang="en"/);

    const hinted = await signInPage(shopId, { login_hint: 'ada@example.test' });
    assert.match(hinted.page.html, /value="ada@example\.test"/);
    assert.doesNotMatch((await signInPage(shopId)).page.html, /ada@example\.test/);
  });

  test('every page allows its inline stylesheet by its hash, and no other', async () => {
    const { page } = await signInPage(shopId);
    // A protocol error page, rendered by oidc-provider in the same layout.
    const protocolError = await createBrowserSession().open(`${node.url}/auth?client_id=nobody&response_type=code&scope=openid`);
    assert.equal(protocolError.status, 400);
    // A wide page (the account portal) has the portal's rules too, under its own hash.
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const portal = await browser.drive(await browser.open(`${node.url}/account`), { credentials: { email: uniqueEmail('styles'), password: PASSWORD }, signUp: true });
    assert.equal(portal.url.pathname, '/account');
    assert.match(portal.html, /nav\.account ul\{/);
    assert.doesNotMatch(page.html, /nav\.account/, 'the sign-in page does without the portal\'s rules');
    for (const shown of [page, protocolError, portal]) {
      const style = /<style>([\s\S]*?)<\/style>/.exec(shown.html)?.[1];
      assert.ok(style, 'the page has its stylesheet inline');
      const csp = shown.headers?.get('content-security-policy') ?? '';
      const hash = `'sha256-${createHash('sha256').update(style).digest('base64')}'`;
      assert.match(csp, new RegExp(`(^|; )style-src ${hash.replace(/[+/]/g, '\\$&')}(;|$)`), csp);
      assert.doesNotMatch(shown.html, /nonce=/);
    }
  });
});
