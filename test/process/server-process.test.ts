// The real server as an operator runs it: `node src/main.ts` in a child process, configured only
// through environment variables, stopped with signals. Checks that it boots on both engines, shuts
// down gracefully on SIGTERM, and refuses bad configuration with one line naming the setting.
import { after, before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { describeEachEngine } from '../helpers/engines.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { createTenantStore } from '../../src/storage/tenant.store.ts';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
/** What every server gets; a test adds what it needs. Nothing is inherited from this process. */
const BASE_ENV = { PORT: '0', HOST: '127.0.0.1', METRICS_PORT: '0', LOG_LEVEL: 'info' } as const;
// A boot is about 5 s of CPU on the 2-core CI machine (a third of it compiling the routes' response
// serialisers), and CI runs four test files at once: 15 s was seen to run out there.
const START_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 15_000;
/** Short, so that a shutdown that hangs shows up as exit code 1 well within the test's deadline. */
const SHUTDOWN_TIMEOUT_MS = '5000';

type LogLine = { level?: number; msg?: string; [key: string]: unknown };
type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** Every server still running, so that a failing test never leaves one behind. */
const running = new Set<ServerProcess>();
after(() => {
  for (const server of running) server.kill();
});

class ServerProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly logs: LogLine[] = [];
  stderr = '';
  exit: Exit | undefined;
  readonly #exited: Promise<Exit>;
  #stdout = '';

  constructor(env: Record<string, string>, cwd: string) {
    this.child = spawn(process.execPath, [MAIN], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(this);
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stdout += chunk;
      let newline: number;
      while ((newline = this.#stdout.indexOf('\n')) !== -1) {
        const line = this.#stdout.slice(0, newline);
        this.#stdout = this.#stdout.slice(newline + 1);
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.logs.push({ msg: `(not JSON) ${line}` });
        }
      }
    });
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    // 'close' rather than 'exit': by then stdout and stderr have been read to the end.
    this.#exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        resolve(this.exit);
      });
    });
  }

  /** Waits for the first log line matching `match`; fails if the process exits first or time runs out. */
  async waitForLog(match: (line: LogLine) => boolean, what: string, timeoutMs = START_TIMEOUT_MS): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find(match);
      if (found) return found;
      if (this.exit) throw new Error(`the server exited (${JSON.stringify(this.exit)}) before logging ${what}\n${this.describe()}`);
      if (Date.now() > deadline) throw new Error(`the server did not log ${what} within ${timeoutMs} ms\n${this.describe()}`);
      await delay(10);
    }
  }

  async waitForExit(timeoutMs = EXIT_TIMEOUT_MS): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the server did not exit within ${timeoutMs} ms\n${this.describe()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.#exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  hasLogged(message: string): boolean {
    return this.logs.some((line) => line.msg === message);
  }

  kill(): void {
    if (!this.exit) this.child.kill('SIGKILL');
  }

  describe(): string {
    const logs = this.logs.map((line) => JSON.stringify(line)).join('\n');
    return `--- stdout ---\n${logs}\n--- stderr ---\n${this.stderr}`;
  }
}

