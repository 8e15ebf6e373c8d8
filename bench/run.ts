// `npm run bench`: starts Foyer as a separate process on SQLite and on PostgreSQL (when reachable),
// seeds it, loads it from this process over loopback, measures the argon2id ceiling of the same
// machine in the same run, and writes bench/report.md and bench/report.json. Options (after `--`):
// --engine sqlite|postgres, --only <scenario>, --duration <seconds>, --cpu-prof, --out <dir>,
// --customers <n> (bulk-load n more customers; the sign-ins then run before the load too, to compare),
// --admin (the admin scenario: customer searches and 90-day statistics), --import <n> (foyer import
// customers of an n-line file, then foyer export customers, as processes of their own), --webhooks
// (deliveries per second, event-to-delivery latency, sign-ins with and without subscriptions).
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Engine } from '../src/storage/database.ts';
import { createPostgresBenchDatabase, createSqliteBenchDatabase } from './bench-database.ts';
import type { BenchDatabase } from './bench-database.ts';
import { seedDatabase } from './seed.ts';
import { FORWARDED_HEADERS, startServer } from './server-process.ts';
import type { ServerProcess } from './server-process.ts';
import { createHttpClient } from './http-client.ts';
import { measureArgon2Ceiling } from './argon2-ceiling.ts';
import { measureStatsRecording } from './stats-recording.ts';
import type { Tokens } from './hosted-sign-in.ts';
import { bareClientCredentials, barePageFloor, CONCURRENCY, clientCredentials, flowsSignIns, introspection, passkeySignIns, refreshGrants, signedInCustomers, signIns, signInPage, totpSignIns, userinfo } from './scenarios.ts';
import type { ScenarioContext, Timing } from './scenarios.ts';
import { judgementOf, mergeRuns, PAGE_OPEN_LOOP_RATE, renderMarkdown, SCENARIO_NAMES, verdictsOf } from './report.ts';
import type { AdminFigure, BenchReport, Ceiling, EngineResult, Machine, ScenarioName, ScenarioResult, SignInBaseline, SignInRound, WebhookFigures } from './report.ts';
import { webhookFigures } from './webhooks.ts';
import type { Seed } from './seed.ts';
import { loadBulkCustomers } from './bulk-customers.ts';
import { adminSearches } from './admin-search.ts';
import { adminStatistics } from './admin-stats.ts';
import { scimFilters } from './scim-filter.ts';
import { tableSizes } from './table-sizes.ts';
import type { TableSizes } from './table-sizes.ts';
import { summarizeProfile } from './profile-summary.ts';
import { measureCustomerTransfer } from './customer-transfer.ts';
import type { TransferFigures } from './customer-transfer.ts';

const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];
/** Customers with an authenticator app for the TOTP scenario: each code works once per 30-second step, so its rate is capped at 2 × this / 30 s. */
const TOTP_ACCOUNTS = 1024;
const CEILING_TIMING = { warmupMs: 1_000, durationMs: 4_000 } as const;
/** Sign-in rounds, each between two ceiling measurements; the verdict takes the median round. */
const SIGN_IN_ROUNDS = 3;

type Options = { engines: Engine[]; only: ScenarioName[]; timing: Timing; cpuProfile: boolean; outDir: string; customers: number; admin: boolean; importLines: number; webhooks: boolean };

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string', multiple: true },
      only: { type: 'string', multiple: true },
      duration: { type: 'string', default: '8' },
      'cpu-prof': { type: 'boolean', default: false },
      customers: { type: 'string', default: '0' },
      admin: { type: 'boolean', default: false },
      import: { type: 'string', default: '0' },
      webhooks: { type: 'boolean', default: false },
      out: { type: 'string', default: fileURLToPath(new URL('.', import.meta.url)) },
    },
  });
  const engines = (values.engine ?? [...ENGINES]) as Engine[];
  const unknownEngine = engines.find((engine) => !ENGINES.includes(engine));
  if (unknownEngine) throw new Error(`--engine ${unknownEngine}: use ${ENGINES.join(' or ')}`);
  const onlyScenarios = (values.only ?? [...SCENARIO_NAMES]) as ScenarioName[];
  const unknownScenario = onlyScenarios.find((name) => !SCENARIO_NAMES.includes(name));
  if (unknownScenario) throw new Error(`--only ${unknownScenario}: use one of ${SCENARIO_NAMES.join(', ')}`);
  const duration = Number(values.duration);
  if (!Number.isInteger(duration) || duration < 1) throw new Error('--duration: a whole number of seconds, at least 1');
  const customers = Number(values.customers);
  if (!Number.isInteger(customers) || customers < 0) throw new Error('--customers: a whole number of customers, 0 or more');
  const importLines = Number(values.import);
  if (!Number.isInteger(importLines) || importLines < 0) throw new Error('--import: a whole number of lines, 0 or more');
  // The admin, import and webhooks scenarios run when asked for, alone unless --only names others.
  const only = values.only === undefined && (values.admin || importLines > 0 || values.webhooks) ? [] : onlyScenarios;
  return { engines, only, timing: { warmupSeconds: Math.min(2, duration), durationSeconds: duration }, cpuProfile: values['cpu-prof'], outDir: path.resolve(values.out), customers, admin: values.admin, importLines, webhooks: values.webhooks };
}

