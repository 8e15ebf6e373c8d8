// oidc-provider saves several artifacts while it answers one request: resuming a sign-in saves the
// session, the grant and the code and deletes the interaction; a code exchange or a refresh saves an
// access and a refresh token. While it answers, the adapter keeps those writes in the request's
// batch, and writeArtifactsTogether (a koa middleware around the provider's routes) saves them in
// one step once the answer is ready and before it is sent: one commit, on PostgreSQL one statement,
// instead of one each.
//
// Nobody can tell the difference. No other request can depend on these writes before the answer
// that reveals them has been sent, and within the request, reading a pending artifact, consuming one
// or revoking a grant first saves what is pending. A write made after the answer (there should be
// none) goes straight to the store.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ErrorOut, KoaContextWithOIDC } from 'oidc-provider';
import type { ArtifactWrite, OidcArtifactStore } from '../../domain/oauth/oidc-artifact.port.ts';

/** Where a batch's writes go: one tenant's artifacts (one adapter factory). */
export type BatchTarget = { readonly store: OidcArtifactStore; readonly tenantId: string };

class ArtifactBatch {
  readonly #pending = new Map<BatchTarget, Map<string, ArtifactWrite>>();
  /** The flush under way, which every later flush waits for: writes land in the order they were made. */
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;

  /** False once the batch is closed: the caller writes directly. */
  add(target: BatchTarget, write: ArtifactWrite): boolean {
    if (this.#closed) return false;
    let writes = this.#pending.get(target);
    if (!writes) this.#pending.set(target, (writes = new Map()));
    // The last write of an artifact is the one that counts: one row, one change.
    writes.set(keyOf(write.model, write.id), write);
    return true;
  }

  has(target: BatchTarget, model: string, id: string): boolean {
    return this.#pending.get(target)?.has(keyOf(model, id)) ?? false;
  }

  hasModel(target: BatchTarget, model: string): boolean {
    for (const write of this.#pending.get(target)?.values() ?? []) if (write.model === model) return true;
    return false;
  }

  /**
   * Before a read of `model` (by `id`, or by any other key when none is given): saves the pending
   * writes the read could see, and otherwise waits for a save already under way, which may hold
   * them (a read made beside another that started the save).
   */
  async readyFor(target: BatchTarget, model: string, id?: string): Promise<void> {
    if (id === undefined ? this.hasModel(target, model) : this.has(target, model, id)) await this.flush();
    else await this.#flushing;
  }

  /** Saves what is pending (after any flush under way), each target's writes in one step. */
  flush(): Promise<void> {
    if (this.#pending.size === 0) return this.#flushing;
    const batches = [...this.#pending];
    this.#pending.clear();
    const run = this.#flushing.then(async () => {
      for (const [{ store, tenantId }, writes] of batches) await store.writeAll(tenantId, [...writes.values()]);
    });
    // A failed flush fails its own callers; later flushes still run.
    this.#flushing = run.catch(() => {});
    return run;
  }

  /** The last flush: anything written after it goes straight to the store. */
  close(): Promise<void> {
    this.#closed = true;
    return this.flush();
  }
}

const current = new AsyncLocalStorage<ArtifactBatch>();

/** The batch of the request oidc-provider is answering, if any (none in Foyer's own handlers, the CLI or jobs). */
export function currentArtifactBatch(): ArtifactBatch | undefined {
  return current.getStore();
}

/** Thrown by withArtifactBatch when `work` succeeded but what it wrote could not be saved. */
class ArtifactsNotSaved extends Error {
  override name = 'ArtifactsNotSaved';
}

/**
 * Runs `work` with a fresh batch, saved when `work` is done, whether or not it failed. A failure of
 * `work` is its own error (what it wrote before failing is still saved, as it would have been
 * without a batch); a failure to save after it succeeded is ArtifactsNotSaved.
 */
export async function withArtifactBatch<T>(work: () => Promise<T>): Promise<T> {
  const batch = new ArtifactBatch();
  let result: T;
  try {
    result = await current.run(batch, work);
  } catch (error) {
    await batch.close().catch(() => {});
    throw error;
  }
  try {
    await batch.close();
  } catch (error) {
    throw new ArtifactsNotSaved('the artifacts of this request could not be saved', { cause: error });
  }
  return result;
}

const WITHHELD: ErrorOut = { error: 'server_error', error_description: 'The request could not be completed; try again.' };

/**
 * The koa middleware around oidc-provider's routes (provider.use). When the batch cannot be saved,
 * nothing the request wrote exists: the answer it prepared (a token, a redirect with a code, a
 * session cookie) would hand out things that are not there, so it is replaced by a server_error,
 * as a page or as JSON like the provider's own errors, and the failure is logged.
 */
export function writeArtifactsTogether(renderError: (ctx: KoaContextWithOIDC, out: ErrorOut) => Promise<void>, logger: { error(fields: object, message: string): void }) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>): Promise<void> => {
    try {
      await withArtifactBatch(next);
    } catch (error) {
      if (!(error instanceof ArtifactsNotSaved)) throw error;
      logger.error({ err: error.cause }, 'saving the artifacts of a protocol request failed; its answer was withheld');
      for (const name of ctx.res.getHeaderNames()) if (name === 'location' || name === 'set-cookie') ctx.res.removeHeader(name);
      ctx.status = 500;
      if (ctx.method === 'GET' && ctx.accepts('json', 'html') === 'html') await renderError(ctx, WITHHELD);
      else ctx.body = WITHHELD;
    }
  };
}

function keyOf(model: string, id: string): string {
  return `${model}\u0000${id}`;
}
