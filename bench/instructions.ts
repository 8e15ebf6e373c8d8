// Instructions per answer, counted by valgrind's callgrind: what a change costs or saves, in a figure
// that does not move with the machine's load (issue 20). Rates and CPU times on a shared VM drift by
// a third within the hour; the instructions the server executes for the same requests do not (JIT
// timing aside: repeat a run to see the spread, a few per cent).
//
//   node bench/instructions.ts [--engine sqlite|postgres] [--only sign-in|passkey-sign-in|client-credentials|refresh]… [--count n]
//
// The server runs as the bench starts it (production, `npm start`'s Node options) under
// `valgrind --tool=callgrind`, with counting off while it starts and warms up (a fifth of the
// count, at least 10, unmeasured); then `n` answers one after another, counted; the count is per
// answer, for the main thread (where everything but argon2id runs) and for every thread. A
// sign-in's figure is the whole hosted sign-in (authorization request, page, post, resume, code),
// whose all-threads figure includes its one argon2id hash. Needs valgrind; takes a few minutes
// (the server starts about fifty times slower under it).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import type { Engine } from '../src/storage/database.ts';
import { createPostgresBenchDatabase, createSqliteBenchDatabase } from './bench-database.ts';
import type { BenchDatabase } from './bench-database.ts';
import { seedDatabase } from './seed.ts';
import { FORWARDED_HEADERS, startServer } from './server-process.ts';
import { createHttpClient } from './http-client.ts';
import type { HttpClient } from './http-client.ts';
import { basicAuthorization, exchangeCode, refresh, signInThroughHostedPages, signInWithPasskey } from './hosted-sign-in.ts';
import type { Seed } from './seed.ts';
import { customerAddress } from './scenarios.ts';

const SCENARIOS = ['sign-in', 'passkey-sign-in', 'client-credentials', 'refresh'] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'sqlite' },
    only: { type: 'string', multiple: true },
    count: { type: 'string' },
  },
});
const engine = values.engine as Engine;
if (engine !== 'sqlite' && engine !== 'postgres') throw new Error('--engine sqlite or --engine postgres');
const only = (values.only ?? [...SCENARIOS]) as Scenario[];
const unknown = only.find((name) => !SCENARIOS.includes(name));
if (unknown) throw new Error(`--only ${unknown}: use one of ${SCENARIOS.join(', ')}`);
/** Answers counted per scenario: a sign-in costs an argon2id hash, seconds under valgrind. */
const DEFAULT_COUNT: Record<Scenario, number> = { 'sign-in': 10, 'passkey-sign-in': 20, 'client-credentials': 200, refresh: 100 };

type Step = (http: HttpClient, seed: Seed, index: number) => Promise<void>;

function stepsOf(scenario: Scenario, refreshTokens: string[], origin: string): Step {
  if (scenario === 'sign-in') {
    return async (http, seed, index) => void (await signInThroughHostedPages(http, seed.web, seed.accounts[index % seed.accounts.length]!, { scope: 'openid email', address: customerAddress(index % 64) }));
  }
  if (scenario === 'passkey-sign-in') {
    // One passkey at a time: its counter only goes up, as the authenticator's does.
    return async (http, seed, index) => void (await signInWithPasskey(http, seed.web, seed.passkeys[index % seed.passkeys.length]!, origin, { scope: 'openid email', address: customerAddress(index % 64) }));
  }
  if (scenario === 'client-credentials') {
    return async (http, seed) => {
      const response = await http.request('/token', { method: 'POST', headers: { authorization: basicAuthorization(seed.machine.clientId, seed.machine.clientSecret) }, form: { grant_type: 'client_credentials' } });
      if (response.status !== 200) throw new Error(`client credentials answered ${response.status}: ${response.body.slice(0, 200)}`);
    };
  }
  return async (http, seed, index) => {
    const slot = index % refreshTokens.length;
    const tokens = await refresh(http, seed.web, refreshTokens[slot]!);
    refreshTokens[slot] = tokens.refreshToken!;
  };
}

