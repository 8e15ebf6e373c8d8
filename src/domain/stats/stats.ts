// What Foyer counts for dashboards (ADR 0022): daily counters per tenant, metric and dimension
// values (an application's client id, a sign-in method's id), never anything about a person.
// The names are stored: add metrics freely, never rename one.

/** The counted metrics. Sign-up funnel: viewed → submitted → verified → returned (signed in again within RETURN_WINDOW_MS). */
const METRICS = [
  'signup.viewed',
  'signup.submitted',
  'signup.created',
  'signup.verified',
  'signup.returned',
  'signin.succeeded',
  'signin.failed',
  'signin.throttled',
] as const;

export type Metric = (typeof METRICS)[number];

/** Dimension values of a count; '' where one does not apply (no application: the JSON flows API). */
export type Dimensions = { readonly application?: string | undefined; readonly method?: string | undefined };

/** One counter of one day: what the aggregates table holds, and what a flush adds to it. */
export type DailyCount = {
  readonly tenantId: string;
  /** UTC day, YYYY-MM-DD. */
  readonly day: string;
  readonly metric: Metric;
  readonly application: string;
  readonly method: string;
  readonly count: number;
};

/** A sign-up counts as returned when its customer signs in again within this long of signing up. */
export const RETURN_WINDOW_MS = 30 * 24 * 60 * 60_000;

export const DAY_MS = 24 * 60 * 60_000;

/** The UTC day of a moment, as YYYY-MM-DD. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The day `days` after (or before, when negative) `day`. */
export function addDays(day: string, days: number): string {
  return dayOf(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS);
}

/** Every day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}
