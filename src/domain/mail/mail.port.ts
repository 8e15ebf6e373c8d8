// What the rest of Foyer asks of the mail module: a message of a known kind, to one address, in the
// customer's language. It is queued in the transaction that caused it (the outbox pattern), so a
// message is sent exactly when its cause commits, and delivery never blocks the request.
import type { Locale } from '../../i18n/locales.ts';

/**
 * Every kind is account mail, sent because of something the customer (or an operator) just did:
 * transactional, so none carries `List-Unsubscribe` (docs/consent.md says why). A kind about a
 * communication topic would need the headers of privacy/unsubscribe.ts.
 */
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
  | 'account_deleted'
  /** params: link (the sign-in page's recovery). Sent when someone signs up with an address that has an account already. */
  | 'account_exists'
  /** params: none (sent when support reset the customer's second factors) */
  | 'mfa_reset'
  /** params: code, link, expiresInMinutes (a sign-in without a password, ADR 0031) */
  | 'sign_in_code'
  /** params: code, expiresInMinutes (a second factor at sign-in: a code only, no link) */
  | 'mfa_code'
  /** params: link, role (an owner invited a staff member; the admin tenant's mail) */
  | 'staff_invitation';

/**
 * Kinds whose body holds a one-time code or link. Once such a message is given up its bodies are
 * cleared, and it is never retried: the code has expired by then, and the customer (or an operator,
 * by resending the verification or the recovery email) asks for a new one. Other kinds keep their
 * bodies while failed, so an operator can retry them (mail-queue.ts).
 */
export const ONE_TIME_CODE_KINDS: readonly MailKind[] = ['verify_email', 'recover_password', 'sign_in_code', 'mfa_code', 'staff_invitation'];

export type MailRequest = {
  readonly tenantId: string;
  readonly to: string;
  readonly kind: MailKind;
  readonly locale: Locale;
  readonly params: Readonly<Record<string, string>>;
};

export type MailStatus = 'queued' | 'sent' | 'failed';

/** A message as rendered at enqueue time, ready to send. */
export type NewMailMessage = {
  readonly id: string;
  readonly tenantId: string;
  readonly to: string;
  readonly kind: MailKind;
  readonly locale: Locale;
  /** The tenant's sender; undefined means the server's MAIL_FROM. */
  readonly from: string | undefined;
  readonly replyTo: string | undefined;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly createdAt: number;
};

/** A stored message: what was queued, and how its delivery is going. */
export type MailMessage = Omit<NewMailMessage, 'text' | 'html'> & {
  /** Null once the message is delivered: the bodies hold one-time codes and links. */
  readonly text: string | null;
  readonly html: string | null;
  readonly status: MailStatus;
  /** Delivery attempts started so far (a claim counts as one). */
  readonly attempts: number;
  /** When the next attempt may start; while a dispatcher holds the message, the end of its lease. */
  readonly availableAt: number;
  readonly lastError: string | undefined;
  readonly sentAt: number | undefined;
};

type MailListQuery = { readonly tenantId?: string | undefined; readonly limit: number };

/** Where a page of the queue (newest first) ended. */
export type MailPosition = { readonly createdAt: number; readonly id: string };

/**
 * Queued email. Claims are safe with several dispatchers (several nodes): a claimed message is
 * leased (its available_at moves to the end of the lease), so no other dispatcher takes it unless
 * this one dies before reporting the outcome, in which case the message is sent again once the
 * lease runs out (delivery is at least once).
 */
export type MailStore = {
  enqueue(message: NewMailMessage): Promise<void>;
  /** Up to `limit` queued messages due at `now`, oldest first, each leased until `now + leaseMs` and its attempts counted. */
  claimDue(now: number, limit: number, leaseMs: number): Promise<MailMessage[]>;
  /** Delivered: status sent, bodies cleared (subject, kind and recipient stay for the list and audit). */
  markSent(id: string, now: number): Promise<void>;
  /**
   * The attempt failed: try again at `retryAt`, or give up (status failed) when it is undefined;
   * giving up clears the bodies of ONE_TIME_CODE_KINDS.
   */
  markFailed(id: string, error: string, retryAt: number | undefined): Promise<void>;
  /** Newest first; every tenant unless `tenantId` is given (operators' tools only). */
  list(query: MailListQuery): Promise<MailMessage[]>;
  find(id: string): Promise<MailMessage | undefined>;
  /** The tenant's messages in the given statuses, newest first (by createdAt, then id), strictly after `after` when given. */
  listByStatus(tenantId: string, statuses: readonly MailStatus[], page: { readonly limit: number; readonly after?: MailPosition | undefined }): Promise<MailMessage[]>;
  /**
   * Puts the tenant's failed messages that still have their bodies (one, by id, or all) back in
   * the queue, due at `now`, attempts counted afresh; says how many.
   */
  requeueFailed(tenantId: string, which: { readonly id: string } | 'all', now: number): Promise<number>;
  /** Deletes every message to this address in the tenant (its owner was erased); says how many. */
  forget(tenantId: string, recipient: string): Promise<number>;
};
