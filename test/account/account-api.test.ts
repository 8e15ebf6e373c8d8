// The Account API with access tokens from real authorization code flows (openid-client as the
// application, the scripted browser as the customer): profile, password, sessions, applications,
// activity, export and deletion, and the RFC 6750 answers to missing, invalid and too narrow tokens.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import * as oauth from 'oauth4webapi';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { codeIn } from '../helpers/mailbox.ts';
import { createBrowserSession, requireForm, isAction } from '../helpers/browser-session.ts';
import type { BrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';

const WEB_CALLBACK = 'https://web.example.test/callback';
const PARTNER_CALLBACK = 'https://partner.example.test/callback';
const SPA_CALLBACK = 'https://spa.example.test/callback';
const NEW_PASSWORD = 'a completely different passphrase 7';

type Signed = { browser: BrowserSession; email: string; sub: string; accessToken: string; refreshToken: string };
type Answer = { status: number; body: Record<string, unknown>; headers: Headers };

describeEachEngine('account API', (current) => {
  let node: ListeningServer;
  let web: RegisteredApplication;
  let partner: RegisteredApplication;
  let webRp: client.Configuration;
  let partnerRp: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    const tenantId = node.server.defaultTenant.id;
    web = await registerApplication(node.server, tenantId, { name: 'Web', kind: 'web', firstParty: true, redirectUris: [WEB_CALLBACK] });
    partner = await registerApplication(node.server, tenantId, { name: 'Partner', kind: 'web', firstParty: false, redirectUris: [PARTNER_CALLBACK] });
    webRp = await relyingParty(node.url, web);
    partnerRp = await relyingParty(node.url, partner);
  });
  after(async () => {
    await node?.stop();
  });

  /** A customer signed up (or in) in a browser of their own, with tokens for the web application. */
  async function signIn(credentials: { email: string; password: string }, options: { signUp?: boolean; browser?: BrowserSession; scope?: string } = {}): Promise<Signed> {
    const browser = options.browser ?? createBrowserSession({ mailbox: node.server.mailbox });
    // offline_access needs prompt=consent (OIDC Core 11), even for a first-party application.
    const flow = { redirectUri: WEB_CALLBACK, scope: options.scope ?? 'openid email account offline_access', parameters: { prompt: 'consent' } };
    const { tokens, claims } = await authorizationCodeFlow(webRp, flow, (url) => (options.signUp ? browser.signUpAndAuthorize(url, credentials) : browser.signInAndAuthorize(url, credentials)));
    return { browser, email: credentials.email, sub: claims.sub, accessToken: tokens.access_token, refreshToken: tokens.refresh_token ?? '' };
  }

  async function newCustomer(label: string): Promise<Signed> {
    return signIn({ email: uniqueEmail(label), password: PASSWORD }, { signUp: true });
  }

  async function api(method: string, path: string, token: string | undefined, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${node.url}/api/account${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
  }

  async function refreshes(rp: client.Configuration, refreshToken: string): Promise<boolean> {
    try {
      await client.refreshTokenGrant(rp, refreshToken);
      return true;
    } catch (error) {
      assert.equal((error as client.ResponseBodyError).error, 'invalid_grant');
      return false;
    }
  }

  test('refuses a missing, an invalid and a too narrow token as RFC 6750 says', async () => {
    const missing = await api('GET', '/profile', undefined);
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    assert.equal(missing.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(missing.body['code'], 'token.missing');

    const invalid = await api('GET', '/profile', 'not-a-token-we-issued');
    assert.equal(invalid.status, 401);
    assert.match(invalid.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
    assert.equal(invalid.body['code'], 'token.invalid');

    const narrow = await signIn({ email: uniqueEmail('narrow'), password: PASSWORD }, { signUp: true, scope: 'openid email' });
    const refused = await api('GET', '/profile', narrow.accessToken);
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer error="insufficient_scope", scope="account"');
    assert.equal(refused.body['code'], 'token.insufficient_scope');

    // A third-party application's token with the account scope is refused: the API can delete the account.
    const customer = await newCustomer('third');
    const third = await authorizationCodeFlow(partnerRp, { redirectUri: PARTNER_CALLBACK, scope: 'openid account' }, (url) => customer.browser.authorize(url, { consent: true }));
    const thirdParty = await api('GET', '/profile', third.tokens.access_token);
    assert.equal(thirdParty.status, 403);
    assert.equal(thirdParty.body['code'], 'token.not_first_party');
    assert.match(thirdParty.headers.get('www-authenticate') ?? '', /^Bearer error="insufficient_scope"/);
  });

  test('a DPoP-bound token presented as a bearer token is refused', async () => {
    const HTTP = { [oauth.allowInsecureRequests]: true } as const;
    const registered = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'SPA', kind: 'spa', firstParty: true, redirectUris: [SPA_CALLBACK] });
    const spa: oauth.Client = { client_id: registered.application.id };
    const as = await oauth.processDiscoveryResponse(new URL(node.url), await oauth.discoveryRequest(new URL(node.url), HTTP));
    const dpop = oauth.DPoP(spa, await oauth.generateKeyPair('ES256'));
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({ client_id: spa.client_id, redirect_uri: SPA_CALLBACK, response_type: 'code', scope: 'openid account', state, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }).toString();
    const callback = await createBrowserSession({ mailbox: node.server.mailbox }).signUpAndAuthorize(url, { email: uniqueEmail('dpop'), password: PASSWORD });
    const parameters = oauth.validateAuthResponse(as, spa, callback, state);
    const tokens = await oauth.processAuthorizationCodeResponse(as, spa, await oauth.authorizationCodeGrantRequest(as, spa, oauth.None(), parameters, SPA_CALLBACK, verifier, { DPoP: dpop, ...HTTP }));
    assert.equal(tokens.token_type, 'dpop');
    const refused = await api('GET', '/profile', tokens.access_token);
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
  });

  test('profile: read, changed with an identity.updated event, and field-level errors', async () => {
    const customer = await newCustomer('profile');
    const read = await api('GET', '/profile', customer.accessToken);
    assert.equal(read.status, 200);
    assert.equal((read.body['traits'] as Record<string, unknown>)['email'], customer.email);
    assert.equal(read.headers.get('cache-control'), 'no-store');

    const changed = await api('PATCH', '/profile', customer.accessToken, { traits: { name: 'Ada Lovelace', given_name: 'Ada' } });
    assert.equal(changed.status, 200);
    assert.deepEqual(changed.body['traits'], { email: customer.email, locale: 'en', name: 'Ada Lovelace', given_name: 'Ada' });
    const events = await node.server.database.db.selectFrom('outbox_events').selectAll().where('aggregate_id', '=', customer.sub).where('type', '=', 'identity.updated').execute();
    assert.equal(events.length, 1);
    assert.deepEqual(JSON.parse(String(events[0]!.payload))['changed'], ['name', 'given_name']);

    const wrong = await api('PATCH', '/profile', customer.accessToken, { traits: { name: 'x'.repeat(201), locale: 'not a locale', email: 'someone.else@example.com', shoe_size: '44' } });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body['code'], 'validation.failed');
    const fields = Object.fromEntries((wrong.body['errors'] as { field: string; code: string }[]).map((error) => [error.field, error.code]));
    assert.deepEqual(fields, { 'traits.email': 'profile.read_only', 'traits.name': 'field.maxLength', 'traits.locale': 'field.pattern', 'traits.shoe_size': 'field.unknown' });
    const unchanged = await api('GET', '/profile', customer.accessToken);
    assert.equal((unchanged.body['traits'] as Record<string, unknown>)['name'], 'Ada Lovelace');
  });

  test('password: the current one is required; afterwards other sessions are signed out and the new one signs in', async () => {
    const here = await newCustomer('password');
    const elsewhere = await signIn({ email: here.email, password: PASSWORD });

    const wrong = await api('POST', '/password', here.accessToken, { current_password: 'not my password', new_password: NEW_PASSWORD });
    assert.equal(wrong.status, 400);
    assert.deepEqual((wrong.body['errors'] as { field: string; code: string }[]).map((error) => [error.field, error.code]), [['current_password', 'password.current_wrong']]);
    const weak = await api('POST', '/password', here.accessToken, { current_password: PASSWORD, new_password: 'short' });
    assert.deepEqual([...new Set((weak.body['errors'] as { field: string; code: string }[]).map((error) => error.field))], ['new_password']);

    const changed = await api('POST', '/password', here.accessToken, { current_password: PASSWORD, new_password: NEW_PASSWORD });
    assert.equal(changed.status, 204);
    assert.equal(await refreshes(webRp, elsewhere.refreshToken), false, "the other session's refresh token died");
    assert.equal((await api('GET', '/profile', elsewhere.accessToken)).status, 401, "the other session's access token died");
    assert.equal((await api('GET', '/profile', here.accessToken)).status, 200, 'the current session stays signed in');
    assert.equal(await refreshes(webRp, here.refreshToken), true);

    const sessions = await api('GET', '/sessions', here.accessToken);
    assert.equal((sessions.body['sessions'] as unknown[]).length, 1);
    const mail = await node.server.database.db.selectFrom('mail_messages').select(['kind', 'recipient']).where('recipient', '=', here.email).where('kind', '!=', 'verify_email').execute();
    assert.deepEqual(mail.map((message) => [message.kind, message.recipient]), [['password_changed', here.email]]);

    // The old password no longer signs in; the new one does.
    const old = createBrowserSession({ mailbox: node.server.mailbox });
    const page = await old.drive(await old.open(client.buildAuthorizationUrl(webRp, { redirect_uri: WEB_CALLBACK, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })), {});
    const refusedOld = await old.submit(requireForm(page, isAction('/signin')), { email: here.email, password: PASSWORD });
    assert.equal(refusedOld.status, 401);
    const again = await signIn({ email: here.email, password: NEW_PASSWORD });
    assert.equal(again.sub, here.sub);
  });

  test('sessions: listed with device, place and the current one; one or all others revoked', async () => {
    const here = await newCustomer('sessions');
    const second = await signIn({ email: here.email, password: PASSWORD });
    const third = await signIn({ email: here.email, password: PASSWORD });
    const listed = await api('GET', '/sessions', here.accessToken);
    assert.equal(listed.status, 200);
    const sessions = listed.body['sessions'] as { id: string; kind: string; current: boolean; ip: string; user_agent: string; signed_in_at: string; last_seen_at: string; applications: string[] }[];
    assert.equal(sessions.length, 3);
    assert.equal(sessions.filter((session) => session.current).length, 1);
    assert.ok(sessions[0]!.current, 'the current session comes first');
    for (const session of sessions) {
      assert.equal(session.kind, 'browser');
      assert.equal(session.ip, '127.0.0.1');
      assert.ok(session.user_agent, 'the user agent was recorded at sign-in');
      assert.ok(Date.parse(session.last_seen_at) >= Date.parse(session.signed_in_at) - 1000);
      assert.deepEqual(session.applications, [web.application.id]);
    }

    const secondId = (await api('GET', '/sessions', second.accessToken)).body['sessions'] as { id: string; current: boolean }[];
    const secondSession = secondId.find((session) => session.current)!;
    assert.equal((await api('DELETE', `/sessions/${secondSession.id}`, here.accessToken)).status, 204);
    assert.equal(await refreshes(webRp, second.refreshToken), false);
    assert.equal((await api('DELETE', `/sessions/${secondSession.id}`, here.accessToken)).body['code'], 'session.not_found');
    assert.equal(((await api('GET', '/sessions', here.accessToken)).body['sessions'] as unknown[]).length, 2);

    assert.equal((await api('DELETE', '/sessions', here.accessToken)).status, 204);
    assert.equal(await refreshes(webRp, third.refreshToken), false);
    assert.equal(await refreshes(webRp, here.refreshToken), true);
    assert.equal(((await api('GET', '/sessions', here.accessToken)).body['sessions'] as unknown[]).length, 1);
  });

  test("applications: the consented ones are listed; revoking one kills that application's refresh token", async () => {
    const customer = await newCustomer('apps');
    const toPartner = await authorizationCodeFlow(partnerRp, { redirectUri: PARTNER_CALLBACK, scope: 'openid email offline_access', parameters: { prompt: 'consent' } }, (url) => customer.browser.authorize(url, { consent: true }));
    assert.ok(toPartner.tokens.refresh_token);
    const listed = await api('GET', '/applications', customer.accessToken);
    // The web application is there too: prompt=consent asked the customer for offline access.
    const applications = listed.body['applications'] as { client_id: string; name: string; scopes: string[] }[];
    const toPartnerListed = applications.find((application) => application.client_id === partner.application.id);
    assert.equal(toPartnerListed?.name, 'Partner');
    assert.deepEqual(toPartnerListed.scopes, ['email', 'offline_access', 'openid']);

    assert.equal((await api('DELETE', `/applications/${partner.application.id}`, customer.accessToken)).status, 204);
    assert.equal(await refreshes(partnerRp, toPartner.tokens.refresh_token!), false);
    assert.equal(await refreshes(webRp, customer.refreshToken), true, 'other applications keep their access');
    const remaining = (await api('GET', '/applications', customer.accessToken)).body['applications'] as { client_id: string }[];
    assert.deepEqual(remaining.map((application) => application.client_id), [web.application.id]);
    const again = await api('DELETE', `/applications/${partner.application.id}`, customer.accessToken);
    assert.equal(again.status, 404);
    assert.equal(again.body['code'], 'application.not_connected');
    // Withdrawn consent is asked for again.
    const page = await customer.browser.drive(await customer.browser.open(client.buildAuthorizationUrl(partnerRp, { redirect_uri: PARTNER_CALLBACK, scope: 'openid email', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })), {});
    assert.ok(requireForm(page, isAction('/consent')));
  });

  test('activity and export: sign-ins and changes are listed; the export holds no secret', async () => {
    const customer = await newCustomer('activity');
    await api('PATCH', '/profile', customer.accessToken, { traits: { name: 'Grace' } });
    const activity = await api('GET', '/activity?limit=10', customer.accessToken);
    assert.equal(activity.status, 200);
    const actions = (activity.body['activity'] as { action: string; ip: string }[]).map((entry) => entry.action);
    for (const action of ['signup.succeeded', 'identity.updated']) assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
    assert.equal((await api('GET', '/activity?limit=0', customer.accessToken)).status, 400);
    // 1e309 is Infinity once coerced, which the schema's maximum lets through: refused, never sent to SQL.
    for (const query of ['before=1e309', 'limit=1e309']) {
      const infinite = await api('GET', `/activity?${query}`, customer.accessToken);
      assert.equal(infinite.status, 400, query);
      assert.deepEqual((infinite.body['errors'] as { field: string }[]).map((problem) => problem.field), [query.split('=')[0]]);
    }

    const exported = await api('GET', '/export', customer.accessToken);
    assert.equal(exported.status, 200);
    assert.match(exported.headers.get('content-disposition') ?? '', /^attachment; filename="account-data.json"$/);
    const data = exported.body as { profile: { traits: Record<string, unknown> }; addresses: unknown[]; credentials: { type: string; identifiers: string[] }[]; sessions: unknown[]; applications: unknown[]; activity: unknown[] };
    assert.equal(data.profile.traits['email'], customer.email);
    assert.equal(data.addresses.length, 1);
    assert.deepEqual(data.credentials.map((credential) => credential.type), ['password']);
    assert.equal(data.sessions.length, 1);
    assert.ok(data.activity.length >= 2);
    const text = JSON.stringify(data);
    assert.doesNotMatch(text, /argon2|\$[a-z0-9]+\$|"hash"|"config"/, 'no hash nor credential config in the export');
  });

  test('delete: needs the password or a recent sign-in; then the customer is erased and cannot sign in', async () => {
    const customer = await newCustomer('delete');
    const tenantId = node.server.defaultTenant.id;
    // Make the session's sign-in older than five minutes.
    const [session] = await node.server.stores.oidcArtifacts.listByAccountId(tenantId, 'Session', customer.sub, Date.now());
    const payload = { ...session!.payload, loginTs: Math.floor(Date.now() / 1000) - 600 };
    await node.server.stores.oidcArtifacts.upsert(tenantId, 'Session', session!.id, payload, Date.now() + 3_600_000);
    const stale = await api('DELETE', '', customer.accessToken);
    assert.equal(stale.status, 403);
    assert.equal(stale.body['code'], 'authentication.not_recent');
    const wrong = await api('DELETE', '', customer.accessToken, { password: 'not my password' });
    assert.equal(wrong.status, 400);

    assert.equal((await api('DELETE', '', customer.accessToken, { password: PASSWORD })).status, 204);
    assert.equal(await node.server.stores.identities.findById(tenantId, customer.sub), undefined);
    assert.equal((await api('GET', '/profile', customer.accessToken)).status, 401);
    assert.equal(await refreshes(webRp, customer.refreshToken), false);

    const { db } = node.server.database;
    const deleted = await db.selectFrom('outbox_events').selectAll().where('aggregate_id', '=', customer.sub).where('type', '=', 'identity.deleted').execute();
    assert.equal(deleted.length, 1);
    const audit = await db.selectFrom('audit_events').selectAll().where('target_id', '=', customer.sub).where('action', '=', 'identity.deleted').executeTakeFirstOrThrow();
    assert.equal(audit.actor_type, 'customer');
    assert.doesNotMatch(JSON.stringify(audit), new RegExp(customer.email.replace('.', '\\.')));
    assert.equal(audit.ip, null);
    // Earlier entries and events stay, without what they said about the customer.
    const earlier = await db.selectFrom('audit_events').select(['action', 'ip', 'user_agent']).where('target_id', '=', customer.sub).execute();
    assert.ok(earlier.some((row) => row.action === 'signup.succeeded'));
    assert.deepEqual(earlier.filter((row) => row.ip !== null || row.user_agent !== null), []);
    const events = await db.selectFrom('outbox_events').select(['type', 'payload']).where('aggregate_id', '=', customer.sub).execute();
    assert.ok(events.some((event) => event.type === 'identity.created'));
    assert.doesNotMatch(JSON.stringify(events), new RegExp(customer.email.replace('.', '\\.')));
    const mail = await db.selectFrom('mail_messages').select(['kind']).where('recipient', '=', customer.email).execute();
    assert.deepEqual(mail.map((message) => message.kind), ['account_deleted']);
    assert.equal(await db.selectFrom('oidc_artifacts').select('id').where('account_id', '=', customer.sub).executeTakeFirst(), undefined);

    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const page = await browser.drive(await browser.open(client.buildAuthorizationUrl(webRp, { redirect_uri: WEB_CALLBACK, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })), {});
    const refused = await browser.submit(requireForm(page, isAction('/signin')), { email: customer.email, password: PASSWORD });
    assert.equal(refused.status, 401);
  });

  test('email: the current password, then the code sent to the new address; the old address is told', async () => {
    const customer = await newCustomer('mover');
    const newEmail = uniqueEmail('moved');
    const wrong = await api('POST', '/email', customer.accessToken, { email: newEmail, current_password: 'not my password' });
    assert.equal(wrong.status, 400);
    assert.equal((wrong.body['errors'] as { code: string }[])[0]?.code, 'password.current_wrong');
    const invalid = await api('POST', '/email', customer.accessToken, { email: 'not-an-email', current_password: PASSWORD });
    assert.deepEqual((invalid.body['errors'] as { field: string; code: string }[]).map((e) => [e.field, e.code]), [['email', 'email.invalid']]);
    const same = await api('POST', '/email', customer.accessToken, { email: customer.email.toUpperCase(), current_password: PASSWORD });
    assert.equal((same.body['errors'] as { code: string }[])[0]?.code, 'email.unchanged');

    const started = await api('POST', '/email', customer.accessToken, { email: newEmail, current_password: PASSWORD });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const flow = started.body['flow'] as { id: string; sent_to: string };
    assert.equal(flow.sent_to, newEmail);
    const unchanged = await api('GET', '/profile', customer.accessToken);
    assert.equal((unchanged.body['traits'] as Record<string, unknown>)['email'], customer.email, 'nothing changes before the code');
    const code = codeIn(await node.server.mailbox.next(newEmail, 'verify_email'));
    const bad = await api('POST', `/email/${flow.id}/code`, customer.accessToken, { code: code === '000000' ? '111111' : '000000' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body['code'], 'code.invalid');
    const done = await api('POST', `/email/${flow.id}/code`, customer.accessToken, { code });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal((done.body['traits'] as Record<string, unknown>)['email'], newEmail);
    assert.deepEqual(done.body['addresses'], [{ kind: 'email', value: newEmail, verified: true }]);
    const notice = await node.server.mailbox.next(customer.email, 'email_changed');
    assert.match(notice.text, new RegExp(newEmail.replace('.', '\\.')));
    // The password now goes with the new address; the old one is free.
    assert.ok(await node.server.stores.identities.findCredential(node.server.defaultTenant.id, 'password', newEmail));
    assert.equal(await node.server.stores.identities.findByAddress(node.server.defaultTenant.id, 'email', customer.email), undefined);
    const again = await api('POST', `/email/${flow.id}/code`, customer.accessToken, { code });
    assert.equal(again.status, 400, 'a code works once');
    assert.equal(again.body['code'], 'code.invalid');
  });

  test('email: an address another account holds is only refused to whoever has its inbox', async () => {
    const customer = await newCustomer('claimer');
    const owner = await newCustomer('holder');
    const started = await api('POST', '/email', customer.accessToken, { email: owner.email, current_password: PASSWORD });
    assert.equal(started.status, 202);
    const flow = started.body['flow'] as { id: string };
    const code = codeIn(await node.server.mailbox.next(owner.email, 'verify_email', await lastVerificationBefore(owner.email)));
    const taken = await api('POST', `/email/${flow.id}/code`, customer.accessToken, { code });
    assert.equal(taken.status, 409);
    assert.equal(taken.body['code'], 'identity.address_taken');
  });

  /** The id of the first (sign-up) verification email, so that the next one is the change's. */
  async function lastVerificationBefore(email: string): Promise<string | undefined> {
    return (await node.server.mailbox.to(email, 'verify_email'))[0]?.id;
  }
  test('CORS: the origins of first-party web and single-page applications may call it from a browser, no other', async () => {
    const customer = await newCustomer('cors');
    const ask = (method: string, origin: string, headers: Record<string, string> = {}) => fetch(`${node.url}/api/account/profile`, { method, headers: { origin, ...headers } });
    const webOrigin = new URL(WEB_CALLBACK).origin;

    const preflight = await ask('OPTIONS', webOrigin, { 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization, content-type' });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), webOrigin);
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /PATCH/);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.equal(preflight.headers.get('access-control-allow-credentials'), null, 'bearer tokens, never cookies');
    assert.match(preflight.headers.get('vary') ?? '', /Origin/);

    const read = await ask('GET', webOrigin, { authorization: `Bearer ${customer.accessToken}` });
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('access-control-allow-origin'), webOrigin);
    // A refusal is readable too, with why: the application can tell an expired token from a bug.
    const refused = await ask('GET', webOrigin);
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), webOrigin);
    assert.match(refused.headers.get('access-control-expose-headers') ?? '', /WWW-Authenticate/);

    // A third-party application's origin, and any other, get nothing a browser would let through.
    for (const origin of [new URL(PARTNER_CALLBACK).origin, 'https://evil.example']) {
      const denied = await ask('OPTIONS', origin, { 'access-control-request-method': 'GET' });
      assert.equal(denied.status, 403);
      assert.equal(denied.headers.get('access-control-allow-origin'), null);
      assert.equal(((await denied.json()) as { code?: string }).code, 'cors.origin_not_allowed');
      const answered = await ask('GET', origin, { authorization: `Bearer ${customer.accessToken}` });
      assert.equal(answered.headers.get('access-control-allow-origin'), null, origin);
    }
  });
});
