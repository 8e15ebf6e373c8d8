// What the rest of Foyer asks of the mail module: a message of a known kind, to one address, in the
// customer's language. It is queued in the transaction that caused it (the outbox pattern), so a
// message is sent exactly when its cause commits, and delivery never blocks the request.
import type { Locale } from '../../i18n/locales.ts';

export type MailKind =
  /** params: code, link, expiresInMinutes */
  | 'verify_email'
  /** params: code, link, expiresInMinutes */
  | 'recover_password'
  /** params: none (sent after a password change or reset) */
  | 'password_changed'
  /** params: newEmail (sent to the old address) */
  | 'email_changed'
  /** params: none (sent to the address of a deleted account) */
  | 'account_deleted';

export type MailRequest = {
  readonly tenantId: string;
  readonly to: string;
  readonly kind: MailKind;
  readonly locale: Locale;
  readonly params: Readonly<Record<string, string>>;
};
