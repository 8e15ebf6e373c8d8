// The Account API at {issuer}/api/account: the same self-service as the portal, as JSON, for
// applications that embed these screens. Authenticated by an access token of this tenant carrying
// the `account` scope (RFC 6750: 401 invalid_token, 403 insufficient_scope); every error is an RFC
// 9457 problem document with a stable code.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { consentContextOf, requestContextOf } from '../request-context.ts';
import type Provider from 'oidc-provider';
import { registerAccountApiCors } from './account-api-cors.ts';
import type { Stores, Transaction } from '../../domain/unit-of-work.ts';
import type { SignInThrottle } from '../../domain/flows/throttle.ts';
import type { BreachedPasswordCheck } from '../../domain/credentials/password/breached.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import type { Identity } from '../../domain/identity/identity.ts';
import { traitSchemaOf } from '../../domain/identity/traits.ts';
import { DomainError, ValidationError } from '../../domain/errors.ts';
import { FEDERATED_CREDENTIAL } from '../../domain/credentials/federated/federated.ts';
import type { FederationDeps } from '../federation/upstream-sign-in.ts';
import { beginUpstreamSignIn } from '../federation/upstream-sign-in.ts';
import { negotiateLocale } from '../../i18n/locales.ts';
import type { AccountDeps, Customer } from '../../domain/account/account.ts';
import { connectedAccounts, removeConnectedAccount } from '../../domain/account/connected-accounts.ts';
import { isRecentSignIn } from '../../domain/account/account.ts';
import { profileFields, updateProfile } from '../../domain/account/profile.ts';
import { changePassword, verifyCurrentPassword } from '../../domain/account/password.ts';
import { listSessions, revokeOtherSessions, revokeSession } from '../../domain/account/sessions.ts';
import { listApplications, revokeApplication } from '../../domain/account/applications.ts';
import { recentActivity } from '../../domain/account/activity.ts';
import { exportAccountData } from '../../domain/account/export.ts';
import { deleteAccount } from '../../domain/account/delete.ts';
import { refusalProblem } from '../refusal.ts';
import type { SelfServiceDeps } from '../../domain/self-service/code-steps.ts';
import { confirmAddress } from '../../domain/self-service/registration.ts';
import { emailChangeOf, startEmailChange } from '../../domain/self-service/verification.ts';
import { unknownTenant } from '../tenancy/tenancy.plugin.ts';
import { changeConsents, consentsOf } from '../../domain/privacy/ledger.ts';
import type { CustomerConsent } from '../../domain/privacy/ledger.ts';
import { purposeTextIn } from '../../domain/privacy/purpose.ts';
import { changePreferences, preferencesOf } from '../../domain/privacy/preferences.ts';
import { DEFAULT_LOCALE } from '../../i18n/locales.ts';
import type { Locale } from '../../i18n/locales.ts';
import type { TenantDirectory } from '../tenancy/tenant-directory.ts';
import type { Strategies } from '../../domain/credentials/strategies.ts';
import { registerPasskeyRoutes } from './account-api-passkeys.ts';
import { registerSecondFactorRoutes } from './account-api-second-factors.ts';

type AccountApiDeps = {
  /** Where the CORS check finds the tenant before the request is routed further. */
  readonly tenants: TenantDirectory;
  readonly stores: Stores;
  readonly transaction: Transaction;
  readonly throttle: SignInThrottle;
  readonly breachedCheck?: BreachedPasswordCheck | undefined;
  readonly selfService: SelfServiceDeps;
  readonly strategies: Strategies;
  /** Connecting an upstream account starts an upstream sign-in (POST /api/account/connections). */
  readonly federation: FederationDeps;
};

const ACCOUNT_SCOPE = 'account';

