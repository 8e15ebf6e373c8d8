// Collecting consent where customers sign up and sign in (issue 15, docs/consent.md): the tenant's
// purposes as a page or an app shows them (in the customer's language, required ones first), the
// answers checked (every required purpose accepted, at the version shown), and the records the
// answers become. Sign-up appends its records in the transaction that creates the account; a
// required purpose whose version went up since the customer's grant is asked again at sign-in
// (renewConsents) before the application is reached.
import type { FieldProblem } from '../errors.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import { DEFAULT_LOCALE } from '../../i18n/locales.ts';
import type { Locale } from '../../i18n/locales.ts';
import type { ConsentLedgerStore, PurposeStore } from './purpose.port.ts';
import type { Purpose } from './purpose.ts';
import { purposeTextIn } from './purpose.ts';
import type { ConsentContext, ConsentDecision } from './ledger.ts';
import { appendConsents } from './ledger.ts';

/** A purpose as it is shown: its text in the customer's language (else the tenant's default). */
export type PurposeOffer = {
  readonly id: string;
  readonly version: number;
  readonly required: boolean;
  readonly saleOrSharing: boolean;
  readonly name: string;
  readonly description: string;
};

/**
 * The customer's answers, per purpose id: `true` accepts the current version, a number accepts that
 * version only (a form posts the version it showed, so a purpose changed meanwhile is not accepted
 * unseen); anything else, or no answer, is a no. Under Global Privacy Control an optional purpose
 * that sells or shares data is accepted only by its version (gpcAccepts).
 */
export type Acceptance = Readonly<Record<string, boolean | number | undefined>>;

/** The purposes as shown in `locale`: required ones first, then optional ones, each by id. */
export function offersOf(tenant: Tenant, purposes: readonly Purpose[], locale: Locale): PurposeOffer[] {
  const fallback = tenant.settings.defaultLocale ?? DEFAULT_LOCALE;
  return [...purposes]
    .sort((a, b) => Number(b.kind === 'required') - Number(a.kind === 'required') || a.id.localeCompare(b.id))
    .map((purpose) => {
      const { text } = purposeTextIn(purpose, locale, fallback);
      return { id: purpose.id, version: purpose.version, required: purpose.kind === 'required', saleOrSharing: purpose.saleOrSharing, name: text.name, description: text.description };
    });
}

function accepts(purpose: Purpose, answer: boolean | number | undefined): boolean {
  return answer === true || answer === purpose.version;
}

/** One problem per required purpose not accepted (field `consents.<id>`, code `consent.required`). */
function missingRequired(tenant: Tenant, purposes: readonly Purpose[], acceptance: Acceptance, locale: Locale): FieldProblem[] {
  return offersOf(tenant, purposes, locale)
    .filter((offer) => offer.required && !accepts(purposes.find((purpose) => purpose.id === offer.id)!, acceptance[offer.id]))
    .map((offer) => ({ field: `consents.${offer.id}`, code: 'consent.required', message: `Accept "${offer.name}" to continue.`, params: { purposes: offer.name } }));
}

/**
 * Under Global Privacy Control (`Sec-GPC: 1`) the browser has asked that the customer's data not be
 * sold or shared, so an optional purpose marked `saleOrSharing` is granted only by the customer's
 * own tick of that purpose: an answer naming the version shown (what a hosted box posts, or an app
 * that shows the box), never a bare `true`, which is what an "accept all" button or an app's default
 * sends. Required purposes are the service's own terms and are answered as always.
 */
function gpcAccepts(purpose: Purpose, answer: boolean | number | undefined, gpc: boolean): boolean {
  if (gpc && purpose.saleOrSharing && purpose.kind !== 'required') return answer === purpose.version;
  return accepts(purpose, answer);
}

/**
 * A sign-up's answers checked against the tenant's purposes: the problems, or the decisions to
 * record once the account exists. `gpc`: the request carried `Sec-GPC: 1` (gpcAccepts).
 */
export function signUpConsents(tenant: Tenant, purposes: readonly Purpose[], acceptance: Acceptance, locale: Locale, gpc = false): { problems: FieldProblem[]; decisions: ConsentDecision[] } {
  const problems = missingRequired(tenant, purposes, acceptance, locale);
  // Only what was accepted is recorded: an optional purpose left unticked was never granted.
  const decisions = purposes.filter((purpose) => gpcAccepts(purpose, acceptance[purpose.id], gpc)).map((purpose) => ({ purpose, granted: true, locale }));
  return { problems, decisions };
}

/**
 * The tenant's purposes for a sign-up form (the hosted page, the flows API): one read by the
 * tenant's primary key range.
 */
export function purposesOf(stores: { purposes: PurposeStore }, tenantId: string): Promise<Purpose[]> {
  return stores.purposes.list(tenantId);
}

/**
 * The required purposes the customer must accept again before an application is reached: those
 * they have no grant of at the current version (a new version, or a purpose added since they signed
 * up). One statement (ADR 0024).
 */
export function purposesToRenew(stores: { consentLedger: ConsentLedgerStore }, tenantId: string, identityId: string): Promise<Purpose[]> {
  return stores.consentLedger.requiredNotGranted(tenantId, identityId);
}

type RenewStores = { purposes: PurposeStore; consentLedger: ConsentLedgerStore; outbox: OutboxStore };

type Renewed = { readonly ok: true } | { readonly ok: false; readonly problems: FieldProblem[]; readonly purposes: Purpose[] };

/**
 * The customer answers the sign-in's consent step: every required purpose due must be accepted (at
 * the version shown); the grants are appended with their events in one transaction. A purpose
 * whose version went up while the page was open is due again, and answered with the problems.
 */
export async function renewConsents(
  deps: { readonly transaction: UnitOfWork<RenewStores>; readonly now?: () => number },
  tenant: Tenant,
  identityId: string,
  acceptance: Acceptance,
  shown: { readonly locale: Locale; readonly context: ConsentContext },
): Promise<Renewed> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    const due = await stores.consentLedger.requiredNotGranted(tenant.id, identityId);
    const problems = missingRequired(tenant, due, acceptance, shown.locale);
    if (problems.length > 0) return { ok: false, problems, purposes: due };
    await appendConsents(stores, tenant, identityId, due.map((purpose) => ({ purpose, granted: true, locale: shown.locale })), shown.context, now);
    return { ok: true };
  });
}