/** A fresh working directory, removed after the test. */
function workDir(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'foyer-process-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts `node src/main.ts` and resolves once it listens; the server is killed after the test if still running. */
async function startServer(t: TestContext, env: Record<string, string>, cwd: string): Promise<{ server: ServerProcess; address: string }> {
  const server = new ServerProcess({ ...BASE_ENV, ...env }, cwd);
  t.after(() => server.kill());
  const listening = await server.waitForLog((line) => line.msg?.startsWith('Foyer is listening on') === true, '"Foyer is listening on"');
  assert.equal(typeof listening['address'], 'string', 'the listening line carries the address');
  return { server, address: listening['address'] as string };
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

async function stopGracefully(server: ServerProcess): Promise<Exit> {
  server.child.kill('SIGTERM');
  return server.waitForExit();
}

describeEachEngine('the server process', (current) => {
  before(async () => {
    // The server is the one user of the database; the checks below open their own handle. On
    // SQLite this also lets the server's close be the last one, which removes the -wal file.
    await current().handle.close();
  });

  const serverEnv = (): Record<string, string> => ({ ...current().env, MASTER_SECRET: TEST_MASTER_SECRET, SHUTDOWN_TIMEOUT_MS });

  test('boots, reports ready and live, and has created the default tenant', async (t) => {
    const { server, address } = await startServer(t, serverEnv(), workDir(t));
    const listening = server.logs.find((line) => line.msg?.startsWith('Foyer is listening on'));
    assert.equal(listening?.['engine'], current().engine);

    assert.deepEqual(await getJson(`${address}/health/ready`), { status: 200, body: { status: 'ok', checks: { database: 'ok' } } });
    assert.deepEqual(await getJson(`${address}/health/live`), { status: 200, body: { status: 'ok' } });

    // Metrics are served on their own loopback listener, not on the public one.
    assert.equal((await fetch(`${address}/metrics`)).status, 404);
    const metricsAt = server.logs.find((line) => typeof line['metrics'] === 'string')?.['metrics'] as string | undefined;
    assert.match(metricsAt ?? '', /^http:\/\/127\.0\.0\.1:\d+\/metrics$/, 'the log says where metrics are served');
    const metrics = await fetch(metricsAt!);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /foyer_http_request_duration_seconds_count\{method="GET",route="\/health\/live",status_code="200"\} 1/);

    const handle = await current().reopen();
    try {
      const tenant = await createTenantStore(handle.db).findBySlug('default');
      assert.ok(tenant, 'the default tenant exists');
      assert.equal(tenant.name, 'Default');
    } finally {
      await handle.close();
    }

    assert.deepEqual(await stopGracefully(server), { code: 0, signal: null });
    assert.equal(server.stderr, '');
  });

  test('on SIGTERM, answers a request still arriving with a clean 503, then exits 0 and logs "stopped"', async (t) => {
    const { server, address } = await startServer(t, serverEnv(), workDir(t));
    const database = current().config;
    const wal = database.engine === 'sqlite' ? `${database.file}-wal` : undefined;
    if (wal) assert.ok(existsSync(wal), 'while the server runs, SQLite writes ahead into the -wal file');

    // A request whose headers have not all arrived when SIGTERM comes: the server must keep the
    // connection open and answer it, rather than dropping it or exiting under it.
    const { port, hostname } = new URL(address);
    const socket = net.connect(Number(port), hostname);
    t.after(() => socket.destroy());
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.write(`GET /health/live HTTP/1.1\r\nHost: ${hostname}\r\nUser-Agent: foyer-test\r\n`);
    await delay(50); // let the server read the partial request

    server.child.kill('SIGTERM');
    await server.waitForLog((line) => line.msg === 'shutting down: finishing in-flight requests', 'the start of the shutdown', 5_000);
    await delay(100);
    assert.equal(server.exit, undefined, 'the server waits for the connection whose request is still arriving');
    socket.write('\r\n');
    await socketClosed;

    // Fastify (return503OnClosing) refuses, with Connection: close, every request whose headers
    // complete after close() began, so the load balancer sends it elsewhere. It does not drop it.
    const [head = '', body] = received.split('\r\n\r\n');
    const [statusLine, ...headers] = head.split('\r\n');
    assert.equal(statusLine, 'HTTP/1.1 503 Service Unavailable', `response: ${JSON.stringify(received)}`);
    assert.ok(headers.some((header) => /^connection: close$/i.test(header)), `response: ${JSON.stringify(received)}`);
    assert.equal(JSON.parse(body ?? '').statusCode, 503);

    assert.deepEqual(await server.waitForExit(), { code: 0, signal: null }, server.describe());
    assert.ok(server.hasLogged('stopped'), server.describe());
    assert.ok(!server.hasLogged('shutdown timed out; exiting'), server.describe());
    if (wal) assert.equal(existsSync(wal), false, 'closing the database checkpointed and removed the -wal file');
  });

  test('on SIGTERM, finishes a request already being handled with a 200 before exiting 0', async (t) => {
    if (current().engine !== 'postgres') {
      // Nothing in Foyer can be made slow on SQLite: the readiness ping is a synchronous `select 1`.
      t.skip('needs a database that can be slowed down (a proxy in front of PostgreSQL)');
      return;
    }
    // The server reaches PostgreSQL through a proxy that can hold back what the server sends,
    // which keeps GET /health/ready waiting on its database check: a request truly in flight.
    const target = new URL(current().env['DATABASE_URL']!);
    const proxy = await startStallingProxy(target.hostname, Number(target.port || 5432));
    t.after(() => proxy.close());
    const viaProxy = new URL(target);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const { server, address } = await startServer(t, { ...serverEnv(), DATABASE_URL: viaProxy.href }, workDir(t));
    assert.equal((await getJson(`${address}/health/ready`)).status, 200);

    proxy.stall();
    const inFlight = getJson(`${address}/health/ready`);
    inFlight.catch(() => {}); // awaited below; keep an early failure from being unhandled
    await until(() => proxy.heldBytes() > 0, 5_000, 'the readiness check never reached the database');

    server.child.kill('SIGTERM');
    await server.waitForLog((line) => line.msg === 'shutting down: finishing in-flight requests', 'the start of the shutdown', 5_000);
    await delay(100);
    assert.equal(server.exit, undefined, 'the server waits for the request in flight');
    proxy.release();

    assert.deepEqual(await inFlight, { status: 200, body: { status: 'ok', checks: { database: 'ok' } } });
    assert.deepEqual(await server.waitForExit(), { code: 0, signal: null }, server.describe());
    assert.ok(server.hasLogged('stopped'), server.describe());
    assert.ok(!server.hasLogged('shutdown timed out; exiting'), server.describe());
  });
});

describe('the server process with the defaults (SQLite in ./data, no MASTER_SECRET)', () => {
  let cwd: string;
  before(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'foyer-process-default-'));
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  test('creates ./data/foyer.db and a private ./data/master.secret, and warns about MASTER_SECRET', async (t) => {
    const { server, address } = await startServer(t, {}, cwd);
    const warning = server.logs.find((line) => line.level === 40 && line.msg?.includes('MASTER_SECRET') === true);
    assert.ok(warning, `a warning names MASTER_SECRET\n${server.describe()}`);
    assert.equal(server.logs.find((line) => line.msg?.startsWith('Foyer is listening on'))?.['engine'], 'sqlite');

    const database = path.join(cwd, 'data', 'foyer.db');
    const secret = path.join(cwd, 'data', 'master.secret');
    assert.ok(existsSync(database), 'data/foyer.db is created in the working directory');
    assert.equal(statSync(secret).mode & 0o777, 0o600, 'data/master.secret is readable by its owner only');
    assert.ok(readFileSync(secret, 'utf8').trim().length >= 32);
    assert.deepEqual(await getJson(`${address}/health/ready`), { status: 200, body: { status: 'ok', checks: { database: 'ok' } } });

    assert.deepEqual(await stopGracefully(server), { code: 0, signal: null });
    assert.ok(server.hasLogged('stopped'));
    assert.equal(existsSync(`${database}-wal`), false, 'closing the database removed the -wal file');
    const handle = await openDatabase({ engine: 'sqlite', file: database });
    try {
      assert.ok(await createTenantStore(handle.db).findBySlug('default'), 'the default tenant exists');
    } finally {
      await handle.close();
    }
  });

  test('a restart in the same directory reuses the master secret and the database, without the warning', async (t) => {
    const secret = readFileSync(path.join(cwd, 'data', 'master.secret'), 'utf8');
    const { server } = await startServer(t, {}, cwd);
    assert.equal(readFileSync(path.join(cwd, 'data', 'master.secret'), 'utf8'), secret);
    assert.ok(!server.logs.some((line) => line.msg?.includes('MASTER_SECRET')), server.describe());
    assert.ok(!server.hasLogged('database migrated'), server.describe());
    assert.ok(!server.hasLogged('created the default tenant'), server.describe());
    assert.deepEqual(await stopGracefully(server), { code: 0, signal: null });
  });
});

