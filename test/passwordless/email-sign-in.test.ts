// Sign-in without a password by an emailed code or link (ADR 0031), through HTTP on both engines:
// the hosted pages with openid-client as the application (code, link in the same browser, link in
// another browser), the JSON flows API, the same answer for an address nobody owns, the code-entry
// throttle, and what the ID token and the session say (amr otp, the email class).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm, findForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession, Page } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, createTenant, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { codeIn, linkIn } from '../helpers/mailbox.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';

const CALLBACK = 'https://shop.example.test/callback';
const EMAIL_ACR = 'urn:foyer:acr:email';

describeEachEngine('sign-in by an emailed code or link', (current) => {
  let node: ListeningServer;
  let tenant: Tenant;
  let issuer: string;
  let rp: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    tenant = await createTenant(node.server, `pwl-${process.pid}-${current().engine}`);
    issuer = `${node.url}/t/${tenant.slug}`;
    rp = await relyingParty(issuer, await registerApplication(node.server, tenant.id, { name: 'Shop', kind: 'web', redirectUris: [CALLBACK] }));
  });
  after(async () => {
    await node?.stop();
  });

  async function customer(label: string, options: { verified?: boolean } = {}) {
    const email = uniqueEmail(label);
    const identity = await createIdentityByOperator({ transaction: node.server.transaction, tenants: node.server.stores.tenants }, tenant.id, { traits: { email }, password: PASSWORD, verified: options.verified ?? true }, { type: 'operator', id: 'test' });
    return { email, id: identity.id };
  }

  /** From the sign-in page: "Email me a sign-in code instead", then the address. Answers the code page. */
  async function askForCode(browser: BrowserSession, url: URL, email: string): Promise<Page> {
    const signIn = await browser.open(url);
    const link = /href="([^"]*\?screen=email-code)"/.exec(signIn.html);
    assert.ok(link, 'the sign-in page offers an emailed code');
    const emailPage = await browser.open(new URL(link[1]!.replace(/&amp;/g, '&'), signIn.url));
    assert.match(textOf(emailPage.html), /without a password/);
    return browser.submit(requireForm(emailPage, isAction('/email-code')), { email });
  }

  test('hosted: the emailed code signs in; the ID token says otp and the email class; the audit log has it', async () => {
    const { email, id } = await customer('code');
    const browser = createBrowserSession();
    const seen = await node.server.mailbox.lastId(email);
    const { claims } = await authorizationCodeFlow(rp, { redirectUri: CALLBACK }, async (url) => {
      const codePage = await askForCode(browser, url, email);
      assert.equal(codePage.status, 200);
      assert.match(textOf(codePage.html), new RegExp(`If ${email.replace('.', '\\.')} belongs to an account`));
      const mail = await node.server.mailbox.next(email, 'sign_in_code', seen);
      assert.match(mail.subject, /sign-in code/);
      const form = requireForm(codePage, isAction('/email-code/verify'));
      const wrong = await browser.submit(form, { code: codeIn(mail) === '000000' ? '111111' : '000000' });
      assert.equal(wrong.status, 400);
      const page = await browser.submit(requireForm(wrong, isAction('/email-code/verify')), { code: codeIn(mail) });
      assert.ok(page.redirectedTo, `signed in: ${page.status} ${textOf(page.html).slice(0, 200)}`);
      // The code works once.
      const again = await browser.submit(form, { code: codeIn(mail) });
      assert.notEqual(again.redirectedTo?.origin, new URL(CALLBACK).origin);
      return page.redirectedTo!;
    });
    assert.equal(claims.sub, id);
    assert.equal(claims['acr'], EMAIL_ACR);
    assert.deepEqual(claims['amr'], ['otp']);
    const entries = await node.server.stores.audit.listForIdentity(tenant.id, id, { limit: 20 });
    assert.ok(entries.some((entry) => entry.action === 'signin.code_sent'));
    assert.ok(entries.some((entry) => entry.action === 'signin.failed' && entry.details?.['method'] === 'email_code'));
    assert.ok(entries.some((entry) => entry.action === 'signin.succeeded' && entry.details?.['method'] === 'email_code'));
  });

  test('hosted: the link opened in the browser that asked signs in; in another browser it signs nobody in and stays unused', async () => {
    const { email } = await customer('link', { verified: false });
    const browser = createBrowserSession();
    const seen = await node.server.mailbox.lastId(email);
    const { claims } = await authorizationCodeFlow(rp, { redirectUri: CALLBACK }, async (url) => {
      await askForCode(browser, url, email);
      const link = linkIn(await node.server.mailbox.next(email, 'sign_in_code', seen));
      assert.equal(link.pathname, `/t/${tenant.slug}/signin-link`);
      // A mail scanner or a forwarded copy: another browser.
      const elsewhere = createBrowserSession();
      const other = await elsewhere.open(link);
      assert.equal(other.status, 200);
      assert.match(textOf(other.html), /works only in the browser where you asked for it/);
      assert.equal(findForm(other, isAction('/signin-link')), undefined);
      const forged = await elsewhere.open(link, { method: 'POST', body: new URLSearchParams({ flow: link.searchParams.get('flow')!, token: link.searchParams.get('token')! }) });
      assert.equal(forged.redirectedTo, undefined);
      // The browser that asked: a button continues (opening alone changes nothing).
      const confirm = await browser.open(link);
      assert.match(textOf(confirm.html), /Continue signing in/);
      const page = await browser.submit(requireForm(confirm, isAction('/signin-link')));
      assert.ok(page.redirectedTo, `signed in: ${page.status} ${textOf(page.html).slice(0, 200)}`);
      // Used: the same link again is refused.
      const reused = await browser.open(link);
      assert.equal(reused.status, 400);
      return page.redirectedTo!;
    });
    assert.equal(claims['acr'], EMAIL_ACR);
    assert.deepEqual(claims['amr'], ['otp']);
    const identity = await node.server.stores.identities.findByAddress(tenant.id, 'email', email);
    assert.ok(identity?.addresses.find((address) => address.value === email)?.verifiedAt, 'the inbox proved itself: the address is verified');
  });

  test('hosted: an address nobody owns gets the same page, and no email', async () => {
    const known = await customer('known');
    const unknown = uniqueEmail('nobody');
    const pages: Page[] = [];
    for (const email of [known.email, unknown]) {
      const browser = createBrowserSession();
      await authorizationCodeFlow(rp, { redirectUri: CALLBACK }, async (url) => {
        pages.push(await askForCode(browser, url, email));
        return new URL(`${CALLBACK}?error=access_denied`);
      }).catch(() => undefined);
    }
    const [a, b] = pages.map((page) => ({ status: page.status, text: textOf(page.html).replace(known.email, 'X').replace(unknown, 'X'), forms: [...page.html.matchAll(/action="([^"]+)"/g)].map((match) => match[1]!.replace(/interaction\/[^/]+/, 'interaction/UID')) }));
    assert.deepEqual(a, b);
    // Delivery is after commit: once the known address's email is out, the other would be too.
    await node.server.mailbox.next(known.email, 'sign_in_code');
    assert.equal((await node.server.mailbox.to(unknown)).length, 0);
  });

  test('hosted: code entry is throttled: after five wrong codes even the right one waits', async () => {
    const { email } = await customer('throttle');
    const browser = createBrowserSession();
    const seen = await node.server.mailbox.lastId(email);
    const url = new URL(`${issuer}/auth?${new URLSearchParams({ client_id: rp.clientMetadata().client_id, response_type: 'code', redirect_uri: CALLBACK, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`);
    let page = await askForCode(browser, url, email);
    const code = codeIn(await node.server.mailbox.next(email, 'sign_in_code', seen));
    for (let attempt = 0; attempt < 5; attempt += 1) {
      page = await browser.submit(requireForm(page, isAction('/email-code/verify')), { code: String((Number(code) + attempt + 1) % 1_000_000).padStart(6, '0') });
      assert.equal(page.status, 400, `attempt ${attempt + 1}`);
    }
    page = await browser.submit(requireForm(page, isAction('/email-code/verify')), { code });
    assert.equal(page.status, 429);
    assert.ok(Number(page.headers?.get('retry-after')) > 0);
  });

  test('flows API: an emailed code gives a session whose amr is otp; an unknown address gets the same answer', async () => {
    const { email, id } = await customer('api');
    const base = `${issuer}/flows/login`;
    const start = async () => (await (await fetch(base, { method: 'POST' })).json()) as { id: string; ui: { alternatives?: { method: string; action: string; fields: { name: string }[] }[] } };
    const created = await start();
    const alternative = created.ui.alternatives?.find((candidate) => candidate.method === 'email_code');
    assert.ok(alternative, 'the login flow offers the emailed code');
    assert.deepEqual(alternative.fields.map((field) => field.name), ['identifier']);
    const seen = await node.server.mailbox.lastId(email);
    const send = (action: string, identifier: string) => fetch(action, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier }) });
    const sent = await send(alternative.action, email);
    assert.equal(sent.status, 200);
    const view = (await sent.json()) as { id: string; sent_to: string; ui: { action: string; resend: string; fields: { name: string }[] } };
    const other = await start();
    const nobody = uniqueEmail('api-nobody');
    const unknownSent = await send(other.ui.alternatives![0]!.action, nobody);
    const unknownView = (await unknownSent.json()) as typeof view;
    assert.equal(unknownSent.status, sent.status);
    assert.deepEqual(Object.keys(unknownView).sort(), Object.keys(view).sort());
    assert.deepEqual(unknownView.ui.fields, view.ui.fields);
    assert.equal(unknownView.sent_to, nobody);
    assert.equal(view.ui.action, `${base}/${created.id}/code`);
    const mail = await node.server.mailbox.next(email, 'sign_in_code', seen);
    const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const wrongForNobody = await post(unknownView.ui.action, { code: codeIn(mail) });
    assert.equal(wrongForNobody.status, 400, 'a code for another address never matches');
    const signedIn = await post(view.ui.action, { code: codeIn(mail) });
    assert.equal(signedIn.status, 200);
    const body = (await signedIn.json()) as { session: { amr: string[]; token: string }; identity: { id: string }; device_token?: string };
    assert.deepEqual(body.session.amr, ['otp']);
    assert.equal(body.identity.id, id);
    assert.equal(typeof body.device_token, 'string');
    const replay = await post(view.ui.action, { code: codeIn(mail) });
    assert.equal(replay.status, 409, 'the flow is complete');
  });

  test('flows API: wrong codes are throttled (429 with Retry-After); a tenant that turns it off answers 404 and offers nothing', async () => {
    const { email } = await customer('api-throttle');
    const created = (await (await fetch(`${issuer}/flows/login`, { method: 'POST' })).json()) as { id: string };
    const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post(`${issuer}/flows/login/${created.id}/email`, { identifier: email })).status, 200);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) statuses.push((await post(`${issuer}/flows/login/${created.id}/code`, { code: String(100000 + attempt) })).status);
    assert.deepEqual(statuses.slice(0, 5), [400, 400, 400, 400, 400]);
    const throttled = await post(`${issuer}/flows/login/${created.id}/code`, { code: '123456' });
    assert.equal(throttled.status, 429);
    assert.ok(Number(throttled.headers.get('retry-after')) > 0);

    const closed = await createTenant(node.server, `pwl-off-${process.pid}-${current().engine}`, { passwordless: { email: false } });
    const closedIssuer = `${node.url}/t/${closed.slug}`;
    const flow = (await (await fetch(`${closedIssuer}/flows/login`, { method: 'POST' })).json()) as { id: string; ui: Record<string, unknown> };
    // Only the passkey is offered instead of the password (ADR 0036).
    assert.deepEqual(((flow.ui['alternatives'] ?? []) as { method: string }[]).map((alternative) => alternative.method), ['passkey']);
    const refused = await post(`${closedIssuer}/flows/login/${flow.id}/email`, { identifier: email });
    assert.equal(refused.status, 404);
    assert.equal(((await refused.json()) as { code: string }).code, 'signin.method_unavailable');
  });
});
