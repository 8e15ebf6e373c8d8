// One leased dispatcher for everything Foyer delivers after commit: queued mail, outbox events
// (back-channel logout today, webhooks next). Each queue brings its own claim, delivery and
// bookkeeping; this loop is the same for all of them:
//
//   claim what is due (leased, so no other node delivers it meanwhile) → deliver side by side →
//   mark each done, or failed with a retry time (backoff), or given up → claim again while batches
//   come back full → sleep until notified (this node wrote something, after commit) or the poll.
//
// Delivery is at least once: a node that dies after delivering but before marking leaves the item
// to be delivered again once its lease runs out. Every node may run one dispatcher per queue.

type LogFunction = (fields: Record<string, unknown>, message: string) => void;

/** What a queue brings to the loop. */
type DeliveryQueue<Item> = {
  /** Up to `limit` items due at `now`, each leased until `now + leaseMs` and its attempt counted. */
  claimDue(now: number, limit: number, leaseMs: number): Promise<readonly Item[]>;
  /** Delivers one claimed item; rejects when it did not arrive. */
  deliver(item: Item): Promise<void>;
  markDone(item: Item, now: number): Promise<void>;
  /** The attempt failed: try again at `retryAt`, or give up when it is undefined. */
  markFailed(item: Item, error: unknown, retryAt: number | undefined, now: number): Promise<void>;
  /** When to try again after this failure (the item's attempts include this one), or undefined to give up. */
  retryAt(item: Item, error: unknown, now: number): number | undefined;
  /**
   * How logs name the item: ids and kinds only, never what it carries (codes, links, tokens).
   * Undefined: its delivery is routine and not worth a line (an event no handler consumes).
   */
  logFields(item: Item): Record<string, unknown> | undefined;
  /** What logs say about a failure beyond `err` (an SMTP reply code, say). */
  failureFields?(error: unknown, item: Item): Record<string, unknown>;
  /**
   * Whether the last claim left items out for lack of room of their own (a subscription holding
   * its share of the deliveries in flight): then an ended delivery may let them go at once.
   */
  heldBack?(): boolean;
};

export type DispatcherDeps<Item> = {
  /** Names the queue in logs: `<name> sent`, `<name> delivery failed; will retry`. */
  readonly name: string;
  readonly queue: DeliveryQueue<Item>;
  readonly logger: { readonly info: LogFunction; readonly warn: LogFunction; readonly error: LogFunction };
  /** Pause between polls when nothing wakes the dispatcher. */
  readonly pollIntervalMs: number;
  /** Items claimed (and delivered side by side) at a time. */
  readonly batchSize: number;
  /**
   * How long a claim holds its items. Longer than a batch can take to deliver, or another node may
   * deliver a slow item again; a node that dies mid-batch delays its items by this much.
   */
  readonly leaseMs: number;
  /**
   * Deliver up to this many at once, claiming more as deliveries end, so that one slow item holds
   * one slot rather than its whole batch (webhooks: a slow receiver must not hold back the others).
   * Without it, a batch is delivered side by side and the next claimed once all have an outcome.
   */
  readonly maxInFlight?: number;
  readonly now?: () => number;
};

type DispatchReport = { readonly sent: number; readonly failed: number };

export type Dispatcher = {
  /** Something was queued on this node and committed: deliver it now rather than at the next poll. */
  notify(): void;
  /**
   * Delivers what is due now and says how it went; a run in progress (which may have looked at the
   * queue before the caller's item was in it) is awaited first. Never rejects: a failure is logged
   * and the item scheduled for a retry. After stop() it delivers nothing.
   */
  runOnce(): Promise<DispatchReport>;
  /** Stops claiming; resolves once the items already being delivered have an outcome. */
  stop(): Promise<void>;
};

const NOTHING: DispatchReport = { sent: 0, failed: 0 };

/** How soon the rolling loop looks again after a short claim while deliveries are still out. */
const ROLLING_RECHECK_MS = 50;

