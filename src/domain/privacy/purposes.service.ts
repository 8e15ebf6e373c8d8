// Operators' use cases on a tenant's consent purposes (the admin API calls them). Each change is
// audited with the operator in its own transaction; every text a version shows is kept by its hash
// (consent_texts), so a ledger record's hash always resolves to the words the customer saw.
import type { AuditStore } from '../audit/audit.port.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import { DomainError } from '../errors.ts';
import { DEFAULT_LOCALE } from '../../i18n/locales.ts';
import type { Locale } from '../../i18n/locales.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { PurposeStore, PurposeTextRecord } from './purpose.port.ts';
import type { Purpose, PurposeInput, PurposeText } from './purpose.ts';
import { shownText, textHash, validatePurpose } from './purpose.ts';

type PurposeWriteStores = { purposes: PurposeStore; audit: AuditStore };

type PurposeDeps = { readonly transaction: UnitOfWork<PurposeWriteStores>; readonly now?: () => number };

/** What the caller expected of the purpose it changes (If-Match), checked on the locked row. */
type Precondition = (current: Purpose) => void;

export function purposeNotFound(id: string): DomainError {
  return new DomainError('purpose.not_found', 'not_found', `This tenant has no consent purpose "${id}".`, { id });
}

function defaultLocaleOf(tenant: Tenant): Locale {
  return tenant.settings.defaultLocale ?? DEFAULT_LOCALE;
}

export async function listPurposes(stores: { purposes: PurposeStore }, tenantId: string): Promise<Purpose[]> {
  return stores.purposes.list(tenantId);
}

export async function getPurpose(stores: { purposes: PurposeStore }, tenantId: string, id: string): Promise<Purpose> {
  const purpose = await stores.purposes.find(tenantId, id);
  if (!purpose) throw purposeNotFound(id);
  return purpose;
}

function textsToKeep(purpose: Purpose): PurposeTextRecord[] {
  return (Object.entries(purpose.texts) as [Locale, PurposeText][]).map(([locale, text]) => ({ hash: textHash(text), purposeId: purpose.id, version: purpose.version, locale, text: shownText(text) }));
}

async function audit(stores: PurposeWriteStores, now: number, actor: Actor, tenantId: string, action: string, purposeId: string, details: Record<string, unknown>): Promise<void> {
  await stores.audit.append({
    id: uuidv7(now),
    occurredAt: now,
    tenantId,
    action,
    outcome: 'success',
    actor: { type: actor.type, id: actor.id },
    target: { type: 'consent_purpose', id: purposeId },
    context: actor.context,
    details,
  });
}

export async function createPurpose(deps: PurposeDeps, tenant: Tenant, input: PurposeInput, actor: Actor): Promise<Purpose> {
  const now = (deps.now ?? Date.now)();
  const fields = validatePurpose(
    { id: input.id ?? '', version: input.version ?? 1, kind: input.kind ?? '', legalBasis: input.legalBasis ?? '', saleOrSharing: input.saleOrSharing ?? false, texts: { ...input.texts } },
    defaultLocaleOf(tenant),
  );
  const purpose: Purpose = { ...fields, tenantId: tenant.id, createdAt: now, updatedAt: now };
  return deps.transaction(async (stores) => {
    await stores.purposes.create(purpose);
    await stores.purposes.keepTexts(tenant.id, textsToKeep(purpose), now);
    await audit(stores, now, actor, tenant.id, 'consent_purpose.created', purpose.id, { version: purpose.version, kind: purpose.kind });
    return purpose;
  });
}

/**
 * Applies the changes (a merge: `texts` per language, null removes one) on the purpose as it is in
 * the transaction. The version may only go up; raising it asks customers again for a required purpose.
 */
export async function updatePurpose(deps: PurposeDeps, tenant: Tenant, id: string, changes: PurposeInput, actor: Actor, precondition?: Precondition): Promise<Purpose> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    await stores.purposes.lock(tenant.id, id);
    const current = await getPurpose(stores, tenant.id, id);
    precondition?.(current);
    const fields = validatePurpose(
      {
        id: current.id,
        version: changes.version ?? current.version,
        kind: changes.kind ?? current.kind,
        legalBasis: changes.legalBasis ?? current.legalBasis,
        saleOrSharing: changes.saleOrSharing ?? current.saleOrSharing,
        texts: { ...current.texts, ...changes.texts },
      },
      defaultLocaleOf(tenant),
      current.version,
    );
    const purpose: Purpose = { ...fields, tenantId: tenant.id, createdAt: current.createdAt, updatedAt: now };
    if (!(await stores.purposes.update(purpose))) throw purposeNotFound(id);
    await stores.purposes.keepTexts(tenant.id, textsToKeep(purpose), now);
    const changed = (['version', 'kind', 'legalBasis', 'saleOrSharing', 'texts'] as const).filter((key) => JSON.stringify(purpose[key]) !== JSON.stringify(current[key]));
    await audit(stores, now, actor, tenant.id, 'consent_purpose.updated', id, { changed, version: purpose.version });
    return purpose;
  });
}

/** Removes the purpose from what customers are shown; its ledger records and texts stay as proof. */
export async function deletePurpose(deps: PurposeDeps, tenant: Tenant, id: string, actor: Actor, precondition?: Precondition): Promise<void> {
  const now = (deps.now ?? Date.now)();
  await deps.transaction(async (stores) => {
    await stores.purposes.lock(tenant.id, id);
    const current = await getPurpose(stores, tenant.id, id);
    precondition?.(current);
    if (!(await stores.purposes.delete(tenant.id, id))) throw purposeNotFound(id);
    await audit(stores, now, actor, tenant.id, 'consent_purpose.deleted', id, { version: current.version });
  });
}
