// Malformed input to every registered route, generated from Fastify's route table (an onRoute hook
// in buildApp) with the path parameters filled: wrong types, oversized values, NUL bytes, lone
// surrogates, prototype keys, huge integers, JSON where a form is expected and the reverse, in the
// path, query, body, cookies and Accept-Language. Any 5xx, any answer without the security headers,
// or anything written to stderr outside pino's JSON log fails the test. The seed is fixed, so a
// failure names a case that fails the same way again; the run is bounded in time (FUZZ_BUDGET_MS,
// default 4 s per engine; FUZZ_SEED explores other cases), and every route gets at least one round whatever the machine's speed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, basic, createTenant, PASSWORD, pkcePair, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';
import { headerPart, hostileAcceptLanguage, hostileBody, hostileQuery, hostileString, pick, seededRandom, urlPart } from '../helpers/fuzz-input.ts';
import type { Random } from '../helpers/fuzz-input.ts';
import { REQUIRED_SECURITY_HEADERS } from '../../src/http/security-headers.ts';
import { ROUTES } from '../../src/http/oidc/provider.ts';

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x13f0a5);
const BUDGET_MS = Number(process.env['FUZZ_BUDGET_MS'] ?? 4_000);
const CALLBACK = 'https://shop.example.test/callback';

/** What the fuzzer knows of this server, so that some requests get past the first check. */
type Known = {
  readonly web: RegisteredApplication;
  readonly machine: RegisteredApplication;
  readonly email: string;
  readonly accessToken: string;
  readonly sessionCookies: string;
  readonly interactionUid: string;
  readonly interactionCookies: string;
  readonly flowIds: readonly string[];
};

describeEachEngine('route fuzz', (current) => {
  let node: ListeningServer;
  let known: Known;

  before(async () => {
    node = await startListeningServer(current().engine);
    const tenantId = node.server.defaultTenant.id;
    await createTenant(node.server, 'acme');
    const web = await registerApplication(node.server, tenantId, { name: 'Shop', kind: 'web', firstParty: true, redirectUris: [CALLBACK] });
    const machine = await registerApplication(node.server, tenantId, { name: 'Reports', kind: 'machine' });
    // A signed-in customer: a browser session for the portal and an access token for the Account API.
    const email = uniqueEmail('fuzz');
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const rp = await relyingParty(node.url, web);
    const { tokens } = await authorizationCodeFlow(rp, { redirectUri: CALLBACK, scope: 'openid email account' }, (url) => browser.signUpAndAuthorize(url, { email, password: PASSWORD }));
    // An interaction waiting for its sign-in, with the cookies that bind it to a browser.
    const stranger = createBrowserSession();
    const { challenge } = await pkcePair();
    const page = await stranger.open(client.buildAuthorizationUrl(rp, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }));
    const interactionUid = /\/interaction\/([^/?]+)/.exec(page.url.pathname)?.[1];
    assert.ok(interactionUid, 'the authorization request leads to an interaction');
    const flowIds: string[] = [];
    for (const type of ['login', 'registration', 'recovery']) {
      const created = await node.server.app.inject({ method: 'POST', url: `/flows/${type}` });
      flowIds.push((created.json() as { id: string }).id);
    }
    known = {
      web,
      machine,
      email,
      accessToken: tokens.access_token,
      sessionCookies: browser.cookiesFor(`${node.url}/account`),
      interactionUid,
      interactionCookies: stranger.cookiesFor(page.url),
      flowIds,
    };
  });
  after(async () => {
    await node?.stop();
  });

  test('no route answers malformed input with a 5xx, without security headers, or with output on stderr', async () => {
    const routes = node.server.routes.filter((route) => route.method !== 'HEAD' || route.url === '/account');
    assert.ok(routes.length > 100, `the route table lists the routes (${routes.length})`);
    const failures: string[] = [];
    const stderr: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    const deadline = Date.now() + BUDGET_MS;
    let sent = 0;
    try {
      for (let index = 0; index < routes.length || Date.now() < deadline; index++) {
        const route = routes[index % routes.length]!;
        const request = requestFor(route, seededRandom(SEED ^ Math.imul(index + 1, 0x9e3779b1)), known);
        const response = await node.server.app.inject(request);
        sent += 1;
        const missing = REQUIRED_SECURITY_HEADERS.filter((name) => response.headers[name] === undefined);
        if (response.statusCode >= 500 || missing.length > 0) {
          failures.push(`case ${index}: ${request.method} ${request.url.slice(0, 200)} [${request.headers['content-type'] ?? 'no body'}] → ${response.statusCode}${missing.length ? ` missing ${missing.join(', ')}` : ''}: ${response.body.slice(0, 160)}`);
        }
      }
    } finally {
      process.stderr.write = write;
    }
    const errors = node.server.logs.filter((line) => Number(line['level']) >= 50).map((line) => `${String(line['msg'])}: ${String((line['err'] as { stack?: string } | undefined)?.stack ?? '').slice(0, 900)}`);
    assert.equal(failures.length, 0, `${failures.length} of ${sent} requests failed:\n${failures.slice(0, 15).join('\n')}\nlogged:\n${[...new Set(errors)].slice(0, 15).join('\n')}`);
    assert.equal(stderr.length, 0, `nothing is written to stderr outside the JSON log:\n${stderr.join('').slice(0, 2_000)}`);
    assert.equal(errors.length, 0, `no request logged an error:\n${[...new Set(errors)].slice(0, 15).join('\n')}`);
  });
});

