// Staff invitations: an owner invites someone by email with a role; the email carries a link
// (256 random bits, stored only as its SHA-256) to a page of the admin tenant where the invitee
// chooses a password and becomes staff with that role, once, within INVITATION_TTL_MS. Owners list
// the invitations not yet accepted, resend one (a new link; the old one stops working) or withdraw
// it. Every step is audited; the email is queued in the same transaction (the mail outbox). An
// invitee who signs in through the workforce IdP instead (a connection of the admin tenant) gets
// the invitation's role when the IdP vouches for the invited address (federated.ts).
import { createHash } from 'node:crypto';
import { randomString } from '../../lib/random.ts';
import { uuidv7 } from '../../lib/ids.ts';
import { DomainError, ValidationError } from '../errors.ts';
import type { AuditStore } from '../audit/audit.port.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { IdentityStore } from '../identity/identity.port.ts';
import { normalizeAddress } from '../identity/identity.ts';
import { DEFAULT_TRAIT_SCHEMA, validateTraits } from '../identity/traits.ts';
import type { MailStore } from '../mail/mail.port.ts';
import { queueMail } from '../mail/mail.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { TenantStore } from '../tenants/tenant.port.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import type { Locale } from '../../i18n/locales.ts';
import type { StaffRole } from './scopes.ts';
import type { StaffInvitation, StaffInvitationStore } from './staff-invitation.port.ts';
import type { StaffDeps, StaffMember, StaffWriteStores } from './staff.ts';
import { createStaff } from './staff.ts';

/** A week: long enough for a holiday, short enough that a forwarded old email is dead. */
const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** The invitation page, among the admin tenant's pages. */
export const INVITATION_PATH = '/t/admin/staff-invitation';

function invitationLinkOf(publicUrl: string, token: string): string {
  // In the query, as `token`: request logs mask that parameter (infra/logging/logger.ts).
  return `${publicUrl}${INVITATION_PATH}?token=${encodeURIComponent(token)}`;
}

function invitationTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

type InvitationStores = { staffInvitations: StaffInvitationStore; identities: IdentityStore; audit: AuditStore; mail: MailStore; tenants: Pick<TenantStore, 'lock'> };

type InvitationDeps = {
  readonly transaction: UnitOfWork<InvitationStores>;
  readonly publicUrl: string;
  readonly now?: () => number;
};

type InvitationState = 'pending' | 'expired';

export function invitationState(invitation: StaffInvitation, now: number): InvitationState {
  return invitation.expiresAt > now ? 'pending' : 'expired';
}

function notFound(id: string): DomainError {
  return new DomainError('staff.invitation_not_found', 'not_found', `No open invitation with the id "${id}".`, { id });
}

function invalidLink(): DomainError {
  return new DomainError('staff.invitation_invalid', 'not_found', 'This invitation link is unknown, expired, withdrawn or used.');
}

async function sendInvitation(stores: InvitationStores, adminTenant: Tenant, invitation: { email: string; role: StaffRole }, token: string, publicUrl: string, locale: Locale, now: number): Promise<void> {
  const link = invitationLinkOf(publicUrl, token);
  await queueMail(stores.mail, adminTenant, { tenantId: adminTenant.id, to: invitation.email, kind: 'staff_invitation', locale, params: { link, role: invitation.role } }, now);
}

async function audit(stores: { audit: AuditStore }, tenantId: string, now: number, actor: Actor, action: string, invitationId: string, details: Record<string, unknown>): Promise<void> {
  await stores.audit.append({
    id: uuidv7(now),
    occurredAt: now,
    tenantId,
    action,
    outcome: 'success',
    actor: { type: actor.type, id: actor.id },
    target: { type: 'staff_invitation', id: invitationId },
    context: actor.context,
    details,
  });
}

/**
 * Invites `email` as `role` and emails the link (in `locale`). 400 for an address that is not one,
 * 409 `identity.address_taken` when a staff member signs in with it already, 409
 * `staff.already_invited` while another invitation for it is open (resend that one instead).
 */
export async function inviteStaff(deps: InvitationDeps, adminTenant: Tenant, input: { email: string; role: StaffRole; locale: Locale }, actor: Actor): Promise<StaffInvitation> {
  const given = input.email.trim();
  const problems = validateTraits(DEFAULT_TRAIT_SCHEMA, { email: given }).map((problem) => ({ ...problem, field: 'email' }));
  if (problems.length > 0) throw new ValidationError(problems);
  const email = normalizeAddress('email', given);
  const now = (deps.now ?? Date.now)();
  const token = randomString(32, 'base64url');
  return deps.transaction(async (stores) => {
    // Two owners inviting the same address at once: one waits and then finds the other's.
    await stores.tenants.lock(adminTenant.id);
    if (await stores.identities.findByAddress(adminTenant.id, 'email', email)) {
      throw new DomainError('identity.address_taken', 'conflict', `A staff member already signs in with "${email}".`, { kind: 'email', value: email });
    }
    const open = await stores.staffInvitations.findUnfinishedByEmail(adminTenant.id, email);
    if (open) throw new DomainError('staff.already_invited', 'conflict', `"${email}" is invited already: resend or withdraw that invitation.`, { id: open.id });
    const invitation: StaffInvitation = { id: uuidv7(now), tenantId: adminTenant.id, email, role: input.role, invitedBy: actor.id ?? null, createdAt: now, sentAt: now, expiresAt: now + INVITATION_TTL_MS, acceptedAt: null, revokedAt: null };
    await stores.staffInvitations.insert({ ...invitation, tokenHash: invitationTokenHash(token) });
    await sendInvitation(stores, adminTenant, invitation, token, deps.publicUrl, input.locale, now);
    await audit(stores, adminTenant.id, now, actor, 'staff.invited', invitation.id, { role: input.role });
    return invitation;
  });
}

