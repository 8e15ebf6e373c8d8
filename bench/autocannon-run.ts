// Fixed requests replayed by autocannon at full speed (or at a set rate) over keep-alive
// connections: the figures for endpoints whose request does not change from one call to the next.
// A warm-up run comes first and is discarded, so JIT compilation and cold caches stay out of them.
import autocannon from 'autocannon';
import { FORWARDED_HEADERS } from './server-process.ts';

export type FixedRequest = {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  /** Requests per second across all connections; omitted: as fast as the server answers. */
  readonly overallRate?: number | undefined;
};

export type FixedRequestResult = {
  /** Answers with a 2xx status per second of the measured run. */
  readonly perSecond: number;
  readonly completed: number;
  /** Non-2xx answers, connection errors and timeouts. */
  readonly failed: number;
  readonly seconds: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly firstFailure?: string;
};

export async function replayFixedRequest(request: FixedRequest): Promise<FixedRequestResult> {
  const options = {
    url: request.url,
    method: request.method ?? 'GET',
    // As the load balancer the bench plays passes them on (server-process.ts).
    headers: { ...FORWARDED_HEADERS, ...request.headers },
    ...(request.body === undefined ? {} : { body: request.body }),
    connections: request.connections,
    ...(request.overallRate === undefined ? {} : { overallRate: request.overallRate }),
    timeout: 10,
  };
  if (request.warmupSeconds > 0) await autocannon({ ...options, duration: request.warmupSeconds });
  const result = await autocannon({ ...options, duration: request.durationSeconds });
  const completed = result['2xx'];
  const failed = result.non2xx + result.errors;
  const statuses = ['1xx', '3xx', '4xx', '5xx'] as const;
  const unexpected = statuses.filter((status) => result[status] > 0).map((status) => `${result[status]} × ${status}`);
  if (result.errors > 0) unexpected.push(`${result.errors} connection errors (${result.timeouts} timeouts)`);
  return {
    perSecond: completed / result.duration,
    completed,
    failed,
    seconds: result.duration,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
    ...(unexpected.length === 0 ? {} : { firstFailure: `unexpected answers: ${unexpected.join(', ')}` }),
  };
}
