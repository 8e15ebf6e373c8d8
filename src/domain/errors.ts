// Product errors: a stable, namespaced code (also the i18n key of the message shown to people),
// a kind that the HTTP layer maps to a status, and an English detail for operators and logs.
// Protocol errors (OAuth) are a separate family owned by the oidc surface.
import type { MessageKey } from '../i18n/en.ts';

/**
 * Every product error code, in one list: each is a message key, so a page can always say it in the
 * customer's language (`satisfies` makes a code without an English message a type error;
 * test/i18n/error-codes.test.ts checks every language has it).
 */
export const ERROR_CODES = [
  'account.not_found',
  'application.client_id_taken',
  'application.not_connected',
  'application.not_found',
  'application.public_client_has_no_secret',
  'authentication.not_recent',
  'code.invalid',
  'code.resend_limit',
  'code.resend_wait',
  'code.throttled',
  'connection.id_taken',
  'connection.not_found',
  'consent.declined',
  'consent.required',
  'consent.required_purpose',
  'customer.address_verified',
  'customer.blocked',
  'customer.no_email',
  'federation.already_linked',
  'federation.last_method',
  'federation.link_required',
  'federation.profile_incomplete',
  'federation.tokens_not_kept',
  'federation.upstream_failed',
  'flow.already_complete',
  'flow.code_sent',
  'flow.expired',
  'flow.not_found',
  'flow.wrong_step',
  'idempotency.in_progress',
  'idempotency.key_reused',
  'group.display_name_taken',
  'group.external_id_taken',
  'group.member_unknown',
  'group.not_found',
  'identity.address_taken',
  'identity.external_id_taken',
  'identity.identifier_taken',
  'identity.not_found',
  'link.invalid',
  'mail.not_found',
  'mail.not_retriable',
  'mfa.already_enrolled',
  'mfa.code_invalid',
  'mfa.email_unverified',
  'mfa.enrolment_expired',
  'mfa.method_unavailable',
  'mfa.not_enrolled',
  'mfa.throttled',
  'passkey.already_enrolled',
  'passkey.disabled',
  'passkey.enrolment_expired',
  'passkey.invalid',
  'passkey.not_found',
  'password.none',
  'purpose.id_taken',
  'purpose.not_found',
  'request.invalid',
  'request.precondition_failed',
  'phone.country_not_allowed',
  'phone.invalid',
  'request.rate_limited',
  'session.invalid',
  'session.not_found',
  'setup.link_invalid',
  'signin.invalid_credentials',
  'signin.method_unavailable',
  'signin.throttled',
  'signup.disabled',
  'staff.already_invited',
  'staff.invitation_invalid',
  'staff.invitation_not_found',
  'staff.last_owner',
  'staff.not_found',
  'subscription.not_found',
  'tenant.not_empty',
  'tenant.not_found',
  'tenant.protected',
  'tenant.slug_taken',
  'token.insufficient_scope',
  'token.invalid',
  'token.missing',
  'token.not_first_party',
  'validation.failed',
] as const satisfies readonly MessageKey[];

export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorKind = 'invalid' | 'not_found' | 'conflict' | 'forbidden' | 'unauthenticated' | 'rate_limited' | 'unavailable' | 'precondition_failed' | 'unprocessable';

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly params: Readonly<Record<string, string | number>>;

  constructor(code: ErrorCode, kind: ErrorKind, detail: string, params: Record<string, string | number> = {}) {
    super(detail);
    this.name = 'DomainError';
    this.code = code;
    this.kind = kind;
    this.params = params;
  }
}

/** Field-level validation problems, reported all at once so a form can mark every field; `params` fill the message of `code` (a limit, an expected type). */
export type FieldProblem = { field: string; code: string; message: string; params?: Record<string, string | number> };

export class ValidationError extends DomainError {
  readonly problems: readonly FieldProblem[];

  constructor(problems: FieldProblem[], detail = 'Some fields are not valid.') {
    super('validation.failed', 'invalid', detail);
    this.name = 'ValidationError';
    this.problems = problems;
  }
}
