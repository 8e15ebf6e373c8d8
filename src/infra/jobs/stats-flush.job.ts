// Writes this node's statistics (ADR 0022) every few seconds, and once more at shutdown, after the
// last request has been answered. A flush that fails is logged and its counts wait for the next
// one (the collector keeps them); only a flush that fails at shutdown loses what it held.
import type { StatsCollector } from '../../domain/stats/stats-collector.ts';

type LogFunction = (fields: Record<string, unknown>, message: string) => void;

type StatsFlushDeps = {
  readonly collector: Pick<StatsCollector, 'flush'>;
  /** Pause between the end of one flush and the start of the next. */
  readonly intervalMs: number;
  readonly logger: { readonly warn: LogFunction; readonly error: LogFunction };
};

type StatsFlush = {
  /** Stops scheduling and writes what is left (call once nothing records any more). */
  stop(): Promise<void>;
};

export function startStatsFlush(deps: StatsFlushDeps): StatsFlush {
  if (!(deps.intervalMs > 0)) throw new RangeError('intervalMs must be a positive number of milliseconds');
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  // Re-armed after each flush, so flushes never pile up behind a slow database; unref(): the
  // statistics must never be what keeps the process alive.
  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      deps.collector
        .flush()
        .catch((error: unknown) => deps.logger.warn({ err: error }, 'writing statistics failed; they are kept for the next try'))
        .finally(schedule);
    }, deps.intervalMs);
    timer.unref();
  }

  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await deps.collector.flush().catch((error: unknown) => deps.logger.error({ err: error }, 'writing statistics at shutdown failed; the last seconds of counts are lost'));
    },
  };
}
