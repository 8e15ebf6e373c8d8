// Local fakes of four social providers, each speaking its provider's real quirks, on loopback ports
// for the preset tests (issue 16). Each shows an authorization page with one "Authorize" button
// (the test clicks it in Chromium, as a customer would) and signs in whichever account the test
// set with `signInAs`:
//   - GitHub: OAuth 2 only; the token endpoint answers form-encoded unless asked for JSON, and
//     errors with 200; /user (which needs a User-Agent) and /user/emails, where only the primary
//     address marked verified is one GitHub verified; the public `email` of /user may be anything.
//   - Apple: answers by form_post (a page that POSTs to the callback), requires it when names or the
//     address are asked for; the client secret must be an ES256 JWT signed with the team's key
//     (iss team id, sub client id, aud https://appleid.apple.com, kid the key id); the name comes
//     only at the first authorization, in the `user` field; `email_verified` is the string "true".
//   - Microsoft: the multi-tenant endpoints (`common`, `organizations`) publish the issuer
//     `…/{tenantid}/v2.0`; each ID token's issuer names its own directory (`tid`); no
//     `email_verified`.
//   - Facebook: the Graph API's /me returns only the fields asked for, and requires
//     `appsecret_proof`; a denial comes back as error=access_denied with error_reason=user_denied.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, importSPKI } from 'jose';
import type { CryptoKey, JWK } from 'jose';

export type FakeAccount = Readonly<Record<string, unknown>>;

type Grant = { readonly account: FakeAccount; readonly redirectUri: string; readonly challenge: string | undefined; readonly nonce: string | undefined; readonly extra?: Readonly<Record<string, unknown>> };

export type FakeProvider = {
  /** Where Foyer's connection points (issuer or the endpoints' origin). */
  readonly origin: string;
  /** The account the next authorization signs in. */
  signInAs(account: FakeAccount): void;
  /** Access tokens issued, newest last (what Foyer should keep when it keeps tokens). */
  readonly issuedTokens: string[];
  stop(): Promise<void>;
};

const CLIENT_ID = 'foyer-client';

