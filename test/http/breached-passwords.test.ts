// The breached-password check as configured (BREACHED_PASSWORDS_URL), against a local fake of the
// Pwned Passwords range service over HTTP: a listed password is refused at sign-up (hosted page and
// JSON API), at a recovery reset and at a change in the account portal; when the service errs or
// does not answer in time, the password goes through and the outage is logged.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import { codeIn } from '../helpers/mailbox.ts';
import { PASSWORD, uniqueEmail } from '../helpers/oidc-clients.ts';

const BREACHED = 'summer holidays 2019';
const sha1 = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex').toUpperCase();

type Behaviour = 'range' | 'error' | 'hang';
let behaviour: Behaviour = 'range';
let prefixesAsked: string[] = [];
let range: Server;
let rangeUrl: string;

before(async () => {
  range = createServer((request, response) => {
    const prefix = (request.url ?? '').split('/').pop() ?? '';
    prefixesAsked.push(prefix);
    if (behaviour === 'hang') return;
    if (behaviour === 'error') return void response.writeHead(503).end('down for maintenance');
    // As the real service answers: suffix:count lines, padding with count 0.
    const lines = ['0018A45C4D1DEF81644B54AB7F969B88D65:3', 'FFFFF0B6A4B0C6E4D9C2B7A85F4F2E6A9D1:0'];
    if (sha1(BREACHED).startsWith(prefix)) lines.push(`${sha1(BREACHED).slice(5)}:1204`);
    response.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
  });
  await new Promise<void>((resolve) => range.listen(0, '127.0.0.1', resolve));
  rangeUrl = `http://127.0.0.1:${(range.address() as AddressInfo).port}/range`;
});
after(async () => {
  range.closeAllConnections();
  await new Promise((resolve) => range.close(resolve));
});
beforeEach(() => {
  behaviour = 'range';
  prefixesAsked = [];
});

describeEachEngine('breached passwords', (current) => {
  let node: ListeningServer;
  before(async () => {
    // Long enough that a busy machine's local fake still answers in time (300 ms did not, at a load
    // of 14 on two cores); the silent service's test waits it out once per engine.
    node = await startListeningServer(current().engine, { BREACHED_PASSWORDS_URL: rangeUrl, BREACHED_PASSWORDS_TIMEOUT_MS: '2000' });
  });
  after(async () => {
    await node?.stop();
  });

  const post = (path: string, payload?: unknown) => node.server.app.inject({ method: 'POST', url: path, payload: payload as object });

  /** A registration flow of the JSON API, submitted with `password`. */
  async function apiSignUp(email: string, password: string) {
    const created = (await post('/flows/registration')).json() as { id: string };
    return { id: created.id, response: await post(`/flows/registration/${created.id}`, { traits: { email }, password }) };
  }

  test('the hosted sign-up refuses a listed password in the customer’s language, and takes another', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox, acceptLanguage: 'de' });
    const signIn = await browser.open(`${node.url}/account`);
    const signUpPage = await browser.open(`${signIn.url.origin}${signIn.url.pathname}?screen=signup`);
    const email = uniqueEmail('hosted');
    const refused = await browser.submit(requireForm(signUpPage, isAction('/signup')), { email, password: BREACHED });
    assert.equal(refused.status, 400);
    assert.match(textOf(refused.html), /Dieses Passwort ist bereits in einem Datenleck aufgetaucht/);
    assert.match(refused.html, /id="field-password"[^>]*aria-invalid="true"/);
    assert.deepEqual(prefixesAsked, [sha1(BREACHED).slice(0, 5)], 'only the 5-character prefix left the server');
    assert.equal(await node.server.stores.identities.findByAddress(node.server.defaultTenant.id, 'email', email), undefined);

    const accepted = await browser.submit(requireForm(refused, isAction('/signup')), { email, password: PASSWORD });
    assert.equal(accepted.status, 200);
    assert.ok(findForm(accepted, isAction('/code')), 'on to the emailed code');
  });

  test('the JSON API refuses it at sign-up and at a recovery reset', async () => {
    const email = uniqueEmail('api');
    const refused = await apiSignUp(email, BREACHED);
    assert.equal(refused.response.statusCode, 400);
    assert.deepEqual(refused.response.json().errors.map((error: { field: string; code: string }) => [error.field, error.code]), [['password', 'password.breached']]);
    const accepted = await post(`/flows/registration/${refused.id}`, { traits: { email }, password: PASSWORD });
    assert.equal(accepted.statusCode, 200, accepted.body);
    const code = codeIn(await node.server.mailbox.next(email, 'verify_email'));
    assert.equal((await post(`/flows/registration/${refused.id}/code`, { code })).statusCode, 200);

    const recovery = (await post('/flows/recovery')).json() as { id: string };
    assert.equal((await post(`/flows/recovery/${recovery.id}`, { email })).statusCode, 200);
    const recoveryCode = codeIn(await node.server.mailbox.next(email, 'recover_password'));
    assert.equal((await post(`/flows/recovery/${recovery.id}/code`, { code: recoveryCode })).statusCode, 200);
    const breachedReset = await post(`/flows/recovery/${recovery.id}/password`, { password: BREACHED });
    assert.equal(breachedReset.statusCode, 400);
    assert.equal(breachedReset.json().errors[0].code, 'password.breached');
    const reset = await post(`/flows/recovery/${recovery.id}/password`, { password: 'another long passphrase' });
    assert.equal(reset.statusCode, 200, reset.body);
  });

  test('a change in the account portal refuses it', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const email = uniqueEmail('portal');
    await browser.drive(await browser.open(`${node.url}/account/password`), { credentials: { email, password: PASSWORD }, signUp: true });
    const page = await browser.open(`${node.url}/account/password`);
    const refused = await browser.submit(requireForm(page, isAction('/account/password')), { current_password: PASSWORD, new_password: BREACHED });
    assert.equal(refused.status, 400);
    assert.match(textOf(refused.html), /This password has appeared in a data breach/);
    assert.ok(prefixesAsked.includes(sha1(BREACHED).slice(0, 5)));
  });

  for (const [failure, reason] of [['error', 'answered 503'], ['hang', 'no answer within 2000 ms']] as const) {
    test(`when the service ${failure === 'error' ? 'errs' : 'does not answer in time'}, the password goes through and the outage is logged`, async () => {
      behaviour = failure;
      const logged = node.server.logs.length;
      const { response } = await apiSignUp(uniqueEmail(failure), BREACHED);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(prefixesAsked.length, 1, 'the service was asked');
      const warnings = node.server.logs.slice(logged).filter((line) => line['msg'] === 'breached-password check unavailable: the password was accepted unchecked');
      assert.deepEqual(warnings.map((line) => [line['level'], line['reason'], line['service']]), [[40, reason, rangeUrl]]);
      assert.ok(!JSON.stringify(warnings).includes(BREACHED));
    });
  }
});
