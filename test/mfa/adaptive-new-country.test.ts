// Adaptive MFA's new-country signal (GEOIP_DATABASE, ADR 0025's amendment), as a native app meets it
// through the JSON flows API: with a GeoIP database written here (203.0.113.0/24 in DE,
// 198.51.100.0/24 in FR), a customer who signed in from DE on a device the account knows is not
// asked there, is asked for the second factor from FR until a sign-in from FR completes, and an
// address with no country (loopback) is no signal. Erasing the customer erases their countries.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant, PASSWORD, uniqueEmail } from '../helpers/oidc-clients.ts';
import { totpCode } from '../helpers/second-factor.ts';
import { writeMmdb } from '../helpers/mmdb-writer.ts';
import { createIdentityByOperator, deleteIdentity } from '../../src/domain/identity/identities.service.ts';

type Json = Record<string, any>;

const GERMANY = '203.0.113.5';
const FRANCE = '198.51.100.7';
const PASSWORD_ACR = 'urn:foyer:acr:password';
const MFA_ACR = 'urn:foyer:acr:mfa';

describeEachEngine('adaptive MFA: a sign-in from a new country', (current) => {
  let server: TestServer;
  before(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'foyer-geoip-'));
    const database = path.join(dir, 'countries.mmdb');
    writeFileSync(database, writeMmdb([
      { network: '203.0.113.0', prefixLength: 24, data: { country: { iso_code: 'DE' } } },
      { network: '198.51.100.0', prefixLength: 24, data: { country: { iso_code: 'FR' } } },
    ]));
    server = await createTestServer(current().engine, { GEOIP_DATABASE: database });
  });
  after(async () => {
    await server.stop();
  });

  const post = async (url: string, payload: unknown, remoteAddress: string) => {
    const response = await server.app.inject({ method: 'POST', url, payload: payload as object, remoteAddress });
    return { status: response.statusCode, body: (response.body ? response.json() : {}) as Json };
  };

  /** The app's password sign-in from `remoteAddress`, with the device token of an earlier one when given. */
  async function signIn(prefix: string, email: string, remoteAddress: string, deviceToken?: string, query = '') {
    const created = await post(`${prefix}/flows/login${query}`, undefined, remoteAddress);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const answer = await post(`${prefix}/flows/login/${created.body['id']}`, { identifier: email, password: PASSWORD, ...(deviceToken ? { device_token: deviceToken } : {}) }, remoteAddress);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body;
  }

  test('asked from a country the customer never signed in from, not from one they did; the new country counts once a sign-in from it completes; loopback is no signal', async () => {
    const tenant = await createTenant(server, `geoip-${process.pid}-${current().engine}`, { mfa: { policy: 'adaptive' } });
    const prefix = `/t/${tenant.slug}`;
    const email = uniqueEmail('geoip');
    const ida = await createIdentityByOperator({ transaction: server.transaction, tenants: server.stores.tenants }, tenant.id, { traits: { email }, password: PASSWORD, verified: true }, { type: 'operator', id: 'test' });

    // First sign-in, from DE on a new device, where the app asks for the MFA class (adaptive asks
    // only customers who have a factor): the authenticator app is set up; the sign-in completes from DE.
    const first = await signIn(prefix, email, GERMANY, undefined, `?acr_values=${encodeURIComponent(MFA_ACR)}`);
    const deviceToken = first['device_token'] as string;
    assert.equal(typeof deviceToken, 'string');
    const enrolment = first['flow'].ui.enrolment;
    const secret = enrolment.secret as string;
    const enrolled = await post(new URL(first['flow'].ui.action).pathname, { enrolment: enrolment.enrolment, code: totpCode(secret) }, GERMANY);
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
    assert.deepEqual(await server.stores.signInCountries.countriesOf(tenant.id, ida.id), ['DE']);

    // The same device from DE again: nothing is risky.
    const home = await signIn(prefix, email, GERMANY, deviceToken);
    assert.equal(home['session']?.acr, PASSWORD_ACR, JSON.stringify(home));

    // The same device from FR: the new country alone asks for the second factor.
    const abroad = await signIn(prefix, email, FRANCE, deviceToken);
    assert.equal(abroad['session'], undefined, 'no session before the second factor');
    assert.equal(abroad['flow'].type, 'second_factor');
    assert.deepEqual(abroad['flow'].ui.factors.map((factor: Json) => factor['method']).sort(), ['recovery_code', 'totp']);
    // The step left unfinished teaches nothing: FR is still new.
    assert.deepEqual(await server.stores.signInCountries.countriesOf(tenant.id, ida.id), ['DE']);

    // DE again is not asked; neither is an address with no country.
    assert.equal((await signIn(prefix, email, GERMANY, deviceToken))['session']?.acr, PASSWORD_ACR);
    assert.equal((await signIn(prefix, email, '127.0.0.1', deviceToken))['session']?.acr, PASSWORD_ACR);

    // From FR with the factor: the sign-in completes, FR is the customer's, and the next one from FR is not asked.
    const asked = await signIn(prefix, email, FRANCE, deviceToken);
    assert.equal(asked['flow'].type, 'second_factor');
    const verified = await post(new URL(asked['flow'].ui.action).pathname, { method: 'totp', code: totpCode(secret, Date.now() + 30_000) }, FRANCE);
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    assert.equal(verified.body['session'].acr, MFA_ACR);
    assert.deepEqual([...(await server.stores.signInCountries.countriesOf(tenant.id, ida.id))].sort(), ['DE', 'FR']);
    assert.equal((await signIn(prefix, email, FRANCE, deviceToken))['session']?.acr, PASSWORD_ACR);

    // Erasure takes the countries with the customer.
    await deleteIdentity({ transaction: server.transaction }, tenant.id, ida.id, { type: 'operator', id: 'test' });
    assert.deepEqual(await server.stores.signInCountries.countriesOf(tenant.id, ida.id), []);
  });
});