export function startDispatcher<Item>(deps: DispatcherDeps<Item>): Dispatcher {
  const { name, queue, logger, pollIntervalMs, batchSize, leaseMs } = deps;
  if (!(pollIntervalMs > 0)) throw new RangeError('pollIntervalMs must be a positive number of milliseconds');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  if (!(leaseMs > 0)) throw new RangeError('leaseMs must be a positive number of milliseconds');
  if (deps.maxInFlight !== undefined && (!Number.isInteger(deps.maxInFlight) || deps.maxInFlight < 1)) throw new RangeError('maxInFlight must be a positive integer');
  const now = deps.now ?? Date.now;
  let stopped = false;
  let running: Promise<DispatchReport> | undefined;
  let wokenWhileRunning = false;
  let timer: NodeJS.Timeout | undefined;
  // The rolling loop's pause (a slot to free up, or news of new items); notify() and stop() end it.
  let wakeRolling: (() => void) | undefined;

  async function deliverOne(item: Item): Promise<boolean> {
    try {
      await queue.deliver(item);
    } catch (error) {
      const retryAt = queue.retryAt(item, error, now());
      await queue.markFailed(item, error, retryAt, now());
      const fields = { ...queue.logFields(item), ...queue.failureFields?.(error, item) };
      if (retryAt === undefined) logger.error(fields, `${name} delivery failed; giving up`);
      else logger.warn({ ...fields, retryInMs: retryAt - now() }, `${name} delivery failed; will retry`);
      return false;
    }
    await queue.markDone(item, now());
    const fields = queue.logFields(item);
    if (fields) logger.info(fields, `${name} sent`);
    return true;
  }

  async function dispatch(): Promise<DispatchReport> {
    let sent = 0;
    let failed = 0;
    try {
      // A full batch means more may be due; a short one means the queue is drained.
      let batch: readonly Item[];
      do {
        batch = await queue.claimDue(now(), batchSize, leaseMs);
        const outcomes = await Promise.all(batch.map(deliverOne));
        sent += outcomes.filter(Boolean).length;
        failed += outcomes.filter((ok) => !ok).length;
      } while (batch.length === batchSize && !stopped);
    } catch (error) {
      logger.error({ err: error, sent, failed }, `${name} dispatch failed`);
    }
    return { sent, failed };
  }

  /**
   * Up to maxInFlight deliveries at a time: claim what fits, and whenever at least half a batch of
   * slots is free claim again; once a claim comes back short, wait for news (notify), for every
   * delivery to end, or a moment (an ended delivery may have let the next of its kind become due).
   */
  async function dispatchRolling(maxInFlight: number): Promise<DispatchReport> {
    let sent = 0;
    let failed = 0;
    const inFlight = new Set<Promise<void>>();
    const pause = (ms: number | undefined) =>
      new Promise<void>((resolve) => {
        const pauseTimer = ms === undefined ? undefined : setTimeout(resolve, ms);
        wakeRolling = () => {
          clearTimeout(pauseTimer);
          resolve();
        };
      }).finally(() => (wakeRolling = undefined));
    // Whether an ended delivery ends the pause: yes while the loop waits for room, or the queue
    // held items back for room of their own; after a plain short claim only once nothing is in
    // flight, for a claim that has just come back short would mostly come back empty again (a
    // query per ended delivery, for nothing, when the five deliveries of a sign-in end together).
    // The recheck covers a next delivery that the end made due (order per customer).
    let wakeOnFree = true;
    const freed = () => {
      if (wakeOnFree || inFlight.size === 0) wakeRolling?.();
    };
    const chunk = Math.min(batchSize, maxInFlight);
    try {
      while (!stopped) {
        const room = maxInFlight - inFlight.size;
        if (room < Math.ceil(chunk / 2)) {
          wakeOnFree = true;
          await pause(undefined);
          continue;
        }
        const want = Math.min(chunk, room);
        wokenWhileRunning = false;
        const batch = await queue.claimDue(now(), want, leaseMs);
        for (const item of batch) {
          const delivery: Promise<void> = deliverOne(item).then(
            (ok) => void (ok ? (sent += 1) : (failed += 1)),
            () => void (failed += 1),
          ).finally(() => {
            inFlight.delete(delivery);
            freed();
          });
          inFlight.add(delivery);
        }
        if (batch.length < want) {
          if (inFlight.size === 0 && !wokenWhileRunning) break;
          wakeOnFree = queue.heldBack?.() ?? false;
          if (!wokenWhileRunning) await pause(ROLLING_RECHECK_MS);
        }
      }
    } catch (error) {
      logger.error({ err: error, sent, failed }, `${name} dispatch failed`);
    }
    await Promise.all(inFlight);
    return { sent, failed };
  }

  // A timeout re-armed after each run, so runs never overlap. unref(): the dispatcher must never be
  // what keeps the process alive.
  function schedule(delayMs: number): void {
    clearTimeout(timer);
    if (stopped) return;
    // A run in progress schedules the next one when it ends.
    timer = setTimeout(() => void (running ?? runOnce()), delayMs);
    timer.unref();
  }

  function runOnce(): Promise<DispatchReport> {
    if (stopped) return Promise.resolve(NOTHING);
    if (running) return running.then(runOnce);
    running = (deps.maxInFlight === undefined ? dispatch() : dispatchRolling(deps.maxInFlight)).finally(() => {
      running = undefined;
      schedule(wokenWhileRunning ? 0 : pollIntervalMs);
      wokenWhileRunning = false;
    });
    return running;
  }

  // Whatever was queued while no dispatcher ran goes out at start.
  schedule(0);

  return {
    notify() {
      if (stopped) return;
      if (running) {
        wokenWhileRunning = true;
        wakeRolling?.();
      } else schedule(0);
    },
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wakeRolling?.();
      await running;
    },
  };
}
