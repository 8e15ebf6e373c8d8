// The consent ledger's use cases (ADR 0024). Every grant and withdrawal is a record appended in the
// transaction of the decision, with its domain event (`purpose_consent.granted` or `.withdrawn`,
// aggregate the customer, payload the purpose id and version: no personal data). What a customer
// has granted now is derived from the ledger alone: their latest record per purpose wins.
//
// For other modules (the outbound events' purpose filter, the `consents` claim): grantedPurposes().
import type { AuditStore } from '../audit/audit.port.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import { recordEvent } from '../events/record-event.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import { DomainError } from '../errors.ts';
import { DEFAULT_LOCALE } from '../../i18n/locales.ts';
import type { Locale } from '../../i18n/locales.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { ConsentLedgerStore, PurposeStore } from './purpose.port.ts';
import type { ConsentMethod, ConsentRecord, GrantedPurpose } from './consent-record.ts';
import type { Purpose } from './purpose.ts';
import { purposeTextIn, textHash } from './purpose.ts';
import { purposeNotFound } from './purposes.service.ts';

/**
 * The purposes the customer has granted now, each with the version granted: their latest ledger
 * record per purpose is a grant, and the purpose still exists. One indexed read of the customer's
 * records. This is the one query other modules (event filters, claims) ask "may we?" with.
 */
export async function grantedPurposes(stores: { consentLedger: ConsentLedgerStore }, tenantId: string, identityId: string): Promise<GrantedPurpose[]> {
  return stores.consentLedger.granted(tenantId, identityId);
}

/** How a decision reached Foyer: the application, the request's address and agent, the surface, and Global Privacy Control. */
export type ConsentContext = {
  readonly clientId?: string | undefined;
  readonly ip?: string | undefined;
  readonly userAgent?: string | undefined;
  readonly method: ConsentMethod;
  /** The request carried `Sec-GPC: 1`. */
  readonly gpc: boolean;
};

/** One decision: the purpose as shown (its current version), granted or not, and the language it was shown in. */
export type ConsentDecision = { readonly purpose: Purpose; readonly granted: boolean; readonly locale: Locale };

type LedgerStores = { consentLedger: ConsentLedgerStore; outbox: OutboxStore };

/** Inside the caller's transaction: appends one record per decision (one statement) and its event. */
export async function appendConsents(stores: LedgerStores, tenant: Tenant, identityId: string, decisions: readonly ConsentDecision[], context: ConsentContext, now: number): Promise<ConsentRecord[]> {
  if (decisions.length === 0) return [];
  const defaultLocale = tenant.settings.defaultLocale ?? DEFAULT_LOCALE;
  const records = decisions.map((decision): ConsentRecord => {
    const shown = purposeTextIn(decision.purpose, decision.locale, defaultLocale);
    return {
      id: uuidv7(now),
      tenantId: tenant.id,
      identityId,
      purposeId: decision.purpose.id,
      version: decision.purpose.version,
      textHash: textHash(shown.text),
      locale: shown.locale,
      action: decision.granted ? 'granted' : 'withdrawn',
      occurredAt: now,
      clientId: context.clientId ?? null,
      ip: context.ip ?? null,
      userAgent: context.userAgent ?? null,
      method: context.method,
      gpc: context.gpc,
    };
  });
  await stores.consentLedger.append(records);
  for (const record of records) {
    const payload = { purposeId: record.purposeId, version: record.version };
    const subject = { tenantId: tenant.id, aggregateId: identityId, occurredAt: now };
    if (record.action === 'granted') await recordEvent(stores.outbox, subject, { type: 'purpose_consent.granted', payload });
    else await recordEvent(stores.outbox, subject, { type: 'purpose_consent.withdrawn', payload });
  }
  return records;
}

/** A purpose of the tenant and where the customer stands on it. */
export type CustomerConsent = {
  readonly purpose: Purpose;
  /** The version the customer granted, null when they have not (or withdrew). */
  readonly grantedVersion: number | null;
  readonly grantedAt: number | null;
};

