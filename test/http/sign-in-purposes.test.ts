// A required purpose whose version went up is asked again at the next sign-in, before the
// application is reached, on both engines: on the hosted pages after a password sign-in and through
// single sign-on (oidc-provider's login prompt, oidc/purposes-check.ts), refused until ticked,
// recorded as `signin_page` with the application, declined as access_denied, prompt=none answered
// interaction_required, and not asked by the account portal; and through the JSON flows API, where
// the sign-in answers a `purposes` flow instead of a session until the purposes are accepted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, registerApplication, relyingParty, SYSTEM_ACTOR, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';
import { createCustomer } from '../helpers/client-library-app.ts';
import { createPurpose, updatePurpose } from '../../src/domain/privacy/purposes.service.ts';
import { changeConsents } from '../../src/domain/privacy/ledger.ts';

const CALLBACK = 'https://web.example.test/callback';

describeEachEngine('required purposes asked again at sign-in', (current) => {
  let node: ListeningServer;
  let web: RegisteredApplication;
  let rp: client.Configuration;
  let version = 1;

  before(async () => {
    node = await startListeningServer(current().engine);
    web = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Web', kind: 'web', firstParty: true, redirectUris: [CALLBACK] });
    rp = await relyingParty(node.url, web);
    await createPurpose({ transaction: node.server.transaction }, node.server.defaultTenant, { id: 'terms', kind: 'required', legalBasis: 'contract', texts: { en: { name: 'Terms', description: 'Version 1.' } } }, SYSTEM_ACTOR);
  });
  after(() => node?.stop());

  const tenantId = () => node.server.defaultTenant.id;

  async function customerWithTerms(label: string): Promise<{ email: string; id: string }> {
    const email = uniqueEmail(label);
    await createCustomer(node.server, { email, password: PASSWORD, name: label });
    const identity = (await node.server.stores.identities.findByAddress(tenantId(), 'email', email))!;
    await changeConsents({ transaction: node.server.transaction }, node.server.defaultTenant, identity.id, [{ purposeId: 'terms', granted: true }], { locale: 'en', context: { method: 'import', gpc: false } });
    return { email, id: identity.id };
  }

  async function raiseVersion(): Promise<number> {
    version += 1;
    await updatePurpose({ transaction: node.server.transaction }, node.server.defaultTenant, 'terms', { version, texts: { en: { name: 'Terms', description: `Version ${version}.` } } }, SYSTEM_ACTOR);
    return version;
  }

  function authorizationUrl(parameters: Record<string, string> = {}): URL {
    return client.buildAuthorizationUrl(rp, { redirect_uri: CALLBACK, scope: 'openid email', state: client.randomState(), ...parameters });
  }

  test('after a password sign-in: the new version is asked, refused until ticked, recorded, and the application is reached', async () => {
    const customer = await customerWithTerms('renew');
    const browser = createBrowserSession({ headers: { 'user-agent': 'renew-test' } });
    // Granted at the current version: straight through.
    await authorizationCodeFlow(rp, { redirectUri: CALLBACK }, (url) => browser.signInAndAuthorize(url, { email: customer.email, password: PASSWORD }));

    const current = await raiseVersion();
    const other = createBrowserSession({ headers: { 'user-agent': 'renew-test' } });
    const { claims } = await authorizationCodeFlow(rp, { redirectUri: CALLBACK }, async (url) => {
      const page = await other.drive(await other.open(url), { credentials: { email: customer.email, password: PASSWORD } });
      assert.equal(page.status, 200, textOf(page.html).slice(0, 300));
      assert.match(page.html, /<h1>Please review what changed<\/h1>/);
      assert.match(page.html, new RegExp(`name="consents\\.terms" type="checkbox" value="${current}" aria-describedby`));
      assert.match(page.html, new RegExp(`Version ${current}\\.`));
      const form = requireForm(page, isAction('/purposes'));
      const refused = await other.submit(form);
      assert.equal(refused.status, 400);
      assert.match(refused.html, /Please accept Terms to continue\./);
      const done = await other.submit(requireForm(refused, isAction('/purposes')), { 'consents.terms': String(current) });
      assert.ok(done.redirectedTo, textOf(done.html).slice(0, 300));
      return done.redirectedTo;
    });
    assert.equal(claims.sub, customer.id);
    const records = await node.server.stores.consentLedger.listForIdentity(tenantId(), customer.id);
    const last = records.at(-1)!;
    assert.deepEqual([last.purposeId, last.version, last.action, last.method, last.clientId, last.userAgent], ['terms', current, 'granted', 'signin_page', web.application.id, 'renew-test']);
    // Accepted once: the next authorization goes straight through.
    await authorizationCodeFlow(rp, { redirectUri: CALLBACK }, (url) => other.authorize(url));
  });

  test('through single sign-on: asked before the application; declined, the application gets access_denied; prompt=none gets interaction_required', async () => {
    const customer = await customerWithTerms('sso');
    const browser: BrowserSession = createBrowserSession();
    await authorizationCodeFlow(rp, { redirectUri: CALLBACK }, (url) => browser.signInAndAuthorize(url, { email: customer.email, password: PASSWORD }));
    await raiseVersion();

    const silent = await browser.open(authorizationUrl({ prompt: 'none' }));
    assert.equal(silent.redirectedTo?.searchParams.get('error'), 'interaction_required');

    const page = await browser.open(authorizationUrl());
    assert.ok(findForm(page, isAction('/purposes')), textOf(page.html).slice(0, 300));
    assert.equal(findForm(page, isAction('/signin')), undefined);
    const declined = await browser.submit(requireForm(page, isAction('/purposes/decline')));
    assert.equal(declined.redirectedTo?.searchParams.get('error'), 'access_denied');

    // The account portal is not an application the terms gate: the customer can still reach their data.
    const portal = await browser.open(`${node.url}/account`);
    assert.equal(portal.status, 200);
    assert.equal(findForm(portal, isAction('/purposes')), undefined);
    assert.match(portal.html, /Sign out/);
  });

  test('the flows API answers a purposes flow instead of a session until the new version is accepted', async () => {
    const customer = await customerWithTerms('api');
    const current = await raiseVersion();
    const post = (url: string, body?: unknown) => fetch(url, { method: 'POST', headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const created = (await (await post(`${node.url}/flows/login`)).json()) as { ui: { action: string } };
    const signedIn = await post(created.ui.action, { identifier: customer.email, password: PASSWORD });
    assert.equal(signedIn.status, 200);
    const step = (await signedIn.json()) as { flow: { id: string; type: string; state: string; ui: { action: string; fields: { name: string; required: boolean; version: number }[] } }; session?: unknown };
    assert.equal(step.session, undefined);
    assert.equal(step.flow.type, 'purposes');
    assert.equal(step.flow.ui.action, `${node.url}/flows/purposes/${step.flow.id}`);
    assert.deepEqual(step.flow.ui.fields.map((field) => [field.name, field.required, field.version]), [['consents.terms', true, current]]);
    const read = (await (await fetch(`${node.url}/flows/${step.flow.id}`)).json()) as { ui: { fields: { name: string }[] } };
    assert.deepEqual(read.ui.fields.map((field) => field.name), ['consents.terms']);

    const refused = await post(step.flow.ui.action, { consents: { terms: false } });
    assert.equal(refused.status, 400);
    assert.deepEqual(((await refused.json()) as { errors: { field: string; code: string }[] }).errors.map((error) => [error.field, error.code]), [['consents.terms', 'consent.required']]);

    const accepted = await post(step.flow.ui.action, { consents: { terms: true } });
    assert.equal(accepted.status, 200);
    const body = (await accepted.json()) as { session: { token: string }; identity: { id: string } };
    assert.equal(body.identity.id, customer.id);
    const whoami = await fetch(`${node.url}/sessions/whoami`, { headers: { authorization: `Bearer ${body.session.token}` } });
    assert.equal(whoami.status, 200);
    const last = (await node.server.stores.consentLedger.listForIdentity(tenantId(), customer.id)).at(-1)!;
    assert.deepEqual([last.version, last.method, last.action], [current, 'flows_api', 'granted']);
    assert.equal((await post(step.flow.ui.action, { consents: { terms: true } })).status, 409);
  });

  test('the flows API: a customer who declines the new version ends the step with consent.declined (403 problem+json), gets no session, and is asked again next time', async () => {
    const customer = await customerWithTerms('api-decline');
    const current = await raiseVersion();
    const post = (url: string, body?: unknown, headers: Record<string, string> = {}) => fetch(url, { method: 'POST', headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const signIn = async () => {
      const created = (await (await post(`${node.url}/flows/login`)).json()) as { ui: { action: string } };
      const signedIn = await post(created.ui.action, { identifier: customer.email, password: PASSWORD });
      assert.equal(signedIn.status, 200);
      return ((await signedIn.json()) as { flow: { id: string; type: string; ui: { action: string; decline: string } } }).flow;
    };
    const step = await signIn();
    assert.equal(step.type, 'purposes');
    assert.equal(step.ui.decline, `${node.url}/flows/purposes/${step.id}/decline`, 'the step says where to decline');

    const declined = await post(step.ui.decline);
    assert.equal(declined.status, 403);
    assert.match(declined.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const problem = (await declined.json()) as { code: string; status: number; detail: string };
    assert.deepEqual([problem.code, problem.status], ['consent.declined', 403]);
    assert.match(problem.detail, /no session is issued/);
    // The step is over: no session can come of it, neither by accepting now nor by declining again.
    const read = (await (await fetch(`${node.url}/flows/${step.id}`)).json()) as { state: string; ui: unknown };
    assert.deepEqual([read.state, read.ui], ['complete', null]);
    assert.equal((await post(step.ui.action, { consents: { terms: true } })).status, 409);
    assert.equal((await post(step.ui.decline)).status, 409);
    assert.equal((await node.server.stores.consentLedger.listForIdentity(tenantId(), customer.id)).at(-1)!.version, current - 1, 'nothing recorded: the earlier grant stands');
    assert.equal((await signIn()).type, 'purposes', 'the next sign-in asks again');
    assert.equal((await post(`${node.url}/flows/purposes/not-a-flow/decline`)).status, 404);
  });
});
