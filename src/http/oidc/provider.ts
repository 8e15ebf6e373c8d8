// Builds the oidc-provider instance of one tenant: which protocol features are on, where its state
// lives (our storage, through the adapter), whose keys sign, which applications are its clients,
// and how accounts and claims are found. The protocol itself is oidc-provider's, never ours.
import { createSecretKey, hkdfSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import Provider, { interactionPolicy } from 'oidc-provider';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { ADMIN_TENANT_SLUG, issuerOf } from '../../domain/tenants/tenant.ts';
import { ADMIN_SCOPES_METADATA, adminApiUrlOf, adminResourceServer } from '../admin/admin-resource.ts';
import type { IdentityStore } from '../../domain/identity/identity.port.ts';
import type { OidcArtifactStore } from '../../domain/oauth/oidc-artifact.port.ts';
import type { ApplicationStore } from '../../domain/applications/application.port.ts';
import { createOidcAdapter } from './adapter.ts';
import { loadOrCreateGrant } from './grants.ts';
import { mountPathOf } from '../tenancy/mount.ts';
import { writeArtifactsTogether } from './artifact-batch.ts';
import { auditProviderEvents } from './provider-audit.ts';
import type { AuditStore } from '../../domain/audit/audit.port.ts';
import type { ConsentStore } from '../../domain/consents/consent.port.ts';
import type { FastifyBaseLogger } from 'fastify';
import { claimsOf, consentsClaimOf, grantsConsentsScope, releasedClaims, SCOPE_CLAIMS, SUPPORTED_SCOPES } from './claims.ts';
import { grantedPurposes } from '../../domain/privacy/ledger.ts';
import { clientMetadataOf, verifyHashedClientSecret } from './client-metadata.ts';
import { cachedLookup } from '../shared/client-cache.ts';
import { ACCOUNT_CLIENT_ID, accountClientMetadata } from './account-client.ts';
import { createCookieSigner } from './cookie-signer.ts';
import { browserSessionTtl } from './session-ttl.ts';
import { DEFAULT_REFRESH_TOKEN_TTL, refreshTokenAbsoluteLifetimeOf, refreshTokenTtl } from './refresh-token-ttl.ts';
import { outgoingFetch } from './outgoing-requests.ts';
import { confirmLogoutOnInvalidHint } from './logout-hint.ts';
import { revocationWithoutContentType } from './revocation-response.ts';
import { noDefaultResource, resourceServerOf } from './resource-servers.ts';
import { keepOfflineAccessOfFirstParty } from './offline-access.ts';
import { guardProvider } from './provider-guards.ts';
import { refuseUnmeetableEssentialAcr, stepUpCheck } from './acr.ts';
import { purposesCheck } from './purposes-check.ts';
import type { ConsentLedgerStore } from '../../domain/privacy/purpose.port.ts';
import type { OutboxStore } from '../../domain/events/outbox.port.ts';
import type { EventInterest } from '../../domain/events/event-interest.port.ts';
import { REACHABLE_ACR_VALUES } from '../../domain/credentials/strategies.ts';
import { LOCALES } from '../../i18n/locales.ts';
import { renderProtocolError, renderLogoutConfirmation, renderLogoutDone, renderDeviceCodeInput, renderDeviceConfirm, renderDeviceDone } from './protocol-pages.ts';

type ProviderDeps = {
  /** How long the admin tenant's tokens for the admin API live (admin-resource.ts). */
  readonly adminTokenTtlSeconds?: number | undefined;
  readonly consents: ConsentStore;
  readonly publicUrl: string;
  readonly masterSecret: string;
  readonly secureCookies: boolean;
  readonly identities: IdentityStore;
  readonly artifacts: OidcArtifactStore;
  readonly applications: ApplicationStore;
  readonly jwks: { keys: Record<string, unknown>[] };
  readonly audit: AuditStore;
  readonly logger: FastifyBaseLogger;
  readonly consentLedger: ConsentLedgerStore;
  /** Sign-outs are recorded (`session.ended`) here, when a subscription of the tenant takes them. */
  readonly outbox?: Pick<OutboxStore, 'enqueue'> | undefined;
  readonly events?: EventInterest | undefined;
};

/**
 * The names of a tenant's oidc-provider cookies. All tenants share one host, and the session cookie's
 * path is '/' (the default tenant's mount is '', so no path could keep its cookie from /t/{slug}):
 * with one name, signing in to one tenant replaced the browser's session of another. The default
 * tenant keeps the names it always had, so browsers signed in before an upgrade stay signed in.
 */
function cookieNamesOf(tenant: Pick<Tenant, 'slug'>): { session: string; interaction: string; resume: string } {
  // Slugs are [a-z0-9-]: valid in a cookie name, and never containing the '_' that separates them.
  const suffix = tenant.slug === 'default' ? '' : `_${tenant.slug}`;
  return { session: `foyer_session${suffix}`, interaction: `foyer_interaction${suffix}`, resume: `foyer_resume${suffix}` };
}

export const ROUTES = {
  authorization: '/auth',
  backchannel_authentication: '/backchannel',
  code_verification: '/device',
  device_authorization: '/device/auth',
  end_session: '/session/end',
  introspection: '/token/introspection',
  jwks: '/jwks',
  pushed_authorization_request: '/request',
  registration: '/reg',
  revocation: '/token/revocation',
  token: '/token',
  userinfo: '/me',
} as const;

const HOUR = 3600;
const DAY = 24 * HOUR;

export function createProvider(deps: ProviderDeps, tenant: Tenant): Provider {
  const issuer = issuerOf(deps.publicUrl, tenant);
  const mountPath = mountPathOf(tenant);
  const artifactAdapter = createOidcAdapter(deps.artifacts, tenant.id);
  const refreshTokenLifetime = refreshTokenAbsoluteLifetimeOf(tenant);
  const adminApi = tenant.slug === ADMIN_TENANT_SLUG ? adminApiUrlOf(deps.publicUrl) : undefined;
  const clientAdapter = cachedLookup(async (id: string) => {
    if (id === ACCOUNT_CLIENT_ID) return accountClientMetadata(issuer, tenant);
    const found = await deps.applications.findWithSecret(tenant.id, id);
    return found && clientMetadataOf(found.application, found.secretHash);
  });

  const configuration: Configuration = {
    adapter: ((name: string) => (name === 'Client' ? clientAdapter : artifactAdapter(name))) as unknown as Configuration['adapter'],
    jwks: deps.jwks as Configuration['jwks'],
    findAccount: async (ctx, sub) => {
      const identity = await deps.identities.findById(tenant.id, sub);
      // Blocked and deleted customers have no account as far as the protocol is concerned: their
      // sessions stop resuming, refresh grants and userinfo fail.
      if (!identity || identity.status !== 'active') return undefined;
      return {
        accountId: identity.id,
        claims: async (use, scope, requested) => {
          const claims = claimsOf(identity);
          if (grantsConsentsScope(scope)) claims['consents'] = consentsClaimOf(await grantedPurposes(deps, tenant.id, identity.id));
          return releasedClaims(claims, use, ctx.oidc?.client, requested);
        },
      };
    },
    // How the customer signed in travels with every ID token (OIDC Core 2), so it belongs to `openid`.
    claims: { ...SCOPE_CLAIMS, openid: [...SCOPE_CLAIMS.openid, 'acr', 'amr', 'auth_time'] } as unknown as Configuration['claims'],
    scopes: [...SUPPORTED_SCOPES],
    // Not extra parameters: the hook that runs right after oidc-provider's own checks of these.
    extraParams: { scope: keepOfflineAccessOfFirstParty, claims: refuseUnmeetableEssentialAcr },
    acrValues: [...REACHABLE_ACR_VALUES],
    discovery: { ui_locales_supported: [...LOCALES] },
    // ID tokens carry the claims of the granted scopes, where most client libraries read the
    // profile; an application may keep its ID tokens minimal instead (releasedClaims).
    conformIdTokenClaims: false,
    cookies: {
      // oidc-provider hands a non-array `keys` to Koa's cookies as its keygrip instance.
      keys: createCookieSigner([cookieKey(deps.masterSecret, tenant.id)]) as unknown as string[],
      names: cookieNamesOf(tenant),
      long: { httpOnly: true, sameSite: 'lax', secure: deps.secureCookies, signed: true },
      short: { httpOnly: true, sameSite: 'lax', secure: deps.secureCookies, signed: true },
    },
    interactions: {
      policy: interactionPolicyOf(deps, tenant.id),
      url: (_ctx, interaction) => `${mountPath}/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // An application may introspect and revoke its own tokens only: one tenant's applications
      // are often different businesses' (third parties), and must not probe each other's tokens.
      introspection: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      dPoP: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource: renderLogoutConfirmation, postLogoutSuccessSource: renderLogoutDone },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: renderDeviceCodeInput,
        userCodeConfirmSource: renderDeviceConfirm,
        successSource: renderDeviceDone,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: noDefaultResource,
        useGrantedResource: async () => true,
        // The admin tenant serves one API of its own, the admin API (http/admin/admin-resource.ts).
        getResourceServerInfo: async (ctx, resourceIndicator) =>
          adminApi !== undefined && resourceIndicator === adminApi ? adminResourceServer(ctx, adminApi, deps.adminTokenTtlSeconds) : resourceServerOf(tenant, resourceIndicator, ctx),
      },
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    enabledJWA: {
      // Client secrets are stored hashed, so nothing may be keyed by them (no HS* algorithms).
      idTokenSigningAlgValues: ['ES256', 'RS256'],
      userinfoSigningAlgValues: ['ES256', 'RS256'],
      introspectionSigningAlgValues: ['ES256', 'RS256'],
      authorizationSigningAlgValues: ['ES256', 'RS256'],
      requestObjectSigningAlgValues: ['ES256', 'RS256', 'PS256'],
      clientAuthSigningAlgValues: ['ES256', 'RS256', 'PS256'],
      dPoPSigningAlgValues: ['ES256', 'EdDSA', 'RS256', 'PS256'],
    },
    extraClientMetadata: { properties: ['foyer_first_party', 'foyer_passkeys_disabled', 'foyer_ttl', 'foyer_id_token_claims', ADMIN_SCOPES_METADATA] },
    // First-party applications never show a consent screen: their grant is created on the spot.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => loadOrCreateGrant(ctx, deps.consents, tenant.id),
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    ttl: {
      // An API's own lifetime (tenant settings) comes first for the tokens addressed to it.
      AccessToken: (_ctx, token, client) => token.resourceServer?.accessTokenTTL ?? ttlOf(client, 'accessToken') ?? HOUR,
      ClientCredentials: (_ctx, token, client) => token.resourceServer?.accessTokenTTL ?? ttlOf(client, 'accessToken') ?? HOUR,
      IdToken: (_ctx, _token, client) => ttlOf(client, 'idToken') ?? HOUR,
      RefreshToken: (ctx, token, client) => refreshTokenTtl(ctx, token, client, { idle: ttlOf(client, 'refreshToken') ?? DEFAULT_REFRESH_TOKEN_TTL, absolute: refreshTokenLifetime }, Math.floor(Date.now() / 1000)),
      AuthorizationCode: 60,
      DeviceCode: 600,
      BackchannelAuthenticationRequest: 600,
      Grant: 365 * DAY,
      Interaction: HOUR,
      Session: (_ctx, session) => browserSessionTtl(session, Math.floor(Date.now() / 1000)),
    },
    renderError: renderProtocolError,
    fetch: outgoingFetch(deps.publicUrl),
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    routes: ROUTES,
    // OAuth 2.1: the authorization code flow only; no implicit or hybrid responses.
    responseTypes: ['code'],
  };

  const provider = new Provider(issuer, configuration);
  // Foyer always hands the provider the canonical origin (PUBLIC_URL) and the client address it
  // computed itself (see oidc.plugin.ts), so the provider may trust these headers.
  provider.proxy = true;
  guardProvider(provider, { renderError: renderProtocolError, logger: deps.logger, resumePath: ROUTES.authorization });
  // Outermost but for the above: the artifacts a request writes are saved together, before its answer is sent.
  provider.use(writeArtifactsTogether(renderProtocolError, deps.logger));
  provider.use(confirmLogoutOnInvalidHint(provider, ROUTES.end_session));
  provider.use(revocationWithoutContentType(ROUTES.revocation));
  auditProviderEvents(provider, { tenantId: tenant.id, audit: deps.audit, logger: deps.logger, outbox: deps.outbox, events: deps.events });
  provider.Client.prototype.compareClientSecret = async function compareClientSecret(this: { clientSecret?: string }, presented: string) {
    return verifyHashedClientSecret(this.clientSecret, presented);
  };
  reuseClientInstances(provider, clientAdapter);
  return provider;
}

/**
 * Client.find builds a client from the adapter's metadata, and for metadata it has seen before
 * finds the instance it built by a SHA-256 of the metadata's JSON: on every token, introspection
 * and revocation request and every hosted page. The client cache hands back the same metadata
 * object until it reloads it, so the instance built for that object is reused without the hash.
 */
export function reuseClientInstances(provider: Provider, metadata: { find(id: string): Promise<object | undefined> }): void {
  const Client = provider.Client;
  const find = Client.find.bind(Client);
  const built = new WeakMap<object, Awaited<ReturnType<typeof find>>>();
  Client.find = async (id: string) => {
    const current = typeof id === 'string' && id.length > 0 ? await metadata.find(id) : undefined;
    if (!current) return find(id);
    let client = built.get(current);
    if (!client) {
      client = await find(id);
      if (client) built.set(current, client);
    }
    return client;
  };
}

function ttlOf(client: { [key: string]: unknown } | undefined, key: 'accessToken' | 'idToken' | 'refreshToken'): number | undefined {
  const ttl = client?.['foyer_ttl'] as Record<string, number> | undefined;
  return ttl?.[key];
}

/**
 * oidc-provider's prompts, with the login prompt also asked when an application steps up to the MFA
 * class (acr.ts), and when required consent purposes must be accepted again (purposes-check.ts).
 */
function interactionPolicyOf(deps: Pick<ProviderDeps, 'consentLedger'>, tenantId: string): ReturnType<typeof interactionPolicy.base> {
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(stepUpCheck());
  policy.get('login')!.checks.add(purposesCheck(deps, tenantId));
  return policy;
}

/** Cookie signing key of a tenant: derived, so it needs no storage and differs per tenant. */
function cookieKey(masterSecret: string, tenantId: string): KeyObject {
  // A prepared key object: the cookie signer HMACs every signed cookie read or written with it, and
  // a string key would be converted anew on each call.
  return createSecretKey(Buffer.from(hkdfSync('sha256', masterSecret, 'foyer-cookies', `cookie-signing:${tenantId}`, 32)));
}