/** Every purpose of the tenant with the customer's standing on it (the account's list, the admin API's read). */
export async function consentsOf(stores: { purposes: PurposeStore; consentLedger: ConsentLedgerStore }, tenantId: string, identityId: string): Promise<CustomerConsent[]> {
  const [purposes, granted] = await Promise.all([stores.purposes.list(tenantId), stores.consentLedger.granted(tenantId, identityId)]);
  const byPurpose = new Map(granted.map((grant) => [grant.purposeId, grant]));
  return purposes.map((purpose) => {
    const grant = byPurpose.get(purpose.id);
    return { purpose, grantedVersion: grant?.version ?? null, grantedAt: grant?.grantedAt ?? null };
  });
}

/** Every ledger record of the customer, oldest first (their data download, the admin API). */
export async function ledgerOf(stores: { consentLedger: ConsentLedgerStore }, tenantId: string, identityId: string): Promise<ConsentRecord[]> {
  return stores.consentLedger.listForIdentity(tenantId, identityId);
}

/**
 * Every record of one purpose, in ledger order (the time-ordered id), read a page at a time only as
 * the caller asks for more: an export of millions of records holds a page in memory (the admin
 * API streams it as JSON lines). Records of a deleted purpose are exported too: they stay as proof.
 */
export async function* exportPurposeLedger(stores: { consentLedger: ConsentLedgerStore }, tenantId: string, purposeId: string, pageSize = 500): AsyncGenerator<ConsentRecord> {
  let after: string | undefined;
  for (;;) {
    const page = await stores.consentLedger.pageForPurpose(tenantId, purposeId, after, pageSize);
    yield* page.records;
    if (page.next === undefined) return;
    after = page.next;
  }
}

type ChangeStores = { purposes: PurposeStore; consentLedger: ConsentLedgerStore; outbox: OutboxStore; audit: AuditStore };

type ConsentChoice = { readonly purposeId: string; readonly granted: boolean };

/**
 * The customer (or an operator on their behalf) grants or withdraws purposes. A choice that changes
 * nothing (granting what is granted at the current version, withdrawing what is not granted) writes
 * no record. A required purpose cannot be withdrawn: the service needs it (deleting the account is
 * the way out), DomainError `consent.required_purpose`. An operator's change is audited with them.
 */
export async function changeConsents(
  deps: { readonly transaction: UnitOfWork<ChangeStores>; readonly now?: () => number },
  tenant: Tenant,
  identityId: string,
  choices: readonly ConsentChoice[],
  shown: { readonly locale: Locale; readonly context: ConsentContext; readonly operator?: Actor | undefined },
): Promise<ConsentRecord[]> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    const [purposes, granted] = await Promise.all([stores.purposes.list(tenant.id), stores.consentLedger.granted(tenant.id, identityId)]);
    const grantedVersion = new Map(granted.map((grant) => [grant.purposeId, grant.version]));
    const decisions: ConsentDecision[] = [];
    for (const choice of choices) {
      const purpose = purposes.find((candidate) => candidate.id === choice.purposeId);
      if (!purpose) throw purposeNotFound(choice.purposeId);
      if (!choice.granted && purpose.kind === 'required') {
        throw new DomainError('consent.required_purpose', 'invalid', `"${purpose.id}" is required for the service and cannot be withdrawn on its own; deleting the account ends it.`, { purpose: purpose.id });
      }
      const current = grantedVersion.get(purpose.id);
      if (choice.granted ? current === purpose.version : current === undefined) continue;
      decisions.push({ purpose, granted: choice.granted, locale: shown.locale });
    }
    const records = await appendConsents(stores, tenant, identityId, decisions, shown.context, now);
    if (shown.operator && records.length > 0) {
      const { operator } = shown;
      await stores.audit.append({
        id: uuidv7(now),
        occurredAt: now,
        tenantId: tenant.id,
        action: 'purpose_consent.recorded',
        outcome: 'success',
        actor: { type: operator.type, id: operator.id },
        target: { type: 'identity', id: identityId },
        context: operator.context,
        details: { records: records.map((record) => ({ purposeId: record.purposeId, version: record.version, action: record.action })) },
      });
    }
    return records;
  });
}
