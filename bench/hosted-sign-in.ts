// What a browser and a relying party do against Foyer, step by step, for the bench: a complete
// password sign-in through the hosted pages (authorization request through to the code), the code
// exchange, and a refresh. Every step checks its answer, so a bench iteration that "succeeds" is one
// that really ended with a code or tokens.
import { randomBytes } from 'node:crypto';
import type { CookieJar, HttpClient, HttpResponse } from './http-client.ts';
import { createCookieJar } from './http-client.ts';
import { assertPasskey } from './software-authenticator.ts';
import type { SoftwarePasskey } from './software-authenticator.ts';

export type WebClient = { readonly clientId: string; readonly clientSecret: string; readonly redirectUri: string };
export type Account = { readonly email: string; readonly password: string };
export type Tokens = { readonly accessToken: string; readonly refreshToken: string | undefined };

export type AuthorizationOptions = {
  readonly scope: string;
  /** `consent` asks for the consent screen; oidc-provider grants offline_access only with it. */
  readonly prompt?: 'consent';
  /**
   * The loopback address the browser connects from. Sign-in throttling counts attempts in flight
   * per client address, so one address for every virtual customer would measure the throttle.
   */
  readonly address?: string;
  /** Asks for an authentication class (the MFA class: a second factor after the password). */
  readonly acrValues?: string;
};

/** GET /auth in a fresh browser: the interaction page's path, and the jar holding its cookie. */
export async function openInteraction(http: HttpClient, client: WebClient, options: AuthorizationOptions): Promise<{ path: string; jar: CookieJar }> {
  const jar = createCookieJar();
  const query = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    response_type: 'code',
    scope: options.scope,
    state: randomBytes(8).toString('base64url'),
  });
  if (options.prompt) query.set('prompt', options.prompt);
  if (options.acrValues) query.set('acr_values', options.acrValues);
  const authorization = await http.request(`/auth?${query}`, { jar, localAddress: options.address });
  return { path: redirectOf(authorization, 'the authorization request'), jar };
}

/**
 * One complete sign-in as a browser does it: authorization request, sign-in page, form post with
 * the right password, back to the provider, redirect to the application with its code. With
 * `prompt: 'consent'` the consent screen is accepted on the way. Returns the authorization code.
 */
export async function signInThroughHostedPages(http: HttpClient, client: WebClient, account: Account, options: AuthorizationOptions): Promise<string> {
  const { path, jar } = await openInteraction(http, client, options);
  const localAddress = options.address;
  const page = await http.request(path, { jar, localAddress });
  const form = { ...hiddenFieldsOf(page, 'the sign-in page'), email: account.email, password: account.password };
  const signedIn = await http.request(`${path}/signin`, { method: 'POST', jar, localAddress, form });
  let next = await http.request(redirectOf(signedIn, 'the sign-in form'), { jar, localAddress });
  if (options.prompt === 'consent') {
    const consentPath = redirectOf(next, 'the resumed authorization');
    const consentPage = await http.request(consentPath, { jar, localAddress });
    const consented = await http.request(`${consentPath}/consent`, { method: 'POST', jar, localAddress, form: hiddenFieldsOf(consentPage, 'the consent page') });
    next = await http.request(redirectOf(consented, 'the consent form'), { jar, localAddress });
  }
  const callback = new URL(redirectOf(next, 'the resumed authorization'));
  const code = callback.searchParams.get('code');
  if (callback.origin + callback.pathname !== client.redirectUri || !code) {
    throw new Error(`the sign-in did not end at the application with a code: ${callback.href.slice(0, 200)}`);
  }
  return code;
}

/**
 * One complete passkey sign-in as a browser with a passkey does it: authorization request, sign-in
 * page (its challenge and relying party), the software authenticator's answer posted, back to the
 * provider, redirect to the application with its code. `origin`: the server's public origin.
 */
export async function signInWithPasskey(http: HttpClient, client: WebClient, passkey: SoftwarePasskey, origin: string, options: AuthorizationOptions): Promise<string> {
  const { path, jar } = await openInteraction(http, client, options);
  const localAddress = options.address;
  const page = await http.request(path, { jar, localAddress });
  const challenge = /data-challenge="([^"]+)"/.exec(page.body)?.[1];
  const rpId = /data-rp-id="([^"]+)"/.exec(page.body)?.[1];
  if (!challenge || !rpId) throw new Error('the sign-in page offers no passkey sign-in');
  const { flow, csrf_token } = hiddenFieldsOf(page, 'the sign-in page');
  const answer = assertPasskey(passkey, { challenge, rpId }, origin);
  const signedIn = await http.request(`${path}/passkey`, { method: 'POST', jar, localAddress, form: { flow: flow!, csrf_token: csrf_token!, response: JSON.stringify(answer) } });
  return codeOf(client, await http.request(redirectOf(signedIn, 'the passkey form'), { jar, localAddress }));
}

