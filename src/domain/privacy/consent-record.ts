// One record of the consent ledger (GDPR Art. 7(1): the controller must be able to demonstrate
// consent): who, which purpose at which version, the SHA-256 of the words shown, granted or
// withdrawn, when, through which application, from where, how, and whether the browser sent
// Global Privacy Control. Records are only ever appended.
import type { Locale } from '../../i18n/locales.ts';

const CONSENT_ACTIONS = ['granted', 'withdrawn'] as const;
type ConsentAction = (typeof CONSENT_ACTIONS)[number];

/** Where the decision was taken. */
const CONSENT_METHODS = ['signup_page', 'signin_page', 'flows_api', 'account_page', 'account_api', 'unsubscribe_link', 'admin', 'import'] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];

export type ConsentRecord = {
  readonly id: string;
  readonly tenantId: string;
  readonly identityId: string;
  readonly purposeId: string;
  readonly version: number;
  readonly textHash: string;
  /** The language of the text shown. */
  readonly locale: Locale;
  readonly action: ConsentAction;
  readonly occurredAt: number;
  /** The application the customer came from (client id), if any. */
  readonly clientId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly method: ConsentMethod;
  /** The request carried `Sec-GPC: 1`. */
  readonly gpc: boolean;
};

/** A purpose the customer has granted now (their latest record for it is a grant), and the version granted. */
export type GrantedPurpose = { readonly purposeId: string; readonly version: number; readonly grantedAt: number };
