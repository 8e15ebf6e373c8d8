// A closed-loop load generator for work autocannon cannot replay: each virtual user repeats a
// multi-step iteration (a whole sign-in, a refresh whose token changes every time) back to back.
// Only iterations that end inside the measurement window count, after a warm-up that does not: the
// rate is then the steady state's, not diluted by start-up or by iterations still in flight at the
// end.
import { performance } from 'node:perf_hooks';

export type LoadOptions = {
  readonly users: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** One unit of work of virtual user `user`; throwing counts as a failure. */
  readonly iteration: (user: number) => Promise<void>;
};

export type LoadResult = {
  /** Iterations that ended inside the window. */
  readonly completed: number;
  readonly failed: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  /** The first failure's message, so that a broken scenario says why. */
  readonly firstFailure?: string;
};

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const start = performance.now();
  const windowStart = start + options.warmupMs;
  const windowEnd = windowStart + options.durationMs;
  const latencies: number[] = [];
  let failed = 0;
  let firstFailure: string | undefined;

  async function user(index: number): Promise<void> {
    while (performance.now() < windowEnd) {
      const began = performance.now();
      try {
        await options.iteration(index);
        const ended = performance.now();
        if (ended >= windowStart && ended <= windowEnd) latencies.push(ended - began);
      } catch (error) {
        failed += 1;
        firstFailure ??= error instanceof Error ? error.message : String(error);
      }
    }
  }

  await Promise.all(Array.from({ length: options.users }, (_, index) => user(index)));
  const seconds = options.durationMs / 1000;
  latencies.sort((a, b) => a - b);
  return {
    completed: latencies.length,
    failed,
    seconds,
    perSecond: latencies.length / seconds,
    latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
    ...(firstFailure === undefined ? {} : { firstFailure }),
  };
}

/** Nearest-rank percentile of sorted values; 0 for none. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1]!;
}