type Authenticated = { tenant: Tenant; provider: Provider; identity: Identity; customer: Customer; sessionUid: string | undefined; clientId: string | undefined };

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 }, slug: { type: 'string', maxLength: 63 } } } as const;
const clientParams = { type: 'object', required: ['clientId'], properties: { clientId: { type: 'string', minLength: 1, maxLength: 200 }, slug: { type: 'string', maxLength: 63 } } } as const;
const profileBody = { type: 'object', required: ['traits'], additionalProperties: false, properties: { traits: { type: 'object' } } } as const;
/** The device tokens the app holds (docs/self-service.md): a password check is then counted on the device's own key. */
const deviceToken = { type: 'string', maxLength: 1024 } as const;
const passwordBody = {
  type: 'object',
  required: ['current_password', 'new_password'],
  additionalProperties: false,
  properties: { current_password: { type: 'string', maxLength: 4096 }, new_password: { type: 'string', maxLength: 4096 }, device_token: deviceToken },
} as const;
const deleteBody = { type: ['object', 'null'], additionalProperties: false, properties: { password: { type: 'string', maxLength: 4096 }, device_token: deviceToken } } as const;
const emailBody = {
  type: 'object',
  required: ['email', 'current_password'],
  additionalProperties: false,
  properties: { email: { type: 'string', minLength: 1, maxLength: 254 }, current_password: { type: 'string', maxLength: 4096 }, device_token: deviceToken },
} as const;
const connectBody = {
  type: 'object',
  required: ['connection'],
  additionalProperties: false,
  properties: { connection: { type: 'string', minLength: 1, maxLength: 63 }, return_to: { type: 'string', minLength: 1, maxLength: 2000 } },
} as const;
const codeBody = { type: 'object', required: ['code'], additionalProperties: false, properties: { code: { type: 'string', minLength: 1, maxLength: 20 } } } as const;
/** `{ "<purpose>": true | false }`: grant or withdraw each purpose named. */
const consentsBody = { type: 'object', minProperties: 1, maxProperties: 100, additionalProperties: { type: 'boolean' }, propertyNames: { maxLength: 63 } } as const;
/** `{ "<topic>.<channel>": true | false }`: contact me (or not) about the topic through the channel. */
const preferencesBody = { type: 'object', minProperties: 1, maxProperties: 300, additionalProperties: { type: 'boolean' }, propertyNames: { maxLength: 100 } } as const;
const activityQuery = {
  type: 'object',
  additionalProperties: false,
  // `before` is a time in epoch milliseconds: past 2^53 a number is no longer exact, and past 2^63
  // PostgreSQL's bigint refuses it.
  properties: { limit: { type: 'integer', minimum: 1, maximum: 200 }, before: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } },
} as const;

