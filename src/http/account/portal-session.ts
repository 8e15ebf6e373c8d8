// Who is using the account portal, read from the tenant's own SSO session: the portal is a relying
// party of its tenant (the built-in `foyer-account` client), and reads oidc-provider's signed session
// cookie on every request, so signing out of SSO signs out of the portal too. A customer without a
// session is sent through an authorization request (state and PKCE verifier in a short-lived cookie
// scoped to the portal) and comes back to the page they asked for. Changes that need a recent
// sign-in (SECURITY.md 16) send the customer through `prompt=login` first. Every form carries a
// CSRF token bound to the session (SECURITY.md 17).
//
// Other portal pages (the change-of-email page) use the same calls:
//   const portal = await portalOf(deps, request, reply, { recent: true });
//   if (!portal) return reply;                 // a redirect to sign in was sent
//   if (!hasValidCsrf(portal, form)) ...       // on every POST; portal.csrfToken goes in the form
//   return sendPortalPage(reply, portal, 'profile', body);   // portal-page.ts: the portal's frame
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestContextOf } from '../request-context.ts';
import type Provider from 'oidc-provider';
import type { Context as KoaContext } from 'koa';
import { mountPathOf } from '../tenancy/mount.ts';
import { ACCOUNT_CALLBACK_PATH, ACCOUNT_CLIENT_ID, ACCOUNT_PATH } from '../oidc/account-client.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { issuerOf } from '../../domain/tenants/tenant.ts';
import type { Identity } from '../../domain/identity/identity.ts';
import type { OidcArtifactStore } from '../../domain/oauth/oidc-artifact.port.ts';
import type { IdentityStore } from '../../domain/identity/identity.port.ts';
import type { Customer } from '../../domain/account/account.ts';
import { isRecentSignIn } from '../../domain/account/account.ts';
import { MFA_ACR } from '../../domain/credentials/authentication.ts';
import type { Translate } from '../../i18n/translate.ts';
import { pageTranslator } from '../shared/locale.ts';
import { errorBody, sendPage } from '../shared/respond.ts';

/** A session's "last used" is kept to the minute: at most one write a minute per browser. */
const SEEN_RESOLUTION_MS = 60_000;

type PortalSessionDeps = {
  readonly identities: IdentityStore;
  /** Where a portal visit records that the browser session was used. */
  readonly artifacts: Pick<OidcArtifactStore, 'markSeen'>;
  readonly publicUrl: string;
  readonly masterSecret: string;
};

/** The signed-in customer of a portal request, and what a portal page needs to answer it. */
export type Portal = {
  readonly tenant: Tenant;
  readonly provider: Provider;
  readonly identity: Identity;
  /** The SSO session: its uid (stable across re-authentication) and sign-in time (epoch seconds). */
  readonly session: { readonly uid: string; readonly loginTs: number | undefined };
  /** `{mount}/account`: the portal's base path on this server. */
  readonly base: string;
  readonly issuer: string;
  readonly t: Translate;
  /** The CSRF token every portal form must carry as `csrf_token`. */
  readonly csrfToken: string;
  /** The customer as the account use cases take it. */
  readonly customer: Customer;
};

const AUTHORIZATION_COOKIE = 'foyer_account_auth';
const AUTHORIZATION_COOKIE_SECONDS = 600;

/** `{mount}/account` of the request's tenant. */
export function portalBase(tenant: Pick<Tenant, 'slug'>): string {
  return `${mountPathOf(tenant)}${ACCOUNT_PATH}`;
}

/**
 * The signed-in customer, or undefined after sending the browser to sign in (or an error page for
 * an unknown tenant): the caller then returns `reply`. With `recent`, a sign-in older than five
 * minutes also sends the customer to sign in again, back to `returnTo` (default: this GET's URL,
 * or the portal's home for a POST).
 */
