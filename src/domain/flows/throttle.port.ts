// Counters behind throttling: how many failures under a key within a window, and when the last was.
export type Counter = { readonly count: number; readonly lastAt: number };

export interface ThrottleStore {
  /** Adds one failure under `key`; a window older than `windowMs` starts afresh. */
  hit(key: string, now: number, windowMs: number): Promise<Counter>;
  /** The current counter, or a zero one when none is live. */
  peek(key: string, now: number, windowMs: number): Promise<Counter>;
  reset(key: string): Promise<void>;
}
