// bcrypt comparisons for imported hashes, off the main thread (SECURITY.md 5, docs/import-export.md).
// Node's crypto has no bcrypt, and bcryptjs computes in JavaScript: on the event loop, each first
// sign-in of a customer brought over from a bcrypt system would take tens to hundreds of
// milliseconds from every other request, just when a migration sends them all at once. A small
// pool of worker threads (piscina) does it instead, as libuv's pool does argon2id and scrypt:
// started at the first bcrypt hash and gone after a minute without one, so a tenant without
// imported hashes never has it.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';

const IDLE_MS = 60_000;

let pool: Piscina | undefined;

function poolOf(): Piscina {
  pool ??= new Piscina({
    filename: new URL('./bcrypt.worker.ts', import.meta.url).href,
    minThreads: 0,
    // Like libuv's pool for argon2id: enough to use the cores, never more threads than cores.
    maxThreads: Math.max(1, Math.min(4, availableParallelism())),
    idleTimeout: IDLE_MS,
    // A queue bounded by what is waiting anyway: each entry is a customer at the sign-in page.
    maxQueue: 'auto',
  });
  return pool;
}

/** Whether `password` matches the bcrypt `hash` ($2a$, $2b$, $2y$), computed on a worker thread. */
export async function bcryptMatches(password: string, hash: string): Promise<boolean> {
  return (await poolOf().run({ password, hash })) as boolean;
}
