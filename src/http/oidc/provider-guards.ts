// Guards around oidc-provider for what it does not contain itself. Koa would answer an error that
// escapes the provider with a plain-text 500 stripped of every header and print its stack on
// stderr; here it is logged to the JSON log and answered like the provider's own errors (a page or
// JSON) with the headers kept. Two inputs that made it fail are kept away from it.
import type { EventEmitter } from 'node:events';
import type Provider from 'oidc-provider';
import type { ErrorOut, KoaContextWithOIDC } from 'oidc-provider';

const SERVER_ERROR: ErrorOut = { error: 'server_error', error_description: 'Something went wrong on our side; try again.' };

type Logger = { error(fields: object, message: string): void };

export function guardProvider(provider: Provider, options: { renderError: (ctx: KoaContextWithOIDC, out: ErrorOut) => Promise<void>; logger: Logger; resumePath: string }): void {
  const { renderError, logger, resumePath } = options;
  persistOnlySavedSessions(provider);
  // Errors raised after the answer started (a broken stream) never reach the middleware below.
  // (The provider is the Koa application.)
  (provider as unknown as EventEmitter).on('error', (error: unknown) => logger.error({ err: error }, 'protocol request failed after its answer started'));
  provider.use(async (ctx, next) => {
    // Resuming an interaction (GET /auth/{uid}) reads the authorization request stored with it,
    // never the query. With a client_id in the query, the provider's error path for a failed
    // resume (wrong or missing cookie) tries to recover a redirect_uri from parameters it has not
    // read yet and fails with a TypeError: the query goes before the provider sees it.
    if (ctx.path.startsWith(`${resumePath}/`) && ctx.querystring) ctx.querystring = '';
    try {
      await next();
    } catch (error) {
      logger.error({ err: error }, 'protocol request failed');
      if (ctx.headerSent) return;
      for (const name of ctx.res.getHeaderNames()) if (name === 'location' || name === 'set-cookie') ctx.res.removeHeader(name);
      ctx.status = 500;
      if (ctx.accepts('json', 'html') === 'html') await renderError(ctx as KoaContextWithOIDC, SERVER_ERROR);
      else ctx.body = SERVER_ERROR;
    }
  });
}

/**
 * After an error on the device code page the provider draws a fresh form secret into the browser
 * session, and at the end of the request persists the session. A request that came without a
 * session cookie has a session that was never saved, and persist() throws for it (a 500 on any
 * POST /device without the cookie). Such a session has no cookie to return with: nothing to keep.
 */
function persistOnlySavedSessions(provider: Provider): void {
  const Session = provider.Session as unknown as { prototype: { persist(this: { exp?: unknown }): Promise<unknown> } };
  const persist = Session.prototype.persist;
  Session.prototype.persist = function persistIfSaved(this: { exp?: unknown }) {
    return typeof this.exp === 'number' ? persist.call(this) : Promise.resolve(undefined);
  };
}
