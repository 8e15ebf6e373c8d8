// Starts and stops bare-page-server.ts for the bench (the sign-in page's floor).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpu } from './server-process.ts';
import type { ServerProcess } from './server-process.ts';

const SCRIPT = fileURLToPath(new URL('./bare-page-server.ts', import.meta.url));
/** Set per connection or per answer by the server itself. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'content-length', 'date', 'transfer-encoding']);

export type BarePageServer = { readonly url: string; readonly cpu: Pick<ServerProcess, 'cpuSeconds' | 'mainThreadCpuSeconds'>; stop(): Promise<void> };

export async function startBarePageServer(headers: IncomingHttpHeaders, body: Buffer): Promise<BarePageServer> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'foyer-bare-page-'));
  const file = path.join(directory, 'page.json');
  const kept = Object.fromEntries(Object.entries(headers).filter(([name, value]) => typeof value === 'string' && !HOP_HEADERS.has(name)));
  writeFileSync(file, JSON.stringify({ headers: kept, body: body.toString('base64') }));
  const child = spawn(process.execPath, [SCRIPT, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        const match = /listening (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`the bare page server exited (${code}) before listening`)));
    });
    return {
      url: `http://127.0.0.1:${port}`,
      cpu: processCpu(child.pid!),
      async stop() {
        child.kill('SIGTERM');
        await exited;
        rmSync(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}
