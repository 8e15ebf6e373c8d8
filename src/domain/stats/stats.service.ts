// The dashboards' questions (ADR 0022), one use case each, answered from the daily aggregates as
// a dense series (every day of the period, zeros included): sign-ups, sign-ins by method or
// application, failed and throttled sign-ins, active customers over a day, week or month, and
// the sign-up funnel. Figures include what the nodes had flushed when asked (every few seconds).
import type { FieldProblem } from '../errors.ts';
import { ValidationError } from '../errors.ts';
import type { StatsStore } from './stats.port.ts';
import type { DailyCount, Metric } from './stats.ts';
import { addDays, dayOf, daysBetween } from './stats.ts';
import { emptySketch, estimate, mergeInto } from './hyperloglog.ts';

/** The longest period one question covers. */
export const MAX_PERIOD_DAYS = 90;
const DEFAULT_PERIOD_DAYS = 30;

type StatsReads = { readonly stats: Pick<StatsStore, 'countsBetween' | 'activeBetween'> };

/** UTC days, both included. */
export type Period = { readonly from: string; readonly to: string };

/** Days of a rolling window ending on each day of the series. */
const WINDOW_DAYS = { day: 1, week: 7, month: 30 } as const;
type ActiveWindow = keyof typeof WINDOW_DAYS;
type SignInBreakdown = 'method' | 'application';

const DAY_SHAPE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The period asked for: `from` and `to` as YYYY-MM-DD (UTC), both included; by default the 30
 * days up to today. Answers every problem at once, each naming its field.
 */
export function periodOf(input: { readonly from?: string | undefined; readonly to?: string | undefined }, now: number): Period {
  const problems: FieldProblem[] = [];
  for (const field of ['from', 'to'] as const) {
    const value = input[field];
    if (value !== undefined && (!DAY_SHAPE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || dayOf(Date.parse(`${value}T00:00:00Z`)) !== value)) {
      problems.push({ field, code: 'stats.day_invalid', message: 'Give a day as YYYY-MM-DD.' });
    }
  }
  if (problems.length > 0) throw new ValidationError(problems);
  const to = input.to ?? (input.from ? minDay(addDays(input.from, DEFAULT_PERIOD_DAYS - 1), dayOf(now)) : dayOf(now));
  const from = input.from ?? addDays(to, -(DEFAULT_PERIOD_DAYS - 1));
  if (from > to) throw new ValidationError([{ field: 'from', code: 'stats.period_reversed', message: 'The period must start on or before the day it ends.' }]);
  if (addDays(from, MAX_PERIOD_DAYS - 1) < to) {
    throw new ValidationError([{ field: 'from', code: 'stats.period_too_long', message: `A period covers at most ${MAX_PERIOD_DAYS} days.`, params: { max: MAX_PERIOD_DAYS } }]);
  }
  return { from, to };
}

/** New accounts per day. */
export async function signUpsPerDay(deps: StatsReads, tenantId: string, period: Period) {
  const days = byDay(await deps.stats.countsBetween(tenantId, ['signup.created'], period.from, period.to));
  return daysBetween(period.from, period.to).map((day) => ({ day, count: sumOf(days.get(day), () => true) }));
}

/** Completed sign-ins per day, and, when asked, split by method or by application ('' for none: the JSON flows API). */
export async function signInsPerDay(deps: StatsReads, tenantId: string, period: Period, by: SignInBreakdown | undefined) {
  const days = byDay(await deps.stats.countsBetween(tenantId, ['signin.succeeded'], period.from, period.to));
  return daysBetween(period.from, period.to).map((day) => {
    const ofDay = days.get(day) ?? [];
    const count = sumOf(ofDay, () => true);
    if (!by) return { day, count };
    const split: Record<string, number> = {};
    for (const row of ofDay) split[row[by]] = (split[row[by]] ?? 0) + row.count;
    return { day, count, by: split };
  });
}

/** Refused sign-ins per day: wrong credentials (or a blocked account: told apart only in the audit log), and attempts refused by the throttle. */
export async function failuresPerDay(deps: StatsReads, tenantId: string, period: Period) {
  const days = byDay(await deps.stats.countsBetween(tenantId, ['signin.failed', 'signin.throttled'], period.from, period.to));
  return daysBetween(period.from, period.to).map((day) => ({
    day,
    failed: sumOf(days.get(day), (row) => row.metric === 'signin.failed'),
    throttled: sumOf(days.get(day), (row) => row.metric === 'signin.throttled'),
  }));
}

