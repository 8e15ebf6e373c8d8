// Collecting consent where customers sign up and sign in (issue 15, docs/consent.md): the tenant's
// purposes as a page or an app shows them (in the customer's language, required ones first), the
// answers checked (every required purpose accepted, at the version shown), and the records the
// answers become. Sign-up appends its records in the transaction that creates the account; a
// required purpose whose version went up since the customer's grant is asked again at sign-in
// (renewConsents) before the application is reached.
import type { FieldProblem } from '../errors.ts';
import type { Tenant } from '../tenants/tenant.ts';
import { DEFAULT_LOCALE } from '../../i18n/locales.ts';
import type { Locale } from '../../i18n/locales.ts';
import type { PurposeStore } from './purpose.port.ts';
import type { Purpose } from './purpose.ts';
import { purposeTextIn } from './purpose.ts';
import type { ConsentDecision } from './ledger.ts';

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
 * unseen); anything else, or no answer, is a no.
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

/** A sign-up's answers checked against the tenant's purposes: the problems, or the decisions to record once the account exists. */
export function signUpConsents(tenant: Tenant, purposes: readonly Purpose[], acceptance: Acceptance, locale: Locale): { problems: FieldProblem[]; decisions: ConsentDecision[] } {
  const problems = missingRequired(tenant, purposes, acceptance, locale);
  // Only what was accepted is recorded: an optional purpose left unticked was never granted.
  const decisions = purposes.filter((purpose) => accepts(purpose, acceptance[purpose.id])).map((purpose) => ({ purpose, granted: true, locale }));
  return { problems, decisions };
}

/**
 * The tenant's purposes for a sign-up form (the hosted page, the flows API): one read by the
 * tenant's primary key range.
 */
export function purposesOf(stores: { purposes: PurposeStore }, tenantId: string): Promise<Purpose[]> {
  return stores.purposes.list(tenantId);
}