/** Invitations not yet accepted or withdrawn (expired ones too, to resend), newest first. */
export async function listInvitations(stores: { staffInvitations: StaffInvitationStore }, adminTenantId: string, page: { limit: number; after?: string | undefined }): Promise<StaffInvitation[]> {
  return stores.staffInvitations.listUnfinished(adminTenantId, page);
}

export async function getInvitation(stores: { staffInvitations: StaffInvitationStore }, adminTenantId: string, id: string): Promise<StaffInvitation> {
  const invitation = await stores.staffInvitations.findById(adminTenantId, id);
  if (!invitation || invitation.acceptedAt !== null || invitation.revokedAt !== null) throw notFound(id);
  return invitation;
}

/** Sends the invitation again with a new link and a new week; the earlier link stops working. */
export async function resendInvitation(deps: InvitationDeps, adminTenant: Tenant, id: string, locale: Locale, actor: Actor): Promise<StaffInvitation> {
  const now = (deps.now ?? Date.now)();
  const token = randomString(32, 'base64url');
  return deps.transaction(async (stores) => {
    const invitation = await getInvitation(stores, adminTenant.id, id);
    const change = { tokenHash: invitationTokenHash(token), sentAt: now, expiresAt: now + INVITATION_TTL_MS };
    if (!(await stores.staffInvitations.renew(adminTenant.id, id, change))) throw notFound(id);
    await sendInvitation(stores, adminTenant, invitation, token, deps.publicUrl, locale, now);
    await audit(stores, adminTenant.id, now, actor, 'staff.invitation_resent', id, { role: invitation.role });
    return { ...invitation, sentAt: now, expiresAt: change.expiresAt };
  });
}

/** Withdraws the invitation: its link stops working. */
export async function revokeInvitation(deps: Pick<InvitationDeps, 'transaction' | 'now'>, adminTenantId: string, id: string, actor: Actor): Promise<void> {
  const now = (deps.now ?? Date.now)();
  await deps.transaction(async (stores) => {
    const invitation = await getInvitation(stores, adminTenantId, id);
    if (!(await stores.staffInvitations.revoke(adminTenantId, id, now))) throw notFound(id);
    await audit(stores, adminTenantId, now, actor, 'staff.invitation_revoked', id, { role: invitation.role });
  });
}

/** The open invitation for this address, if any (someone signing in through the workforce IdP). */
export async function openInvitationFor(deps: { staffInvitations: StaffInvitationStore; now?: () => number }, adminTenantId: string, email: string): Promise<StaffInvitation | undefined> {
  const invitation = await deps.staffInvitations.findUnfinishedByEmail(adminTenantId, normalizeAddress('email', email));
  return invitation && invitation.expiresAt > (deps.now ?? Date.now)() ? invitation : undefined;
}

/**
 * The invitee signed in through a connection of the admin tenant, which vouched for the invited
 * address, and got the invitation's role (federated.ts): the invitation is spent and audited.
 */
export async function acceptInvitationThroughConnection(
  deps: { transaction: UnitOfWork<{ staffInvitations: StaffInvitationStore; audit: AuditStore }>; now?: () => number },
  invitation: StaffInvitation,
  identityId: string,
  connectionId: string,
  context: RequestContext,
): Promise<void> {
  const now = (deps.now ?? Date.now)();
  await deps.transaction(async (stores) => {
    if (!(await stores.staffInvitations.acceptById(invitation.tenantId, invitation.id, now))) return;
    await audit(stores, invitation.tenantId, now, { type: 'system', id: 'staff-invitation', context }, 'staff.invitation_accepted', invitation.id, { role: invitation.role, connection: connectionId, staffId: identityId });
  });
}

/** The invitation a link opens, if it is open now (to show the page, or say it cannot be used). */
export async function openInvitation(deps: { staffInvitations: StaffInvitationStore; now?: () => number }, token: string): Promise<StaffInvitation | undefined> {
  if (token === '') return undefined;
  return deps.staffInvitations.findOpenByTokenHash(invitationTokenHash(token), (deps.now ?? Date.now)());
}

/**
 * The invitee chooses a password and becomes staff with the invitation's role: DomainError
 * `staff.invitation_invalid` for a link that is not open (unknown, expired, withdrawn or used, all
 * alike). The link is spent in the new member's transaction, so two submissions make one member.
 */
export async function acceptInvitation(
  deps: StaffDeps<StaffWriteStores & { staffInvitations: StaffInvitationStore }> & { readonly staffInvitations: StaffInvitationStore },
  adminTenantId: string,
  token: string,
  password: string,
  context: RequestContext,
): Promise<StaffMember> {
  const now = (deps.now ?? Date.now)();
  const invitation = await openInvitation({ staffInvitations: deps.staffInvitations, now: () => now }, token);
  if (!invitation) throw invalidLink();
  const actor: Actor = { type: 'system', id: 'staff-invitation', context };
  return createStaff(deps, adminTenantId, { email: invitation.email, password, role: invitation.role }, actor, async (stores) => {
    if (!(await stores.staffInvitations.accept(invitationTokenHash(token), now))) throw invalidLink();
    await audit(stores, adminTenantId, now, actor, 'staff.invitation_accepted', invitation.id, { role: invitation.role });
  });
}
