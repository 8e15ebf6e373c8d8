// The admin scenario's statistics: how long each dashboard series takes for a 90-day period (the
// longest the API answers), one call at a time, through the same use cases the admin API's
// /stats routes call, on the bench process's own connection while the server idles. It first
// stores what a busy tenant accumulates in 400 days: daily counters for 20 applications and 3
// sign-in methods (about 200 rows a day), and a day's sketch of about 20,000 active customers for
// every day. What a 90-day read costs depends on those rows, not on the number of customers.
import { randomBytes } from 'node:crypto';
import type { DatabaseConfig } from '../src/config/schema.ts';
import { openDatabase } from '../src/storage/database.ts';
import { createStores, createTransaction } from '../src/storage/stores.ts';
import { activeCustomers, failuresPerDay, periodOf, signInsPerDay, signUpFunnel, signUpsPerDay } from '../src/domain/stats/stats.service.ts';
import { addDays, dayOf, type DailyCount } from '../src/domain/stats/stats.ts';
import { addHash, emptySketch } from '../src/domain/stats/hyperloglog.ts';
import type { AdminFigure } from './report.ts';
import { measureLatency } from './admin-search.ts';

const HISTORY_DAYS = 400;
const APPLICATIONS = 20;
const METHODS = ['password', 'email_code', 'recovery_link'] as const;
const ACTIVE_PER_DAY = 20_000;
const PERIOD_DAYS = 90;

export async function adminStatistics(config: DatabaseConfig, tenantId: string, log: (message: string) => void): Promise<AdminFigure[]> {
  const database = await openDatabase(config);
  try {
    const stores = createStores(database.db);
    const transaction = createTransaction(database.db);
    const today = dayOf(Date.now());
    const started = performance.now();
    let rows = 0;
    for (let back = HISTORY_DAYS - 1; back >= 0; back -= 1) {
      const day = addDays(today, -back);
      const counts = countsOf(tenantId, day);
      rows += counts.length;
      await transaction(async (tx) => {
        await tx.stats.addCounts(counts);
        await tx.stats.mergeActive({ tenantId, day, registers: sketchOf(ACTIVE_PER_DAY) });
      });
    }
    log(`stored ${HISTORY_DAYS} days of statistics (${rows.toLocaleString('en-US')} counters, ${HISTORY_DAYS} sketches) in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const deps = { stats: stores.stats };
    const period = periodOf({ from: addDays(today, -(PERIOD_DAYS - 1)), to: today }, Date.now());
    const days = (series: readonly unknown[]) => series.length;
    return [
      await measureLatency('stats-sign-ups', 'Statistics: sign-ups per day, 90 days', async () => days(await signUpsPerDay(deps, tenantId, period))),
      await measureLatency('stats-sign-ins-by-application', 'Statistics: sign-ins per day by application, 90 days', async () => days(await signInsPerDay(deps, tenantId, period, 'application'))),
      await measureLatency('stats-failures', 'Statistics: failed and throttled sign-ins per day, 90 days', async () => days(await failuresPerDay(deps, tenantId, period))),
      await measureLatency('stats-active-monthly', 'Statistics: monthly active customers for each day, 90 days (119 daily sketches)', async () => days(await activeCustomers(deps, tenantId, period, 'month'))),
      await measureLatency('stats-funnel', 'Statistics: sign-up funnel per day, all applications, 90 days', async () => days(await signUpFunnel(deps, tenantId, period, undefined))),
    ];
  } finally {
    await database.close();
  }
}

/** A day's counters: every metric per application, sign-ins also per method, with plausible sizes. */
function countsOf(tenantId: string, day: string): DailyCount[] {
  const counts: DailyCount[] = [];
  const add = (metric: DailyCount['metric'], application: string, method: string, count: number) => counts.push({ tenantId, day, metric, application, method, count });
  for (let app = 0; app < APPLICATIONS; app += 1) {
    const application = `bench-app-${app}`;
    const viewed = 200 + Math.floor(Math.random() * 800);
    add('signup.viewed', application, '', viewed);
    add('signup.submitted', application, '', Math.floor(viewed * 0.6));
    add('signup.created', application, '', Math.floor(viewed * 0.55));
    add('signup.verified', application, '', Math.floor(viewed * 0.45));
    add('signup.returned', application, '', Math.floor(viewed * 0.3));
    for (const method of METHODS) add('signin.succeeded', application, method, 500 + Math.floor(Math.random() * 5_000));
    add('signin.failed', application, 'password', 20 + Math.floor(Math.random() * 200));
    add('signin.throttled', application, 'password', Math.floor(Math.random() * 20));
  }
  return counts;
}

/** The sketch of `customers` distinct customers (random 64-bit hashes, as the keyed hash gives). */
function sketchOf(customers: number): Uint8Array {
  const registers = emptySketch();
  const hashes = randomBytes(customers * 8);
  for (let i = 0; i < customers; i += 1) addHash(registers, hashes.subarray(i * 8, i * 8 + 8));
  return registers;
}