function describeMachine(): Machine {
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    loadAverage: os.loadavg(),
  };
}

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

async function benchEngine(engine: Engine, options: Options): Promise<EngineResult> {
  let database: BenchDatabase;
  if (engine === 'sqlite') {
    database = createSqliteBenchDatabase();
  } else {
    const created = await createPostgresBenchDatabase();
    if ('unavailable' in created) return { engine, skipped: created.unavailable };
    database = created;
  }
  const profileDir = options.cpuProfile ? mkdtempSync(path.join(os.tmpdir(), 'foyer-bench-profile-')) : undefined;
  const scenarios: ScenarioResult[] = [];
  let ceiling: Ceiling | undefined;
  let server: ServerProcess | undefined;
  let peakRssBytes = 0;
  const rssSamples: number[] = [];
  let rssSampler: NodeJS.Timeout | undefined;
  let error: string | undefined;
  let admin: AdminFigure[] | undefined;
  let baseline: SignInBaseline | undefined;
  let flowsCeiling: Ceiling | undefined;
  let sizes: TableSizes | undefined;
  let transfer: TransferFigures | undefined;
  let webhooks: WebhookFigures | undefined;
  // One secret for every server process of this database: its signing keys are sealed with it.
  const masterSecret = randomBytes(32).toString('base64url');
  let seedOf: Seed | undefined;
  try {
    log(`${engine}: seeding ${CONCURRENCY.signIn} customers and two applications`);
    const seed = await seedDatabase(database.config, CONCURRENCY.signIn, { masterSecret, totpAccounts: options.only.includes('totp-sign-in') ? TOTP_ACCOUNTS : 0 });
    seedOf = seed;
    if (options.customers > 0 && options.only.includes('sign-in')) {
      // The same sign-ins before the bulk load, in the same run: what the million customers cost.
      const before = await startServer({ dataDir: database.dataDir, databaseUrl: database.env.DATABASE_URL, masterSecret, cpuProfileDir: undefined });
      const beforeHttp = createHttpClient(before.url, CONCURRENCY.signInPage, before.publicUrl, FORWARDED_HEADERS);
      try {
        log(`${engine}: sign-ins with only the ${CONCURRENCY.signIn} seeded customers, before the bulk load`);
        const unused = () => Promise.reject(new Error('no tokens before the bulk load'));
        const measured = await signInsWithCeiling({ server: before, http: beforeHttp, seed, timing: options.timing, tokens: unused }, engine);
        baseline = { customers: CONCURRENCY.signIn, signIn: measured.signIn, ceiling: measured.ceiling };
      } finally {
        beforeHttp.close();
        await before.stop();
      }
    }
    if (options.customers > 0) {
      log(`${engine}: loading ${options.customers.toLocaleString('en-US')} more customers`);
      await loadBulkCustomers(database.config, seed.tenantId, options.customers, (message) => log(`${engine}: ${message}`));
      sizes = await tableSizes(database.config);
      const total = Object.values(sizes).reduce((sum, bytes) => sum + bytes, 0);
      log(`${engine}: ${(total / 2 ** 20).toFixed(0)} MiB in all, ${Math.round(total / (options.customers + CONCURRENCY.signIn)).toLocaleString('en-US')} bytes per customer`);
    }
    if (options.importLines > 0) {
      transfer = await measureCustomerTransfer(database, masterSecret, options.importLines, (message) => log(`${engine}: ${message}`));
      log(`${engine}: import ${Math.round(transfer.importPerSecond)}/s (RSS ${Math.round(transfer.importEarlyPeakRssBytes / 2 ** 20)} → ${Math.round(transfer.importLatePeakRssBytes / 2 ** 20)} MiB), export ${Math.round(transfer.exportPerSecond)}/s`);
    }
    server = await startServer({ dataDir: database.dataDir, databaseUrl: database.env.DATABASE_URL, masterSecret, cpuProfileDir: profileDir });
    log(`${engine}: Foyer is up at ${server.url} (pid ${server.pid})`);
    const http = createHttpClient(server.url, CONCURRENCY.signInPage, server.publicUrl, FORWARDED_HEADERS);
    // The server's resident memory each second while the scenarios run: the median is its steady size.
    const sampled = server;
    rssSampler = setInterval(() => {
      try {
        rssSamples.push(sampled.memory().rssBytes);
      } catch {
        // gone: the scenario that killed it says so
      }
    }, 1_000);
    let tokens: Promise<Tokens[]> | undefined;
    const context: ScenarioContext = {
      server,
      http,
      seed,
      timing: options.timing,
      tokens: () => (tokens ??= signedInCustomers(http, seed, CONCURRENCY.refresh)),
    };
    const wanted = (name: ScenarioName) => options.only.includes(name);
    const record = (result: ScenarioResult) => {
      scenarios.push(result);
      const failures = result.failed === 0 ? '' : `, ${result.failed} FAILED (${result.firstFailure ?? 'no detail'})`;
      log(`${engine}: ${result.name}: ${result.perSecond.toFixed(1)}/s, p50 ${result.latencyMs.p50.toFixed(1)} ms, p99 ${result.latencyMs.p99.toFixed(1)} ms, server ${result.serverCpu.toFixed(2)} cores, main thread ${result.mainThreadMsPerAnswer.toFixed(2)} ms each${failures}`);
    };
    try {
      if (wanted('sign-in')) {
        const measured = await signInsWithCeiling(context, engine);
        record(measured.signIn);
        ceiling = measured.ceiling;
      }
      if (wanted('flows-sign-in')) {
        const measured = await signInsWithCeiling(context, engine, flowsSignIns);
        record(measured.signIn);
        flowsCeiling = measured.ceiling;
      }
      if (wanted('passkey-sign-in')) record(await passkeySignIns(context));
      if (wanted('totp-sign-in')) record(await totpSignIns(context));
      if (wanted('client-credentials')) record(await clientCredentials(context));
      if (wanted('bare-client-credentials')) record(await bareClientCredentials(context));
      // Before refresh: its rotation leaves their access token valid, but they need not rely on that.
      if (wanted('userinfo')) record(await userinfo(context));
      if (wanted('introspection')) record(await introspection(context));
      if (wanted('refresh')) record(await refreshGrants(context));
      if (wanted('sign-in-page')) record(await signInPage(context));
      if (wanted('bare-page')) record(await barePageFloor(context));
      if (wanted('sign-in-page-paced')) record(await signInPage(context, PAGE_OPEN_LOOP_RATE));
      if (wanted('bare-page-paced')) record(await barePageFloor(context, PAGE_OPEN_LOOP_RATE));
      if (options.admin) {
        admin = [...(await adminSearches(database.config, seed.tenantId, options.customers)), ...(await scimFilters(database.config, seed.tenantId, options.customers)), ...(await adminStatistics(database.config, seed.tenantId, (message) => log(`${engine}: ${message}`)))];
        for (const figure of admin) log(`${engine}: admin ${figure.name}: p50 ${figure.p50.toFixed(1)} ms, p95 ${figure.p95.toFixed(1)} ms, ${figure.meanResults.toFixed(1)} per page`);
      }
    } finally {
      http.close();
      clearInterval(rssSampler);
      peakRssBytes = peakRssOf(server);
    }
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
    log(`${engine}: stopped early: ${error}`);
  } finally {
    await server?.stop();
  }
  try {
    // On a server of its own (development mode, for a receiver on loopback), after the others.
    if (options.webhooks && !error && seedOf) {
      webhooks = await webhookFigures({ config: database.config, dataDir: database.dataDir, databaseUrl: database.env.DATABASE_URL, masterSecret, seed: seedOf, timing: options.timing, log });
    }
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
    log(`${engine}: webhooks stopped early: ${error}`);
  } finally {
    await database.dispose();
  }
  const profile = profileDir ? readProfile(profileDir, path.join(options.outDir, `${engine}.cpuprofile`)) : undefined;
  return { engine, ...(ceiling ? { ceiling } : {}), scenarios, peakRssBytes, steadyRssBytes: median(rssSamples), ...(error ? { error } : {}), ...(profile ? { profile } : {}), ...(options.customers > 0 ? { customers: options.customers } : {}), ...(admin ? { admin } : {}), ...(baseline ? { baseline } : {}), ...(flowsCeiling ? { flowsCeiling } : {}), ...(sizes ? { tableBytes: sizes } : {}), ...(transfer ? { transfer } : {}), ...(webhooks ? { webhooks } : {}) };
}

