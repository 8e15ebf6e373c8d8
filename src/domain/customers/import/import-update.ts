// An import line that names a customer who exists, imported with `onExisting: update`: what the line
// gives replaces what Foyer has, member by member, inside the batch's transaction. Traits merge
// (the line's win, the others stay) and must still satisfy the schema; a new email moves the
// address and the password's identifier together (customer-traits.ts does the same for a patch);
// another verifiable trait cannot change here. Verified flags only ever add a verification, a
// password hash sets the password (replacing one only when the operator allows it), consents are appended to the ledger. A status is not
// changed by an import (blocking must also end sessions: the block action does that). Audited as
// `identity.updated` with its event, like any other change.
import type { FieldProblem } from '../../errors.ts';
import type { Identity, Traits } from '../../identity/identity.ts';
import { normalizeAddress } from '../../identity/identity.ts';
import { passwordIdentifierOf, trimTraits } from '../../identity/new-identity.ts';
import type { TraitSchema } from '../../identity/traits.ts';
import { validateTraits, verifiableTraits } from '../../identity/traits.ts';
import { appendConsents } from '../../privacy/ledger.ts';
import type { Purpose } from '../../privacy/purpose.ts';
import type { Tenant } from '../../tenants/tenant.ts';
import type { Actor } from '../../tenants/tenants.service.ts';
import { recordOperatorChange } from '../../audit/record-change.ts';
import { DEFAULT_LOCALE } from '../../../i18n/locales.ts';
import { uuidv7 } from '../../../lib/ids.ts';
import type { ImportCandidate } from './import-line.ts';
import type { IdentityStore } from '../../identity/identity.port.ts';
import type { AuditStore } from '../../audit/audit.port.ts';
import type { OutboxStore } from '../../events/outbox.port.ts';
import type { ConsentLedgerStore, PurposeStore } from '../../privacy/purpose.port.ts';

/** What an import writes through (its batch's transaction). */
export type ImportStores = { identities: IdentityStore; audit: AuditStore; outbox: OutboxStore; consentLedger: ConsentLedgerStore; purposes: PurposeStore };

type UpdateDeps = {
  readonly stores: ImportStores;
  readonly tenant: Tenant;
  readonly purposes: readonly Purpose[];
  readonly schema: TraitSchema;
  readonly actor: Actor;
  readonly now: number;
  /** A password the customer has may be replaced by the line's hash (the CLI's --replace-passwords). */
  readonly replacePasswords: boolean;
};

/** Applies the line to the customer; the problems when it cannot (nothing is changed then). */
export async function updateImportedCustomer(deps: UpdateDeps, identityId: string, candidate: ImportCandidate): Promise<FieldProblem[]> {
  const { stores, tenant, now } = deps;
  const identity = await stores.identities.findById(tenant.id, identityId);
  if (!identity) return [{ field: '', code: 'identity.not_found', message: 'The customer was erased meanwhile.' }];
  const changed: string[] = [];
  const given = candidate.given;
  // Whoever may update customers could otherwise set a password they know on any account: an
  // existing password is replaced only when the operator says so, never through the API.
  const password = candidate.hash ? (await stores.identities.listCredentials(tenant.id, identityId)).find((credential) => credential.type === 'password') : undefined;
  if (password && !deps.replacePasswords) {
    return [{ field: 'password_hash', code: 'import.password_exists', message: 'The customer has a password already: an import replaces it only when told to (foyer import customers --replace-passwords).' }];
  }

  let traits: Traits = identity.traits;
  let emailMoved = false;
  if (given.has('traits')) {
    traits = trimTraits({ ...identity.traits, ...candidate.identity.traits });
    const problems = validateTraits(deps.schema, traits).map((found) => ({ ...found, field: `traits.${found.field}` }));
    for (const [name] of verifiableTraits(deps.schema)) {
      const before = identity.traits[name];
      const after = traits[name];
      if (before === after) continue;
      if (name !== 'email' || before === undefined || after === undefined) problems.push({ field: `traits.${name}`, code: 'trait.verifiable_read_only', message: 'This address cannot be changed by an import.' });
      else emailMoved = normalizeAddress('email', String(before)) !== normalizeAddress('email', String(after));
    }
    if (problems.length > 0) return problems;
    changed.push(...[...new Set([...Object.keys(traits), ...Object.keys(identity.traits)])].filter((name) => JSON.stringify(traits[name]) !== JSON.stringify(identity.traits[name])));
    const verifiedEmail = candidate.identity.addresses.some((address) => address.kind === 'email' && address.verifiedAt !== null && address.verifiedAt !== undefined);
    if (emailMoved) await stores.identities.replaceEmail(tenant.id, identityId, { from: String(identity.traits['email']), to: String(traits['email']), traits, verifiedAt: verifiedEmail ? now : null }, now);
    else if (changed.length > 0) await stores.identities.updateTraits(tenant.id, identityId, traits, now);
  }
  if (candidate.externalId !== undefined && candidate.externalId !== identity.externalId) {
    await stores.identities.setExternalId(tenant.id, identityId, candidate.externalId, now);
    changed.push('external_id');
  }
  if (given.has('verified')) changed.push(...(await addVerifications(stores, tenant.id, identity, candidate, now)));
  if (candidate.hash) {
    const config = { hash: candidate.hash.hash };
    if (password) await stores.identities.updateCredentialConfig(tenant.id, password.id, config, now);
    else await stores.identities.addCredential(tenant.id, identityId, { id: uuidv7(now), type: 'password', config, identifiers: [passwordIdentifierOf(traits)] }, now);
    changed.push('password');
  }
  const locale = tenant.settings.defaultLocale ?? DEFAULT_LOCALE;
  const decisions = Object.entries(candidate.consents).map(([purposeId, granted]) => ({ purpose: deps.purposes.find((purpose) => purpose.id === purposeId)!, granted, locale }));
  if (decisions.length > 0) await appendConsents(stores, tenant, identityId, decisions, { method: 'import', gpc: false }, now);

  if (changed.length > 0) {
    const traitNames = changed.filter((name) => name !== 'external_id' && name !== 'password' && name !== 'verified');
    await recordOperatorChange(stores, now, deps.actor, {
      tenantId: tenant.id,
      identityId,
      action: 'identity.updated',
      details: { changed: traitNames, import: true, ...(changed.includes('external_id') ? { externalId: true } : {}), ...(changed.includes('password') ? { password: true } : {}) },
      event: { type: 'identity.updated', payload: { changed: traitNames, ...(traitNames.length > 0 ? { traits } : {}), ...(changed.includes('external_id') ? { externalId: candidate.externalId ?? null } : {}) } },
    });
  }
  return [];
}

/** Marks verified the addresses the line says are, where they were not yet; says whether any was. */
async function addVerifications(stores: ImportStores, tenantId: string, identity: Identity, candidate: ImportCandidate, now: number): Promise<string[]> {
  let any = false;
  for (const address of candidate.identity.addresses) {
    if (address.verifiedAt === null || address.verifiedAt === undefined) continue;
    const current = identity.addresses.find((held) => held.kind === address.kind && held.value === normalizeAddress(address.kind, address.value));
    if (current && current.verifiedAt === null && (await stores.identities.markAddressVerified(tenantId, identity.id, address.kind, address.value, now))) any = true;
  }
  return any ? ['verified'] : [];
}
