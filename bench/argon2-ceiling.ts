// The ceiling of password sign-in on this machine: raw argon2id hashes per second with Foyer's own
// parameters, as many at once as the server computes (one per libuv thread-pool thread). A sign-in
// costs exactly one such hash, so no amount of tuning elsewhere can make sign-ins faster than this.
import crypto from 'node:crypto';
import { CURRENT_ARGON2_PARAMETERS } from '../src/domain/credentials/password/argon2.ts';
import { runLoad } from './load-loop.ts';
import type { LoadResult } from './load-loop.ts';

/** libuv's default pool size; the server does not change it, so neither does the ceiling. */
export const THREAD_POOL_SIZE = Number(process.env['UV_THREADPOOL_SIZE'] ?? 4);

export type CeilingOptions = { readonly warmupMs: number; readonly durationMs: number; readonly concurrency?: number };

export async function measureArgon2Ceiling(options: CeilingOptions): Promise<LoadResult & { concurrency: number }> {
  const concurrency = options.concurrency ?? THREAD_POOL_SIZE;
  const { algorithm, memory, passes, parallelism, saltLength, tagLength } = CURRENT_ARGON2_PARAMETERS;
  const message = Buffer.from('correct horse battery staple', 'utf8');
  const hashOnce = () =>
    new Promise<void>((resolve, reject) => {
      const nonce = crypto.randomBytes(saltLength);
      crypto.argon2(algorithm, { message, nonce, memory, passes, parallelism, tagLength }, (error) => (error ? reject(error) : resolve()));
    });
  const result = await runLoad({ users: concurrency, warmupMs: options.warmupMs, durationMs: options.durationMs, iteration: hashOnce });
  return { ...result, concurrency };
}
