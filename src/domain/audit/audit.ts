// The audit log: who did what, to whom, when and from where. Append-only; read by operators and,
// for their own account, by customers. Entries never hold secrets (passwords, tokens, codes).

/** `staff` and `machine`: people and admin clients acting through the admin API (docs/admin-api.md). */
export type ActorType = 'customer' | 'operator' | 'client' | 'system' | 'staff' | 'machine';

export type RequestContext = {
  readonly ip?: string | undefined;
  readonly userAgent?: string | undefined;
  readonly requestId?: string | undefined;
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
