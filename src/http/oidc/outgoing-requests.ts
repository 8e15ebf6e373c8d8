// How a tenant's oidc-provider calls out (back-channel logout tokens, client JWKS): through its
// SSRF-protected dispatcher, which refuses loopback and private addresses, except that a Foyer
// served on this machine over http (development) may call applications on this machine too.
// Applications may register http loopback back-channel URIs for exactly that case (application.ts);
// without this, their logout tokens would be dropped without a word.

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function isHttpLoopback(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

type OutgoingFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export function outgoingFetch(publicUrl: string): OutgoingFetch {
  const local = isHttpLoopback(new URL(publicUrl));
  return (input, init) => {
    const target = new URL(input instanceof Request ? input.url : input);
    if (local && isHttpLoopback(target) && init) {
      // Dropping the dispatcher falls back to the default one, which has no address filter.
      const { dispatcher: _ssrfGuard, ...rest } = init as RequestInit & { dispatcher?: unknown };
      return globalThis.fetch(input, rest);
    }
    return globalThis.fetch(input, init);
  };
}
