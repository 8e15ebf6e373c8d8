// The audit log: who did what, to whom, when and from where. Append-only; read by operators and,
// for their own account, by customers. Entries never hold secrets (passwords, tokens, codes).

/**
 * The entry every successful first factor writes (the password today, each later strategy too).
 * A customer's last sign-in is the latest of these about them: read from the log, not stored on
 * the identity, so a sign-in writes nothing more than it did (ADR 0023).
 */
export const SIGN_IN_AUDIT_ACTION = 'signin.succeeded';

/** `staff` and `machine`: people and admin clients acting through the admin API (docs/admin-api.md). */
export type ActorType = 'customer' | 'operator' | 'client' | 'system' | 'staff' | 'machine';

export type RequestContext = {
  readonly ip?: string | undefined;
  readonly userAgent?: string | undefined;
  readonly requestId?: string | undefined;
  /** The application the customer came from (its client id), when the request is part of its authorization: statistics count by it. */
  readonly applicationId?: string | undefined;
};

export type AuditEntry = {
  readonly tenantId: string;
  /** Dotted verb, e.g. `tenant.created`, `signin.failed`. */
  readonly action: string;
  readonly outcome: 'success' | 'failure';
  readonly actor: { readonly type: ActorType; readonly id?: string | undefined };
  readonly target?: { readonly type: string; readonly id: string } | undefined;
  readonly context?: RequestContext | undefined;
  readonly details?: Readonly<Record<string, unknown>> | undefined;
};

export type AuditEvent = AuditEntry & { readonly id: string; readonly occurredAt: number };

export type AuditQuery = {
  readonly targetId?: string | undefined;
  /** Newest first; page with the `occurredAt` of the last event seen. */
  readonly before?: number | undefined;
  readonly limit: number;
};

/**
 * What an operator's query of the log may ask for; every given field must match. `action` is one
 * action, or a prefix of whole segments ending in `.*` (`signin.*`). `applicationId` matches
 * entries about the application (target) or done by it (actor of type client). Times are epoch
 * milliseconds: `since` inclusive, `until` exclusive.
 */
export type AuditFilter = {
  readonly actorId?: string | undefined;
  readonly subjectId?: string | undefined;
  readonly action?: string | undefined;
  readonly applicationId?: string | undefined;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
};

/** Where a page of the log (newest first) ended: the next page holds older entries only. */
export type AuditPosition = { readonly occurredAt: number; readonly id: string };