type Handler = (url: URL, form: URLSearchParams, request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

async function listen(route: (origin: string) => Record<string, Handler>): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const routes = route(origin);
  server.on('request', async (request, response) => {
    const url = new URL(request.url ?? '/', origin);
    let body = '';
    for await (const chunk of request) body += String(chunk);
    const handler = routes[`${request.method} ${url.pathname}`];
    try {
      if (!handler) return json(response, 404, { error: 'not_found' });
      await handler(url, new URLSearchParams(body), request, response);
    } catch (error) {
      json(response, 500, { error: 'server_error', message: (error as Error).message });
    }
  });
  return { origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function html(response: ServerResponse, body: string): void {
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="en"><head><title>Fake provider</title></head><body>${body}</body></html>`);
}

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function hiddenFields(fields: Record<string, string>): string {
  return Object.entries(fields).map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('');
}

/**
 * The part every fake shares: the authorization page (client id and redirect URI remembered, a
 * button that approves), single-use codes bound to the redirect URI and the PKCE challenge.
 */
function authorizationServer(options: { readonly requirePkce: boolean }) {
  let account: FakeAccount = {};
  const codes = new Map<string, Grant>();
  return {
    signInAs(next: FakeAccount) {
      account = next;
    },
    current(): FakeAccount {
      return account;
    },
    /** The page the customer approves on; posting it issues a code. */
    page(url: URL, response: ServerResponse, approveAction: string) {
      if (url.searchParams.get('client_id') !== CLIENT_ID) return html(response, '<p>Unknown client</p>');
      if (options.requirePkce && url.searchParams.get('code_challenge_method') !== 'S256') return html(response, '<p>PKCE required</p>');
      const fields = Object.fromEntries(url.searchParams);
      html(response, `<h1>Authorize Foyer</h1><form method="post" action="${approveAction}">${hiddenFields(fields)}<button type="submit" name="decision" value="allow">Authorize</button> <button type="submit" name="decision" value="deny">Cancel</button></form>`);
    },
    issue(form: URLSearchParams, extra?: Record<string, unknown>): string {
      const code = randomBytes(16).toString('hex');
      codes.set(code, { account, redirectUri: form.get('redirect_uri') ?? '', challenge: form.get('code_challenge') ?? undefined, nonce: form.get('nonce') ?? undefined, ...(extra ? { extra } : {}) });
      return code;
    },
    /** The code's grant when the code, redirect URI and PKCE verifier agree; spent either way. */
    redeem(form: URLSearchParams): Grant | undefined {
      const code = form.get('code') ?? '';
      const grant = codes.get(code);
      codes.delete(code);
      if (!grant || grant.redirectUri !== form.get('redirect_uri')) return undefined;
      if (grant.challenge !== undefined && createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url') !== grant.challenge) return undefined;
      return grant;
    },
  };
}

function redirectTo(response: ServerResponse, target: string, parameters: Record<string, string>): void {
  const url = new URL(target);
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  response.writeHead(302, { location: url.href }).end();
}

function bearer(request: IncomingMessage): string {
  return /^(?:Bearer|token) (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
}

// ---------------------------------------------------------------------------------------- GitHub

export type GitHubAccount = { readonly id: number; readonly login: string; readonly name: string | null; readonly email: string | null; readonly emails: readonly { email: string; primary: boolean; verified: boolean }[] };

export async function startFakeGitHub(secret: string): Promise<FakeProvider & { signInAs(account: GitHubAccount): void }> {
  const authorization = authorizationServer({ requirePkce: false });
  const tokens = new Map<string, FakeAccount>();
  const issuedTokens: string[] = [];
  const server = await listen(() => ({
    'GET /login/oauth/authorize': (url, _form, _request, response) => authorization.page(url, response, '/login/oauth/authorize'),
    'POST /login/oauth/authorize': (_url, form, _request, response) => {
      if (form.get('decision') !== 'allow') return redirectTo(response, form.get('redirect_uri')!, { error: 'access_denied', state: form.get('state') ?? '' });
      redirectTo(response, form.get('redirect_uri')!, { code: authorization.issue(form), state: form.get('state') ?? '' });
    },
    'POST /login/oauth/access_token': (_url, form, request, response) => {
      const grant = form.get('client_id') === CLIENT_ID && form.get('client_secret') === secret ? authorization.redeem(form) : undefined;
      const answer = grant ? (() => {
        const token = `gho_${randomBytes(18).toString('hex')}`;
        tokens.set(token, grant.account);
        issuedTokens.push(token);
        return { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' };
      })() : { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' };
      // GitHub's quirks: form-encoded unless JSON is asked for, and errors with 200.
      if ((request.headers.accept ?? '').includes('application/json')) return json(response, 200, answer);
      response.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' }).end(new URLSearchParams(answer as Record<string, string>).toString());
    },
    'GET /user': (_url, _form, request, response) => {
      const account = tokens.get(bearer(request)) as GitHubAccount | undefined;
      if (!request.headers['user-agent']) return json(response, 403, { message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header' });
      if (!account) return json(response, 401, { message: 'Bad credentials' });
      json(response, 200, { login: account.login, id: account.id, node_id: `U_${account.id}`, type: 'User', name: account.name, email: account.email });
    },
    'GET /user/emails': (_url, _form, request, response) => {
      const account = tokens.get(bearer(request)) as GitHubAccount | undefined;
      if (!account) return json(response, 401, { message: 'Bad credentials' });
      json(response, 200, account.emails.map((entry) => ({ ...entry, visibility: entry.primary ? 'private' : null })));
    },
  }));
  return { origin: server.origin, issuedTokens, signInAs: (account) => authorization.signInAs(account), stop: server.close };
}

// ---------------------------------------------------------------------------------------- Apple

export type AppleAccount = { readonly sub: string; readonly email: string; readonly firstName: string; readonly lastName: string };

type Signer = { readonly key: CryptoKey; readonly jwk: JWK };

async function signer(kid: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { key: privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export async function startFakeApple(team: { readonly teamId: string; readonly keyId: string; readonly publicKeyPem: string }): Promise<FakeProvider & { signInAs(account: AppleAccount): void; signWithUnpublishedKey: boolean }> {
  const authorization = authorizationServer({ requirePkce: false });
  const published = await signer('apple-key-1');
  const unpublished = await signer('apple-key-1');
  const teamKey = await importSPKI(team.publicKeyPem, 'ES256');
  const authorizedBefore = new Set<string>();
  const issuedTokens: string[] = [];
  const fake = {
    origin: '',
    issuedTokens,
    signWithUnpublishedKey: false,
    signInAs: (account: AppleAccount) => authorization.signInAs(account),
    stop: async () => {},
  };
  const server = await listen((origin) => ({
    'GET /.well-known/openid-configuration': (_url, _form, _request, response) => json(response, 200, {
      issuer: origin, authorization_endpoint: `${origin}/auth/authorize`, token_endpoint: `${origin}/auth/token`, revocation_endpoint: `${origin}/auth/revoke`, jwks_uri: `${origin}/auth/keys`,
      response_types_supported: ['code', 'code id_token', 'id_token'], response_modes_supported: ['query', 'fragment', 'form_post'], subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'], scopes_supported: ['openid', 'email', 'name'], token_endpoint_auth_methods_supported: ['client_secret_post'], claims_supported: ['aud', 'email', 'email_verified', 'exp', 'iat', 'is_private_email', 'iss', 'nonce', 'nonce_supported', 'real_user_status', 'sub', 'transfer_sub'],
    }),
    'GET /auth/keys': (_url, _form, _request, response) => json(response, 200, { keys: [published.jwk] }),
    'GET /auth/authorize': (url, _form, _request, response) => {
      // Apple refuses a query response when it is to send names or the address.
      if (/\b(name|email)\b/.test(url.searchParams.get('scope') ?? '') && url.searchParams.get('response_mode') !== 'form_post') return html(response, '<p>Invalid web redirect url.</p>');
      authorization.page(url, response, '/auth/authorize');
    },
    'POST /auth/authorize': async (_url, form, _request, response) => {
      const target = form.get('redirect_uri')!;
      const post = (fields: Record<string, string>) => html(response, `<form method="post" action="${escapeHtml(target)}">${hiddenFields(fields)}<noscript><button type="submit">Continue</button></noscript></form><script>document.forms[0].submit()</script>`);
      if (form.get('decision') !== 'allow') return post({ error: 'user_cancelled_authorize', state: form.get('state') ?? '' });
      const signedIn = authorization.current() as AppleAccount;
      const fields: Record<string, string> = { state: form.get('state') ?? '', code: authorization.issue(form) };
      // The name only at the first authorization of the app; never again.
      if (!authorizedBefore.has(signedIn.sub)) {
        authorizedBefore.add(signedIn.sub);
        fields['user'] = JSON.stringify({ name: { firstName: signedIn.firstName, lastName: signedIn.lastName }, email: signedIn.email });
      }
      post(fields);
    },
    'POST /auth/token': async (_url, form, _request, response) => {
      // The client secret: an ES256 JWT of the team's key, for this client, for Apple.
      try {
        const { payload, protectedHeader } = await jwtVerify(form.get('client_secret') ?? '', teamKey, { issuer: team.teamId, audience: 'https://appleid.apple.com', subject: CLIENT_ID, algorithms: ['ES256'] });
        if (protectedHeader.kid !== team.keyId || typeof payload.exp !== 'number') throw new Error('kid');
      } catch {
        return json(response, 400, { error: 'invalid_client' });
      }
      const grant = form.get('client_id') === CLIENT_ID ? authorization.redeem(form) : undefined;
      if (!grant) return json(response, 400, { error: 'invalid_grant' });
      const account = grant.account as AppleAccount;
      const now = Math.floor(Date.now() / 1000);
      const key = fake.signWithUnpublishedKey ? unpublished : published;
      const idToken = await new SignJWT({ email: account.email, email_verified: 'true', is_private_email: 'false', auth_time: now, nonce_supported: true, ...(grant.nonce ? { nonce: grant.nonce } : {}) })
        .setProtectedHeader({ alg: 'RS256', kid: key.jwk.kid! }).setIssuer(server.origin).setAudience(CLIENT_ID).setSubject(account.sub).setIssuedAt(now).setExpirationTime(now + 600).sign(key.key);
      const accessToken = `a${randomBytes(16).toString('hex')}`;
      issuedTokens.push(accessToken);
      json(response, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, refresh_token: `r${randomBytes(16).toString('hex')}`, id_token: idToken });
    },
  }));
  Object.assign(fake, { origin: server.origin, stop: server.close });
  return fake;
}

// ---------------------------------------------------------------------------------------- Microsoft

export type MicrosoftAccount = { readonly oid: string; readonly tid: string; readonly email: string; readonly name: string; readonly xms_edov?: boolean };

export async function startFakeMicrosoft(secret: string): Promise<FakeProvider & { signInAs(account: MicrosoftAccount): void; issuerTenantOverride: string | undefined; keyFetches: number }> {
  const authorization = authorizationServer({ requirePkce: true });
  const key = await signer('ms-key-1');
  const issuedTokens: string[] = [];
  const fake = { origin: '', issuedTokens, issuerTenantOverride: undefined as string | undefined, keyFetches: 0, signInAs: (account: MicrosoftAccount) => authorization.signInAs(account), stop: async () => {} };
  const server = await listen((origin) => {
    const metadata = (tenant: string) => ({
      issuer: `${origin}/{tenantid}/v2.0`, authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/authorize`, token_endpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
      jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`, userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo', response_modes_supported: ['query', 'fragment', 'form_post'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'], scopes_supported: ['openid', 'profile', 'email', 'offline_access'], subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'], token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'], claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'tid', 'oid', 'name', 'email', 'preferred_username'],
    });
    const routes: Record<string, Handler> = {};
    for (const tenant of ['common', 'organizations']) {
      routes[`GET /${tenant}/v2.0/.well-known/openid-configuration`] = (_url, _form, _request, response) => json(response, 200, metadata(tenant));
      routes[`GET /${tenant}/discovery/v2.0/keys`] = (_url, _form, _request, response) => {
        fake.keyFetches += 1;
        json(response, 200, { keys: [key.jwk] });
      };
      routes[`GET /${tenant}/oauth2/v2.0/authorize`] = (url, _form, _request, response) => authorization.page(url, response, `/${tenant}/oauth2/v2.0/authorize`);
      routes[`POST /${tenant}/oauth2/v2.0/authorize`] = (_url, form, _request, response) => {
        if (form.get('decision') !== 'allow') return redirectTo(response, form.get('redirect_uri')!, { error: 'access_denied', error_description: 'AADSTS65004: User declined to consent.', state: form.get('state') ?? '' });
        redirectTo(response, form.get('redirect_uri')!, { code: authorization.issue(form), state: form.get('state') ?? '', session_state: randomBytes(8).toString('hex') });
      };
      routes[`POST /${tenant}/oauth2/v2.0/token`] = async (_url, form, _request, response) => {
        if (form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== secret) return json(response, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
        const grant = authorization.redeem(form);
        if (!grant) return json(response, 400, { error: 'invalid_grant', error_description: 'AADSTS70008: The provided authorization code or refresh token has expired.' });
        const account = grant.account as MicrosoftAccount;
        const now = Math.floor(Date.now() / 1000);
        // The issuer names the token's own directory, unless the test makes it lie.
        const issuer = `${origin}/${fake.issuerTenantOverride ?? account.tid}/v2.0`;
        const claims = { tid: account.tid, oid: account.oid, name: account.name, email: account.email, preferred_username: account.email, ver: '2.0', ...(grant.nonce ? { nonce: grant.nonce } : {}), ...(account.xms_edov === undefined ? {} : { xms_edov: account.xms_edov }) };
        const idToken = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.jwk.kid!, typ: 'JWT' }).setIssuer(issuer).setAudience(CLIENT_ID)
          .setSubject(createHash('sha256').update(`${account.oid}:${CLIENT_ID}`).digest('base64url')).setIssuedAt(now).setNotBefore(now).setExpirationTime(now + 3600).sign(key.key);
        const accessToken = `eyJ0eXAi.${randomBytes(16).toString('hex')}`;
        issuedTokens.push(accessToken);
        json(response, 200, { token_type: 'Bearer', scope: 'openid profile email', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken, id_token: idToken });
      };
    }
    return routes;
  });
  Object.assign(fake, { origin: server.origin, stop: server.close });
  return fake;
}

// ---------------------------------------------------------------------------------------- Facebook

export type FacebookAccount = { readonly id: string; readonly name: string; readonly first_name: string; readonly last_name: string; readonly email?: string };

export async function startFakeFacebook(secret: string): Promise<FakeProvider & { signInAs(account: FacebookAccount): void }> {
  const authorization = authorizationServer({ requirePkce: false });
  const tokens = new Map<string, FacebookAccount>();
  const issuedTokens: string[] = [];
  const server = await listen(() => ({
    'GET /v23.0/dialog/oauth': (url, _form, _request, response) => authorization.page(url, response, '/v23.0/dialog/oauth'),
    'POST /v23.0/dialog/oauth': (_url, form, _request, response) => {
      if (form.get('decision') !== 'allow') return redirectTo(response, form.get('redirect_uri')!, { error: 'access_denied', error_code: '200', error_description: 'Permissions error', error_reason: 'user_denied', state: form.get('state') ?? '' });
      redirectTo(response, form.get('redirect_uri')!, { code: authorization.issue(form), state: form.get('state') ?? '' });
    },
    'POST /v23.0/oauth/access_token': (_url, form, _request, response) => {
      if (form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== secret) return json(response, 400, { error: { message: 'Error validating client secret.', type: 'OAuthException', code: 1 } });
      const grant = authorization.redeem(form);
      if (!grant) return json(response, 400, { error: { message: 'This authorization code has been used.', type: 'OAuthException', code: 100 } });
      const token = `EAAG${randomBytes(20).toString('hex')}`;
      tokens.set(token, grant.account as FacebookAccount);
      issuedTokens.push(token);
      json(response, 200, { access_token: token, token_type: 'bearer', expires_in: 5183944 });
    },
    'GET /v23.0/me': (url, _form, request, response) => {
      const token = bearer(request) || (url.searchParams.get('access_token') ?? '');
      const account = tokens.get(token);
      if (!account) return json(response, 400, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } });
      // "Require App Secret": every call proves it knows the app secret.
      if (url.searchParams.get('appsecret_proof') !== createHmac('sha256', secret).update(token).digest('hex')) return json(response, 400, { error: { message: 'API calls from the server require an appsecret_proof argument', type: 'GraphMethodException', code: 100 } });
      const fields = (url.searchParams.get('fields') ?? 'id,name').split(',');
      json(response, 200, Object.fromEntries(fields.filter((field) => (account as Record<string, unknown>)[field] !== undefined).map((field) => [field, (account as Record<string, unknown>)[field]])));
    },
  }));
  return { origin: server.origin, issuedTokens, signInAs: (account) => authorization.signInAs(account), stop: server.close };
}