/** Rounds of sign-ins, each between two measurements of the argon2id ceiling with the server idle. */
async function signInsWithCeiling(context: ScenarioContext, engine: Engine, scenario: (context: ScenarioContext) => Promise<ScenarioResult> = signIns): Promise<{ signIn: ScenarioResult; ceiling: Ceiling }> {
  // One unmeasured round first: every measured round then follows one, as the later ones do.
  await scenario(context);
  const measurements = [await measureArgon2Ceiling(CEILING_TIMING)];
  log(`${engine}: argon2id ceiling: ${measurements[0]!.perSecond.toFixed(1)} hashes/s with ${measurements[0]!.concurrency} at once`);
  const runs: ScenarioResult[] = [];
  const rounds: SignInRound[] = [];
  for (let round = 0; round < SIGN_IN_ROUNDS; round++) {
    const run = await scenario(context);
    const after = await measureArgon2Ceiling(CEILING_TIMING);
    const ceilingAround = (measurements.at(-1)!.perSecond + after.perSecond) / 2;
    measurements.push(after);
    runs.push(run);
    rounds.push({ ceiling: ceilingAround, signInsPerSecond: run.perSecond });
    log(`${engine}: ${run.name} round ${round + 1}: ${run.perSecond.toFixed(1)}/s, main thread ${run.mainThreadMsPerAnswer.toFixed(2)} ms each; ceiling then ${after.perSecond.toFixed(1)} hashes/s (${((100 * run.perSecond) / ceilingAround).toFixed(1)} %)`);
  }
  const hashesPerSecond = measurements.reduce((sum, measurement) => sum + measurement.perSecond, 0) / measurements.length;
  const seconds = measurements.reduce((sum, measurement) => sum + measurement.seconds, 0);
  return { signIn: mergeRuns(runs), ceiling: { hashesPerSecond, before: measurements[0]!.perSecond, after: measurements.at(-1)!.perSecond, concurrency: measurements[0]!.concurrency, seconds, rounds } };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** 0 when the server is gone already (it crashed): the error says so. */
function peakRssOf(server: ServerProcess): number {
  try {
    return server.memory().peakRssBytes;
  } catch {
    return 0;
  }
}

/**
 * The server writes its profile when it exits; summarise it, and keep it as `keepAs` for a closer
 * look (Chrome DevTools, `node bench/profile-summary.ts`).
 */
function readProfile(directory: string, keepAs: string): string | undefined {
  try {
    const file = readdirSync(directory).find((name) => name.endsWith('.cpuprofile'));
    if (!file) return undefined;
    mkdirSync(path.dirname(keepAs), { recursive: true });
    copyFileSync(path.join(directory, file), keepAs);
    return summarizeProfile(JSON.parse(readFileSync(keepAs, 'utf8')));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }
  const started = Date.now();
  const machine = describeMachine();
  const statsRecording = measureStatsRecording();
  log(`statistics add ${statsRecording.microsPerSignIn.toFixed(2)} µs of main thread to each sign-in`);
  const engines: EngineResult[] = [];
  for (const engine of options.engines) {
    const result = await benchEngine(engine, options);
    if ('skipped' in result) log(`${engine}: skipped: ${result.skipped}`);
    engines.push(result);
  }
  const report: BenchReport = { date: new Date(started).toISOString(), machine, totalSeconds: (Date.now() - started) / 1000, engines, statsRecording };
  mkdirSync(options.outDir, { recursive: true });
  writeFileSync(path.join(options.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(options.outDir, 'report.md'), renderMarkdown(report));
  for (const result of engines) {
    for (const verdict of verdictsOf(result)) log(`${result.engine}: ${judgementOf(verdict)} ${verdict.figure}: ${verdict.measured} (target ${verdict.target})`);
  }
  log(`report written to ${path.join(options.outDir, 'report.md')} in ${Math.round(report.totalSeconds)} s`);
  // Missed targets are findings, not a broken bench; failed requests or a run that stopped are.
  const broken = engines.some((result) => !('skipped' in result) && (result.error !== undefined || result.scenarios.some((scenario) => scenario.failed > 0)));
  return broken ? 1 : 0;
}

process.exitCode = await main();
