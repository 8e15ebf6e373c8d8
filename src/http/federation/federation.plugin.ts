// The tenant's side of upstream sign-in that is not a hosted page (ADR 0032): the callback every
// connection's upstream redirects to (/federation/callback, what operators register), a SAML
// connection's service provider (ADR 0035: GET /federation/saml/{connection}/metadata, and the
// assertion consumer service POST /federation/saml/{connection}/acs), and the JSON flows API's
// federated sign-in for native apps:
//   GET  /flows/login/{id}/federation           the connections the app may offer
//   POST /flows/login/{id}/federation           {connection, client_id, return_to} → {redirect_to, exchange_token}
//   (the customer signs in upstream in a browser; the callback sends them to return_to?flow={id}&federation_code=…)
//   POST /flows/login/{id}/federation/complete  {exchange_token, federation_code} → the session, as a password sign-in answers
// The exchange token is handed to the app only, and only its hash is kept: whoever intercepts the
// redirect to return_to learns the flow id, which completes nothing without it.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formOf, parseForm } from '../shared/form.ts';
import { requestContextOf } from '../request-context.ts';
import { issuerOf } from '../../domain/tenants/tenant.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import type { Stores } from '../../domain/unit-of-work.ts';
import type { Strategies } from '../../domain/credentials/strategies.ts';
import { showsFor } from '../../domain/federation/connection.ts';
import { activeApiFlow } from '../../domain/self-service/api-flow.ts';
import type { SelfServiceDeps } from '../../domain/self-service/code-steps.ts';
import { recordSignIn } from '../../domain/self-service/sign-in.ts';
import { DomainError } from '../../domain/errors.ts';
import { randomToken } from '../../lib/ids.ts';
import { mountPathOf } from '../tenancy/mount.ts';
import { unknownTenant } from '../tenancy/tenancy.plugin.ts';
import { pageTranslator } from '../shared/locale.ts';
import { brandingOf, errorBody, sendPage } from '../shared/respond.ts';
import { sendErrorPage } from '../shared/page-errors.ts';
import type { ApiSignIn } from '../flows/api-sign-in.ts';
import { sha256 } from './upstream-answer.ts';
import type { UpstreamAnswer } from './upstream-answer.ts';
import { receiveSamlAnswer, serviceProviderOf } from './saml-sign-in.ts';
import { ASSERTION_CONSUMER_LIMIT, createWriteLimiter } from '../write-limits.ts';
import type { WriteLimitsDeps } from '../write-limits.ts';
import { html } from '../../lib/html.ts';
import { serviceProviderMetadata } from '../../infra/federation/saml-service-provider.ts';
import { spPrivateKeyOf } from '../../domain/federation/connections.service.ts';
import type { ConnectionDirectory, FederationDeps } from './upstream-sign-in.ts';
import { answeredProfile, beginUpstreamSignIn, federationFlowId, receiveUpstreamAnswer, redirectUriOf } from './upstream-sign-in.ts';

type FederationPluginDeps = FederationDeps & { readonly directory: ConnectionDirectory; readonly stores: Stores; readonly strategies: Strategies; readonly selfService: SelfServiceDeps; readonly apiSignIn: Pick<ApiSignIn, 'signedIn'>; readonly writeLimits: WriteLimitsDeps };

const flowParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 }, slug: { type: 'string', maxLength: 63 } } } as const;
const startBody = {
  type: 'object',
  required: ['connection', 'client_id', 'return_to'],
  additionalProperties: false,
  properties: { connection: { type: 'string', minLength: 1, maxLength: 63 }, client_id: { type: 'string', minLength: 1, maxLength: 200 }, return_to: { type: 'string', minLength: 1, maxLength: 2000 } },
} as const;
const completeBody = {
  type: 'object',
  required: ['exchange_token', 'federation_code'],
  additionalProperties: false,
  properties: { exchange_token: { type: 'string', minLength: 1, maxLength: 200 }, federation_code: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

const connectionParams = { type: 'object', required: ['connection'], properties: { connection: { type: 'string', maxLength: 63 }, slug: { type: 'string', maxLength: 63 } } } as const;

export async function federationPlugin(app: FastifyInstance, deps: FederationPluginDeps): Promise<void> {
  // Apple (response_mode=form_post) and SAML IdPs (HTTP-POST binding) POST their answer: a
  // cross-site POST, which carries no cookie of ours; the state (RelayState) finds the flow, and the
  // browser is then sent on by a top-level GET. A SAML Response with encryption and certificates
  // takes tens of kilobytes.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 512 * 1024 }, parseForm);
  app.post('/federation/callback', (request, reply) => {
    const form = formOf(request.body);
    const { user, id_token: _frontChannelToken, ...parameters } = form;
    // The ID token comes again, checked, from the token endpoint; `user` (Apple's first sign-in) may only name.
    return callback(request, reply, new URLSearchParams(parameters), user);
  });
  app.get('/federation/callback', (request, reply) => {
    // The callback as the upstream called it: the registered redirect URI and the query it added.
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    return callback(request, reply, new URLSearchParams(query), undefined);
  });

  async function callback(request: FastifyRequest, reply: FastifyReply, parameters: URLSearchParams, appleUser: string | undefined) {
    const tenant = request.tenant;
    const t = pageTranslator(request, { tenant: tenant ?? undefined });
    if (!tenant) return sendPage(reply, { status: 404, t, branding: { name: 'Foyer' }, title: t('page.error.title'), body: errorBody(t, 'request.invalid') });
    const received = new URL(redirectUriOf(issuerOf(deps.publicUrl, tenant)));
    received.search = parameters.toString();
    const answer = await receiveUpstreamAnswer(deps, tenant, { url: received, appleUser });
    if (!answer) return sendPage(reply, { status: 400, t, branding: brandingOf(tenant), title: t('page.error.title'), body: errorBody(t, 'flow.expired') });
    return sendBack(reply, tenant, answer);
  }

  /** Back from the upstream, checked or failed: to whoever started the sign-in (hosted interaction, portal, native app). */
  function sendBack(reply: FastifyReply, tenant: Tenant, { flow, returnCode }: UpstreamAnswer) {
    if (flow.kind === 'browser' && typeof flow.payload['portalIdentity'] === 'string') {
      return reply.code(303).header('location', `${mountPathOf(tenant)}/account/connections/return?flow=${encodeURIComponent(flow.id)}`).header('cache-control', 'no-store').send();
    }
    if (flow.kind === 'browser') {
      const back = `${mountPathOf(tenant)}/interaction/${flow.interactionUid}/federation/return?flow=${encodeURIComponent(flow.id)}`;
      return reply.code(303).header('location', back).header('cache-control', 'no-store').send();
    }
    // A native app's: the code it needs beside its exchange token, bound to the flow with the answer (upstream-answer.ts).
    const returnTo = new URL(String(flow.payload['returnTo']));
    returnTo.searchParams.set('flow', String(flow.payload['apiFlow']));
    returnTo.searchParams.set('federation_code', returnCode ?? '');
    return reply.code(303).header('location', returnTo.href).header('cache-control', 'no-store').send();
  }

  app.get('/federation/saml/:connection/metadata', { schema: { params: connectionParams } }, async (request, reply) => {
    const tenant = request.tenant;
    const id = (request.params as { connection: string }).connection;
    const connection = tenant ? await deps.stores.connections.find(tenant.id, id) : undefined;
    const privateKey = connection?.kind === 'saml' ? await spPrivateKeyOf(deps, connection) : undefined;
    if (!tenant || !connection || !connection.saml || !privateKey) {
      const t = pageTranslator(request, { tenant: tenant ?? undefined });
      return sendPage(reply, { status: 404, t, branding: tenant ? brandingOf(tenant) : { name: 'Foyer' }, title: t('page.error.title'), body: errorBody(t, 'request.invalid') });
    }
    const xml = serviceProviderMetadata(connection, privateKey, serviceProviderOf(deps.publicUrl, tenant, id));
    return reply.header('content-type', 'application/samlmetadata+xml; charset=utf-8').header('cache-control', 'public, max-age=300').send(xml);
  });

  // The assertion consumer service: the IdP's Response, posted by the customer's browser. Each post
  // answers a sign-in or writes an audit entry, so it is limited per address (SECURITY.md 36). The
  // browser shows whatever this answers, so a refused request (a body over the limit, a malformed
  // connection id) gets the error page too, not the flows API's JSON.
  const acsLimit = await createWriteLimiter(app, 'saml-acs', ASSERTION_CONSUMER_LIMIT, deps.writeLimits);
  const acsErrorPage = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => sendErrorPage(error, request, reply, { tenant: request.tenant ?? undefined, messages: { 413: 'federation.saml_too_large' } });
  app.post('/federation/saml/:connection/acs', { schema: { params: connectionParams }, errorHandler: acsErrorPage }, async (request, reply) => {
    const tenant = request.tenant;
    const t = pageTranslator(request, { tenant: tenant ?? undefined });
    const wait = await acsLimit(request);
    if (wait !== undefined) {
      reply.header('retry-after', String(wait));
      const body = html`<h1>${t('page.error.heading')}</h1><div class="alert" role="alert"><p>${t('signin.throttled', { seconds: wait })}</p></div>`;
      return sendPage(reply, { status: 429, t, branding: tenant ? brandingOf(tenant) : { name: 'Foyer' }, title: t('page.error.title'), body });
    }
    if (!tenant) return sendPage(reply, { status: 404, t, branding: { name: 'Foyer' }, title: t('page.error.title'), body: errorBody(t, 'request.invalid') });
    const form = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, string | undefined>;
    // No sign-in can be waiting at a connection the tenant does not have (or not a SAML one): nothing to audit.
    const connection = await deps.stores.connections.find(tenant.id, (request.params as { connection: string }).connection);
    if (!connection || connection.kind !== 'saml') return sendPage(reply, { status: 404, t, branding: brandingOf(tenant), title: t('page.error.title'), body: errorBody(t, 'request.invalid') });
    const answer = await receiveSamlAnswer({ ...deps, samlAssertions: deps.stores.samlAssertions, audit: deps.stores.audit }, tenant, connection, { SAMLResponse: form['SAMLResponse'], RelayState: form['RelayState'] }, requestContextOf(request));
    if (!answer) return sendPage(reply, { status: 400, t, branding: brandingOf(tenant), title: t('page.error.title'), body: errorBody(t, 'federation.saml_unsolicited') });
    return sendBack(reply, tenant, answer);
  });

  function tenantOf(request: FastifyRequest): Tenant {
    if (!request.tenant) throw unknownTenant(request);
    return request.tenant;
  }

  app.get('/flows/login/:id/federation', { schema: { params: flowParams, querystring: { type: 'object', properties: { client_id: { type: 'string', maxLength: 200 }, login_hint: { type: 'string', maxLength: 254 } } } } }, async (request, reply) => {
    const tenant = tenantOf(request);
    const flow = await activeApiFlow(deps.stores.flows, tenant.id, (request.params as { id: string }).id, 'login');
    const query = request.query as { client_id?: string; login_hint?: string };
    const clientId = String(query.client_id ?? '');
    const connections = await deps.directory.buttonsFor(tenant.id, clientId);
    // Home-realm discovery: the connection that owns the address's domain, which the app should use instead of the password.
    const homeRealm = query.login_hint ? await deps.directory.homeRealmOf(tenant.id, clientId, query.login_hint) : undefined;
    const action = `${issuerOf(deps.publicUrl, tenant)}/flows/login/${flow.id}/federation`;
    reply.header('cache-control', 'no-store');
    return { action, connections: connections.map((connection) => ({ id: connection.id, name: connection.displayName, icon_url: connection.iconUrl })), home_realm: homeRealm?.id ?? null };
  });

  app.post('/flows/login/:id/federation', { schema: { params: flowParams, body: startBody } }, async (request, reply) => {
    const tenant = tenantOf(request);
    const flow = await activeApiFlow(deps.stores.flows, tenant.id, (request.params as { id: string }).id, 'login');
    const body = request.body as { connection: string; client_id: string; return_to: string };
    // The app comes back only to one of its own registered redirect URIs.
    const application = await deps.stores.applications.findById(tenant.id, body.client_id);
    if (!application || !application.redirectUris.includes(body.return_to)) {
      throw new DomainError('request.invalid', 'invalid', 'return_to must be one of the redirect URIs registered for client_id.');
    }
    const connection = await deps.stores.connections.find(tenant.id, body.connection);
    if (!connection || !showsFor(connection, body.client_id)) throw new DomainError('connection.not_found', 'not_found', `This tenant offers no connection "${body.connection}" to this application.`, { id: body.connection });
    const exchangeToken = randomToken(32);
    const owner = { kind: 'api', apiFlowId: flow.id, returnTo: body.return_to, exchangeHash: sha256(exchangeToken).toString('base64url') } as const;
    const { url, flow: started } = await beginUpstreamSignIn(deps, tenant, connection, owner).catch((error: unknown) => {
      request.log.warn({ connection: connection.id, reason: (error as Error).message }, 'upstream sign-in could not start');
      throw new DomainError('federation.upstream_failed', 'unavailable', 'The upstream provider could not be reached.');
    });
    // The app's login flow remembers its upstream sign-in: completing reads it from there.
    await deps.stores.flows.advance(tenant.id, flow.id, 'active', { state: 'active', payload: { ...flow.payload, federation: started.id } }, Date.now());
    reply.header('cache-control', 'no-store');
    return { redirect_to: url.href, exchange_token: exchangeToken };
  });

  app.post('/flows/login/:id/federation/complete', { schema: { params: flowParams, body: completeBody } }, async (request, reply) => {
    const tenant = tenantOf(request);
    const flow = await activeApiFlow(deps.stores.flows, tenant.id, (request.params as { id: string }).id, 'login');
    const { exchange_token: token, federation_code: code } = request.body as { exchange_token: string; federation_code: string };
    const upstreamId = String(flow.payload['federation'] ?? '');
    const upstream = upstreamId.startsWith(federationFlowId('')) ? await deps.stores.flows.find(tenant.id, upstreamId, Date.now()) : undefined;
    const matches = (stored: unknown, given: string) => {
      const expected = Buffer.from(String(stored ?? ''), 'base64url');
      const hashed = sha256(given);
      return expected.length === hashed.length && timingSafeEqual(expected, hashed);
    };
    // Both checked, whatever the first says: the answer takes the same time either way.
    const tokenMatches = matches(upstream?.payload['exchangeHash'], token);
    const codeMatches = matches(upstream?.payload['returnCodeHash'], code);
    if (!upstream || upstream.kind !== 'api' || upstream.payload['apiFlow'] !== flow.id || !tokenMatches || !codeMatches) {
      throw new DomainError('flow.wrong_step', 'conflict', 'No upstream sign-in of this flow has come back with this exchange token and code.');
    }
    const answered = await answeredProfile(deps.stores, tenant, upstream);
    if (!answered) throw new DomainError('federation.upstream_failed', 'unprocessable', 'The upstream sign-in did not succeed; start it again.');
    const context = requestContextOf(request);
    const outcome = await deps.strategies.federated.authenticate(tenant, answered, context);
    if (!outcome.ok) {
      if (outcome.code === 'federation.link_required') throw new DomainError('federation.link_required', 'conflict', 'Sign in with the existing account (POST /flows/login/{id}), then connect this provider from the Account API.');
      if (outcome.code === 'signup.disabled') throw new DomainError('signup.disabled', 'forbidden', 'This connection may not create accounts.');
      if (outcome.code === 'federation.profile_incomplete') throw new DomainError('federation.profile_incomplete', 'unprocessable', 'The upstream profile lacks a trait the tenant requires.');
      throw new DomainError('signin.invalid_credentials', 'unauthenticated', 'This account cannot sign in.');
    }
    if (!(await deps.stores.flows.advance(tenant.id, upstream.id, 'verified', { state: 'complete', payload: { connection: answered.connection.id }, identityId: outcome.identity.id }, Date.now()))) {
      throw new DomainError('flow.already_complete', 'conflict', 'This flow is complete; start a new one.');
    }
    await recordSignIn(deps.selfService, tenant.id, outcome.result, context, { signedUpAt: outcome.identity.createdAt, completesSignUp: outcome.signedUp });
    // As every first factor of the flows API: the second factor when the policy or the app asks, the consent step, then the session (ADR 0036).
    return deps.apiSignIn.signedIn(request, reply, tenant, flow, outcome.identity, outcome.result, { alreadyComplete: false });
  });
}
