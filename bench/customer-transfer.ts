// `--import <n>`: the customer import and export (issue 18) as operators run them, `foyer import
// customers` and `foyer export customers` as processes of their own against the bench database: an
// n-line JSON Lines file written first (traits, external id, verified, created_at and a bcrypt
// hash on every line, copied as given, never recomputed, as the target says), imported into
// a tenant of its own, then exported to a file. Each process's resident memory is sampled four
// times a second: flat memory means the peak of the import's last half stays within 20 % (and
// 32 MiB) of the peak of its first quarter. Judged with a million lines: import ≥ 5,000 customers/s,
// export ≥ 20,000/s.
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import type { DatabaseConfig } from '../src/config/schema.ts';
import { openDatabase } from '../src/storage/database.ts';
import { createTransaction } from '../src/storage/stores.ts';
import { createTenant as createTenantUseCase } from '../src/domain/tenants/tenants.service.ts';
import { bulkTraitsOf } from './bulk-customers.ts';

const FOYER = fileURLToPath(new URL('../src/cli/foyer.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type TransferFigures = {
  readonly lines: number;
  readonly importSeconds: number;
  readonly importPerSecond: number;
  /** Peak RSS of the import's first quarter (by time) and of its last half. */
  readonly importEarlyPeakRssBytes: number;
  readonly importLatePeakRssBytes: number;
  readonly exportSeconds: number;
  readonly exportPerSecond: number;
  readonly exportPeakRssBytes: number;
};

/** Targets of issue 18, judged with at least this many lines. */
export const TRANSFER_TARGETS = { lines: 1_000_000, importPerSecond: 5_000, exportPerSecond: 20_000 } as const;

/** Whether the late peak stays within 20 % (and at least 32 MiB) of the early one. */
export function memoryIsFlat(figures: TransferFigures): boolean {
  return figures.importLatePeakRssBytes <= Math.max(figures.importEarlyPeakRssBytes * 1.2, figures.importEarlyPeakRssBytes + 32 * 2 ** 20);
}

export async function measureCustomerTransfer(database: { readonly config: DatabaseConfig; readonly env: Record<string, string>; readonly dataDir: string }, masterSecret: string, lines: number, log: (message: string) => void): Promise<TransferFigures> {
  const work = mkdtempSync(path.join(tmpdir(), 'foyer-bench-import-'));
  try {
    const tenant = 'bench-import';
    await createTenant(database.config, tenant);
    const file = path.join(work, 'customers.jsonl');
    log(`writing ${lines.toLocaleString('en-US')} import lines`);
    await writeImportFile(file, lines);
    const env = { ...process.env, ...database.env, DATA_DIR: database.dataDir, MASTER_SECRET: masterSecret, FOYER_PROGRESS_SECONDS: '10' };
    log('foyer import customers');
    const imported = await runSampled(['import', 'customers', file, '--tenant', tenant], env, (text) => log(`import: ${text.trim()}`));
    const summary = JSON.parse(imported.stdout.trim().split('\n').at(-1)!) as { summary: { created: number; rejected: number } };
    if (summary.summary.created !== lines) throw new Error(`the import created ${summary.summary.created} of ${lines} customers (${summary.summary.rejected} rejected)`);
    const quarter = imported.samples.filter((sample) => sample.at <= imported.seconds / 4);
    const lastHalf = imported.samples.filter((sample) => sample.at >= imported.seconds / 2);
    log('foyer export customers');
    const exported = await runSampled(['export', 'customers', '--tenant', tenant, '--output', path.join(work, 'export.jsonl')], env, () => {});
    const exportedLines = readFileSync(path.join(work, 'export.jsonl')).reduce((count, byte) => count + (byte === 0x0a ? 1 : 0), 0);
    if (exportedLines !== lines) throw new Error(`the export wrote ${exportedLines} of ${lines} customers`);
    const peak = (samples: readonly { rss: number }[]) => Math.max(0, ...samples.map((sample) => sample.rss));
    return {
      lines,
      importSeconds: imported.seconds,
      importPerSecond: lines / imported.seconds,
      importEarlyPeakRssBytes: peak(quarter),
      importLatePeakRssBytes: peak(lastHalf),
      exportSeconds: exported.seconds,
      exportPerSecond: lines / exported.seconds,
      exportPeakRssBytes: peak(exported.samples),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function createTenant(config: DatabaseConfig, slug: string): Promise<void> {
  const database = await openDatabase(config);
  try {
    await createTenantUseCase({ transaction: createTransaction(database.db) }, { slug, name: slug }, { type: 'operator', id: 'bench' });
  } finally {
    await database.close();
  }
}

async function writeImportFile(file: string, lines: number): Promise<void> {
  const hash = bcrypt.hashSync('a password nobody signs in with', 10);
  const out = createWriteStream(file);
  const start = Date.UTC(2020, 0, 1);
  let chunk = '';
  for (let index = 0; index < lines; index++) {
    const { email, name, plan } = bulkTraitsOf(index);
    const line = { external_id: `IMP-${index}`, traits: { email: `import.${email}`, name }, verified: true, created_at: new Date(start + index * 60_000).toISOString(), password_hash: hash, ...(plan === 'enterprise' ? { status: 'blocked' } : {}) };
    chunk += `${JSON.stringify(line)}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'close');
}

type Sampled = { stdout: string; seconds: number; samples: { at: number; rss: number }[] };

/** Runs `foyer …`, sampling its resident memory (VmRSS) four times a second. */
async function runSampled(argv: string[], env: NodeJS.ProcessEnv, onStderr: (text: string) => void): Promise<Sampled> {
  const started = performance.now();
  const child = spawn(process.execPath, [FOYER, ...argv], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString('utf8')));
  child.stderr.on('data', (data: Buffer) => {
    stderr += data.toString('utf8');
    onStderr(data.toString('utf8'));
  });
  const samples: { at: number; rss: number }[] = [];
  const sampler = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kib = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      if (kib > 0) samples.push({ at: (performance.now() - started) / 1000, rss: kib * 1024 });
    } catch {
      // exited between two samples
    }
  }, 250);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(sampler);
  if (code !== 0) throw new Error(`foyer ${argv.slice(0, 2).join(' ')} exited with ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`);
  return { stdout, seconds: (performance.now() - started) / 1000, samples };
}
