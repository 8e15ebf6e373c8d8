// Operators' use cases on customer identities: create, block, unblock, delete. Each change writes
// its audit entry and its domain event in the same transaction as the change itself. Blocking and
// deleting also revoke, in that same transaction, every session, code, grant and token of the
// customer (SECURITY.md 14): the block and the revocation commit together or not at all.
import type { ConsentLedgerStore } from '../privacy/purpose.port.ts';
import type { AuditStore } from '../audit/audit.port.ts';
import type { MailStore } from '../mail/mail.port.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import type { CatalogueEvent } from '../events/catalogue.ts';
import { redactEventsOf } from '../events/record-event.ts';
import { recordOperatorChange } from '../audit/record-change.ts';
import type { OidcArtifactStore } from '../oauth/oidc-artifact.port.ts';
import type { TenantStore } from '../tenants/tenant.port.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import type { BreachedPasswordCheck } from '../credentials/password/breached.ts';
import type { IdentityStore } from './identity.port.ts';
import type { AddressKind, Identity, IdentityStatus, Traits } from './identity.ts';
import { normalizeAddress } from './identity.ts';
import { traitSchemaOf, verifiableTraits } from './traits.ts';
import { checkNewIdentity, identityCreatedPayload, prepareNewIdentity, trimTraits } from './new-identity.ts';
import { DomainError, ValidationError } from '../errors.ts';
import type { SessionStore } from '../sessions/session.port.ts';
import { browserSessionsOf, recordEndedSessions } from '../oauth/logout.ts';
import type { UnitOfWork } from '../unit-of-work.ts';

type IdentityWriteStores = { identities: IdentityStore; oidcArtifacts: OidcArtifactStore; sessions: SessionStore; audit: AuditStore; outbox: OutboxStore; mail: MailStore; consentLedger: ConsentLedgerStore };

type IdentityDeps = {
  readonly transaction: UnitOfWork<IdentityWriteStores>;
  readonly now?: () => number;
};

/** Creation also reads the tenant (its trait schema) and may check passwords against breaches. */
type CreateIdentityDeps = IdentityDeps & {
  readonly tenants: TenantStore;
  readonly breachedCheck?: BreachedPasswordCheck | undefined;
};

type OperatorIdentityInput = {
  readonly traits: Traits;
  /** Omitted: the customer has no password yet (they may sign in another way, or recover one). */
  readonly password?: string | undefined;
  /**
   * The operator vouches for the addresses: they are stored as verified now. True for all of
   * them, or the names of the verifiable traits whose addresses are (the others are not).
   */
  readonly verified?: boolean | readonly string[] | undefined;
  /** The customer's id in the system they came from (a CRM, an old login system); unique in the tenant. */
  readonly externalId?: string | undefined;
};

/** What blocking or deleting ended: how many sessions, codes, grants and tokens were revoked. */
type Revocation = { readonly revokedArtifacts: number };

/** The audit action is the event's name. */
type Change = { tenantId: string; identityId: string; details: Record<string, unknown>; event: CatalogueEvent<'identity.created' | 'identity.blocked' | 'identity.unblocked' | 'identity.deleted'> };

function identityNotFound(identityId: string): DomainError {
  return new DomainError('identity.not_found', 'not_found', `No customer with the id "${identityId}" in this tenant.`, { identityId });
}

// Operators may learn that an address is in use (they can list customers anyway), so unlike
// sign-up this names the address plainly.
function addressTaken(kind: AddressKind, value: string): DomainError {
  return new DomainError('identity.address_taken', 'conflict', `Another customer in this tenant already has the ${kind} address "${value}".`, { kind, value });
}

/** Operators may learn that an external id is in use, like an address. */
export function externalIdTaken(externalId: string): DomainError {
  return new DomainError('identity.external_id_taken', 'conflict', `Another customer in this tenant already has the external id "${externalId}".`, { externalId });
}

/** The identity, or DomainError `identity.not_found`. */
export async function getIdentity(stores: { identities: IdentityStore }, tenantId: string, identityId: string): Promise<Identity> {
  const identity = await stores.identities.findById(tenantId, identityId);
  if (!identity) throw identityNotFound(identityId);
  return identity;
}

function record(stores: IdentityWriteStores, now: number, actor: Actor, change: Change): Promise<void> {
  return recordOperatorChange(stores, now, actor, { ...change, action: change.event.type });
}

/**
 * Creates a customer as an operator. Traits are checked with the tenant's schema and the password,
 * when given, with the policy: ValidationError naming each field. A taken address is DomainError
 * `identity.address_taken` (conflict).
 */