type FuzzRequest = { method: string; url: string; headers: Record<string, string>; payload?: string | Buffer };

/** Path suffixes of the protocol endpoints, for the provider's wildcard routes. */
const PROTOCOL_PATHS = [...Object.values(ROUTES).map((path) => path.slice(1)), 'session/end/confirm', 'device/confirm', '.well-known/openid-configuration', 'token/introspection'];

function requestFor(route: { method: string; url: string }, random: Random, known: Known): FuzzRequest {
  const real = (name: string): string => {
    switch (name) {
      case 'slug':
        return pick(random, ['acme', 'default', 'missing']);
      case 'uid':
        return known.interactionUid;
      case 'id':
        return pick(random, known.flowIds);
      case 'clientId':
        return known.web.application.id;
      default:
        return 'x';
    }
  };
  const path = route.url
    .replace(/:(\w+)/g, (_whole, name: string) => urlPart(random() < 0.6 ? real(name) : hostileString(random)))
    .replace(/\*$/, () => (random() < 0.7 ? pick(random, PROTOCOL_PATHS) : urlPart(hostileString(random))));
  const plausible: Record<string, string> = {
    client_id: random() < 0.5 ? known.web.application.id : known.machine.application.id,
    redirect_uri: CALLBACK,
    response_type: 'code',
    scope: pick(random, ['openid', 'openid email account', 'account', 'openid offline_access']),
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    grant_type: pick(random, ['client_credentials', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code']),
    email: known.email,
    identifier: known.email,
    password: PASSWORD,
    lang: pick(random, ['de', '__proto__', 'constructor']),
  };
  const headers: Record<string, string> = { 'accept-language': hostileAcceptLanguage(random) };
  const cookies: string[] = [];
  if (random() < 0.6) cookies.push(known.sessionCookies);
  if (random() < 0.6) cookies.push(known.interactionCookies);
  if (random() < 0.5) cookies.push(`foyer_lang=${pick(random, ['__proto__', 'constructor', 'de', '%00', '%ED%A0%80', 'toString'])}`);
  if (random() < 0.2) cookies.push(headerPart(`${pick(random, ['_session', '_interaction', '_interaction_resume', 'foyer_portal'])}=${hostileString(random)}`));
  if (cookies.length) headers['cookie'] = cookies.filter(Boolean).join('; ');
  const authorization = random();
  if (authorization < 0.3) headers['authorization'] = `Bearer ${known.accessToken}`;
  else if (authorization < 0.4) headers['authorization'] = headerPart(`Bearer ${hostileString(random)}`);
  else if (authorization < 0.5 && known.machine.clientSecret) headers['authorization'] = basic(known.machine.application.id, known.machine.clientSecret);
  else if (authorization < 0.55) headers['authorization'] = 'Basic %%%';
  if (random() < 0.1) headers['origin'] = pick(random, ['https://shop.example.test', 'null', 'https://evil.example']);
  const query = hostileQuery(random, plausible);
  const request: FuzzRequest = { method: route.method, url: query ? `${path}?${query}` : path, headers };
  if (route.method !== 'GET' && route.method !== 'HEAD' && route.method !== 'OPTIONS') {
    const body = hostileBody(random, plausible);
    if (body.contentType) headers['content-type'] = body.contentType;
    if (body.payload !== undefined) request.payload = body.payload;
  }
  return request;
}
