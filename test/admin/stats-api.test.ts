// The statistics resource of the admin API through HTTP, on both engines, from real traffic: a
// customer signs up and signs in again through an application's hosted pages, another through the
// JSON flows API, wrong passwords are refused and then throttled; after a flush the figures read
// back through /tenants/{tenant}/stats/… are exactly those (ADR 0022). Reading needs `stats:read`
// (analysts have it, support staff do not); another tenant's credential gets 404; a wrong period
// is a 400 naming its field.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, createTenant, PASSWORD, pkcePair, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';
import { codeIn } from '../helpers/mailbox.ts';
import { callAdmin, machineToken, staffToken } from '../helpers/admin.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import { activeKeyOf } from '../../src/domain/stats/stats-collector.ts';
import { addHash, emptySketch, estimate, RELATIVE_STANDARD_ERROR } from '../../src/domain/stats/hyperloglog.ts';
import { addDays, dayOf } from '../../src/domain/stats/stats.ts';

const SHOP_CALLBACK = 'https://shop.example.test/callback';

type Series<Point> = { from: string; to: string; days: ({ day: string } & Point)[] };

describeEachEngine('admin API: statistics', (current) => {
  let node: ListeningServer;
  let shop: RegisteredApplication;
  let shopRp: client.Configuration;
  let reader: string;
  let slug: string;

  before(async () => {
    node = await startListeningServer(current().engine);
    slug = node.server.defaultTenant.slug;
    shop = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Shop', kind: 'web', redirectUris: [SHOP_CALLBACK] });
    shopRp = await relyingParty(node.url, shop);
    reader = await machineToken(node.server, ['stats:read']);
  });
  after(async () => {
    await node?.stop();
  });

  const post = (path: string, payload?: object) => fetch(`${node.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload ?? {}) });
  async function read<Point>(path: string, token = reader): Promise<Series<Point>> {
    const response = await callAdmin(node.server, token, 'GET', `/tenants/${slug}/stats/${path}`);
    assert.equal(response.statusCode, 200, response.body);
    return response.json<Series<Point>>();
  }
  const today = <T,>(series: { days: readonly T[] }): T | undefined => series.days.at(-1);

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
    const day = dayOf(Date.now());
    const clientId = shop.application.id;
    const signUps = await read<{ count: number }>('sign-ups');
    assert.equal(signUps.to, day);
    assert.equal(signUps.from, addDays(day, -29));
    assert.equal(signUps.days.length, 30, 'every day of the default period, zeros included');
    assert.deepEqual(today(signUps), { day, count: 2 });
    assert.deepEqual(today(await read('sign-ins')), { day, count: 4 });
    assert.deepEqual(today(await read('sign-ins?by=method')), { day, count: 4, by: { password: 4 } });
    assert.deepEqual(today(await read('sign-ins?by=application')), { day, count: 4, by: { [clientId]: 2, '': 2 } });
    assert.deepEqual(today(await read('failures')), { day, failed: 6, throttled: 1 });

    // The two customers, each in today's sketch as the keyed hash of their id, however often they signed in.
    const tenantId = node.server.defaultTenant.id;
    const ids = await Promise.all([shopper.email, native].map(async (email) => (await node.server.stores.identities.findByAddress(tenantId, 'email', email))!.id));
    const expected = emptySketch();
    for (const id of ids) addHash(expected, createHmac('sha256', activeKeyOf(TEST_MASTER_SECRET)).update(`${tenantId}\0${id}`).digest());
    assert.deepEqual((await node.server.stores.stats.activeBetween(tenantId, day, day))[0]?.registers, expected);
    // Two, unless both hashes fell in one register (1 in 4,096): the answer is the sketch's estimate.
    for (const window of ['day', 'week', 'month']) {
      const active = await read<{ customers: number }>(`active?window=${window}&from=${addDays(day, -1)}&to=${day}`);
      assert.deepEqual(active, { from: addDays(day, -1), to: day, window, relative_standard_error: RELATIVE_STANDARD_ERROR, days: [{ day: addDays(day, -1), customers: 0 }, { day, customers: estimate(expected) }] });
    }
    assert.equal((await read<{ customers: number }>('active')).days.length, 30, 'window day by default');

    const funnel = await read<{ viewed: number }>(`funnel?application=${clientId}`);
    assert.equal((funnel as unknown as { application: string }).application, clientId);
    assert.deepEqual(today(funnel), { day, viewed: 1, submitted: 1, verified: 1, returned: 1 });
    assert.deepEqual(today(await read('funnel?application=')), { day, viewed: 1, submitted: 1, verified: 1, returned: 1 });
    const all = await read('funnel');
    assert.equal((all as unknown as { application: unknown }).application, null);
    assert.deepEqual(today(all), { day, viewed: 2, submitted: 2, verified: 2, returned: 2 });
  });

  test('a period is at most 90 days, starts before it ends, and names its field when wrong', async () => {
    const problem = async (query: string) => {
      const response = await callAdmin(node.server, reader, 'GET', `/tenants/${slug}/stats/sign-ins${query}`);
      assert.equal(response.statusCode, 400, response.body);
      assert.match(String(response.headers['content-type']), /application\/problem\+json/);
      return response.json<{ errors: { field: string; code: string }[] }>().errors.map((e) => `${e.field} ${e.code}`);
    };
    assert.deepEqual(await problem('?from=2026-01-01&to=2026-04-01'), ['from stats.period_too_long']);
    assert.deepEqual(await problem('?from=2026-03-02&to=2026-03-01'), ['from stats.period_reversed']);
    assert.deepEqual(await problem('?from=2026-02-30'), ['from stats.day_invalid']);
    assert.deepEqual((await problem('?to=yesterday')).map((p) => p.split(' ')[0]), ['to']);
    assert.deepEqual((await problem('?by=country')).map((p) => p.split(' ')[0]), ['by']);
    assert.deepEqual((await problem('?colour=red')).map((p) => p.split(' ')[0]), ['colour']);
    const ninety = await read('sign-ins?from=2026-01-01&to=2026-03-31');
    assert.equal(ninety.days.length, 90);
  });

  test('only credentials with stats:read on this tenant read statistics: analysts may, support may not, another tenant’s gets 404', async () => {
    await createTenant(node.server, 'other-shop');
    const withoutScope = await machineToken(node.server, ['apps:read']);
    assert.equal((await callAdmin(node.server, withoutScope, 'GET', `/tenants/${slug}/stats/sign-ups`)).statusCode, 403);
    const elsewhere = await machineToken(node.server, ['stats:read'], { tenant: 'other-shop' });
    assert.equal((await callAdmin(node.server, elsewhere, 'GET', `/tenants/${slug}/stats/sign-ups`)).statusCode, 404);
    assert.equal((await callAdmin(node.server, elsewhere, 'GET', '/tenants/other-shop/stats/sign-ups')).statusCode, 200);
    assert.equal((await callAdmin(node.server, undefined, 'GET', `/tenants/${slug}/stats/sign-ups`)).statusCode, 401);
    const analyst = await staffToken(node, 'analyst');
    for (const path of ['sign-ups', 'sign-ins', 'failures', 'active', 'funnel']) {
      assert.equal((await callAdmin(node.server, analyst.token, 'GET', `/tenants/${slug}/stats/${path}`)).statusCode, 200, path);
    }
    const support = await staffToken(node, 'support');
    assert.equal((await callAdmin(node.server, support.token, 'GET', `/tenants/${slug}/stats/funnel`)).statusCode, 403);
  });

  test('the OpenAPI document lists the statistics routes with their scope, query and answer', async () => {
    const document = (await callAdmin(node.server, undefined, 'GET', '/openapi.json')).json<{ paths: Record<string, Record<string, { operationId: string; security: Record<string, string[]>[]; parameters: { name: string; in: string }[]; responses: Record<string, unknown> }>> }>();
    const expected = { 'sign-ups': 'getSignUpStats', 'sign-ins': 'getSignInStats', failures: 'getSignInFailureStats', active: 'getActiveCustomerStats', funnel: 'getSignUpFunnelStats' };
    for (const [path, operationId] of Object.entries(expected)) {
      const operation = document.paths[`/tenants/{tenant}/stats/${path}`]?.['get'];
      assert.equal(operation?.operationId, operationId);
      assert.deepEqual(operation?.security, [{ adminToken: ['stats:read'] }]);
      assert.ok(operation?.parameters.some((p) => p.in === 'query' && p.name === 'from'), `${path} takes from`);
      assert.ok(operation?.responses['200'], `${path} declares its answer`);
    }
  });
});
