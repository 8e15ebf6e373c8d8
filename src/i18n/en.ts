// English, the reference catalogue: every other language has exactly these keys (a type error
// otherwise, and i18n tests check that no translation is still English). Keys are the stable codes
// of errors and the names of page and email texts; texts say what happened and what to do next.
// Each area keeps its texts in its own file under en/.
import { pages } from './en/pages.ts';
import { selfService } from './en/self-service.ts';
import { account } from './en/account.ts';
import { mail } from './en/mail.ts';
import { errors } from './en/errors.ts';
import { admin } from './en/admin.ts';
import { privacy } from './en/privacy.ts';
import { secondFactors } from './en/second-factors.ts';
import { passwordless } from './en/passwordless.ts';
import { federation } from './en/federation.ts';
import { passkeys } from './en/passkeys.ts';
import { emailOtp } from './en/email-otp.ts';
import { staffInvitations } from './en/staff-invitations.ts';

export const en = { ...pages, ...selfService, ...account, ...mail, ...errors, ...admin, ...privacy, ...secondFactors, ...passwordless, ...federation, ...passkeys, ...emailOtp, ...staffInvitations } as const;

export type MessageKey = keyof typeof en;
/** A complete translation: every key of the English catalogue, no more. */
export type Catalogue = { readonly [K in MessageKey]: string };
/** A language's texts (locales/), and the keys whose text is rightly the same as in English (e.g. "Email" in Italian). */
export type Translation = { readonly messages: Partial<Catalogue>; readonly sameAsEnglish: readonly MessageKey[] };
