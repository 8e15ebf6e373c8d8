// Sign-in through a connection (issue 16, ADR 0032): the upstream provider said who the customer
// is (its subject, and perhaps an email it may or may not have verified); this strategy decides
// which Foyer account that is. The rules, in order:
//   1. an account linked to this upstream subject signs in;
//   2. when the connection is trusted for verified email and the upstream asserts `email_verified`:
//      the account whose *verified* address it is gets linked and signs in; without one, an
//      account is created (when the connection may create accounts);
//   3. anything else (an unverified or untrusted email, an address Foyer has not verified, no
//      email): nothing is linked or created until the customer proves they own an account by
//      signing in with it (`federation.link_required`), and the link is then made to that account.
// An upstream account with someone's address, unverified, never reaches that person's account.
import type { AuthenticationMethod, AuthenticationResult, FirstFactor } from '../authentication.ts';
import { authenticatedBy } from '../authentication.ts';
import type { RequestContext } from '../../audit/audit.ts';
import { SIGN_IN_AUDIT_ACTION } from '../../audit/audit.ts';
import type { AuditStore } from '../../audit/audit.port.ts';
import type { OutboxStore } from '../../events/outbox.port.ts';
import { recordEvent } from '../../events/record-event.ts';
import type { IdentityStore } from '../../identity/identity.port.ts';
import type { Identity, StoredCredential, Traits } from '../../identity/identity.ts';
import { normalizeAddress } from '../../identity/identity.ts';
import { identityCreatedPayload, prepareNewIdentity, trimTraits } from '../../identity/new-identity.ts';
import { traitSchemaOf, validateTraits } from '../../identity/traits.ts';
import type { Tenant } from '../../tenants/tenant.ts';
import { signUpAllowed } from '../../tenants/tenant.ts';
import type { UnitOfWork } from '../../unit-of-work.ts';
import type { Connection } from '../../federation/connection.ts';
import { mappedStaffRole } from '../../federation/connection.ts';
import { resolvedConnection } from '../../federation/presets.ts';
import { ADMIN_TENANT_SLUG } from '../../tenants/tenant.ts';
import type { StaffRole } from '../../admin/scopes.ts';
import { isStaffRole } from '../../admin/scopes.ts';
import type { StaffInvitation, StaffInvitationStore } from '../../admin/staff-invitation.port.ts';
import { acceptInvitationThroughConnection, openInvitationFor } from '../../admin/staff-invitations.ts';
import { uuidv7 } from '../../../lib/ids.ts';
import type { StatsRecorder } from '../../stats/stats-recorder.port.ts';

/** `fed`: signed in through a federated identity provider (the value Microsoft and others send; not in RFC 8176's list). */
export const FEDERATED: AuthenticationMethod = { id: 'federated', amr: ['fed'], acr: 'urn:foyer:acr:federated', aal: 1 };

/** The credential type of a linked upstream account. */
export const FEDERATED_CREDENTIAL = 'federated';

/** Who the upstream provider says the customer is, after its protocol checks passed. */
export type UpstreamProfile = {
  readonly subject: string;
  readonly email: string | undefined;
  /** The upstream asserted it verified `email` (`email_verified: true`, or its API's equivalent). */
  readonly emailVerified: boolean;
  /** Every claim it gave (ID token and userinfo), for the trait mapping. */
  readonly claims: Readonly<Record<string, unknown>>;
  /**
   * The upstream's tokens, sealed by the secret box for this tenant, connection and subject
   * (upstreamTokensContext), when the connection keeps them; kept with the link at each sign-in.
   */
  readonly sealedTokens?: string | undefined;
};

type FederatedInput = { readonly connection: Connection; readonly profile: UpstreamProfile };

type FederatedRefusal =
  /** Prove an existing account first (sign in with it); the link is made to the account proven. */
  | { readonly ok: false; readonly code: 'federation.link_required' }
  | { readonly ok: false; readonly code: 'signup.disabled' }
  /** The upstream profile does not satisfy the tenant's trait schema (a required trait missing). */
  | { readonly ok: false; readonly code: 'federation.profile_incomplete' }
  | { readonly ok: false; readonly code: 'signin.account_blocked' };

