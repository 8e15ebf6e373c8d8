// Builds the console when its build is missing or older than its sources, so that `npm install`
// (the `prepare` script) and `npm start` (`prestart`) always leave an up-to-date console/dist, and a
// build nobody needs costs a hash of the sources. `--force` builds anyway.
// The stamp is a SHA-256 of every source file, the Vite config and the lockfile.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const dist = join(here, 'dist');
const stampFile = join(dist, '.build-stamp');

function files(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

export function sourceStamp(): string {
  const hash = createHash('sha256');
  for (const path of [...files(join(here, 'src')), join(here, 'index.html'), join(here, 'vite.config.ts'), join(here, '..', 'package-lock.json')]) {
    hash.update(path.slice(here.length)).update('\0').update(existsSync(path) ? readFileSync(path) : '').update('\0');
  }
  return hash.digest('hex');
}

export function buildIsCurrent(): boolean {
  return existsSync(join(dist, 'index.html')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === sourceStamp();
}

const lockDir = join(here, '.build-lock');
const LOCK_STALE_MS = 120_000;

/** One build at a time on this checkout (test files run in parallel): a directory made atomically. */
async function withBuildLock(work: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      // A lock left by a build that died is taken over after two minutes.
      const since = statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs;
      if (since !== undefined && Date.now() - since > LOCK_STALE_MS) rmSync(lockDir, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    await work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

export async function buildConsole(options: { force?: boolean; quiet?: boolean } = {}): Promise<void> {
  if (!options.force && buildIsCurrent()) return;
  await withBuildLock(async () => {
    // Another process may have built it while this one waited.
    if (!options.force && buildIsCurrent()) return;
    const stamp = sourceStamp();
    const { build } = await import('vite');
    await build({ configFile: join(here, 'vite.config.ts'), logLevel: options.quiet ? 'warn' : 'info' });
    writeFileSync(stampFile, stamp);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const force = process.argv.includes('--force');
  if (!force && buildIsCurrent()) console.log('console: the build is up to date');
  else await buildConsole({ force: true });
}