/** callgrind's totals per thread file (`<out>-<thread>`), thread 1 being the main thread. */
function readCounts(directory: string, pid: number): { main: number; all: number } {
  let main = 0;
  let all = 0;
  for (const name of readdirSync(directory)) {
    const match = new RegExp(`^callgrind\\.out\\.${pid}(?:\\.\\d+)?-(\\d+)$`).exec(name);
    if (!match) continue;
    const totals = /^totals: (\d+)/m.exec(readFileSync(path.join(directory, name), 'utf8'));
    const count = Number(totals?.[1] ?? 0);
    all += count;
    if (Number(match[1]) === 1) main += count;
  }
  return { main, all };
}

const VALGRIND_NAMES = { USER: os.userInfo().username, LOGNAME: os.userInfo().username, HOST: os.hostname(), HOSTNAME: os.hostname() };

/** Sends a command to the callgrind run of `pid`; callgrind_control exits 0 even when nothing answered. */
function control(command: string, pid: number): void {
  const answer = execFileSync('callgrind_control', [command, String(pid)], { encoding: 'utf8', env: { ...process.env, ...VALGRIND_NAMES } });
  if (!/OK\./.test(answer)) throw new Error(`callgrind_control ${command} ${pid}: ${answer}`);
}

/** The valgrind process: Debian's `valgrind` is a shell script that starts valgrind.bin as its child. */
function valgrindPid(wrapperPid: number): number {
  const children = readFileSync(`/proc/${wrapperPid}/task/${wrapperPid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
  return children[0] ?? wrapperPid;
}

async function main(): Promise<void> {
  let database: BenchDatabase;
  if (engine === 'sqlite') database = createSqliteBenchDatabase();
  else {
    const created = await createPostgresBenchDatabase();
    if ('unavailable' in created) throw new Error(created.unavailable);
    database = created;
  }
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'foyer-instructions-'));
  const masterSecret = randomBytes(32).toString('base64url');
  try {
    const seed = await seedDatabase(database.config, 64, { masterSecret, totpAccounts: 0 });
    const server = await startServer({
      dataDir: database.dataDir,
      databaseUrl: database.env.DATABASE_URL,
      masterSecret,
      // valgrind names its control channel after the user and host: the server's environment must
      // give the names callgrind_control sees here.
      env: VALGRIND_NAMES,
      wrapper: {
        command: ['valgrind', '--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', '--smc-check=all-non-file', `--callgrind-out-file=${outDir}/callgrind.out.%p`],
        startTimeoutMs: 900_000,
      },
    });
    const http = createHttpClient(server.url, 8, server.publicUrl, FORWARDED_HEADERS);
    const pid = valgrindPid(server.pid);
    try {
      for (const scenario of only) {
        const count = Number(values.count ?? DEFAULT_COUNT[scenario]);
        const refreshTokens: string[] = [];
        if (scenario === 'refresh') {
          for (let i = 0; i < 4; i++) {
            const code = await signInThroughHostedPages(http, seed.web, seed.accounts[i]!, { scope: 'openid email offline_access', prompt: 'consent', address: customerAddress(i) });
            refreshTokens.push((await exchangeCode(http, seed.web, code)).refreshToken!);
          }
        }
        const step = stepsOf(scenario, refreshTokens, new URL(server.publicUrl).origin);
        for (let i = 0; i < Math.max(10, Math.round(count / 5)); i++) await step(http, seed, i);
        for (const name of readdirSync(outDir)) rmSync(path.join(outDir, name));
        control('--zero', pid);
        control('--instr=on', pid);
        for (let i = 0; i < count; i++) await step(http, seed, i);
        control('--instr=off', pid);
        control('--dump', pid);
        // The dump is written by the server's next scheduled thread: wait until it is complete.
        let counts = readCounts(outDir, pid);
        for (let waited = 0; counts.main === 0 && waited < 120; waited++) {
          await delay(1_000);
          counts = readCounts(outDir, pid);
        }
        if (counts.main === 0) throw new Error(`no callgrind dump of the main thread in ${outDir}: ${readdirSync(outDir).join(', ')}`);
        const { main, all } = counts;
        const per = (value: number) => `${(value / count / 1e6).toFixed(2)} M`;
        process.stdout.write(`${engine} ${scenario}: ${per(main)} instructions per answer on the main thread, ${per(all)} on all threads (${count} answers)\n`);
      }
    } finally {
      // The wrapper script does not pass its signal on: the server under valgrind is stopped itself.
      process.kill(pid, 'SIGTERM');
      await server.stop();
    }
  } finally {
    await database.dispose();
    rmSync(outDir, { recursive: true, force: true });
  }
}

await main();
