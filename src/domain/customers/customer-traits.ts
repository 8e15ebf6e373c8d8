// An operator's change to a customer's traits, as a JSON Merge Patch (RFC 7396): members set to
// null go, objects merge, everything else is replaced; the result must satisfy the tenant's trait
// schema (ValidationError naming each field). Verifiable traits carry more than a value: the email
// is also an address and the password's identifier. A new email moves all three together
// (IdentityStore.replaceEmail), unverified unless the operator says it is verified, and the old
// address is told, as when the customer changes it themselves; removing the email, or changing
// another verifiable trait (a phone, for which Foyer has no way to move the address yet), is
// refused rather than leaving an address or a sign-in identifier behind.
import { DomainError, ValidationError } from '../errors.ts';
import type { FieldProblem } from '../errors.ts';
import type { AuditStore } from '../audit/audit.port.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import type { MailStore } from '../mail/mail.port.ts';
import { queueMail } from '../mail/mail.ts';
import type { IdentityStore } from '../identity/identity.port.ts';
import type { Identity, Traits } from '../identity/identity.ts';
import { normalizeAddress } from '../identity/identity.ts';
import { externalIdTaken, getIdentity } from '../identity/identities.service.ts';
import { trimTraits } from '../identity/new-identity.ts';
import { traitSchemaOf, validateTraits, verifiableTraits } from '../identity/traits.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import { negotiateLocale } from '../../i18n/locales.ts';
import { recordOperatorChange } from '../audit/record-change.ts';

type TraitStores = { identities: IdentityStore; audit: AuditStore; outbox: OutboxStore; mail: MailStore };

type PatchDeps = { readonly transaction: UnitOfWork<TraitStores>; readonly now?: () => number };

type TraitsPatch = {
  /** The merge patch of the traits document; omitted: the traits stay. */
  readonly traits?: Readonly<Record<string, unknown>> | undefined;
  /** A new external id; null removes it; omitted: it stays. */
  readonly externalId?: string | null | undefined;
  /** A new email is stored as verified now (the operator vouches for it). */
  readonly emailVerified?: boolean | undefined;
  /** Checked against the customer as read inside the transaction (If-Match): throws to refuse. */
  readonly precondition?: ((current: Identity) => void) | undefined;
};

/** RFC 7396, section 2. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else result[name] = applyMergePatch(result[name], value);
  }
  return result;
}

/** Applies the patch (traits and the external id) and answers the customer as they are now (unchanged when the patch changes nothing). */
export async function patchCustomerTraits(deps: PatchDeps, tenant: Tenant, identityId: string, patch: TraitsPatch, actor: Actor): Promise<Identity> {
  const schema = traitSchemaOf(tenant.settings);
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    // Locked before it is read: two patches (or a patch and an If-Match check) never interleave.
    await stores.identities.lock(tenant.id, identityId);
    const identity = await getIdentity(stores, tenant.id, identityId);
    patch.precondition?.(identity);
    const traits = patch.traits === undefined ? identity.traits : trimTraits(applyMergePatch(identity.traits, patch.traits) as Traits);
    const problems: FieldProblem[] = validateTraits(schema, traits);
    const previousEmail = typeof identity.traits['email'] === 'string' ? identity.traits['email'] : undefined;
    const nextEmail = typeof traits['email'] === 'string' ? traits['email'] : undefined;
    for (const [name] of verifiableTraits(schema)) {
      const before = identity.traits[name];
      const after = traits[name];
      if (before === after) continue;
      if (name !== 'email') problems.push({ field: name, code: 'trait.verifiable_read_only', message: 'This address cannot be changed here yet.' });
      else if (after === undefined) problems.push({ field: name, code: 'email.required', message: 'The email is how this customer signs in: change it, do not remove it.' });
      else if (before === undefined) problems.push({ field: name, code: 'trait.verifiable_read_only', message: 'An email cannot be added here to a customer who has none.' });
    }
    if (problems.length > 0) throw new ValidationError(problems);

    const changed = [...new Set([...Object.keys(traits), ...Object.keys(identity.traits)])].filter((name) => JSON.stringify(traits[name]) !== JSON.stringify(identity.traits[name]));
    const externalId = patch.externalId === undefined ? identity.externalId : patch.externalId;
    const externalIdChanged = externalId !== identity.externalId;
    if (changed.length === 0 && !externalIdChanged) return identity;
    if (externalIdChanged) {
      const holder = externalId === null ? undefined : await stores.identities.findByExternalId(tenant.id, externalId);
      if (externalId !== null && holder) throw externalIdTaken(externalId);
      await stores.identities.setExternalId(tenant.id, identityId, externalId, now);
    }
    if (changed.length === 0) {
      await recordOperatorChange(stores, now, actor, {
        tenantId: tenant.id,
        identityId,
        action: 'identity.updated',
        details: { changed, externalId: true },
        event: { type: 'identity.updated', payload: { changed, externalId } },
      });
      return (await stores.identities.findById(tenant.id, identityId))!;
    }
    const emailMoved = previousEmail !== undefined && nextEmail !== undefined && normalizeAddress('email', previousEmail) !== normalizeAddress('email', nextEmail);
    if (emailMoved) {
      if (await stores.identities.findByAddress(tenant.id, 'email', nextEmail)) {
        throw new DomainError('identity.address_taken', 'conflict', `Another customer in this tenant already has the email address "${normalizeAddress('email', nextEmail)}".`, { kind: 'email' });
      }
      await stores.identities.replaceEmail(tenant.id, identityId, { from: previousEmail, to: nextEmail, traits, verifiedAt: patch.emailVerified ? now : null }, now);
      // The old inbox hears of it: a change nobody asked for is how a takeover shows.
      const locale = negotiateLocale({ trait: identity.traits['locale'], tenantDefault: tenant.settings.defaultLocale });
      await queueMail(stores.mail, tenant, { tenantId: tenant.id, to: previousEmail, kind: 'email_changed', locale, params: { newEmail: normalizeAddress('email', nextEmail) } }, now);
    } else if (!(await stores.identities.updateTraits(tenant.id, identityId, traits, now))) {
      throw new DomainError('identity.not_found', 'not_found', `No customer with the id "${identityId}" in this tenant.`, { identityId });
    }
    await recordOperatorChange(stores, now, actor, {
      tenantId: tenant.id,
      identityId,
      action: 'identity.updated',
      details: { changed, ...(emailMoved ? { emailVerified: patch.emailVerified === true } : {}), ...(externalIdChanged ? { externalId: true } : {}) },
      event: { type: 'identity.updated', payload: { changed, traits, ...(externalIdChanged ? { externalId } : {}) } },
    });
    return (await stores.identities.findById(tenant.id, identityId))!;
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
