// The SAML halves of an upstream sign-in (ADR 0035), beside the OpenID Connect ones of
// upstream-sign-in.ts and ending in the same federation flow: `begin` stores the flow under a new
// RelayState with the AuthnRequest's ID and sends the customer to the IdP; `receive` (the ACS)
// finds the flow by the RelayState the IdP echoes, has the Response checked against that request,
// spends the assertion's ID in the replay cache, and keeps the profile on the flow (verified), or
// marks it failed. Each refusal is audited with its reason; the page never says which check failed.
import type { Connection } from '../../domain/federation/connection.ts';
import { samlServiceProviderOf } from '../../domain/federation/connection.ts';
import { spPrivateKeyOf } from '../../domain/federation/connections.service.ts';
import type { Flow } from '../../domain/flows/flow.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { issuerOf } from '../../domain/tenants/tenant.ts';
import type { RequestContext } from '../../domain/audit/audit.ts';
import type { AuditStore } from '../../domain/audit/audit.port.ts';
import type { SamlReplayStore } from '../../domain/federation/saml-replay.port.ts';
import type { UpstreamProfile } from '../../domain/credentials/federated/federated.ts';
import { uuidv7, randomToken } from '../../lib/ids.ts';
import type { SamlAssertion, ServiceProviderUrls } from '../../infra/federation/saml-service-provider.ts';
import { checkSamlResponse, samlAuthorizeUrl } from '../../infra/federation/saml-service-provider.ts';
import type { FlowStore } from '../../domain/flows/flow.port.ts';
import type { ConnectionStore } from '../../domain/federation/connection.port.ts';
import type { SecretBox } from '../../domain/keys/secret-box.port.ts';
import type { FastifyBaseLogger } from 'fastify';
import { recordUpstreamAnswer } from './upstream-answer.ts';
import type { UpstreamAnswer } from './upstream-answer.ts';

type SamlBeginDeps = { readonly flows: FlowStore; readonly connections: ConnectionStore; readonly secretBox: SecretBox; readonly publicUrl: string };
type SamlDeps = SamlBeginDeps & { readonly samlAssertions: SamlReplayStore; readonly audit: AuditStore; readonly logger?: FastifyBaseLogger | undefined };

/** The service provider of a connection: entity id, ACS and metadata URLs under the tenant's issuer. */
export function serviceProviderOf(publicUrl: string, tenant: Tenant, connectionId: string): ServiceProviderUrls & { readonly metadataUrl: string } {
  return samlServiceProviderOf(issuerOf(publicUrl, tenant), connectionId);
}