/**
 * Distinct customers who signed in during the window (1, 7 or 30 days) ending on each day:
 * daily, weekly and monthly active customers. Estimates, within the sketches' error (ADR 0022).
 */
export async function activeCustomers(deps: StatsReads, tenantId: string, period: Period, window: ActiveWindow) {
  const span = WINDOW_DAYS[window];
  const first = addDays(period.from, -(span - 1));
  const stored = new Map((await deps.stats.activeBetween(tenantId, first, period.to)).map((sketch) => [sketch.day, sketch.registers]));
  const sketches = daysBetween(first, period.to).map((day) => stored.get(day) ?? emptySketch());
  const unions = slidingUnions(sketches, span);
  return daysBetween(period.from, period.to).map((day, i) => ({ day, customers: estimate(unions[i]!) }));
}

/**
 * The union of every `span` consecutive sketches, for each window that fits (van Herk and
 * Gil-Werman: within blocks of `span` days, unions from each day to its block's end and from its
 * block's start; a window is one of each). About three merges a day whatever the span, so 90
 * monthly figures cost 270 merges rather than 2,700.
 */
function slidingUnions(sketches: readonly Uint8Array[], span: number): Uint8Array[] {
  const n = sketches.length;
  const fromStart: Uint8Array[] = [];
  const toEnd: Uint8Array[] = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i += 1) {
    const union = i % span === 0 ? new Uint8Array(sketches[i]!) : new Uint8Array(fromStart[i - 1]!);
    if (i % span !== 0) mergeInto(union, sketches[i]!);
    fromStart.push(union);
  }
  for (let i = n - 1; i >= 0; i -= 1) {
    const blockEnd = i % span === span - 1 || i === n - 1;
    const union = blockEnd ? new Uint8Array(sketches[i]!) : new Uint8Array(toEnd[i + 1]!);
    if (!blockEnd) mergeInto(union, sketches[i]!);
    toEnd[i] = union;
  }
  const unions: Uint8Array[] = [];
  for (let end = span - 1; end < n; end += 1) {
    const start = end - span + 1;
    if (start % span === 0) {
      unions.push(fromStart[end]!);
    } else {
      const union = new Uint8Array(toEnd[start]!);
      mergeInto(union, fromStart[end]!);
      unions.push(union);
    }
  }
  return unions;
}

const FUNNEL: readonly { readonly step: 'viewed' | 'submitted' | 'verified' | 'returned'; readonly metric: Metric }[] = [
  { step: 'viewed', metric: 'signup.viewed' },
  { step: 'submitted', metric: 'signup.submitted' },
  { step: 'verified', metric: 'signup.verified' },
  { step: 'returned', metric: 'signup.returned' },
];

/**
 * The sign-up funnel per day, of one application (its client id; '' for the JSON flows API) or
 * of all: sign-up forms shown, submitted, addresses verified (each on the day it happened), and
 * sign-ups whose customer signed in again within 30 days (on the day of the sign-up).
 */
export async function signUpFunnel(deps: StatsReads, tenantId: string, period: Period, application: string | undefined) {
  const rows = await deps.stats.countsBetween(tenantId, FUNNEL.map((entry) => entry.metric), period.from, period.to);
  const days = byDay(application === undefined ? rows : rows.filter((row) => row.application === application));
  return daysBetween(period.from, period.to).map((day) => {
    const steps = Object.fromEntries(FUNNEL.map(({ step, metric }) => [step, sumOf(days.get(day), (row) => row.metric === metric)]));
    return { day, ...(steps as Record<(typeof FUNNEL)[number]['step'], number>) };
  });
}

function byDay(rows: readonly DailyCount[]): Map<string, DailyCount[]> {
  const days = new Map<string, DailyCount[]>();
  for (const row of rows) {
    const ofDay = days.get(row.day);
    if (ofDay) ofDay.push(row);
    else days.set(row.day, [row]);
  }
  return days;
}

function sumOf(rows: readonly DailyCount[] | undefined, include: (row: DailyCount) => boolean): number {
  let sum = 0;
  for (const row of rows ?? []) if (include(row)) sum += row.count;
  return sum;
}

function minDay(a: string, b: string): string {
  return a < b ? a : b;
}
