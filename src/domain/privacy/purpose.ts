// Consent purposes (issue 15): what a tenant asks its customers to agree to, each with its texts per
// language, a version (raised when what is asked changes: customers are asked again for a required
// purpose), whether it is required for the service or optional, its GDPR Art. 6 legal basis, and
// whether it counts as "sale or sharing" of data (never granted by default under Global Privacy
// Control). The text a customer was shown is proved by its SHA-256 (textHash).
import { createHash } from 'node:crypto';
import { DEFAULT_LOCALE, LOCALES } from '../../i18n/locales.ts';
import type { Locale } from '../../i18n/locales.ts';
import { ValidationError } from '../errors.ts';
import type { FieldProblem } from '../errors.ts';

export const PURPOSE_KINDS = ['required', 'optional'] as const;
type PurposeKind = (typeof PURPOSE_KINDS)[number];

/** GDPR Art. 6(1) (a) to (f). */
export const LEGAL_BASES = ['consent', 'contract', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests'] as const;
type LegalBasis = (typeof LEGAL_BASES)[number];

export type PurposeText = { readonly name: string; readonly description: string };
export type PurposeTexts = Readonly<Partial<Record<Locale, PurposeText>>>;

export type Purpose = {
  readonly tenantId: string;
  /** A slug, unique in the tenant: `terms`, `marketing`. */
  readonly id: string;
  readonly version: number;
  readonly kind: PurposeKind;
  readonly legalBasis: LegalBasis;
  readonly saleOrSharing: boolean;
  readonly texts: PurposeTexts;
  readonly createdAt: number;
  readonly updatedAt: number;
};

/** What an operator sets; on update every field is optional, and `texts` merges per language (null removes one). */
export type PurposeInput = {
  readonly id?: string | undefined;
  readonly version?: number | undefined;
  readonly kind?: string | undefined;
  readonly legalBasis?: string | undefined;
  readonly saleOrSharing?: boolean | undefined;
  readonly texts?: Readonly<Record<string, PurposeText | null>> | undefined;
};

const ID_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;
const MAX_NAME = 200;
const MAX_DESCRIPTION = 4000;
export const MAX_VERSION = 1_000_000;

/** The fields of a purpose, checked as a whole; `defaultLocale` is the tenant's, whose text every purpose must have. */
export function validatePurpose(fields: { id: string; version: number; kind: string; legalBasis: string; saleOrSharing: boolean; texts: Record<string, PurposeText | null | undefined> }, defaultLocale: Locale, currentVersion?: number): Omit<Purpose, 'tenantId' | 'createdAt' | 'updatedAt'> {
  const problems: FieldProblem[] = [];
  if (!ID_PATTERN.test(fields.id)) problems.push({ field: 'id', code: 'purpose.id_invalid', message: 'Use 1 to 63 lower-case letters, digits, "-" and "_", starting with a letter.' });
  if (!Number.isSafeInteger(fields.version) || fields.version < 1 || fields.version > MAX_VERSION) problems.push({ field: 'version', code: 'purpose.version_invalid', message: `must be a whole number from 1 to ${MAX_VERSION}` });
  else if (currentVersion !== undefined && fields.version < currentVersion) problems.push({ field: 'version', code: 'purpose.version_lowered', message: `may only go up: it is ${currentVersion}`, params: { current: currentVersion } });
  if (!(PURPOSE_KINDS as readonly string[]).includes(fields.kind)) problems.push({ field: 'kind', code: 'purpose.kind_invalid', message: `must be one of ${PURPOSE_KINDS.join(', ')}` });
  if (!(LEGAL_BASES as readonly string[]).includes(fields.legalBasis)) problems.push({ field: 'legal_basis', code: 'purpose.legal_basis_invalid', message: `must be one of ${LEGAL_BASES.join(', ')}` });
  const texts: Partial<Record<Locale, PurposeText>> = {};
  for (const [locale, text] of Object.entries(fields.texts)) {
    if (text === null || text === undefined) continue;
    if (!(LOCALES as readonly string[]).includes(locale)) {
      problems.push({ field: `texts.${locale}`, code: 'purpose.locale_invalid', message: `is not a language Foyer speaks (${LOCALES.join(', ')})` });
      continue;
    }
    const name = text.name.trim();
    const description = text.description.trim();
    if (name.length === 0 || name.length > MAX_NAME) problems.push({ field: `texts.${locale}.name`, code: 'purpose.text_invalid', message: `must be 1 to ${MAX_NAME} characters` });
    if (description.length === 0 || description.length > MAX_DESCRIPTION) problems.push({ field: `texts.${locale}.description`, code: 'purpose.text_invalid', message: `must be 1 to ${MAX_DESCRIPTION} characters` });
    texts[locale as Locale] = { name, description };
  }
  if (!texts[defaultLocale] && !problems.some((problem) => problem.field.startsWith(`texts.${defaultLocale}`))) {
    problems.push({ field: `texts.${defaultLocale}`, code: 'purpose.default_text_missing', message: `is required: ${defaultLocale} is the tenant's default language, which every purpose falls back to` });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return { id: fields.id, version: fields.version, kind: fields.kind as PurposeKind, legalBasis: fields.legalBasis as LegalBasis, saleOrSharing: fields.saleOrSharing, texts };
}

/** The text shown in `locale`: its own, else the tenant's default language's, else any. */
export function purposeTextIn(purpose: Pick<Purpose, 'texts'>, locale: Locale, defaultLocale: Locale = DEFAULT_LOCALE): { locale: Locale; text: PurposeText } {
  const own = purpose.texts[locale];
  if (own) return { locale, text: own };
  const fallback = purpose.texts[defaultLocale];
  if (fallback) return { locale: defaultLocale, text: fallback };
  const [anyLocale, anyText] = Object.entries(purpose.texts)[0] as [Locale, PurposeText];
  return { locale: anyLocale, text: anyText };
}

/** Exactly the words shown for a purpose: its name, a blank line, its description. */
export function shownText(text: PurposeText): string {
  return `${text.name}\n\n${text.description}`;
}

/** SHA-256 (hex) of the text shown: what a ledger record proves the customer saw. */
export function textHash(text: PurposeText): string {
  return createHash('sha256').update(shownText(text), 'utf8').digest('hex');
}