/** Attribute names IdPs use for the address, besides the connection's own mapping (Okta, Entra, Google Workspace, LDAP's OID). */
const EMAIL_ATTRIBUTES = ['email', 'mail', 'emailAddress', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', 'urn:oid:0.9.2342.19200300.100.1.3'];
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const TRANSIENT_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';

const firstValue = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * Who the assertion says the customer is. The subject is the NameID (or the attribute `mapping.sub`
 * names); a transient NameID changes at every sign-in, so it cannot identify an account. The
 * address is the mapped `email` attribute, a usual one, or an email-format NameID; SAML has no
 * `email_verified`: an IdP's signed assertion vouches for its directory's address, which Foyer
 * believes only when the connection is trusted for verified email (as for OpenID Connect).
 */
function samlProfileOf(connection: Connection, assertion: SamlAssertion): UpstreamProfile {
  const subjectAttribute = connection.mapping['sub'];
  const subject = subjectAttribute ? firstValue(assertion.attributes[subjectAttribute]) : assertion.nameIdFormat === TRANSIENT_FORMAT ? undefined : assertion.nameId;
  if (!subject) throw new Error(subjectAttribute ? `the assertion has no ${subjectAttribute} attribute` : 'a transient NameID cannot identify an account; map `sub` to an attribute');
  const named = [connection.mapping['email'], ...EMAIL_ATTRIBUTES].filter((name): name is string => name !== undefined);
  const fromAttributes = named.map((name) => firstValue(assertion.attributes[name])).find((value) => typeof value === 'string' && value.includes('@'));
  const email = fromAttributes ?? (assertion.nameIdFormat === EMAIL_FORMAT ? assertion.nameId : undefined);
  const claims: Record<string, unknown> = { ...assertion.attributes, sub: subject, ...(email ? { email } : {}) };
  return { subject, email, emailVerified: email !== undefined, claims };
}

/** Starts a SAML sign-in for the flow's owner: the flow stored, and the IdP's URL with the AuthnRequest. */
export async function beginSamlSignIn(deps: SamlBeginDeps, tenant: Tenant, connection: Connection, flowOf: (state: string, checks: Record<string, unknown>) => Flow, extra: Record<string, string>): Promise<{ readonly url: URL; readonly flow: Flow }> {
  const privateKey = await spPrivateKeyOf({ connections: deps.connections, secretBox: deps.secretBox }, connection);
  if (!privateKey) throw new Error('the SAML connection has no service-provider key');
  const state = randomToken(32);
  const hint: Record<string, string> = extra['login_hint'] ? { login_hint: extra['login_hint'] } : {};
  const { url, requestId, issuedAt } = await samlAuthorizeUrl(connection, privateKey, serviceProviderOf(deps.publicUrl, tenant, connection.id), state, hint);
  const flow = flowOf(state, { samlRequest: requestId, samlIssuedAt: issuedAt });
  await deps.flows.create(flow);
  return { url, flow };
}

type SamlPost = { readonly SAMLResponse?: string | undefined; readonly RelayState?: string | undefined };

/**
 * The IdP's Response at the connection's ACS (the connection as read for this post). Undefined when no active sign-in of this connection
 * has the RelayState (unsolicited, expired, used or forged: nothing to resume); otherwise the flow,
 * verified with the profile, or with `failed` when a check failed (and a native app's return code).
 */
export async function receiveSamlAnswer(deps: SamlDeps, tenant: Tenant, connection: Connection, post: SamlPost, context: RequestContext): Promise<UpstreamAnswer | undefined> {
  const connectionId = connection.id;
  const audit = (reason: string) => {
    const now = Date.now();
    return deps.audit.append({ id: uuidv7(now), occurredAt: now, tenantId: tenant.id, action: 'signin.failed', outcome: 'failure', actor: { type: 'customer' }, target: { type: 'connection', id: connectionId }, context, details: { method: 'federated', protocol: 'saml', reason } });
  };
  const state = post.RelayState ?? '';
  const flow = /^[A-Za-z0-9_-]{20,100}$/.test(state) ? await deps.flows.find(tenant.id, `fed.${state}`, Date.now()) : undefined;
  if (!flow || flow.type !== 'federation' || flow.state !== 'active' || flow.payload['connection'] !== connectionId || typeof flow.payload['samlRequest'] !== 'string') {
    await audit(state === '' ? 'unsolicited response (no RelayState)' : 'no active sign-in has this RelayState');
    return undefined;
  }
  let payload: Record<string, unknown>;
  try {
    if (!connection.enabled || connection.kind !== 'saml') throw new Error('the connection is disabled or not SAML');
    const privateKey = await spPrivateKeyOf({ connections: deps.connections, secretBox: deps.secretBox }, connection);
    if (!privateKey || !post.SAMLResponse) throw new Error(post.SAMLResponse ? 'the connection has no service-provider key' : 'no SAMLResponse was posted');
    const request = { id: String(flow.payload['samlRequest']), issuedAt: Number(flow.payload['samlIssuedAt']) };
    const assertion = await checkSamlResponse(connection, privateKey, serviceProviderOf(deps.publicUrl, tenant, connectionId), request, post.SAMLResponse);
    const profile = samlProfileOf(connection, assertion);
    if (!(await deps.samlAssertions.spend(tenant.id, connectionId, assertion.id, assertion.expiresAt, Date.now()))) throw new Error(`the assertion ${assertion.id} was used before (replay)`);
    payload = { ...flow.payload, profile };
  } catch (error) {
    const reason = (error as Error).message;
    deps.logger?.warn({ connection: connectionId, reason }, 'SAML sign-in refused');
    await audit(reason.slice(0, 500));
    payload = { ...flow.payload, failed: true };
  }
  // The request is answered either way: its ID is spent with the flow.
  const { samlRequest: _request, samlIssuedAt: _issued, ...kept } = payload;
  return recordUpstreamAnswer(deps.flows, flow, kept);
}
