// An open-loop load generator: requests start at a fixed rate, evenly spaced, whether or not earlier
// ones have been answered, over a bounded set of keep-alive connections. Latency counts from when a
// request was due, not from when a free connection sent it, so a server that falls behind shows it
// (no "coordinated omission"). Used for latency below saturation, where closed loops cannot go:
// autocannon's own pacing releases each second's requests in bursts.
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { percentile } from './load-loop.ts';
import type { LoadResult } from './load-loop.ts';

export type PacedOptions = {
  /** Requests started per second. */
  readonly rate: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Sends one request; throwing counts as a failure. The HTTP client bounds the connections. */
  readonly request: () => Promise<void>;
};

/** How often the scheduler wakes up to start the requests that have fallen due. */
const TICK_MS = 2;

export async function runPaced(options: PacedOptions): Promise<LoadResult> {
  const start = performance.now();
  const windowStart = start + options.warmupMs;
  const windowEnd = windowStart + options.durationMs;
  const interval = 1000 / options.rate;
  const latencies: number[] = [];
  const pending = new Set<Promise<void>>();
  let failed = 0;
  let firstFailure: string | undefined;
  let due = start;

  const send = (scheduledAt: number) => {
    const sent = options.request().then(
      () => {
        if (scheduledAt >= windowStart && scheduledAt < windowEnd) latencies.push(performance.now() - scheduledAt);
      },
      (error: unknown) => {
        failed += 1;
        firstFailure ??= error instanceof Error ? error.message : String(error);
      },
    );
    pending.add(sent);
    void sent.finally(() => pending.delete(sent));
  };

  while (due < windowEnd) {
    const now = performance.now();
    while (due <= now && due < windowEnd) {
      send(due);
      due += interval;
    }
    await delay(TICK_MS);
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  const seconds = options.durationMs / 1000;
  return {
    completed: latencies.length,
    failed,
    seconds,
    perSecond: latencies.length / seconds,
    latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
    ...(firstFailure === undefined ? {} : { firstFailure }),
  };
}
