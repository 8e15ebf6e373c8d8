// Inputs that once reached a 500 (issue 13 item 5): prototype keys as a language or a portal notice,
// POST /device without a session, NUL bytes and lone surrogates in string parameters, integers past
// what the database holds, and the answers of the router and of Node's parser. Each is a 4xx in
// its surface's own format with the security headers, and nothing reaches stderr.
import { after, afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession } from '../helpers/browser-session.ts';
import type { BrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, basic, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';
import { REQUIRED_SECURITY_HEADERS } from '../../src/http/security-headers.ts';

const CALLBACK = 'https://shop.example.test/callback';
const PKCE = { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };
const PROTOTYPE_KEYS = ['__proto__', 'constructor'];

type Answer = { status: number; headers: Headers; text: string };

function assertSecurityHeaders(answer: { headers: Headers }, where: string): void {
  for (const name of REQUIRED_SECURITY_HEADERS) assert.ok(answer.headers.get(name), `${where}: ${name}`);
}

describeEachEngine('malformed input', (current) => {
  let node: ListeningServer;
  let web: RegisteredApplication;
  let machine: RegisteredApplication;
  let rp: client.Configuration;
  let customer: { browser: BrowserSession; email: string; accessToken: string };
  let stderr: string[] = [];
  let write: typeof process.stderr.write;

  before(async () => {
    node = await startListeningServer(current().engine);
    web = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Shop', kind: 'web', firstParty: true, redirectUris: [CALLBACK] });
    machine = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Reports', kind: 'machine' });
    rp = await relyingParty(node.url, web);
    const email = uniqueEmail('malformed');
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const { tokens } = await authorizationCodeFlow(rp, { redirectUri: CALLBACK, scope: 'openid email account' }, (url) => browser.signUpAndAuthorize(url, { email, password: PASSWORD }));
    customer = { browser, email, accessToken: tokens.access_token };
  });
  after(async () => {
    await node?.stop();
  });
  // Everything written to stderr while a test runs: the server logs only to its JSON log.
  beforeEach(() => {
    stderr = [];
    write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
  });
  afterEach(() => {
    process.stderr.write = write;
    assert.deepEqual(stderr, [], 'nothing on stderr');
  });

  async function fetchAnswer(path: string, init: RequestInit = {}): Promise<Answer> {
    const response = await fetch(`${node.url}${path}`, { redirect: 'manual', ...init });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }
  const authorizeUrl = (extra: Record<string, string> = {}) => client.buildAuthorizationUrl(rp, { redirect_uri: CALLBACK, scope: 'openid email', ...PKCE, ...extra });
  const langOf = (html: string) => /<html lang="([^"]+)"/.exec(html)?.[1];

  test('__proto__ and constructor as a language: the page in the default language, on every page that negotiates one', async () => {
    for (const key of PROTOTYPE_KEYS) {
      const pages: [string, Answer][] = [];
      // The hosted sign-in page, by ?lang=, ui_locales, Accept-Language and the language cookie.
      const signIn = await createBrowserSession().open(authorizeUrl({ ui_locales: key }));
      assert.equal(signIn.status, 200, `ui_locales=${key}`);
      assert.equal(langOf(signIn.html), 'en');
      const interaction = signIn.url.pathname;
      const variants: { headers?: Record<string, string> }[] = [{ headers: { 'accept-language': key } }, { headers: { cookie: `foyer_lang=${key}` } }, {}];
      for (const init of variants) {
        const query = init.headers ? '' : `?lang=${key}`;
        pages.push([`${interaction}${query} ${JSON.stringify(init)}`, await fetchAnswer(`${interaction}${query}`, init)]);
        pages.push([`/verify${query}`, await fetchAnswer(`/verify${query}`, init)]);
        pages.push([`/recovery${query}`, await fetchAnswer(`/recovery${query}`, init)]);
        pages.push([`/device${query}`, await fetchAnswer(`/device${query}`, init)]);
        // The /auth error page (an unknown client), in a browser.
        pages.push([`/auth error${query}`, await fetchAnswer(`/auth?client_id=nobody&ui_locales=${key}${query ? `&lang=${key}` : ''}`, { headers: { accept: 'text/html', ...(init.headers ?? {}) } })]);
        // The portal, signed in.
        const cookie = [customer.browser.cookiesFor(`${node.url}/account`), ...(init.headers?.['cookie'] ? [init.headers['cookie']] : [])].join('; ');
        pages.push([`/account${query}`, await fetchAnswer(`/account${query}`, { headers: { ...(init.headers ?? {}), cookie } })]);
      }
      for (const [where, answer] of pages) {
        assert.ok(answer.status < 500, `${where} (${key}): ${answer.status}`);
        assertSecurityHeaders(answer, where);
        if (answer.headers.get('content-type')?.startsWith('text/html')) assert.equal(langOf(answer.text), 'en', where);
      }
      // The flows API: a recovery mail in the default language, and the same answer as for any address.
      const flow = (await (await fetchAnswer('/flows/recovery', { method: 'POST' })).text) as string;
      const { id } = JSON.parse(flow) as { id: string };
      const recovery = await fetchAnswer(`/flows/recovery/${id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-language': key }, body: JSON.stringify({ email: customer.email }) });
      assert.equal(recovery.status, 200, recovery.text);
    }
  });

  test('__proto__ and constructor as the portal\'s ?done= show no notice', async () => {
    const cookie = customer.browser.cookiesFor(`${node.url}/account`);
    for (const key of PROTOTYPE_KEYS) {
      const page = await fetchAnswer(`/account?done=${key}`, { headers: { cookie } });
      assert.equal(page.status, 200, `done=${key}`);
      assert.doesNotMatch(page.text, /class="notice"/);
    }
    const saved = await fetchAnswer('/account?done=saved', { headers: { cookie } });
    assert.match(saved.text, /class="notice"/, 'a known notice still shows');
  });

  test('POST /device without a session cookie: a 400 page with the security headers', async () => {
    for (const body of ['user_code=ABCD-EFGH', 'xsrf=x&user_code=ABCD-EFGH&confirm=yes', '']) {
      const answer = await fetchAnswer('/device', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body });
      assert.equal(answer.status, 400, `${body}: ${answer.text.slice(0, 200)}`);
      assert.match(answer.headers.get('content-type') ?? '', /^text\/html/);
      assertSecurityHeaders(answer, 'POST /device');
    }
    assert.equal(node.server.logs.filter((line) => Number(line['level']) >= 50).length, 0, 'no error logged');
  });

  test('GET /device answers with Cache-Control: no-store', async () => {
    const page = await fetchAnswer('/device');
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-store');
  });

  test('a NUL byte or a lone surrogate in a string parameter is a 400 in each surface\'s format', async () => {
    const json = (body: string) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const form = (body: string) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const login = JSON.parse((await fetchAnswer('/flows/login', { method: 'POST' })).text) as { id: string };
    const registration = JSON.parse((await fetchAnswer('/flows/registration', { method: 'POST' })).text) as { id: string };
    const problems: [string, Answer][] = [
      ['flows sign-in, NUL in the identifier', await fetchAnswer(`/flows/login/${login.id}`, json(JSON.stringify({ identifier: 'a\u0000b@example.com', password: PASSWORD })))],
      ['flows sign-in, lone surrogate in the identifier', await fetchAnswer(`/flows/login/${login.id}`, json('{"identifier":"x\\ud800@example.com","password":"p"}'))],
      ['flows sign-up, NUL in a trait', await fetchAnswer(`/flows/registration/${registration.id}`, json(JSON.stringify({ traits: { email: 'n\u0000@example.com' }, password: PASSWORD })))],
      ['flow id with NUL', await fetchAnswer('/flows/a%00b')],
      ['Account API, NUL in a path id', await fetchAnswer('/api/account/sessions/a%00b', { method: 'DELETE', headers: { authorization: `Bearer ${customer.accessToken}` } })],
      ['a tenant slug with NUL', await fetchAnswer('/t/a%00b/flows/login', { method: 'POST' })],
      ['Account API, a tenant slug with NUL (read before any handler, for CORS)', await fetchAnswer('/t/a%00b/api/account/profile', { headers: { authorization: `Bearer ${customer.accessToken}`, origin: 'https://shop.example.test' } })],
    ];
    for (const [where, answer] of problems) {
      assert.equal(answer.status, 400, `${where}: ${answer.text.slice(0, 200)}`);
      assert.equal(answer.headers.get('content-type'), 'application/problem+json; charset=utf-8', where);
      assert.equal((JSON.parse(answer.text) as { code: string }).code, 'request.invalid', where);
      assertSecurityHeaders(answer, where);
    }
    // Protocol endpoints: OAuth's own error format.
    const oauth: [string, Answer][] = [
      ['token, NUL in client_id', await fetchAnswer('/token', form('grant_type=client_credentials&client_id=a%00b&client_secret=x'))],
      ['token, NUL in scope', await fetchAnswer('/token', { ...form('grant_type=client_credentials&scope=a%00b'), headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(machine.application.id, machine.clientSecret!) } })],
      ['token, JSON with a lone surrogate', await fetchAnswer('/token', json('{"grant_type":"client_credentials","client_id":"\\udc00"}'))],
      ['introspection, NUL in the token', await fetchAnswer('/token/introspection', { ...form('token=a%00b'), headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(machine.application.id, machine.clientSecret!) } })],
      ['PAR, NUL in state', await fetchAnswer('/request', { ...form(`response_type=code&redirect_uri=${encodeURIComponent(CALLBACK)}&scope=openid&state=a%00b&code_challenge=${PKCE.code_challenge}&code_challenge_method=S256`), headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(web.application.id, web.clientSecret!) } })],
      ['authorization, NUL in client_id', await fetchAnswer('/auth?client_id=a%00b&response_type=code')],
    ];
    for (const [where, answer] of oauth) {
      assert.equal(answer.status, 400, `${where}: ${answer.text.slice(0, 200)}`);
      assert.equal((JSON.parse(answer.text) as { error: string }).error, 'invalid_request', where);
      assertSecurityHeaders(answer, where);
    }
    // Hosted pages: a page.
    const signIn = await createBrowserSession().open(authorizeUrl());
    const page = await fetchAnswer(`${signIn.url.pathname}/signin`, form('email=a%00b%40example.com&password=x&csrf_token=x'));
    assert.equal(page.status, 400);
    assert.match(page.text, /^<!doctype html>/);
    assertSecurityHeaders(page, 'hosted sign-in');
    // Nothing refused here was copied into the log.
    const logged = JSON.stringify(node.server.logs);
    assert.doesNotMatch(logged, /\\u0000|\\ud800|x\\\\ud800@example/);
    assert.equal(node.server.logs.filter((line) => Number(line['level']) >= 50).length, 0, 'no error logged');
  });

  test('GET /api/account/activity?before= past what a timestamp can be is a 400 problem', async () => {
    const headers = { authorization: `Bearer ${customer.accessToken}` };
    for (const before of ['99999999999999999999', '9223372036854775808', String(Number.MAX_SAFE_INTEGER + 2)]) {
      const answer = await fetchAnswer(`/api/account/activity?before=${before}`, { headers });
      assert.equal(answer.status, 400, `${before}: ${answer.text}`);
      const problem = JSON.parse(answer.text) as { code: string; errors: { field: string }[] };
      assert.equal(problem.code, 'request.invalid');
      assert.deepEqual(problem.errors.map((error) => error.field), ['before']);
    }
    assert.equal((await fetchAnswer(`/api/account/activity?before=${Date.now()}`, { headers })).status, 200);
  });

  test('the router\'s 400 and 414 and Node\'s 431 carry the security headers', async () => {
    const badUrl = await fetchAnswer('/flows/%E0%A4%A');
    assert.equal(badUrl.status, 400);
    assertSecurityHeaders(badUrl, 'router 400');
    const longParam = await fetchAnswer(`/flows/${'a'.repeat(500)}`);
    assert.equal(longParam.status, 414);
    assertSecurityHeaders(longParam, 'router 414');
    // Headers past Node's limit (16 KiB): answered by the HTTP parser, before any route.
    const raw = await rawExchange(node.url, `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(raw, /^HTTP\/1\.1 431 /);
    for (const name of REQUIRED_SECURITY_HEADERS) assert.match(raw, new RegExp(`\r\n${name}: `, 'i'), `431: ${name}`);
    assert.match(raw, /application\/problem\+json/);
  });
});

/** One request written straight to a socket, and everything the server sends back until it closes. */
function rawExchange(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', (error) => (received ? resolve(received) : reject(error)));
    socket.on('close', () => resolve(received));
  });
}
