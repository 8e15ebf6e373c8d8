// Sign-in through a SAML 2.0 connection (ADR 0035), against a real IdP on loopback
// (test/helpers/saml-idp.ts: its own key, signed assertions, optional encryption) and through the
// hosted pages: the connection made from the IdP's metadata by the admin API (URL and document),
// the service provider's metadata, a signed AuthnRequest over HTTP-Redirect, sign-up and sign-in
// again by the NameID with `amr` fed and mapped traits, an encrypted assertion; then every refusal
// the ACS owes (SECURITY.md 33): a tampered signature, an unsigned assertion, a wrong audience, an
// expired assertion, a wrong or missing InResponseTo, a wrong Recipient, Destination or Issuer, a
// replayed Response and a reused assertion ID. Each refusal is a friendly page, audited, signing
// nobody in.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { callAdmin, machineToken } from '../helpers/admin.ts';
import { postAnswer, startSamlIdp } from '../helpers/saml-idp.ts';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import type { ResponseOptions, SamlAccount, SamlIdp } from '../helpers/saml-idp.ts';

const WEB_CALLBACK = 'https://web.example.test/callback';
const NATIVE_CALLBACK = 'com.example.app:/saml';

describeEachEngine('sign-in through a SAML connection', (current) => {
  let node: ListeningServer;
  let idp: SamlIdp;
  let rp: client.Configuration;
  let token: string;
  let spCertificate: string;

  before(async () => {
    node = await startListeningServer(current().engine);
    idp = await startSamlIdp();
    rp = await relyingParty(node.url, await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Web', kind: 'web', redirectUris: [WEB_CALLBACK] }));
    token = await machineToken(node.server, ['tenants:read', 'tenants:write']);
    const created = await callAdmin(node.server, token, 'POST', '/tenants/default/connections', {
      body: { id: 'acme-saml', kind: 'saml', display_name: 'Acme SSO', saml: { metadata_url: idp.metadataUrl }, trust_email_verified: true, mapping: { given_name: 'firstName' } },
    });
    assert.equal(created.statusCode, 201, created.body);
    spCertificate = created.json().saml.sp_certificate;
  });
  after(async () => {
    await node?.stop();
    await idp?.stop();
  });

  /** Opens the application's authorization and clicks the SAML button: the IdP's URL with the AuthnRequest. */
  async function toIdp(browser: BrowserSession): Promise<URL> {
    const start = await browser.open(client.buildAuthorizationUrl(rp, { redirect_uri: WEB_CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' }));
    assert.match(start.html, /<button type="submit" name="connection" value="acme-saml"[^>]*>Continue with Acme SSO<\/button>/);
    const out = await browser.submit(requireForm(start, isAction('/federation')), { connection: 'acme-saml' });
    assert.ok(out.redirectedTo, `expected a redirect to the IdP, got ${out.status}: ${textOf(out.html).slice(0, 200)}`);
    return out.redirectedTo;
  }

  /** The whole journey, answered by the IdP as `account` with `options`; the page it ends on (a redirect to the application when it succeeded). */
  async function journey(account: SamlAccount, options: ResponseOptions = {}, browser = createBrowserSession()) {
    const answer = await idp.answer(await toIdp(browser), account, options);
    const page = await browser.drive(await postAnswer(browser, answer), { consent: true });
    return { page, answer, browser };
  }

  async function failures(): Promise<string[]> {
    const rows = await node.server.stores.audit.list(node.server.defaultTenant.id, { targetId: 'acme-saml', limit: 100 });
    return rows.filter((event) => event.action === 'signin.failed').map((event) => String(event.details?.['reason']));
  }

  const account = (label: string, email = uniqueEmail(label)): SamlAccount => ({ nameId: `${label}-${Math.random().toString(36).slice(2)}`, attributes: { email, firstName: 'Sam', groups: ['a', 'b'] } });

  test('the admin API reads the IdP metadata (URL and document) and answers the service provider; its metadata names the entity id, the ACS and its certificate', async () => {
    const connection = (await callAdmin(node.server, token, 'GET', '/tenants/default/connections/acme-saml')).json();
    assert.equal(connection.saml.idp_entity_id, idp.entityId);
    assert.equal(connection.saml.sso_url, new URL('/sso', idp.metadataUrl).href);
    assert.equal(connection.saml.sp_entity_id, `${node.url}/federation/saml/acme-saml`);
    assert.equal(connection.saml.acs_url, `${node.url}/federation/saml/acme-saml/acs`);
    assert.equal(connection.saml.signing_certificates, 1);
    const metadata = await fetch(connection.saml.sp_metadata_url);
    assert.equal(metadata.status, 200);
    assert.match(metadata.headers.get('content-type') ?? '', /^application\/samlmetadata\+xml/);
    const xml = await metadata.text();
    assert.match(xml, new RegExp(`entityID="${connection.saml.sp_entity_id}"`));
    assert.match(xml, new RegExp(`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${connection.saml.acs_url}"`));
    assert.match(xml, /<KeyDescriptor use="encryption">/);
    assert.match(xml, /<KeyDescriptor use="signing">/);
    assert.ok(xml.includes(spCertificate.replace(/-----[^-]+-----|\s/g, '').slice(0, 60)), 'the published certificate is the connection’s');
    // The private key is sealed apart, never answered: at rest it opens only with the master secret, for this connection.
    assert.doesNotMatch(JSON.stringify(connection), /PRIVATE KEY/);
    const sealed = await node.server.stores.connections.sealedSpKey(node.server.defaultTenant.id, 'acme-saml');
    assert.ok(sealed && !sealed.includes('PRIVATE KEY'));
    assert.match(createSecretBox(TEST_MASTER_SECRET).open(sealed, `saml-sp-key:${node.server.defaultTenant.id}:acme-saml`), /^-----BEGIN PRIVATE KEY-----/);
    assert.throws(() => createSecretBox(TEST_MASTER_SECRET).open(sealed, `saml-sp-key:${node.server.defaultTenant.id}:acme-file`));

    const fromDocument = await callAdmin(node.server, token, 'POST', '/tenants/default/connections', { body: { id: 'acme-file', kind: 'saml', display_name: 'Acme file', saml: { metadata_xml: idp.metadataXml }, enabled: false } });
    assert.equal(fromDocument.statusCode, 201, fromDocument.body);
    assert.equal(fromDocument.json().saml.idp_entity_id, idp.entityId);
    const broken = await callAdmin(node.server, token, 'POST', '/tenants/default/connections', { body: { id: 'acme-broken', kind: 'saml', display_name: 'Broken', saml: { metadata_xml: '<EntityDescriptor/>' } } });
    assert.equal(broken.statusCode, 400);
    assert.match(broken.body, /saml\.metadata_xml/);
    const notWeb = await callAdmin(node.server, token, 'POST', '/tenants/default/connections', { body: { id: 'acme-file-url', kind: 'saml', display_name: 'File', saml: { metadata_url: 'file:///etc/passwd' } } });
    assert.equal(notWeb.statusCode, 400);
    assert.match(notWeb.body, /saml\.metadata_url/);
    const none = await callAdmin(node.server, token, 'POST', '/tenants/default/connections', { body: { id: 'acme-none', kind: 'saml', display_name: 'None' } });
    assert.equal(none.statusCode, 400);
    assert.equal((await fetch(`${node.url}/federation/saml/acme-none/metadata`)).status, 404);
  });

  test('a signed AuthnRequest goes by HTTP-Redirect; a signed assertion signs up, then signs in again by the NameID; amr fed; traits mapped; the email trusted as verified', async () => {
    const email = uniqueEmail('saml-new');
    const ann = { nameId: 'ann-persistent-1', attributes: { email, firstName: 'Ann', groups: ['x'] } };
    const browser = createBrowserSession();
    const idpUrl = await toIdp(browser);
    const request = idp.readRequest(idpUrl);
    assert.equal(idpUrl.origin + idpUrl.pathname, new URL('/sso', idp.metadataUrl).href);
    assert.ok(request.signed, 'the AuthnRequest is signed');
    assert.equal(idpUrl.searchParams.get('SigAlg'), 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    assert.equal(request.acsUrl, `${node.url}/federation/saml/acme-saml/acs`);
    assert.equal(request.issuer, `${node.url}/federation/saml/acme-saml`);
    assert.ok(request.relayState.length >= 40);

    const signedUp = await authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK, scope: 'openid' }, async (url) => {
      const session = createBrowserSession();
      const start = await session.open(url);
      const out = await session.submit(requireForm(start, isAction('/federation')), { connection: 'acme-saml' });
      const page = await session.drive(await postAnswer(session, await idp.answer(out.redirectedTo!, { ...ann, nameId: 'ann-persistent-2' })), { consent: true });
      return page.redirectedTo ?? assert.fail(`no redirect: ${page.status} ${textOf(page.html).slice(0, 300)}`);
    });
    assert.deepEqual(signedUp.claims['amr'], ['fed']);
    const identity = await node.server.stores.identities.findById(node.server.defaultTenant.id, signedUp.claims.sub);
    assert.equal(identity?.traits['email'], email);
    assert.equal(identity?.traits['given_name'], 'Ann');
    assert.ok(identity?.addresses.some((address) => address.value === email && address.verifiedAt !== null));
    const credentials = await node.server.stores.identities.listCredentials(node.server.defaultTenant.id, signedUp.claims.sub);
    assert.deepEqual(credentials.map((credential) => [credential.type, credential.identifiers]), [['federated', ['acme-saml:ann-persistent-2']]]);

    const again = await authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK, scope: 'openid' }, async (url) => {
      const session = createBrowserSession();
      const out = await session.submit(requireForm(await session.open(url), isAction('/federation')), { connection: 'acme-saml' });
      const page = await session.drive(await postAnswer(session, await idp.answer(out.redirectedTo!, { ...ann, nameId: 'ann-persistent-2' }, { encryptTo: spCertificate })), { consent: true });
      return page.redirectedTo ?? assert.fail(`no redirect: ${page.status} ${textOf(page.html).slice(0, 300)}`);
    });
    assert.equal(again.claims.sub, signedUp.claims.sub, 'the same account, found by the NameID (the assertion encrypted this time)');
  });

  /** A refused answer: back on the sign-in page with the friendly message, nobody signed in, the reason audited. */
  async function assertRefused(options: ResponseOptions, reason: RegExp, label: string) {
    const email = uniqueEmail(label);
    const { page } = await journey(account(label, email), options);
    assert.equal(page.redirectedTo, undefined, `${label}: nobody is signed in`);
    assert.equal(page.status, 400, label);
    assert.match(textOf(page.html), /Signing in that way did not work/, label);
    assert.equal(await node.server.stores.identities.findByAddress(node.server.defaultTenant.id, 'email', email), undefined, `${label}: no account`);
    assert.ok((await failures()).some((entry) => reason.test(entry)), `${label}: audited as ${reason}, got ${(await failures()).join(' | ')}`);
  }

  test('refused: a tampered signature, an unsigned assertion, a wrong audience, an expired assertion, a wrong InResponseTo, a wrong Recipient, Destination or Issuer', async () => {
    await assertRefused({ tamper: (xml) => xml.replace(/(<saml:AttributeValue>)[^<]*@[^<]*</, '$1victim@example.test<') }, /invalid signature|signature/i, 'tampered');
    await assertRefused({ sign: false }, /signature/i, 'unsigned');
    await assertRefused({ audience: 'https://other-sp.example.test' }, /audience/i, 'audience');
    await assertRefused({ validForMs: -10 * 60_000 }, /expired|no valid subject confirmation/i, 'expired');
    await assertRefused({ inResponseTo: '_someone-elses-request' }, /InResponseTo/i, 'in-response-to');
    await assertRefused({ recipient: 'https://attacker.example.test/acs' }, /Recipient|subject confirmation/i, 'recipient');
    await assertRefused({ destination: 'https://attacker.example.test/acs' }, /Destination/, 'destination');
    await assertRefused({ issuer: 'https://attacker.example.test/idp' }, /Issuer/, 'issuer');
  });

  test('refused: an unsolicited Response (no InResponseTo, no RelayState) and an unknown RelayState get a friendly page, audited', async () => {
    const browser = createBrowserSession();
    const idpUrl = await toIdp(browser);
    const unsolicited = await idp.answer(idpUrl, account('unsolicited'), { inResponseTo: null, relayState: '' });
    const page = await postAnswer(browser, unsolicited);
    assert.equal(page.status, 400);
    assert.match(textOf(page.html), /did not start here/);
    const german = await createBrowserSession({ acceptLanguage: 'de' }).submit({ id: undefined, action: new URL(unsolicited.acsUrl), method: 'POST', fields: { SAMLResponse: unsolicited.SAMLResponse, RelayState: 'x'.repeat(43) } });
    assert.equal(german.status, 400);
    assert.match(textOf(german.html), /nicht hier begonnen/);
    const garbage = await createBrowserSession().submit({ id: undefined, action: new URL(unsolicited.acsUrl), method: 'POST', fields: { SAMLResponse: '%%%not base64', RelayState: '' } });
    assert.equal(garbage.status, 400);
    assert.ok((await failures()).some((reason) => /unsolicited/.test(reason)));
    // Its RelayState with an answer missing InResponseTo: the sign-in it names fails.
    const answered = await idp.answer(await toIdp(browser), account('no-irt'), { inResponseTo: null });
    const refused = await postAnswer(browser, answered);
    assert.equal(refused.status, 400);
    assert.ok((await failures()).some((reason) => /InResponseTo is missing/.test(reason)));
  });

  test('replay: the same Response posted again signs nobody in; an assertion ID used once is refused in another sign-in', async () => {
    const { page, answer, browser } = await journey(account('replay'));
    assert.ok(page.redirectedTo, textOf(page.html).slice(0, 300));
    const again = await postAnswer(browser, answer);
    assert.equal(again.status, 400, 'the sign-in it answered is spent');
    assert.equal(again.redirectedTo, undefined);

    const reused = '_reused-assertion-id-0123456789';
    const first = await journey(account('reuse-1'), { assertionId: reused });
    assert.ok(first.page.redirectedTo, 'the first use signs in');
    const email = uniqueEmail('reuse-2');
    const second = await journey(account('reuse-2', email), { assertionId: reused });
    assert.equal(second.page.redirectedTo, undefined);
    assert.equal(second.page.status, 400);
    assert.equal(await node.server.stores.identities.findByAddress(node.server.defaultTenant.id, 'email', email), undefined);
    assert.ok((await failures()).some((reason) => /replay/.test(reason)));
  });

  test('a connection that requires encryption refuses a plain assertion and accepts an encrypted one', async () => {
    const changed = await callAdmin(node.server, token, 'PATCH', '/tenants/default/connections/acme-saml', { body: { saml: { require_encrypted_assertions: true } }, headers: { 'content-type': 'application/merge-patch+json' } });
    assert.equal(changed.statusCode, 200, changed.body);
    await new Promise((resolve) => setTimeout(resolve, 10));
    try {
      await assertRefused({}, /not encrypted/, 'plain');
      const { page } = await journey(account('encrypted'), { encryptTo: spCertificate });
      assert.ok(page.redirectedTo, textOf(page.html).slice(0, 300));
    } finally {
      await callAdmin(node.server, token, 'PATCH', '/tenants/default/connections/acme-saml', { body: { saml: { require_encrypted_assertions: false } }, headers: { 'content-type': 'application/merge-patch+json' } });
    }
  });

  test('the JSON flows API: a native app sends the customer to the SAML IdP, the ACS sends them back to the app, and the exchange token completes once', async () => {
    const email = uniqueEmail('saml-native');
    const nativeClientId = (await registerApplication(node.server, node.server.defaultTenant.id, { name: 'App', kind: 'native', redirectUris: [NATIVE_CALLBACK] })).application.id;
    const post = (path: string, body: unknown) => fetch(`${node.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const flow = (await (await fetch(`${node.url}/flows/login`, { method: 'POST' })).json()) as { id: string };
    const started = await post(`/flows/login/${flow.id}/federation`, { connection: 'acme-saml', client_id: nativeClientId, return_to: NATIVE_CALLBACK });
    assert.equal(started.status, 200, await started.clone().text());
    const { redirect_to: redirectTo, exchange_token: exchangeToken } = (await started.json()) as { redirect_to: string; exchange_token: string };
    const answer = await idp.answer(new URL(redirectTo), { nameId: 'native-saml-1', attributes: { email } });
    const acs = await fetch(answer.acsUrl, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState }) });
    assert.equal(acs.status, 303);
    const location = new URL(String(acs.headers.get('location')));
    assert.equal(location.href.split('?')[0], NATIVE_CALLBACK);
    assert.equal(location.searchParams.get('flow'), flow.id);
    const code = location.searchParams.get('federation_code');
    assert.equal((await post(`/flows/login/${flow.id}/federation/complete`, { exchange_token: 'x'.repeat(43), federation_code: code })).status, 409, 'the redirect alone completes nothing');
    assert.equal((await post(`/flows/login/${flow.id}/federation/complete`, { exchange_token: exchangeToken, federation_code: 'y'.repeat(43) })).status, 409, 'nor the token alone');
    const completed = await post(`/flows/login/${flow.id}/federation/complete`, { exchange_token: exchangeToken, federation_code: code });
    assert.equal(completed.status, 200, await completed.clone().text());
    const session = (await completed.json()) as { session: { amr: string[] }; identity: { traits: Record<string, unknown> } };
    assert.deepEqual(session.session.amr, ['fed']);
    assert.equal(session.identity.traits['email'], email);
    assert.equal((await post(`/flows/login/${flow.id}/federation/complete`, { exchange_token: exchangeToken, federation_code: code })).status, 409, 'once');
  });

  test('home-realm discovery: an address of the connection’s domain goes to the SAML IdP with the address as login_hint', async () => {
    const changed = await callAdmin(node.server, token, 'PATCH', '/tenants/default/connections/acme-saml', { body: { domains: ['saml-realm.example'] }, headers: { 'content-type': 'application/merge-patch+json' } });
    assert.equal(changed.statusCode, 200, changed.body);
    // (The admin API's change empties the node's ten-second cache of connections.)
    const browser = createBrowserSession();
    const start = await browser.open(client.buildAuthorizationUrl(rp, { redirect_uri: WEB_CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' }));
    const out = await browser.submit(requireForm(start, isAction('/signin')), { email: 'ann@saml-realm.example', password: 'whatever it is' });
    assert.ok(out.redirectedTo, `expected the IdP, got ${out.status}`);
    assert.equal(out.redirectedTo.origin + out.redirectedTo.pathname, new URL('/sso', idp.metadataUrl).href);
    assert.equal(out.redirectedTo.searchParams.get('login_hint'), 'ann@saml-realm.example');
    assert.equal(idp.readRequest(out.redirectedTo).acsUrl, `${node.url}/federation/saml/acme-saml/acs`);
  });

  test('the account portal: signed in through the SAML IdP, the customer connects a second SAML connection, and only they complete it', async () => {
    const second = await callAdmin(node.server, token, 'POST', '/tenants/default/connections', { body: { id: 'acme-second', kind: 'saml', display_name: 'Acme Second', saml: { metadata_xml: idp.metadataXml }, trust_email_verified: true, position: 5 } });
    assert.equal(second.statusCode, 201, second.body);
    const email = uniqueEmail('saml-portal');
    const browser = createBrowserSession();
    const signIn = await browser.open(`${node.url}/account/connections`);
    const out = await browser.submit(requireForm(signIn, isAction('/federation')), { connection: 'acme-saml' });
    const portal = await browser.drive(await postAnswer(browser, await idp.answer(out.redirectedTo!, { nameId: 'portal-1', attributes: { email } })), {});
    assert.equal(portal.url.pathname, '/account/connections', textOf(portal.html).slice(0, 300));
    assert.match(textOf(portal.html), /Acme SSO/);

    const toIdp = await browser.submit(requireForm(portal, isAction('/connections/link')), { connection: 'acme-second' });
    assert.ok(toIdp.redirectedTo, textOf(toIdp.html).slice(0, 300));
    const answer = await idp.answer(toIdp.redirectedTo, { nameId: 'portal-2', attributes: { email } });
    // Another browser posting this answer completes nothing for its own customer.
    const stranger = await postAnswer(createBrowserSession(), { ...answer });
    assert.notEqual(stranger.url.pathname, '/account/connections');
    assert.equal(await node.server.stores.identities.findCredential(node.server.defaultTenant.id, 'federated', 'acme-second:portal-2'), undefined);
    // The IdP's answer was spent by that post: the customer starts again and connects.
    const again = await browser.submit(requireForm(await browser.open(`${node.url}/account/connections`), isAction('/connections/link')), { connection: 'acme-second' });
    const linked = await postAnswer(browser, await idp.answer(again.redirectedTo!, { nameId: 'portal-2', attributes: { email } }));
    assert.equal(linked.url.pathname, '/account/connections');
    assert.match(textOf(linked.html), /The account is connected/);
    assert.ok(await node.server.stores.identities.findCredential(node.server.defaultTenant.id, 'federated', 'acme-second:portal-2'));
  });

  test('the ACS answers a refused post with the friendly page in the customer’s language: a body over the limit (413), an unknown or malformed connection (404, 400), never JSON or a 500', async () => {
    const germanPost = (path: string, body: string) => fetch(`${node.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'de' }, body });
    const before = (await failures()).length;
    const assertPage = async (response: Response, status: number, text: RegExp) => {
      assert.equal(response.status, status);
      assert.match(String(response.headers.get('content-type')), /^text\/html/);
      const body = await response.text();
      assert.match(body, /<html lang="de"/);
      assert.match(textOf(body), text);
    };
    // A SAML Response with encryption and certificates takes tens of kilobytes; 512 KB is the limit.
    const huge = await germanPost('/federation/saml/acme-saml/acs', new URLSearchParams({ SAMLResponse: 'A'.repeat(600 * 1024), RelayState: 'x'.repeat(43) }).toString());
    await assertPage(huge, 413, /zu groß/);
    await assertPage(await germanPost('/federation/saml/no-such-connection/acs', 'SAMLResponse=x&RelayState='), 404, /Die Anfrage ist ungültig/);
    await assertPage(await germanPost(`/federation/saml/${'n'.repeat(70)}/acs`, 'SAMLResponse=x&RelayState='), 400, /Die Anfrage ist ungültig/);
    assert.equal((await failures()).length, before, 'no sign-in of a connection was answered, so nothing is audited');
  });

  test('a flood of posts to the ACS from one address gets fast 429s with Retry-After (each post would otherwise write an audit entry)', async () => {
    let refused: Awaited<ReturnType<typeof node.server.app.inject>> | undefined;
    let sent = 0;
    for (; sent < 400 && !refused; sent += 1) {
      const response = await node.server.app.inject({ method: 'POST', url: '/federation/saml/acme-saml/acs', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'SAMLResponse=x&RelayState=' });
      if (response.statusCode === 429) refused = response;
      else assert.equal(response.statusCode, 400);
    }
    assert.ok(refused, 'refused before 400 posts');
    assert.ok(sent <= 301, `at most 300 a minute, refused after ${sent}`);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.match(textOf(refused.body), /Too many attempts|try again/i);
  });
});