export async function accountApiPlugin(app: FastifyInstance, deps: AccountApiDeps): Promise<void> {
  const account: AccountDeps = { stores: deps.stores, transaction: deps.transaction, throttle: deps.throttle, deviceKey: deps.selfService.deviceKey, breachedCheck: deps.breachedCheck };

  registerAccountApiCors(app, { tenants: deps.tenants, applications: deps.stores.applications }, '/api/account/*');

  const base = '/api/account';
  app.get(`${base}/profile`, async (request, reply) => {
    const { tenant, identity } = await authenticate(request, reply);
    return profileView(tenant, identity);
  });
  app.patch(`${base}/profile`, { schema: { body: profileBody } }, async (request, reply) => {
    const { tenant, customer } = await authenticate(request, reply);
    const { traits } = request.body as { traits: Record<string, unknown> };
    try {
      return profileView(tenant, await updateProfile(account, traitSchemaOf(tenant.settings), customer, traits));
    } catch (error) {
      throw error instanceof ValidationError ? new ValidationError(error.problems.map((problem) => ({ ...problem, field: `traits.${problem.field}` })), error.message) : error;
    }
  });
  app.post(`${base}/password`, { schema: { body: passwordBody } }, async (request, reply) => {
    const { customer } = await authenticate(request, reply);
    const body = request.body as { current_password: string; new_password: string; device_token?: string };
    await changePassword(account, customer, { current: body.current_password, next: body.new_password, deviceTokens: body.device_token });
    return reply.code(204).send();
  });
  app.get(`${base}/sessions`, async (request, reply) => {
    const { customer } = await authenticate(request, reply);
    const sessions = await listSessions(account, customer);
    return {
      sessions: sessions.map((session) => ({
        id: session.id,
        kind: session.kind,
        current: session.current,
        user_agent: session.userAgent ?? null,
        ip: session.ip ?? null,
        signed_in_at: iso(session.signedInAt),
        last_seen_at: session.lastSeenAt === undefined ? null : iso(session.lastSeenAt),
        expires_at: iso(session.expiresAt),
        applications: session.applications,
      })),
    };
  });
  app.delete(`${base}/sessions/:id`, { schema: { params: idParams } }, async (request, reply) => {
    const { customer } = await authenticate(request, reply);
    await revokeSession(account, customer, (request.params as { id: string }).id);
    return reply.code(204).send();
  });
  app.delete(`${base}/sessions`, async (request, reply) => {
    const { customer } = await authenticate(request, reply);
    await revokeOtherSessions(account, customer);
    return reply.code(204).send();
  });
  app.get(`${base}/applications`, async (request, reply) => {
    const { customer } = await authenticate(request, reply);
    const applications = await listApplications(account, customer);
    return {
      applications: applications.map((application) => ({
        client_id: application.clientId,
        name: application.name,
        logo_uri: application.logoUri ?? null,
        scopes: application.scopes,
        resource_scopes: application.resourceScopes,
        granted_at: iso(application.grantedAt),
        updated_at: iso(application.updatedAt),
      })),
    };
  });
  app.delete(`${base}/applications/:clientId`, { schema: { params: clientParams } }, async (request, reply) => {
    const { customer } = await authenticate(request, reply);
    await revokeApplication(account, customer, (request.params as { clientId: string }).clientId);
    return reply.code(204).send();
  });
  // Connected accounts (ADR 0032): the upstream accounts linked to this one; the last way to sign in stays.
  app.get(`${base}/connections`, async (request, reply) => {
    const { customer } = await authenticate(request, reply);
    const connected = await connectedAccounts(deps, customer);
    return { connections: connected.map((item) => ({ connection: item.connection, name: item.name, email: item.email, linked_at: iso(item.linkedAt), removable: item.removable })) };
  });
  // Connecting another upstream account: the app opens `redirect_to` in the customer's browser; the
  // customer signs in at the provider, and Foyer links it only for this customer signed in to the
  // account portal in that browser (a link sent to someone else links nothing), then sends the
  // browser to `return_to` (one of the app's registered redirect URIs) or to the portal.
  app.post(`${base}/connections`, { schema: { body: connectBody } }, async (request, reply) => {
    const { tenant, identity, clientId } = await authenticate(request, reply);
    const body = request.body as { connection: string; return_to?: string };
    const connection = await deps.stores.connections.find(tenant.id, body.connection);
    if (!connection || !connection.enabled) throw new DomainError('connection.not_found', 'not_found', `This tenant offers no connection "${body.connection}".`, { id: body.connection });
    if (body.return_to !== undefined) {
      const application = clientId ? await deps.stores.applications.findById(tenant.id, clientId) : undefined;
      if (!application || !application.redirectUris.includes(body.return_to)) throw new DomainError('request.invalid', 'invalid', 'return_to must be one of the redirect URIs registered for the application.');
    }
    const linked = await deps.stores.identities.listCredentials(tenant.id, identity.id);
    if (linked.some((credential) => credential.type === FEDERATED_CREDENTIAL && credential.config['connection'] === connection.id)) {
      throw new DomainError('federation.already_linked', 'conflict', `An account of "${connection.id}" is already connected; disconnect it first.`);
    }
    const { url } = await beginUpstreamSignIn(deps.federation, tenant, connection, { kind: 'portal', identityId: identity.id, returnTo: body.return_to }).catch((error: unknown) => {
      request.log.warn({ connection: connection.id, reason: (error as Error).message }, 'upstream sign-in could not start');
      throw new DomainError('federation.upstream_failed', 'unavailable', 'The upstream provider could not be reached.');
    });
    return reply.code(201).send({ redirect_to: url.href });
  });
  app.delete(`${base}/connections/:connection`, { schema: { params: { type: 'object', required: ['connection'], properties: { connection: { type: 'string', minLength: 1, maxLength: 63 }, slug: { type: 'string', maxLength: 63 } } } } }, async (request, reply) => {
    const { customer } = await authenticate(request, reply);
    await removeConnectedAccount(deps, customer, (request.params as { connection: string }).connection);
    return reply.code(204).send();
  });
  app.get(`${base}/activity`, { schema: { querystring: activityQuery } }, async (request, reply) => {
    const { customer } = await authenticate(request, reply);
    const query = request.query as { limit?: number; before?: number };
    const entries = await recentActivity(account, customer, query);
    return {
      activity: entries.map((entry) => ({ id: entry.id, at: iso(entry.at), action: entry.action, outcome: entry.outcome, by: entry.by, method: entry.method ?? null, ip: entry.ip ?? null, user_agent: entry.userAgent ?? null })),
    };
  });
  app.get(`${base}/export`, async (request, reply) => {
    const { customer } = await authenticate(request, reply);
    const data = await exportAccountData(account, customer);
    return reply.header('content-disposition', 'attachment; filename="account-data.json"').send(data);
  });
  // Consents (docs/consent.md): every purpose of the tenant and where the customer stands; granting
  // and withdrawing are the same call, each decision a ledger record.
  app.get(`${base}/consents`, async (request, reply) => {
    const { tenant, customer } = await authenticate(request, reply);
    return { purposes: (await consentsOf(deps.stores, tenant.id, customer.identityId)).map((consent) => consentView(tenant, consent, customer.locale)) };
  });
  app.patch(`${base}/consents`, { schema: { body: consentsBody } }, async (request, reply) => {
    const { tenant, customer, clientId } = await authenticate(request, reply);
    const choices = Object.entries(request.body as Record<string, boolean>).map(([purposeId, granted]) => ({ purposeId, granted }));
    await changeConsents(deps, tenant, customer.identityId, choices, { locale: customer.locale, context: consentContextOf(request, 'account_api', clientId) });
    return { purposes: (await consentsOf(deps.stores, tenant.id, customer.identityId)).map((consent) => consentView(tenant, consent, customer.locale)) };
  });
  app.get(`${base}/preferences`, async (request, reply) => {
    const { tenant, customer } = await authenticate(request, reply);
    return preferencesView(await preferencesOf(deps.stores, tenant, customer.identityId, customer.locale));
  });
  app.patch(`${base}/preferences`, { schema: { body: preferencesBody } }, async (request, reply) => {
    const { tenant, customer } = await authenticate(request, reply);
    const actor = { type: 'customer' as const, id: customer.identityId, context: customer.context };
    await changePreferences(deps, tenant, customer.identityId, request.body as Record<string, boolean>, actor);
    return preferencesView(await preferencesOf(deps.stores, tenant, customer.identityId, customer.locale));
  });
  // Changing the email: the current password (SECURITY.md 16), then the code sent to the new address.
  app.post(`${base}/email`, { schema: { body: emailBody } }, async (request, reply) => {
    const { tenant, identity, customer } = await authenticate(request, reply);
    const body = request.body as { email: string; current_password: string; device_token?: string };
    await verifyCurrentPassword(account, customer, identity, body.current_password, body.device_token);
    const started = await startEmailChange(deps.selfService, tenant, identity, body.email, 'api', customer.context, customer.locale);
    if (!started.ok) throw refusalProblem(started, reply);
    return reply.code(202).send({ flow: { id: started.flow.id, sent_to: started.flow.payload['address'], expires_at: iso(started.flow.expiresAt) } });
  });
  app.post(`${base}/email/:id/code`, { schema: { params: idParams, body: codeBody } }, async (request, reply) => {
    const { tenant, identity, customer } = await authenticate(request, reply);
    const flow = await emailChangeOf(deps.selfService, tenant.id, identity.id, (request.params as { id: string }).id);
    if (!flow) throw new DomainError('flow.not_found', 'not_found', 'This change of email does not exist or has expired; start again.');
    const verified = await confirmAddress(deps.selfService, tenant, flow, { code: (request.body as { code: string }).code }, customer.context, 'complete');
    if (!verified.ok) throw refusalProblem(verified, reply);
    return profileView(tenant, verified.identity);
  });
  registerPasskeyRoutes(app, base, { stores: deps.stores, strategies: deps.strategies, authenticate });
  registerSecondFactorRoutes(app, base, { stores: deps.stores, strategies: deps.strategies, authenticate });
  app.delete(base, { schema: { body: deleteBody } }, async (request, reply) => {
    const { provider, identity, customer, sessionUid } = await authenticate(request, reply);
    const { password, device_token: deviceTokens } = (request.body as { password?: string; device_token?: string } | null | undefined) ?? {};
    // SECURITY.md 16: the current password, or a token from a sign-in of the last five minutes.
    if (password !== undefined) {
      await verifyCurrentPassword(account, customer, identity, password, deviceTokens);
    } else {
      const session = sessionUid ? await provider.Session.findByUid(sessionUid) : undefined;
      if (!session || session.accountId !== identity.id || !isRecentSignIn(session.loginTs, Date.now())) {
        throw new DomainError('authentication.not_recent', 'forbidden', 'Deleting the account needs the current password in `password`, or a token from a sign-in within the last 5 minutes.');
      }
    }
    await deleteAccount(account, customer);
    return reply.code(204).send();
  });

  /**
   * The customer behind the request's bearer token: an access token of this tenant, unexpired, for
   * a customer (not a client), with the `account` scope. A sender-constrained (DPoP) token is
   * refused when presented as a plain bearer token: whoever holds it must prove the key.
   */
  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<Authenticated> {
    reply.header('cache-control', 'no-store');
    const { tenant } = request;
    if (!tenant) throw unknownTenant(request);
    const found = { tenant, provider: await request.tenantProvider() };
    const header = request.headers.authorization ?? '';
    const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/.exec(header);
    if (!match) {
      reply.header('www-authenticate', header ? 'Bearer error="invalid_request"' : 'Bearer');
      throw new DomainError('token.missing', 'unauthenticated', 'Send an access token with the `account` scope as "Authorization: Bearer <token>".');
    }
    const token = await found.provider.AccessToken.find(match[1]!);
    const invalid = (detail: string) => {
      reply.header('www-authenticate', `Bearer error="invalid_token", error_description="${detail}"`);
      return new DomainError('token.invalid', 'unauthenticated', `The access token is not valid: ${detail}.`);
    };
    if (!token || token.isExpired) throw invalid('unknown, revoked or expired');
    if (token.isSenderConstrained()) throw invalid('sender-constrained tokens cannot be used as bearer tokens');
    if (!token.accountId) throw invalid('not issued for a customer');
    if (!token.scopes.has(ACCOUNT_SCOPE)) {
      reply.header('www-authenticate', `Bearer error="insufficient_scope", scope="${ACCOUNT_SCOPE}"`);
      throw new DomainError('token.insufficient_scope', 'forbidden', `The access token lacks the "${ACCOUNT_SCOPE}" scope.`);
    }
    // The account API can end sessions and delete the account: only the tenant's own (first-party)
    // applications may use it, whatever a third party managed to be granted.
    const client = token.clientId ? await found.provider.Client.find(token.clientId) : undefined;
    if (!client || !(client as unknown as Record<string, unknown>)['foyer_first_party']) {
      reply.header('www-authenticate', `Bearer error="insufficient_scope", scope="${ACCOUNT_SCOPE}", error_description="first-party applications only"`);
      throw new DomainError('token.not_first_party', 'forbidden', 'Only the tenant\'s first-party applications may use the Account API.');
    }
    const identity = await deps.stores.identities.findById(found.tenant.id, token.accountId);
    if (!identity || identity.status !== 'active') throw invalid('the account no longer exists or is blocked');
    const sessionUid = typeof token.sessionUid === 'string' ? token.sessionUid : undefined;
    const locale = negotiateLocale({ trait: identity.traits['locale'], acceptLanguage: request.headers['accept-language'], tenantDefault: found.tenant.settings.defaultLocale });
    const customer: Customer = {
      tenant: found.tenant,
      tenantId: found.tenant.id,
      locale,
      identityId: identity.id,
      context: requestContextOf(request),
      current: { sessionUid, grantIds: token.grantId ? [token.grantId] : [] },
    };
    return { tenant: found.tenant, provider: found.provider, identity, customer, sessionUid, clientId: token.clientId };
  }
}