describe('the server process with bad configuration', () => {
  const cases: { name: string; env: Record<string, string>; mentions: RegExp[] }[] = [
    { name: 'an unknown LOG_LEVEL', env: { LOG_LEVEL: 'loud' }, mentions: [/LOG_LEVEL/] },
    { name: 'a malformed DATABASE_URL', env: { DATABASE_URL: 'postgres//x' }, mentions: [/DATABASE_URL/] },
    { name: 'TRUST_PROXY=true', env: { TRUST_PROXY: 'true' }, mentions: [/TRUST_PROXY/, /X-Forwarded-For/] },
    { name: 'an unreachable DATABASE_URL', env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' }, mentions: [/DATABASE_URL/] },
    {
      name: 'production without MASTER_SECRET',
      env: { NODE_ENV: 'production', PUBLIC_URL: 'https://id.example.com' },
      mentions: [/MASTER_SECRET/],
    },
    {
      name: 'production with an http:// PUBLIC_URL',
      env: { NODE_ENV: 'production', MASTER_SECRET: TEST_MASTER_SECRET, PUBLIC_URL: 'http://id.example.com' },
      mentions: [/PUBLIC_URL/, /https/],
    },
    {
      name: 'production without SMTP_URL',
      env: { NODE_ENV: 'production', MASTER_SECRET: TEST_MASTER_SECRET, PUBLIC_URL: 'https://id.example.com' },
      mentions: [/^foyer: cannot start: SMTP_URL: is required in production/],
    },
  ];

  for (const { name, env, mentions } of cases) {
    test(`${name}: exits 1 with one line on stderr naming the setting`, async (t) => {
      const started = Date.now();
      const server = new ServerProcess({ ...BASE_ENV, ...env }, workDir(t));
      t.after(() => server.kill());
      // Generous bounds: loading the server on a busy machine takes seconds; a retry loop would take minutes.
      const exit = await server.waitForExit(10_000);
      const elapsed = Date.now() - started;

      assert.deepEqual(exit, { code: 1, signal: null }, server.describe());
      const lines = server.stderr.split('\n').filter((line) => line !== '');
      assert.equal(lines.length, 1, `exactly one line on stderr:\n${server.stderr}`);
      assert.ok(server.stderr.endsWith('\n'));
      for (const mention of mentions) assert.match(lines[0]!, mention);
      assert.ok(!lines.some((line) => line.startsWith('    at ')), 'no stack trace');
      assert.ok(!server.logs.some((line) => line.msg?.startsWith('Foyer is listening on')), 'it never listened');
      assert.ok(elapsed < 10_000, `it gave up quickly (${elapsed} ms)`);
    });
  }
});

/** Polls `condition` every 10 ms until it holds; fails with `message` after `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${message} (waited ${timeoutMs} ms)`);
    await delay(10);
  }
}

type StallingProxy = {
  readonly port: number;
  /** From now on, hold back what clients send (replies still flow). */
  stall(): void;
  /** Sends what was held back, in order, and lets everything through again. */
  release(): void;
  heldBytes(): number;
  close(): Promise<void>;
};

/** A TCP proxy to host:port that can hold back the client-to-server direction. */
async function startStallingProxy(host: string, port: number): Promise<StallingProxy> {
  const sockets = new Set<net.Socket>();
  const held: { upstream: net.Socket; chunk: Buffer }[] = [];
  let stalled = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (stalled) held.push({ upstream, chunk });
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stall() {
      stalled = true;
    },
    release() {
      stalled = false;
      for (const { upstream, chunk } of held.splice(0)) upstream.write(chunk);
    },
    heldBytes: () => held.reduce((total, { chunk }) => total + chunk.length, 0),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
