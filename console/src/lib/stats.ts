// What the dashboard computes from the statistics API's daily series: the period and the one
// before it, totals, the change from one to the other, splits summed over a period, and the
// funnel's conversion from step to step. Plain functions, tested under node:test
// (test/console/stats.test.ts).

export type Period = { readonly from: string; readonly to: string };
export type Day = { readonly day: string } & Record<string, unknown>;

const DAY_MS = 86_400_000;

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The `days` days ending today (UTC), and the same number of days just before them. */
export function periodsOf(days: number, now: number): { current: Period; previous: Period } {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return {
    current: { from: isoDay(today - (days - 1) * DAY_MS), to: isoDay(today) },
    previous: { from: isoDay(today - (2 * days - 1) * DAY_MS), to: isoDay(today - days * DAY_MS) },
  };
}

export function total(days: readonly Day[], field: string): number {
  return days.reduce((sum, day) => sum + (typeof day[field] === 'number' ? (day[field] as number) : 0), 0);
}

/** The last day's value (active customers are a window ending on each day, not something to add up). */
export function last(days: readonly Day[], field: string): number {
  const value = days.at(-1)?.[field];
  return typeof value === 'number' ? value : 0;
}

export type Change = { readonly direction: 'up' | 'down' | 'same' | 'new'; readonly percent: number | null };

/** How `current` compares to `previous`: a rounded percentage, or "new" when there was nothing before. */
export function changeOf(current: number, previous: number): Change {
  if (current === previous) return { direction: 'same', percent: 0 };
  if (previous === 0) return { direction: 'new', percent: null };
  const percent = Math.round(((current - previous) / previous) * 100);
  return { direction: current > previous ? 'up' : 'down', percent };
}

/** A split (`by`: method or application) summed over the period, largest first. */
export function splitTotals(days: readonly Day[]): { key: string; count: number }[] {
  const totals = new Map<string, number>();
  for (const day of days) {
    const by = day['by'];
    if (by && typeof by === 'object') for (const [key, count] of Object.entries(by as Record<string, number>)) totals.set(key, (totals.get(key) ?? 0) + count);
  }
  return [...totals].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

/** The split as chart rows: one row per day, one column per key (0 where a day has none). */
export function splitRows(days: readonly Day[], keys: readonly string[]): Record<string, string | number>[] {
  return days.map((day) => {
    const by = (day['by'] ?? {}) as Record<string, number>;
    return { day: day.day, ...Object.fromEntries(keys.map((key) => [key, by[key] ?? 0])) };
  });
}

export const FUNNEL_STEPS = ['viewed', 'submitted', 'verified', 'returned'] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

/** Each step's total over the period, its share of the first step and of the step before (null when that is 0). */
export function funnelOf(days: readonly Day[]): { step: FunnelStep; count: number; ofFirst: number | null; ofPrevious: number | null }[] {
  const counts = FUNNEL_STEPS.map((step) => total(days, step));
  const first = counts[0] ?? 0;
  return FUNNEL_STEPS.map((step, index) => {
    const count = counts[index] ?? 0;
    const before = index === 0 ? count : (counts[index - 1] ?? 0);
    return { step, count, ofFirst: first === 0 ? null : count / first, ofPrevious: before === 0 ? null : count / before };
  });
}
