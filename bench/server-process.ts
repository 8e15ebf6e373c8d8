// Foyer under measurement: `node src/main.ts` in its own process, configured only through the
// environment as an operator would, on a free loopback port. The bench reads its memory and CPU
// time from /proc, so the figures are the server's alone, not the load generator's.
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/**
 * Node's options of `npm start` (package.json), so the server runs as operators start it: the
 * young generation's limit (--max-semi-space-size) is part of its memory figure.
 */
export const START_NODE_OPTIONS: readonly string[] = (() => {
  const start = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ');
  if (start[0] !== 'node' || start.at(-1) !== 'src/main.ts') throw new Error(`package.json's start script is not "node … src/main.ts": ${start.join(' ')}`);
  return start.slice(1, -1);
})();
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
/** Linux reports CPU times in clock ticks; 100 per second on every mainstream kernel configuration. */
const CLOCK_TICKS_PER_SECOND = 100;

export type ServerOptions = {
  readonly dataDir: string;
  readonly databaseUrl: string;
  readonly masterSecret: string;
  /** Writes a V8 CPU profile of the whole run into this directory when the server exits. */
  readonly cpuProfileDir?: string | undefined;
  /** Settings that differ from the production ones below (the webhooks scenario's development mode). */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** A command the server runs under (instructions.ts: valgrind), with its arguments, and the time it may take to start. */
  readonly wrapper?: { readonly command: readonly string[]; readonly startTimeoutMs: number } | undefined;
};

export type ServerProcess = {
  /** Where to connect: plain HTTP on loopback, as a TLS-terminating load balancer would. */
  readonly url: string;
  /** PUBLIC_URL, the issuer: https:// on the same host and port (see startServer). */
  readonly publicUrl: string;
  readonly pid: number;
  /** Resident memory now and at its peak (VmHWM), in bytes. */
  memory(): { rssBytes: number; peakRssBytes: number };
  /** User plus system CPU time the server has used so far, in seconds (every thread). */
  cpuSeconds(): number;
  /**
   * The same for the main thread alone (the event loop, where everything but argon2id and disk
   * I/O runs): what the server can do per second is bounded by one core of this.
   */
  mainThreadCpuSeconds(): number;
  /** SIGTERM, as an operator stops it; waits for the exit (and the CPU profile, if any). */
  stop(): Promise<void>;
};

/** What the load balancer the bench plays adds to every request it passes on. */
export const FORWARDED_HEADERS: Readonly<Record<string, string>> = { 'x-forwarded-proto': 'https' };

/** A port nobody listens on right now: bind port 0, read what the kernel chose, let it go. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startServer(options: ServerOptions): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // In production, as operators run it (issue 20): PUBLIC_URL must be https, so the bench plays the
  // TLS-terminating load balancer in front of Foyer. It connects over plain HTTP and says
  // `X-Forwarded-Proto: https` (http-client.ts, FORWARDED_HEADERS), which Foyer believes from
  // loopback only (TRUST_PROXY). Production also requires SMTP_URL: no scenario sends mail, and the
  // discard port would refuse it if one did.
  const publicUrl = `https://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    // Another bench server may still hold the default metrics port.
    METRICS_PORT: '0',
    PUBLIC_URL: publicUrl,
    TRUST_PROXY: '127.0.0.0/8',
    SMTP_URL: 'smtp://127.0.0.1:9',
    DATA_DIR: options.dataDir,
    DATABASE_URL: options.databaseUrl,
    LOG_LEVEL: 'warn',
    MASTER_SECRET: options.masterSecret,
    // The argon2id ceiling is measured with this process's thread pool: the server gets the same.
    ...(process.env['UV_THREADPOOL_SIZE'] ? { UV_THREADPOOL_SIZE: process.env['UV_THREADPOOL_SIZE'] } : {}),
    ...options.env,
  };
  const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const node = [process.execPath, ...START_NODE_OPTIONS, ...profile, MAIN];
  const [command, ...args] = [...(options.wrapper?.command ?? []), ...node] as [string, ...string[]];
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: string) => {
    output = (output + chunk).slice(-4_000);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let running = true;
  void exited.then(() => {
    running = false;
  });

  const pid = child.pid;
  if (pid === undefined) throw new Error('the server process did not start');
  const startTimeoutMs = options.wrapper?.startTimeoutMs ?? START_TIMEOUT_MS;
  const deadline = Date.now() + startTimeoutMs;
  while (!(await isReady(url))) {
    if (!running) throw new Error(`the server exited before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not ready within ${startTimeoutMs} ms:\n${output}`);
    }
    await delay(100);
  }

  return {
    url,
    publicUrl,
    pid,
    memory() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      return { rssBytes: kibibytesOf(status, 'VmRSS') * 1024, peakRssBytes: kibibytesOf(status, 'VmHWM') * 1024 };
    },
    ...processCpu(pid),
    async stop() {
      if (!running) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health/ready`, { headers: FORWARDED_HEADERS, signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** The CPU time of a process and of its main thread so far, from /proc. */
export function processCpu(pid: number): Pick<ServerProcess, 'cpuSeconds' | 'mainThreadCpuSeconds'> {
  return {
    cpuSeconds: () => cpuSecondsOf(`/proc/${pid}/stat`),
    // The main thread is the task whose id is the process id.
    mainThreadCpuSeconds: () => cpuSecondsOf(`/proc/${pid}/task/${pid}/stat`),
  };
}

/** utime + stime of a /proc stat file, in seconds. */
function cpuSecondsOf(file: string): number {
  // Fields after the command name (which may hold spaces) start at the state, field 3.
  const stat = readFileSync(file, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

function kibibytesOf(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`/proc status has no ${field}`);
  return Number(match[1]);
}