export async function portalOf(deps: PortalSessionDeps, request: FastifyRequest, reply: FastifyReply, options: { recent?: boolean; returnTo?: string; secondFactor?: (identity: Identity) => Promise<boolean> } = {}): Promise<Portal | undefined> {
  const { tenant } = request;
  if (!tenant) {
    const t = pageTranslator(request);
    await sendPage(reply, { status: 404, t, branding: { name: 'Foyer' }, title: t('page.error.title'), body: errorBody(t, 'request.invalid') });
    return undefined;
  }
  const provider = await request.tenantProvider();
  const base = portalBase(tenant);
  const returnTo = safeReturnTo(base, options.returnTo ?? (request.method === 'GET' ? request.url : base));
  const session = await provider.Session.get(provider.createContext(request.raw, reply.raw) as unknown as KoaContext);
  const identity = session.accountId ? await deps.identities.findById(tenant.id, session.accountId) : undefined;
  if (!identity || identity.status !== 'active') {
    await startAuthorization(deps, reply, tenant, returnTo, false);
    return undefined;
  }
  // A change to credentials needs a recent sign-in at the assurance they have (ADR 0024): a customer
  // with a second factor signs in again with it (acr_values) unless this session used it.
  const stepUp = options.secondFactor !== undefined && session.acr !== MFA_ACR && (await options.secondFactor(identity));
  if ((options.recent && !isRecentSignIn(session.loginTs, Date.now())) || stepUp) {
    await startAuthorization(deps, reply, tenant, returnTo, true, stepUp);
    return undefined;
  }
  // A visit is a use of the session: the sessions page shows when each was last used.
  const sessionId = (session as unknown as { id?: unknown }).id;
  if (typeof sessionId === 'string') await deps.artifacts.markSeen(tenant.id, 'Session', sessionId, Date.now(), SEEN_RESOLUTION_MS);
  const t = pageTranslator(request, { tenant, trait: identity.traits['locale'] });
  const grantId = session.grantIdFor(ACCOUNT_CLIENT_ID);
  return {
    tenant,
    provider,
    identity,
    session: { uid: session.uid, loginTs: session.loginTs },
    base,
    issuer: issuerOf(deps.publicUrl, tenant),
    t,
    csrfToken: csrfTokenOf(deps.masterSecret, tenant.id, session.uid),
    customer: {
      tenant,
      tenantId: tenant.id,
      locale: t.locale,
      identityId: identity.id,
      context: requestContextOf(request),
      current: { sessionUid: session.uid, grantIds: grantId ? [grantId] : [] },
    },
  };
}

/** Whether the form echoes the portal's CSRF token (compared in constant time). */
export function hasValidCsrf(portal: Portal, form: Readonly<Record<string, string>>): boolean {
  const given = Buffer.from(form['csrf_token'] ?? '');
  const expected = Buffer.from(portal.csrfToken);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** HMAC of the session uid under a key derived from the master secret per tenant. */
function csrfTokenOf(masterSecret: string, tenantId: string, sessionUid: string): string {
  const key = Buffer.from(hkdfSync('sha256', masterSecret, 'foyer-account-csrf', `account-csrf:${tenantId}`, 32));
  return createHmac('sha256', key).update(sessionUid).digest('base64url');
}

/** Sends the browser to the tenant's authorization endpoint as the portal's client, with PKCE. */
async function startAuthorization(deps: PortalSessionDeps, reply: FastifyReply, tenant: Tenant, returnTo: string, reauthenticate: boolean, secondFactor = false): Promise<void> {
  const state = randomBytes(16).toString('base64url');
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const issuer = issuerOf(deps.publicUrl, tenant);
  const query = new URLSearchParams({
    client_id: ACCOUNT_CLIENT_ID,
    response_type: 'code',
    redirect_uri: `${issuer}${ACCOUNT_CALLBACK_PATH}`,
    scope: 'openid',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(reauthenticate ? { prompt: 'login' } : {}),
    ...(secondFactor ? { acr_values: MFA_ACR } : {}),
  });
  const cookie = Buffer.from(JSON.stringify({ state, verifier, returnTo })).toString('base64url');
  reply.header('set-cookie', authorizationCookie(deps, tenant, cookie, AUTHORIZATION_COOKIE_SECONDS));
  await reply.code(303).header('location', `${mountPathOf(tenant)}/auth?${query}`).header('cache-control', 'no-store').send();
}

/** The cookie holding a pending authorization (or clearing it, with maxAge 0). */
export function authorizationCookie(deps: Pick<PortalSessionDeps, 'publicUrl'>, tenant: Pick<Tenant, 'slug'>, value: string, maxAge: number): string {
  const secure = deps.publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${AUTHORIZATION_COOKIE}=${value}; Path=${portalBase(tenant)}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

type PendingAuthorization = { readonly state: string; readonly verifier: string; readonly returnTo: string };

/** The pending authorization of this browser, if its cookie is there and well formed. */
export function pendingAuthorization(request: FastifyRequest): PendingAuthorization | undefined {
  const raw = (request.headers.cookie ?? '').split(';').map((part) => part.trim()).find((part) => part.startsWith(`${AUTHORIZATION_COOKIE}=`));
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(raw.slice(AUTHORIZATION_COOKIE.length + 1), 'base64url').toString('utf8')) as Record<string, unknown>;
    const { state, verifier, returnTo } = parsed;
    return typeof state === 'string' && typeof verifier === 'string' && typeof returnTo === 'string' ? { state, verifier, returnTo } : undefined;
  } catch {
    return undefined;
  }
}

/** Only paths of this portal are returned to: never another site, never another tenant. */
export function safeReturnTo(base: string, candidate: string): string {
  const path = candidate.split('#')[0]!;
  const ok = (path === base || path.startsWith(`${base}/`) || path.startsWith(`${base}?`)) && !path.startsWith('//') && !path.includes('\\') && !path.startsWith(`${base}/callback`);
  return ok ? path : base;
}
