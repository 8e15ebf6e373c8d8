// What the dashboards count, from real traffic: a customer signs up and signs in again through an
// application's hosted pages, another through the JSON flows API, wrong passwords are refused and
// then throttled; after a flush, the figures read back are exactly those (ADR 0022).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, pkcePair, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';
import { codeIn } from '../helpers/mailbox.ts';
import { activeCustomers, failuresPerDay, periodOf, signInsPerDay, signUpFunnel, signUpsPerDay } from '../../src/domain/stats/stats.service.ts';
import { activeKeyOf } from '../../src/domain/stats/stats-collector.ts';
import { addHash, emptySketch, estimate } from '../../src/domain/stats/hyperloglog.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';

const SHOP_CALLBACK = 'https://shop.example.test/callback';

describeEachEngine('statistics from real sign-ups and sign-ins', (current) => {
  let node: ListeningServer;
  let shop: RegisteredApplication;
  let shopRp: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    shop = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Shop', kind: 'web', redirectUris: [SHOP_CALLBACK] });
    shopRp = await relyingParty(node.url, shop);
  });
  after(async () => {
    await node?.stop();
  });

  const post = (path: string, payload?: object) => fetch(`${node.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload ?? {}) });

  test('sign-ups, sign-ins by method and application, failures, throttles, active customers and the funnel', async () => {
    const shopper = { email: uniqueEmail('shopper'), password: PASSWORD };
    // Through the shop's hosted pages: sign up (the form shown, submitted, the code typed, signed in), then sign in again.
    await authorizationCodeFlow(shopRp, { redirectUri: SHOP_CALLBACK }, (url) => createBrowserSession({ mailbox: node.server.mailbox }).signUpAndAuthorize(url, shopper));
    await authorizationCodeFlow(shopRp, { redirectUri: SHOP_CALLBACK }, (url) => createBrowserSession().signInAndAuthorize(url, shopper));
    // A wrong password on the shop's sign-in page.
    const stranger = createBrowserSession();
    const { challenge } = await pkcePair();
    const signInPage = await stranger.open(client.buildAuthorizationUrl(shopRp, { redirect_uri: SHOP_CALLBACK, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }));
    const refused = await stranger.submit(requireForm(signInPage, isAction('/signin')), { email: shopper.email, password: 'not the password at all' });
    assert.equal(refused.status, 401);

    // Through the JSON flows API (no application): sign up, then sign in again.
    const native = uniqueEmail('native');
    const registration = (await (await post('/flows/registration')).json()) as { id: string };
    const seen = await node.server.mailbox.lastId(native);
    assert.equal((await post(`/flows/registration/${registration.id}`, { traits: { email: native }, password: PASSWORD })).status, 200);
    const code = codeIn(await node.server.mailbox.next(native, 'verify_email', seen));
    assert.equal((await post(`/flows/registration/${registration.id}/code`, { code })).status, 200);
    const login = (await (await post('/flows/login')).json()) as { id: string };
    assert.equal((await post(`/flows/login/${login.id}`, { identifier: native, password: PASSWORD })).status, 200);
    // Five wrong passwords for one account are refused; the sixth at once is throttled.
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const flow = (await (await post('/flows/login')).json()) as { id: string };
      statuses.push((await post(`/flows/login/${flow.id}`, { identifier: native, password: 'wrong guess' })).status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);

    await node.server.stats.flush();
    const deps = { stats: node.server.stores.stats };
    const tenantId = node.server.defaultTenant.id;
    const period = periodOf({}, Date.now());
    const today = <T,>(series: readonly T[]): T | undefined => series.at(-1);
    const clientId = shop.application.id;
    assert.deepEqual(today(await signUpsPerDay(deps, tenantId, period))?.count, 2);
    assert.deepEqual(today(await signInsPerDay(deps, tenantId, period, 'method')), { day: period.to, count: 4, by: { password: 4 } });
    assert.deepEqual(today(await signInsPerDay(deps, tenantId, period, 'application')), { day: period.to, count: 4, by: { [clientId]: 2, '': 2 } });
    assert.deepEqual(today(await failuresPerDay(deps, tenantId, period)), { day: period.to, failed: 6, throttled: 1 });
    // The two customers, each in today's sketch as the keyed hash of their id, however often they signed in.
    const ids = await Promise.all([shopper.email, native].map(async (email) => (await node.server.stores.identities.findByAddress(tenantId, 'email', email))!.id));
    const expected = emptySketch();
    for (const id of ids) addHash(expected, createHmac('sha256', activeKeyOf(TEST_MASTER_SECRET)).update(`${tenantId}\0${id}`).digest());
    assert.deepEqual((await node.server.stores.stats.activeBetween(tenantId, period.to, period.to))[0]?.registers, expected);
    // Two, unless both hashes fell in one register (1 in 4,096): the estimate is the sketch's.
    assert.equal(today(await activeCustomers(deps, tenantId, period, 'day'))?.customers, estimate(expected));
    assert.equal(today(await activeCustomers(deps, tenantId, period, 'month'))?.customers, estimate(expected));
    assert.deepEqual(today(await signUpFunnel(deps, tenantId, period, clientId)), { day: period.to, viewed: 1, submitted: 1, verified: 1, returned: 1 });
    assert.deepEqual(today(await signUpFunnel(deps, tenantId, period, '')), { day: period.to, viewed: 1, submitted: 1, verified: 1, returned: 1 });
  });
});
