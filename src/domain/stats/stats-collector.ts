// The StatsRecorder of one node (ADR 0022): counts, active-customer sketches and sign-ups waiting
// for a return are gathered in memory and written as one batch per flush, in one transaction, by
// additive upserts and merges that any number of nodes can run side by side. A batch that fails
// stays as it is and is written first at the next flush; its id makes a second write of a batch
// that did commit (its answer lost) a no-op, so a count is never lost to an outage nor counted twice.
import { createHmac, createSecretKey, hkdfSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { UnitOfWork } from '../unit-of-work.ts';
import type { ActiveSketch, ExpectedReturn, StatsStore } from './stats.port.ts';
import type { StatsRecorder } from './stats-recorder.port.ts';
import type { DailyCount, Dimensions, Metric } from './stats.ts';
import { DAY_MS, dayOf, RETURN_WINDOW_MS } from './stats.ts';
import { addHash, emptySketch } from './hyperloglog.ts';
import { uuidv7 } from '../../lib/ids.ts';

/** What one flush writes. */
type StatsBatch = {
  readonly id: string;
  /** When the batch was taken: returns are claimed as of then. */
  readonly takenAt: number;
  readonly counts: readonly DailyCount[];
  readonly active: readonly ActiveSketch[];
  readonly signUps: readonly ExpectedReturn[];
  readonly returns: ReadonlyMap<string, readonly string[]>;
};

type StatsCollectorDeps = {
  readonly transaction: UnitOfWork<{ readonly stats: StatsStore }>;
  /** activeKeyOf(master secret): customers enter sketches as a keyed hash nobody can recompute from an id without it. */
  readonly activeKey: KeyObject;
  readonly now?: () => number;
};

export type StatsCollector = StatsRecorder & {
  /**
   * Writes what was recorded so far: first a batch an earlier flush failed to write, then the
   * rest. Rejects when the database does; what it could not write stays for the next flush.
   * Calls run one after the other, so the last one (at shutdown) writes everything before it.
   */
  flush(): Promise<void>;
};

/**
 * The key of the keyed hash that feeds active-customer sketches, derived from the master secret.
 * A KeyObject: an HMAC with it costs a fifth of one with the raw bytes, on every sign-in.
 */
export function activeKeyOf(masterSecret: string): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', masterSecret, 'foyer-statistics', 'active-customers', 32)));
}

export function createStatsCollector(deps: StatsCollectorDeps): StatsCollector {
  const now = deps.now ?? Date.now;
  // The day is worked out once per day, not on every call.
  let today = { day: '', until: 0 };
  const dayNow = (): string => {
    const at = now();
    if (at >= today.until || at < today.until - DAY_MS) today = { day: dayOf(at), until: (Math.floor(at / DAY_MS) + 1) * DAY_MS };
    return today.day;
  };
  // Keyed by tenant, day, metric, application and method, joined by NUL (which none contains).
  let counts = new Map<string, number>();
  let active = new Map<string, Uint8Array>();
  let signUps: ExpectedReturn[] = [];
  let returns = new Map<string, Set<string>>();
  let failed: StatsBatch | undefined;
  let queue: Promise<void> = Promise.resolve();

  function take(): StatsBatch | undefined {
    if (counts.size === 0 && active.size === 0 && signUps.length === 0 && returns.size === 0) return undefined;
    const batch: StatsBatch = {
      id: uuidv7(now()),
      takenAt: now(),
      counts: [...counts].map(([key, count]) => {
        const [tenantId, day, metric, application, method] = key.split('\0') as [string, string, Metric, string, string];
        return { tenantId, day, metric, application, method, count };
      }),
      active: [...active].map(([key, registers]) => {
        const [tenantId, day] = key.split('\0') as [string, string];
        return { tenantId, day, registers };
      }),
      signUps,
      returns: new Map([...returns].map(([tenantId, ids]) => [tenantId, [...ids]])),
    };
    counts = new Map();
    active = new Map();
    signUps = [];
    returns = new Map();
    return batch;
  }

  async function write(batch: StatsBatch): Promise<void> {
    await deps.transaction(async ({ stats }) => {
      if (!(await stats.claimBatch(batch.id, batch.takenAt))) return;
      // Sign-ups first: a customer who signed up and came back within one batch is counted too.
      await stats.expectReturns(batch.signUps);
      const returned: DailyCount[] = [];
      for (const [tenantId, identityIds] of batch.returns) {
        for (const { application, day } of await stats.claimReturns(tenantId, identityIds, batch.takenAt)) {
          returned.push({ tenantId, day, metric: 'signup.returned', application, method: '', count: 1 });
        }
      }
      await stats.addCounts(sumCounts([...batch.counts, ...returned]));
      for (const sketch of batch.active) await stats.mergeActive(sketch);
    });
  }

  async function flushAll(): Promise<void> {
    if (failed) {
      await write(failed);
      failed = undefined;
    }
    const batch = take();
    if (!batch) return;
    try {
      await write(batch);
    } catch (error) {
      failed = batch;
      throw error;
    }
  }

  return {
    count(tenantId: string, metric: Metric, dimensions: Dimensions = {}) {
      const key = `${tenantId}\0${dayNow()}\0${metric}\0${dimensions.application ?? ''}\0${dimensions.method ?? ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    },

    signedIn(tenantId: string, identityId: string, returning: boolean) {
      const key = `${tenantId}\0${dayNow()}`;
      let sketch = active.get(key);
      if (!sketch) active.set(key, (sketch = emptySketch()));
      addHash(sketch, createHmac('sha256', deps.activeKey).update(`${tenantId}\0${identityId}`).digest());
      if (!returning) return;
      let ids = returns.get(tenantId);
      if (!ids) returns.set(tenantId, (ids = new Set()));
      ids.add(identityId);
    },

    signedUp(tenantId: string, identityId: string, application: string) {
      const at = now();
      signUps.push({ tenantId, identityId, application, day: dayOf(at), expiresAt: at + RETURN_WINDOW_MS });
    },

    flush() {
      const run = queue.then(flushAll);
      queue = run.catch(() => {});
      return run;
    },
  };
}

/** One count per counter: a multi-row upsert may not touch the same row twice. */
function sumCounts(counts: readonly DailyCount[]): DailyCount[] {
  const summed = new Map<string, DailyCount>();
  for (const count of counts) {
    const key = [count.tenantId, count.day, count.metric, count.application, count.method].join('\0');
    const seen = summed.get(key);
    summed.set(key, seen ? { ...seen, count: seen.count + count.count } : count);
  }
  return [...summed.values()];
}