function profileView(tenant: Tenant, identity: Identity) {
  return {
    id: identity.id,
    traits: identity.traits,
    addresses: identity.addresses.map((address) => ({ kind: address.kind, value: address.value, verified: address.verifiedAt !== null })),
    fields: profileFields(traitSchemaOf(tenant.settings)).map((field) => ({ name: field.name, required: field.required, read_only: field.readOnly })),
    created_at: iso(identity.createdAt),
    updated_at: iso(identity.updatedAt),
  };
}

function consentView(tenant: Tenant, consent: CustomerConsent, locale: Locale) {
  const { purpose } = consent;
  const shown = purposeTextIn(purpose, locale, tenant.settings.defaultLocale ?? DEFAULT_LOCALE);
  return {
    id: purpose.id,
    version: purpose.version,
    kind: purpose.kind,
    legal_basis: purpose.legalBasis,
    sale_or_sharing: purpose.saleOrSharing,
    name: shown.text.name,
    description: shown.text.description,
    locale: shown.locale,
    granted: consent.grantedVersion !== null,
    granted_version: consent.grantedVersion,
    granted_at: consent.grantedAt === null ? null : iso(consent.grantedAt),
  };
}

function preferencesView(preferences: Awaited<ReturnType<typeof preferencesOf>>) {
  return { topics: preferences.topics.map((topic) => ({ id: topic.id, name: topic.name, channels: { ...topic.channels } })) };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