/**
 * A password sign-in that the application wants with a second factor (`acr_values` of the MFA
 * class): the password, then the code the customer's authenticator app shows for `code()`.
 */
export async function signInWithTotp(http: HttpClient, client: WebClient, account: Account, code: () => string, options: AuthorizationOptions): Promise<string> {
  const { path, jar } = await openInteraction(http, client, { ...options, acrValues: 'urn:foyer:acr:mfa' });
  const localAddress = options.address;
  const page = await http.request(path, { jar, localAddress });
  const asked = await http.request(`${path}/signin`, { method: 'POST', jar, localAddress, form: { ...hiddenFieldsOf(page, 'the sign-in page'), email: account.email, password: account.password } });
  const { flow, csrf_token } = hiddenFieldsOf(asked, 'the second-factor page');
  const verified = await http.request(`${path}/second-factor`, { method: 'POST', jar, localAddress, form: { flow: flow!, csrf_token: csrf_token!, method: 'totp', code: code() } });
  return codeOf(client, await http.request(redirectOf(verified, 'the second-factor form'), { jar, localAddress }));
}

function codeOf(client: WebClient, resumed: HttpResponse): string {
  const callback = new URL(redirectOf(resumed, 'the resumed authorization'));
  const code = callback.searchParams.get('code');
  if (callback.origin + callback.pathname !== client.redirectUri || !code) throw new Error(`the sign-in did not end at the application with a code: ${callback.href.slice(0, 200)}`);
  return code;
}

export async function exchangeCode(http: HttpClient, client: WebClient, code: string): Promise<Tokens> {
  const response = await http.request('/token', {
    method: 'POST',
    headers: { authorization: basicAuthorization(client.clientId, client.clientSecret) },
    form: { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri },
  });
  return tokensOf(response, 'the code exchange');
}

/** One refresh grant; rotation makes the returned refresh token the only one that works next. */
export async function refresh(http: HttpClient, client: WebClient, refreshToken: string): Promise<Tokens> {
  const response = await http.request('/token', {
    method: 'POST',
    headers: { authorization: basicAuthorization(client.clientId, client.clientSecret) },
    form: { grant_type: 'refresh_token', refresh_token: refreshToken },
  });
  return tokensOf(response, 'the refresh grant');
}

export function basicAuthorization(clientId: string, clientSecret: string): string {
  // RFC 6749 2.3.1: both parts are form-urlencoded before the base64.
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
}

function tokensOf(response: HttpResponse, step: string): Tokens {
  if (response.status !== 200) throw new Error(`${step} answered ${response.status}: ${response.body.slice(0, 200)}`);
  const body = JSON.parse(response.body) as { access_token?: string; refresh_token?: string };
  if (!body.access_token) throw new Error(`${step} returned no access token`);
  return { accessToken: body.access_token, refreshToken: body.refresh_token };
}

function redirectOf(response: HttpResponse, step: string): string {
  const location = response.headers.location;
  if (response.status < 300 || response.status > 399 || !location) {
    throw new Error(`${step} answered ${response.status} instead of a redirect: ${response.body.slice(0, 200)}`);
  }
  return location;
}

/** The hidden fields of a hosted page's form (flow id and CSRF token). */
function hiddenFieldsOf(page: HttpResponse, step: string): Record<string, string> {
  if (page.status !== 200) throw new Error(`${step} answered ${page.status}`);
  const fields: Record<string, string> = {};
  for (const match of page.body.matchAll(/<input\b[^>]*>/g)) {
    const tag = match[0];
    if (!/\btype="hidden"/.test(tag)) continue;
    const name = /\bname="([^"]*)"/.exec(tag)?.[1];
    const value = /\bvalue="([^"]*)"/.exec(tag)?.[1];
    if (name !== undefined && value !== undefined && !(name in fields)) fields[name] = value;
  }
  if (!fields['flow'] || !fields['csrf_token']) throw new Error(`${step} has no flow id and CSRF token`);
  return fields;
}