export type FederatedDeps = {
  readonly identities: IdentityStore;
  readonly transaction: UnitOfWork<{ identities: IdentityStore; audit: AuditStore; outbox: OutboxStore; staffInvitations: StaffInvitationStore }>;
  readonly audit: AuditStore;
  readonly stats?: StatsRecorder | undefined;
  /** Staff invitations: someone invited signs in through a connection without a role mapping. */
  readonly staffInvitations?: StaffInvitationStore | undefined;
  readonly now?: () => number;
};

/** A federated sign-in that succeeded: `signedUp` when it created the account just now (its sign-up is counted already). */
type FederatedOutcome = { readonly ok: true; readonly identity: Identity; readonly result: AuthenticationResult; readonly signedUp: boolean } | FederatedRefusal;

export type FederatedFirstFactor = Omit<FirstFactor<FederatedInput, FederatedRefusal>, 'authenticate'> & {
  authenticate(tenant: Tenant, input: FederatedInput, context: RequestContext): Promise<FederatedOutcome>;
  /** Links the upstream account to `identityId` (already proven by the customer) and answers the result. */
  link(tenant: Tenant, proven: AuthenticationResult, input: FederatedInput, context: RequestContext): Promise<{ readonly ok: true; readonly identity: Identity; readonly result: AuthenticationResult } | { readonly ok: false; readonly code: 'federation.already_linked' | 'signin.account_blocked' }>;
};

/** How a linked upstream account is found: `<connection>:<subject>`. */
function federatedIdentifier(connectionId: string, subject: string): string {
  return `${connectionId}:${subject}`;
}

/** The default mapping under the connection's own: the standard claims the default schema has. */
const STANDARD_MAPPING: Readonly<Record<string, string>> = { name: 'name', given_name: 'given_name', family_name: 'family_name' };

