// Sender-constrained tokens and resource indicators, through oauth4webapi: DPoP binds a public
// client's tokens to its key (RFC 9449), and a tenant's declared APIs are the only valid `resource`
// values, each getting a JWT access token addressed to it (RFC 8707).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { calculateJwkThumbprint, createRemoteJWKSet, jwtVerify } from 'jose';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession } from '../helpers/browser-session.ts';
import { createTenant, PASSWORD, registerApplication, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';

const SPA_CALLBACK = 'https://spa.example.test/callback';
const ORDERS_API = 'https://orders.example.test/';
const STOCK_API = 'https://stock.example.test/';
// The test server speaks plain http on 127.0.0.1.
const HTTP = { [oauth.allowInsecureRequests]: true } as const;

async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer);
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, HTTP));
}

describeEachEngine('DPoP and resource indicators with oauth4webapi', (current) => {
  let node: ListeningServer;
  let as: oauth.AuthorizationServer;
  let spa: oauth.Client;
  let apisIssuer: string;
  let apisServer: oauth.AuthorizationServer;
  let reporting: RegisteredApplication;

  before(async () => {
    node = await startListeningServer(current().engine);
    const registered = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'SPA', kind: 'spa', redirectUris: [SPA_CALLBACK] });
    spa = { client_id: registered.application.id };
    as = await discover(node.url);
    const tenant = await createTenant(node.server, 'shop', {
      apis: [
        { identifier: ORDERS_API, scopes: ['orders:read', 'orders:write'], accessTokenTtl: 900 },
        { identifier: STOCK_API, scopes: ['stock:read'] },
      ],
    });
    reporting = await registerApplication(node.server, tenant.id, { name: 'Reporting', kind: 'machine', tokenLifetimes: { accessToken: 1200 } });
    apisIssuer = `${node.url}/t/shop`;
    apisServer = await discover(apisIssuer);
  });
  after(async () => {
    await node?.stop();
  });

  test('DPoP: the tokens are bound to the client key; userinfo takes them with a proof, never as bare bearer tokens', async () => {
    const keyPair = await oauth.generateKeyPair('ES256');
    const dpop = oauth.DPoP(spa, keyPair);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const authorizationUrl = new URL(as.authorization_endpoint!);
    authorizationUrl.search = new URLSearchParams({
      client_id: spa.client_id,
      redirect_uri: SPA_CALLBACK,
      response_type: 'code',
      scope: 'openid email',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const email = uniqueEmail('dpop');
    const callback = await createBrowserSession({ mailbox: node.server.mailbox }).signUpAndAuthorize(authorizationUrl, { email, password: PASSWORD });
    const parameters = oauth.validateAuthResponse(as, spa, callback, state);
    const response = await oauth.authorizationCodeGrantRequest(as, spa, oauth.None(), parameters, SPA_CALLBACK, verifier, { DPoP: dpop, ...HTTP });
    const tokens = await oauth.processAuthorizationCodeResponse(as, spa, response);
    assert.equal(tokens.token_type, 'dpop');

    const introspection = await oauth.processIntrospectionResponse(as, spa, await oauth.introspectionRequest(as, spa, oauth.None(), tokens.access_token, HTTP));
    assert.equal(introspection.active, true);
    assert.equal(introspection.token_type, 'DPoP');
    const publicJwk = await crypto.subtle.exportKey('jwk', keyPair.publicKey);
    assert.equal(introspection.cnf?.jkt, await calculateJwkThumbprint(publicJwk as Parameters<typeof calculateJwkThumbprint>[0]));

    const sub = String(introspection.sub);
    const userinfo = await oauth.processUserInfoResponse(as, spa, sub, await oauth.userInfoRequest(as, spa, tokens.access_token, { DPoP: dpop, ...HTTP }));
    assert.equal(userinfo.email, email);

    for (const authorization of [`Bearer ${tokens.access_token}`, `DPoP ${tokens.access_token}`]) {
      const bare = await fetch(as.userinfo_endpoint!, { headers: { authorization } });
      // Bearer: 401 invalid_token; the DPoP scheme without its proof: 400 invalid_request (RFC 9449 7.1).
      assert.ok([400, 401].includes(bare.status), `${authorization.split(' ')[0]}: ${bare.status}`);
      assert.match(String(bare.headers.get('www-authenticate')), /error="invalid_(token|request|dpop_proof)"/);
    }
    const otherKey = oauth.DPoP(spa, await oauth.generateKeyPair('ES256'));
    const stolen = await oauth.userInfoRequest(as, spa, tokens.access_token, { DPoP: otherKey, ...HTTP });
    assert.equal(stolen.status, 401, 'a proof from another key does not unlock the token');
  });

  test('resource indicators: client credentials for a declared API give a signed JWT addressed to it', async () => {
    const machine: oauth.Client = { client_id: reporting.application.id };
    const authentication = oauth.ClientSecretBasic(reporting.clientSecret!);
    const response = await oauth.clientCredentialsGrantRequest(apisServer, machine, authentication, { resource: ORDERS_API, scope: 'orders:read' }, HTTP);
    const tokens = await oauth.processClientCredentialsResponse(apisServer, machine, response);
    assert.equal(tokens.scope, 'orders:read');

    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(apisServer.jwks_uri!)), {
      issuer: apisIssuer,
      audience: ORDERS_API,
      typ: 'at+jwt',
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload['client_id'], reporting.application.id);
    assert.equal(payload['scope'], 'orders:read');
  });

  test('resource indicators: an API with its own lifetime gets tokens of that lifetime, another the application\'s', async () => {
    const machine: oauth.Client = { client_id: reporting.application.id };
    const authentication = oauth.ClientSecretBasic(reporting.clientSecret!);
    for (const [resource, scope, lifetime] of [[ORDERS_API, 'orders:read', 900], [STOCK_API, 'stock:read', 1200]] as const) {
      const response = await oauth.clientCredentialsGrantRequest(apisServer, machine, authentication, { resource, scope }, HTTP);
      const tokens = await oauth.processClientCredentialsResponse(apisServer, machine, response);
      assert.equal(tokens.expires_in, lifetime, resource);
      const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(apisServer.jwks_uri!)), { issuer: apisIssuer, audience: resource, typ: 'at+jwt' });
      assert.equal(payload.exp! - payload.iat!, lifetime, resource);
    }
  });

  test('client credentials: a scope the API (or the server) does not know is invalid_scope, not dropped', async () => {
    const machine: oauth.Client = { client_id: reporting.application.id };
    const authentication = oauth.ClientSecretBasic(reporting.clientSecret!);
    const cases: [Record<string, string>, string][] = [
      [{ resource: ORDERS_API, scope: 'orders:read orders:delete' }, 'orders:delete'],
      [{ resource: ORDERS_API, scope: 'stock:read' }, 'stock:read'],
      [{ scope: 'orders:read' }, 'orders:read'],
    ];
    for (const [parameters, unknown] of cases) {
      const response = await oauth.clientCredentialsGrantRequest(apisServer, machine, authentication, parameters, HTTP);
      await assert.rejects(oauth.processClientCredentialsResponse(apisServer, machine, response), (error: oauth.ResponseBodyError) => {
        assert.equal(error.error, 'invalid_scope', JSON.stringify(parameters));
        assert.match(String(error.error_description), new RegExp(unknown));
        return true;
      });
    }
    const granted = await oauth.clientCredentialsGrantRequest(apisServer, machine, authentication, { resource: ORDERS_API, scope: 'orders:read orders:write' }, HTTP);
    assert.equal((await oauth.processClientCredentialsResponse(apisServer, machine, granted)).scope, 'orders:read orders:write');
  });

  test('resource indicators: a resource the tenant has not declared is invalid_target', async () => {
    const machine: oauth.Client = { client_id: reporting.application.id };
    const authentication = oauth.ClientSecretBasic(reporting.clientSecret!);
    for (const resource of ['https://unknown.example.test/', `${ORDERS_API}other`]) {
      const response = await oauth.clientCredentialsGrantRequest(apisServer, machine, authentication, { resource }, HTTP);
      await assert.rejects(oauth.processClientCredentialsResponse(apisServer, machine, response), (error: oauth.ResponseBodyError) => error.error === 'invalid_target');
    }
    // The default tenant declares no API at all.
    const web = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Job', kind: 'machine' });
    const defaultMachine: oauth.Client = { client_id: web.application.id };
    const response = await oauth.clientCredentialsGrantRequest(as, defaultMachine, oauth.ClientSecretBasic(web.clientSecret!), { resource: ORDERS_API }, HTTP);
    await assert.rejects(oauth.processClientCredentialsResponse(as, defaultMachine, response), (error: oauth.ResponseBodyError) => error.error === 'invalid_target');
  });
});
