// The background sweep that deletes expired rows: oidc-provider artifacts, flows, sessions, stale
// throttle counters, outbox events delivered and audit entries recorded longer ago than their retention. Lookups already ignore expired rows, so the sweep only keeps tables from
// growing without bound; it deletes in short batches so that no transaction holds many row locks,
// and each node may run it (a batch another node took is simply short).
import type { OutboxStore } from '../../domain/events/outbox.port.ts';
import type { AuditStore } from '../../domain/audit/audit.port.ts';
import type { DeliveryStore } from '../../domain/subscriptions/subscription.port.ts';

/** A table the sweep can clean: deletes up to `limit` rows expired at `now`, and says how many. */
export type Sweepable = { removeExpired(now: number, limit: number): Promise<number> };

/** Several tables as one: each batch takes from the first that still has expired rows. */
export function sweepTogether(tables: readonly Sweepable[]): Sweepable {
  return {
    async removeExpired(now, limit) {
      let removed = 0;
      for (const table of tables) {
        if (removed >= limit) break;
        removed += await table.removeExpired(now, limit - removed);
      }
      return removed;
    },
  };
}

/** Outbox events published (delivered, or given up) more than `retentionMs` ago. */
export function publishedEventsOf(outbox: Pick<OutboxStore, 'prunePublished'>, retentionMs: number): Sweepable {
  return { removeExpired: (now, limit) => outbox.prunePublished(now - retentionMs, limit) };
}

/** Audit entries recorded more than `retentionMs` ago (AUDIT_RETENTION_DAYS). */
export function auditEntriesOf(audit: Pick<AuditStore, 'pruneBefore'>, retentionMs: number): Sweepable {
  return { removeExpired: (now, limit) => audit.pruneBefore(now - retentionMs, limit) };
}

/** Deliveries to subscribers that ended (delivered, or dead letters) more than `retentionMs` ago. */
export function finishedDeliveriesOf(deliveries: Pick<DeliveryStore, 'pruneFinished'>, retentionMs: number): Sweepable {
  return { removeExpired: (now, limit) => deliveries.pruneFinished(now - retentionMs, limit) };
}

type LogFunction = (fields: Record<string, unknown>, message: string) => void;

type ExpiredRowsCleanupDeps = {
  readonly store: Sweepable;
  /** Pause between the end of one run and the start of the next. */
  readonly intervalMs: number;
  /** Rows deleted per statement. */
  readonly batchSize: number;
  readonly logger: { readonly info: LogFunction; readonly warn: LogFunction; readonly error: LogFunction };
  readonly now?: () => number;
};

type ExpiredRowsCleanup = {
  /** Stops scheduling, lets a run in progress finish its current batch, and resolves after it. */
  stop(): Promise<void>;
  /**
   * Runs now (or joins the run in progress) and resolves with how many rows it removed.
   * Never rejects: a failure is logged and the count removed before it is returned. After stop()
   * it resolves with 0 without touching the database.
   */
  runOnce(): Promise<number>;
};

export function startExpiredRowsCleanup(deps: ExpiredRowsCleanupDeps): ExpiredRowsCleanup {
  const { store, intervalMs, batchSize, logger } = deps;
  if (!(intervalMs > 0)) throw new RangeError('intervalMs must be a positive number of milliseconds');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  const now = deps.now ?? Date.now;
  let stopped = false;
  let running: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function sweep(): Promise<number> {
    const startedAt = Date.now();
    let removed = 0;
    try {
      // A full batch means more may be waiting; a short one means the backlog is gone.
      let batch: number;
      do {
        batch = await store.removeExpired(now(), batchSize);
        removed += batch;
      } while (batch === batchSize && !stopped);
      if (removed > 0) logger.info({ removed, durationMs: Date.now() - startedAt }, 'expired rows removed');
    } catch (error) {
      logger.error({ err: error, removed }, 'removing expired rows failed');
    }
    return removed;
  }

  function runOnce(): Promise<number> {
    if (stopped) return Promise.resolve(0);
    running ??= sweep().finally(() => {
      running = undefined;
    });
    return running;
  }

  // A timeout re-armed after each run, rather than an interval, so runs can never overlap however
  // long one takes. unref(): the sweep must never be what keeps the process alive.
  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void runOnce().then(schedule);
    }, intervalMs);
    timer.unref();
  }

  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    runOnce,
  };
}