/** A claim by name, or by dotted path into nested objects (`address.country`). */
function claimAt(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  if (path in claims) return claims[path];
  let value: unknown = claims;
  for (const part of path.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

/** The traits the connection's mapping makes of the upstream profile; traits the schema lacks are left out. */
function mappedTraits(tenant: Tenant, connection: Connection, profile: UpstreamProfile): Traits {
  const schema = traitSchemaOf(tenant.settings);
  const properties = (schema['properties'] ?? {}) as Record<string, unknown>;
  const traits: Record<string, unknown> = {};
  for (const [trait, claim] of Object.entries({ ...STANDARD_MAPPING, ...resolvedConnection(connection).mapping })) {
    const value = claimAt(profile.claims, claim);
    if (trait in properties && value !== undefined && value !== null && value !== '') traits[trait] = value;
  }
  if (profile.email) traits['email'] = profile.email;
  return trimTraits(traits);
}

/** A linked account's credential: who it is upstream, and the sealed upstream tokens when the connection keeps them. */
function linkConfig(input: FederatedInput, now: number): Record<string, unknown> {
  const tokens = input.connection.storeTokens && input.profile.sealedTokens ? { upstreamTokens: input.profile.sealedTokens, tokensAt: now } : {};
  return { connection: input.connection.id, subject: input.profile.subject, email: input.profile.email ?? null, linkedAt: now, ...tokens };
}

export function createFederatedFirstFactor(deps: FederatedDeps): FederatedFirstFactor {
  const clock = deps.now ?? Date.now;

  const audit = (tenantId: string, identityId: string, context: RequestContext, connection: Connection, reason: string) =>
    deps.audit.append({ id: uuidv7(clock()), occurredAt: clock(), tenantId, action: SIGN_IN_AUDIT_ACTION, outcome: 'success', actor: { type: 'customer', id: identityId }, target: { type: 'identity', id: identityId }, context, details: { method: FEDERATED.id, connection: connection.id, reason } });

  async function addLink(tenant: Tenant, identityId: string, input: FederatedInput, context: RequestContext, reason: string): Promise<void> {
    const now = clock();
    const identifier = federatedIdentifier(input.connection.id, input.profile.subject);
    await deps.transaction(async (stores) => {
      await stores.identities.addCredential(tenant.id, identityId, { id: uuidv7(now), type: FEDERATED_CREDENTIAL, config: linkConfig(input, now), identifiers: [identifier] }, now);
      await stores.audit.append({ id: uuidv7(now), occurredAt: now, tenantId: tenant.id, action: 'identity.connection_linked', outcome: 'success', actor: { type: 'customer', id: identityId }, target: { type: 'identity', id: identityId }, context, details: { connection: input.connection.id, reason } });
      await recordEvent(stores.outbox, { tenantId: tenant.id, aggregateId: identityId, occurredAt: now }, { type: 'identity.connection_linked', payload: { connection: input.connection.id } });
    });
  }

  async function create(tenant: Tenant, input: FederatedInput, context: RequestContext, staffRole?: StaffRole): Promise<{ ok: true; identity: Identity } | FederatedRefusal> {
    if (staffRole === undefined && (!input.connection.allowSignUp || !signUpAllowed(tenant))) return { ok: false, code: 'signup.disabled' };
    const schema = traitSchemaOf(tenant.settings);
    const traits = mappedTraits(tenant, input.connection, input.profile);
    if (validateTraits(schema, traits).length > 0) return { ok: false, code: 'federation.profile_incomplete' };
    const now = clock();
    const record = await prepareNewIdentity({ tenantId: tenant.id, schema, traits, verifiedAt: now, verifiedTraits: ['email'], now });
    const identifier = federatedIdentifier(input.connection.id, input.profile.subject);
    const credential = { id: uuidv7(now), type: FEDERATED_CREDENTIAL, config: linkConfig(input, now), identifiers: [identifier] };
    const identity = await deps.transaction(async (stores) => {
      const created = await stores.identities.create({ ...record, credentials: [credential], ...(staffRole ? { metadataAdmin: { role: staffRole } } : {}) });
      await stores.audit.append({ id: uuidv7(now), occurredAt: now, tenantId: tenant.id, action: 'signup.succeeded', outcome: 'success', actor: { type: 'customer', id: created.id }, target: { type: 'identity', id: created.id }, context, details: { method: FEDERATED.id, connection: input.connection.id } });
      await recordEvent(stores.outbox, { tenantId: tenant.id, aggregateId: created.id, occurredAt: now }, { type: 'identity.created', payload: identityCreatedPayload(created) });
      return created;
    });
    const application = context.applicationId ?? '';
    deps.stats?.count(tenant.id, 'signup.created', { application });
    deps.stats?.signedUp(tenant.id, identity.id, application);
    return { ok: true, identity };
  }

  /** The tokens of this sign-in replace the ones kept with the link (or are dropped, when the connection stopped keeping them). */
  async function keepTokens(tenant: Tenant, credential: StoredCredential, input: FederatedInput): Promise<void> {
    const { upstreamTokens: _tokens, tokensAt: _at, ...config } = credential.config;
    const now = clock();
    const next = input.connection.storeTokens && input.profile.sealedTokens ? { ...config, upstreamTokens: input.profile.sealedTokens, tokensAt: now } : config;
    if (next === config && !('upstreamTokens' in credential.config)) return;
    await deps.identities.updateCredentialConfig(tenant.id, credential.id, next, now);
  }

  async function refreshTraits(tenant: Tenant, identity: Identity, input: FederatedInput): Promise<Identity> {
    if (!input.connection.refreshTraits) return identity;
    // The email changes through its own verified flow, never by an upstream's say-so.
    const { email: _email, ...mapped } = mappedTraits(tenant, input.connection, input.profile);
    const traits = { ...identity.traits, ...mapped };
    if (JSON.stringify(traits) === JSON.stringify(identity.traits) || validateTraits(traitSchemaOf(tenant.settings), traits).length > 0) return identity;
    await deps.identities.updateTraits(tenant.id, identity.id, traits, clock());
    return { ...identity, traits };
  }

  /**
   * Staff through the workforce IdP (the admin tenant): the role comes from the IdP's groups or
   * roles claim on every sign-in, so a change there applies at the next one; no mapped role, no entry.
   */
  async function withStaffRole(tenant: Tenant, identity: Identity, role: StaffRole, context: RequestContext): Promise<Identity> {
    if (identity.metadataAdmin['role'] === role) return identity;
    const now = clock();
    const metadataAdmin = { ...identity.metadataAdmin, role };
    await deps.transaction(async (stores) => {
      await stores.identities.updateMetadataAdmin(tenant.id, identity.id, metadataAdmin, now);
      await stores.audit.append({ id: uuidv7(now), occurredAt: now, tenantId: tenant.id, action: 'staff.role_from_idp', outcome: 'success', actor: { type: 'system' }, target: { type: 'identity', id: identity.id }, context, details: { role, previous: identity.metadataAdmin['role'] ?? null } });
    });
    return { ...identity, metadataAdmin };
  }

  return {
    method: FEDERATED,

    async authenticate(tenant, input, context) {
      const { connection, profile } = input;
      const staff = tenant.slug === ADMIN_TENANT_SLUG;
      let staffRole = staff ? mappedStaffRole(connection, profile.claims) : undefined;
      const linked = await deps.identities.findCredentialWithIdentity(tenant.id, FEDERATED_CREDENTIAL, federatedIdentifier(connection.id, profile.subject));
      // A connection without a role mapping leaves roles to Foyer: a linked staff member keeps
      // theirs, and someone new needs an open invitation for the address the IdP vouches for.
      let invitation: StaffInvitation | undefined;
      if (staff && staffRole === undefined && connection.roleMapping === null) {
        const kept = linked?.identity.metadataAdmin['role'];
        if (isStaffRole(kept)) staffRole = kept;
        else if (deps.staffInvitations && connection.trustEmailVerified && profile.emailVerified && profile.email) {
          invitation = await openInvitationFor({ staffInvitations: deps.staffInvitations, now: clock }, tenant.id, profile.email);
          staffRole = invitation?.role;
        }
      }
      // Staff without a role (mapped, kept or invited) are refused, whoever they are upstream.
      if (staff && staffRole === undefined) return { ok: false, code: 'signup.disabled' };
      const accepted = async (identity: Identity) => {
        if (invitation) await acceptInvitationThroughConnection({ transaction: deps.transaction, now: clock }, invitation, identity.id, connection.id, context);
      };
      if (linked) {
        if (linked.identity.status !== 'active') return { ok: false, code: 'signin.account_blocked' };
        await keepTokens(tenant, linked.credential, input);
        const refreshed = await refreshTraits(tenant, linked.identity, input);
        const identity = staffRole ? await withStaffRole(tenant, refreshed, staffRole, context) : refreshed;
        await accepted(identity);
        await audit(tenant.id, identity.id, context, connection, 'linked');
        return { ok: true, identity, result: authenticatedBy(FEDERATED, identity.id), signedUp: false };
      }
      const email = profile.email ? normalizeAddress('email', profile.email) : '';
      if (!connection.trustEmailVerified || !profile.emailVerified || email === '') return { ok: false, code: 'federation.link_required' };
      const existing = await deps.identities.findByAddress(tenant.id, 'email', email);
      if (existing) {
        // Linked without proof only to an address Foyer has verified too: an account someone
        // registered in another person's name, never confirmed, is not handed that person's sign-in.
        const verified = existing.addresses.some((address) => address.kind === 'email' && address.value === email && address.verifiedAt !== null);
        if (!verified) return { ok: false, code: 'federation.link_required' };
        if (existing.status !== 'active') return { ok: false, code: 'signin.account_blocked' };
        await addLink(tenant, existing.id, input, context, 'verified_email');
        const identity = staffRole ? await withStaffRole(tenant, existing, staffRole, context) : existing;
        await accepted(identity);
        await audit(tenant.id, existing.id, context, connection, 'verified_email');
        return { ok: true, identity, result: authenticatedBy(FEDERATED, existing.id), signedUp: false };
      }
      const created = await create(tenant, input, context, staffRole);
      if (!created.ok) return created;
      await accepted(created.identity);
      await audit(tenant.id, created.identity.id, context, connection, 'signed_up');
      return { ok: true, identity: created.identity, result: authenticatedBy(FEDERATED, created.identity.id), signedUp: true };
    },

    async link(tenant, proven, input, context) {
      const { identityId } = proven;
      const identifier = federatedIdentifier(input.connection.id, input.profile.subject);
      const holder = await deps.identities.findCredential(tenant.id, FEDERATED_CREDENTIAL, identifier);
      if (holder && holder.identityId !== identityId) return { ok: false, code: 'federation.already_linked' };
      const identity = await deps.identities.findById(tenant.id, identityId);
      if (!identity || identity.status !== 'active') return { ok: false, code: 'signin.account_blocked' };
      if (!holder) await addLink(tenant, identityId, input, context, 'proven');
      else await keepTokens(tenant, holder, input);
      // Both were just done: the proof (a password, a passkey) and the upstream sign-in.
      const amr = [...new Set([...proven.amr, ...FEDERATED.amr])];
      return { ok: true, identity, result: { ...proven, method: FEDERATED.id, amr } };
    },
  };
}
