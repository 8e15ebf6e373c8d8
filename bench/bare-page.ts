// Starts and stops the bench's reference servers: bare-page-server.ts (the sign-in page's floor) and
// bare-oidc-server.ts (bare oidc-provider, the client-credentials reference).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpu } from './server-process.ts';
import type { ServerProcess } from './server-process.ts';

const SCRIPT = fileURLToPath(new URL('./bare-page-server.ts', import.meta.url));
const OIDC_SCRIPT = fileURLToPath(new URL('./bare-oidc-server.ts', import.meta.url));
/** Set per connection or per answer by the server itself. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'content-length', 'date', 'transfer-encoding']);

export type BarePageServer = { readonly url: string; readonly cpu: Pick<ServerProcess, 'cpuSeconds' | 'mainThreadCpuSeconds'>; stop(): Promise<void> };

export async function startBarePageServer(headers: IncomingHttpHeaders, body: Buffer): Promise<BarePageServer> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'foyer-bare-page-'));
  const file = path.join(directory, 'page.json');
  const kept = Object.fromEntries(Object.entries(headers).filter(([name, value]) => typeof value === 'string' && !HOP_HEADERS.has(name)));
  writeFileSync(file, JSON.stringify({ headers: kept, body: body.toString('base64') }));
  try {
    const server = await startReferenceServer(SCRIPT, [file]);
    return { ...server, stop: () => server.stop().finally(() => rmSync(directory, { recursive: true, force: true })) };
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}

/** bare-oidc-server.ts: bare oidc-provider with one machine client, the client-credentials reference. */
export function startBareOidcServer(clientId: string, clientSecret: string): Promise<BarePageServer> {
  return startReferenceServer(OIDC_SCRIPT, [clientId, clientSecret]);
}

/** A reference server in its own process: started, waited for ("listening <port>"), measured from /proc like Foyer. */
async function startReferenceServer(script: string, args: readonly string[]): Promise<BarePageServer> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        const match = /listening (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`${path.basename(script)} exited (${code}) before listening`)));
    });
    return {
      url: `http://127.0.0.1:${port}`,
      cpu: processCpu(child.pid!),
      async stop() {
        child.kill('SIGTERM');
        await exited;
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
