// Product errors: a stable, namespaced code (also the i18n key of the message shown to people),
// a kind that the HTTP layer maps to a status, and an English detail for operators and logs.
// Protocol errors (OAuth) are a separate family owned by the oidc surface.

export type ErrorKind = 'invalid' | 'not_found' | 'conflict' | 'forbidden' | 'unauthenticated' | 'rate_limited' | 'unavailable';

export class DomainError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly params: Readonly<Record<string, string | number>>;

  constructor(code: string, kind: ErrorKind, detail: string, params: Record<string, string | number> = {}) {
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