export async function createIdentityByOperator(
  deps: CreateIdentityDeps,
  tenantId: string,
  input: OperatorIdentityInput,
  actor: Actor,
): Promise<Identity> {
  const tenant = await deps.tenants.findById(tenantId);
  if (!tenant) throw new DomainError('tenant.not_found', 'not_found', `No tenant with the id "${tenantId}".`, { tenantId });
  const schema = traitSchemaOf(tenant.settings);
  const traits = trimTraits(input.traits);
  const problems = await checkNewIdentity(schema, traits, input.password, deps.breachedCheck);
  const verifiable = verifiableTraits(schema).map(([name]) => name);
  const verifiedTraits = Array.isArray(input.verified) ? input.verified : undefined;
  for (const name of verifiedTraits ?? []) {
    if (!verifiable.includes(name)) problems.push({ field: `verified.${name}`, code: 'trait.not_verifiable', message: 'This trait is not an address Foyer can verify.' });
  }
  if (problems.length > 0) throw new ValidationError(problems);

  const now = (deps.now ?? Date.now)();
  const verifiedAt = input.verified === true || (verifiedTraits?.length ?? 0) > 0 ? now : null;
  const newIdentity = { ...(await prepareNewIdentity({ tenantId, schema, traits, password: input.password, verifiedAt, verifiedTraits, now })), externalId: input.externalId ?? null };
  return deps.transaction(async (stores) => {
    // Checked first for a message that names the address; the unique index still settles a race.
    for (const address of newIdentity.addresses) {
      if (await stores.identities.findByAddress(tenantId, address.kind, address.value)) {
        throw addressTaken(address.kind, normalizeAddress(address.kind, address.value));
      }
    }
    if (input.externalId !== undefined && (await stores.identities.findByExternalId(tenantId, input.externalId))) throw externalIdTaken(input.externalId);
    const identity = await stores.identities.create(newIdentity);
    // Personal data stays out of the audit log, so that deleting the customer erases it.
    const details = { password: input.password !== undefined, verified: verifiedAt !== null, ...(verifiedTraits ? { verifiedTraits } : {}), ...(input.externalId !== undefined ? { externalId: true } : {}) };
    await record(stores, now, actor, { tenantId, identityId: identity.id, details, event: { type: 'identity.created', payload: identityCreatedPayload(identity) } });
    return identity;
  });
}

async function changeStatus(
  stores: IdentityWriteStores,
  tenantId: string,
  identityId: string,
  status: IdentityStatus,
  now: number,
): Promise<Identity> {
  const current = await getIdentity(stores, tenantId, identityId);
  if (!(await stores.identities.setStatus(tenantId, identityId, status, now))) throw identityNotFound(identityId);
  return { ...current, status, updatedAt: now };
}

/**
 * Blocks the customer and revokes everything they hold: sign-in is refused from now on, and no
 * session, refresh token or access token issued before survives. Blocking a blocked customer
 * revokes again, which ends anything issued in between.
 */
export async function blockIdentity(
  deps: IdentityDeps,
  tenantId: string,
  identityId: string,
  actor: Actor,
): Promise<Revocation & { identity: Identity }> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    const identity = await changeStatus(stores, tenantId, identityId, 'blocked', now);
    const ended = await browserSessionsOf(stores.oidcArtifacts, tenantId, identityId, now);
    const revokedArtifacts = await stores.oidcArtifacts.revokeByAccountId(tenantId, identityId);
    // Foyer's own session tokens (native apps) die too; deleting an identity cascades to them.
    await stores.sessions.revokeAllOf(tenantId, identityId, now);
    await record(stores, now, actor, { tenantId, identityId, details: { revokedArtifacts }, event: { type: 'identity.blocked', payload: { status: 'blocked' } } });
    // The applications signed in through the ended sessions are told once this commits.
    await recordEndedSessions(stores.outbox, tenantId, identityId, ended, now);
    return { identity, revokedArtifacts };
  });
}

/** Lets the customer sign in again; what blocking revoked stays revoked. */
export async function unblockIdentity(deps: IdentityDeps, tenantId: string, identityId: string, actor: Actor): Promise<Identity> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    const identity = await changeStatus(stores, tenantId, identityId, 'active', now);
    await record(stores, now, actor, { tenantId, identityId, details: {}, event: { type: 'identity.unblocked', payload: { status: 'active' } } });
    return identity;
  });
}

/**
 * Erases the customer: the identity with its traits, addresses and credentials (their addresses
 * are free again), everything the protocol issued to them, the emails sent to them, the client
 * addresses and user agents their audit entries recorded, and the payloads of their earlier events. The audit entry and the event keep
 * only the id.
 */
export async function deleteIdentity(deps: IdentityDeps, tenantId: string, identityId: string, actor: Actor): Promise<Revocation> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    const identity = await getIdentity(stores, tenantId, identityId);
    const ended = await browserSessionsOf(stores.oidcArtifacts, tenantId, identityId, now);
    const revokedArtifacts = await stores.oidcArtifacts.revokeByAccountId(tenantId, identityId);
    if (!(await stores.identities.delete(tenantId, identityId))) throw identityNotFound(identityId);
    // The mail log names the customer's address too (and queued mail holds codes): it goes with them.
    for (const address of identity.addresses) if (address.kind === 'email') await stores.mail.forget(tenantId, address.value);
    // What happened stays in the audit log and the event stream, without what it said about them.
    await stores.audit.forgetPersonalData(tenantId, identityId);
    // The consent ledger keeps its proof (purpose, version, text hash, time, how) but not where from.
    await stores.consentLedger.forgetPersonalData(tenantId, identityId);
    await redactEventsOf(stores.outbox, tenantId, 'identity', identityId);
    await record(stores, now, actor, { tenantId, identityId, details: { revokedArtifacts }, event: { type: 'identity.deleted', payload: {} } });
    await recordEndedSessions(stores.outbox, tenantId, identityId, ended, now);
    return { revokedArtifacts };
  });
}
