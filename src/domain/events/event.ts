// Domain events leave through a transactional outbox: written in the same transaction as the change
// they describe, delivered later (at least once) by a dispatcher, so no change is ever announced
// without having happened, nor happens without being announced.

export type DomainEvent = {
  readonly tenantId: string;
  /** Dotted name, e.g. `identity.created`. */
  readonly type: string;
  readonly aggregate: { readonly type: string; readonly id: string };
  readonly payload: Readonly<Record<string, unknown>>;
};

export type OutboxEvent = DomainEvent & {
  readonly id: string;
  readonly occurredAt: number;
  readonly availableAt: number;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly publishedAt: number | null;
};
