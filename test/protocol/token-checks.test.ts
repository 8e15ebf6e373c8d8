// What the token endpoint and the ID tokens must guarantee (SECURITY.md 19–22): codes are single use,
// short-lived, and their reuse revokes what they issued; the PKCE verifier must match; no unsigned
// ID tokens, ever; and after a signing key rotation the old key stays published so earlier ID
// tokens still verify.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { JSONWebKeySet } from 'jose';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import { createBrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, createTenant, PASSWORD, pkcePair, postToken, registerApplication, relyingParty, SYSTEM_ACTOR, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';
import { rotateSigningKeys } from '../../src/domain/keys/keys.service.ts';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';
import { clientMetadataOf } from '../../src/http/oidc/client-metadata.ts';

const CALLBACK = 'https://web.example.test/callback';
const TEN_MINUTES = 600;

describeEachEngine('token and ID token checks', (current) => {
  let node: ListeningServer;
  let web: RegisteredApplication;
  let rp: client.Configuration;
  let tokenEndpoint: string;

  before(async () => {
    node = await startListeningServer(current().engine);
    web = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Web', kind: 'web', redirectUris: [CALLBACK] });
    rp = await relyingParty(node.url, web);
    tokenEndpoint = rp.serverMetadata().token_endpoint!;
  });
  after(async () => {
    await node?.stop();
  });

  /** Signs a new customer up and returns the code the application receives, not yet redeemed. */
  async function freshCode(parameters: Record<string, string> = {}) {
    const { verifier, challenge } = await pkcePair();
    const url = client.buildAuthorizationUrl(rp, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', ...parameters });
    const callback = await createBrowserSession({ mailbox: node.server.mailbox }).signUpAndAuthorize(url, { email: uniqueEmail('code'), password: PASSWORD });
    return { callback, code: callback.searchParams.get('code')!, verifier };
  }

  test('an authorization code lives at most ten minutes', async () => {
    const { code } = await freshCode();
    const stored = await node.server.stores.oidcArtifacts.find(node.server.defaultTenant.id, 'AuthorizationCode', code);
    const { iat, exp } = stored!.payload as { iat: number; exp: number };
    assert.ok(exp - iat > 0);
    assert.ok(exp - iat <= TEN_MINUTES, `the code lives ${exp - iat} s`);
  });

  test('a code redeemed by several requests at once issues tokens once at most', async () => {
    const { code, verifier } = await freshCode();
    const parameters = { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier };
    const answers = await Promise.all(Array.from({ length: 4 }, () => postToken(tokenEndpoint, web, parameters)));
    const issued = answers.filter((answer) => answer.status === 200);
    assert.ok(issued.length <= 1, `tokens were issued ${issued.length} times`);
    for (const answer of answers.filter((a) => a.status !== 200)) assert.equal(answer.body['error'], 'invalid_grant');
  });

  test('a code works once; its reuse is invalid_grant and revokes the tokens of the first use', async () => {
    const { callback, code, verifier } = await freshCode({ scope: 'openid offline_access', prompt: 'consent' });
    const tokens = await client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: verifier });
    assert.equal((await client.tokenIntrospection(rp, tokens.access_token)).active, true);
    assert.ok(tokens.refresh_token);

    const reuse = await postToken(tokenEndpoint, web, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body['error'], 'invalid_grant');
    assert.equal((await client.tokenIntrospection(rp, tokens.access_token)).active, false);
    await assert.rejects(client.refreshTokenGrant(rp, tokens.refresh_token), (error: client.ResponseBodyError) => error.error === 'invalid_grant');
  });

  test('a wrong or missing code_verifier is invalid_grant, and a code is bound to its redirect_uri', async () => {
    const { code, verifier } = await freshCode();
    const wrongVerifier = client.randomPKCECodeVerifier();
    const attempts: Record<string, string>[] = [{ code_verifier: wrongVerifier }, {}, { code_verifier: verifier, redirect_uri: `${CALLBACK}/other` }];
    for (const parameters of attempts) {
      const result = await postToken(tokenEndpoint, web, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, ...parameters });
      assert.equal(result.status, 400, JSON.stringify(parameters));
      assert.equal(result.body['error'], 'invalid_grant', JSON.stringify(result.body));
    }
  });

  test('alg none is never offered, and a client asking for unsigned ID tokens cannot exist', async () => {
    const metadata = rp.serverMetadata();
    for (const list of ['id_token_signing_alg_values_supported', 'userinfo_signing_alg_values_supported', 'introspection_signing_alg_values_supported'] as const) {
      const values = (metadata[list] ?? []) as string[];
      assert.equal(values.includes('none'), false, list);
      assert.equal(values.some((alg) => alg.startsWith('HS')), false, `${list}: client secrets are stored hashed, nothing is keyed by them`);
    }
    assert.equal((await fetch(`${node.url}/reg`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"redirect_uris":["https://x.example/cb"],"id_token_signed_response_alg":"none"}' })).status, 404, 'no dynamic registration');

    const provider = await node.server.providers.providerOf(node.server.defaultTenant);
    const found = await node.server.stores.applications.findWithSecret(node.server.defaultTenant.id, web.application.id);
    const registered = clientMetadataOf(found!.application, found!.secretHash);
    await provider.Client.validate(registered as never);
    await assert.rejects(provider.Client.validate({ ...registered, id_token_signed_response_alg: 'none' } as never), (error: Error & { error?: string }) => error.error === 'invalid_client_metadata');
  });

  test('ID tokens are ES256 for a new application and RS256 for one that asks; each verifies against the JWKS', async () => {
    const tenantId = node.server.defaultTenant.id;
    const modern = await registerApplication(node.server, tenantId, { name: 'Modern', kind: 'web', redirectUris: [CALLBACK] });
    const legacy = await registerApplication(node.server, tenantId, { name: 'Legacy', kind: 'web', redirectUris: [CALLBACK], idTokenAlgorithm: 'RS256' });
    assert.equal(modern.application.idTokenAlgorithm, 'ES256');
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const email = uniqueEmail('alg');
    const first = await authorizationCodeFlow(await relyingParty(node.url, modern), { redirectUri: CALLBACK }, (url) => browser.signUpAndAuthorize(url, { email, password: PASSWORD }));
    const second = await authorizationCodeFlow(await relyingParty(node.url, legacy), { redirectUri: CALLBACK }, (url) => browser.authorize(url));
    const jwks = createLocalJWKSet((await (await fetch(`${node.url}/jwks`)).json()) as JSONWebKeySet);
    for (const [flow, app, alg] of [[first, modern, 'ES256'], [second, legacy, 'RS256']] as const) {
      assert.equal(decodeProtectedHeader(flow.tokens.id_token!).alg, alg);
      const { payload } = await jwtVerify(flow.tokens.id_token!, jwks, { issuer: node.url, audience: app.application.id, algorithms: [alg] });
      assert.equal(payload.sub, first.claims.sub);
    }
  });

  test('after a key rotation new ID tokens use the new key, and earlier ones still verify against the JWKS', async () => {
    // A tenant of its own: the rotation must not change the keys the other tests see.
    const tenant = await createTenant(node.server, 'rotation');
    const issuer = `${node.url}/t/rotation`;
    const app = await registerApplication(node.server, tenant.id, { name: 'Web', kind: 'web', redirectUris: [CALLBACK] });
    const tenantRp = await relyingParty(issuer, app);
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const before = await authorizationCodeFlow(tenantRp, { redirectUri: CALLBACK }, (url) => browser.signUpAndAuthorize(url, { email: uniqueEmail('rotation'), password: PASSWORD }));
    const oldKid = decodeProtectedHeader(before.tokens.id_token!).kid;

    await rotateSigningKeys(
      { transaction: node.server.transaction, keys: node.server.stores.signingKeys, secretBox: createSecretBox(TEST_MASTER_SECRET) },
      tenant.id,
      { now: Date.now(), maxTokenLifetimeSeconds: 3600, actor: SYSTEM_ACTOR },
    );
    // The node notices rotations by polling every 30 s; this one happened here, so apply it now.
    node.server.providers.checkKeysNow(tenant.id);

    const after = await authorizationCodeFlow(tenantRp, { redirectUri: CALLBACK }, (url) => browser.authorize(url));
    const newKid = decodeProtectedHeader(after.tokens.id_token!).kid;
    assert.notEqual(newKid, oldKid);
    assert.equal(decodeProtectedHeader(after.tokens.id_token!).alg, decodeProtectedHeader(before.tokens.id_token!).alg);

    const jwks = (await (await fetch(tenantRp.serverMetadata().jwks_uri!)).json()) as JSONWebKeySet;
    const kids = jwks.keys.map((key) => key.kid);
    assert.ok(kids.includes(oldKid) && kids.includes(newKid), `both keys are published: ${kids.join(', ')}`);
    assert.equal(jwks.keys.some((key) => 'd' in key), false, 'no private key material is published');
    for (const idToken of [before.tokens.id_token!, after.tokens.id_token!]) {
      const { payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), { issuer, audience: app.application.id });
      assert.equal(payload.sub, before.claims.sub);
    }
  });
});
