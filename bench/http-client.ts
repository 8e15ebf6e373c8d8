// The HTTP client of the custom load loops: keep-alive connections to one origin, redirects left to
// the caller (each hop is a step of the flow being measured), and a cookie jar per virtual browser.
// Built on node:http rather than fetch because its per-request cost is a fraction of fetch's, and
// the load generator shares the machine's two cores with the server it measures.
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

export type HttpResponse = { readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: string; readonly bytes: Buffer };

export type HttpRequest = {
  readonly method?: 'GET' | 'POST' | 'PATCH';
  readonly headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded. */
  readonly form?: Record<string, string>;
  /** Sent as application/json (instead of `form`). */
  readonly json?: unknown;
  readonly jar?: CookieJar;
  /** The loopback address to connect from (any of 127.0.0.0/8), so that virtual customers do not share one. */
  readonly localAddress?: string | undefined;
};

export type HttpClient = {
  /** `target` is a path on the origin or an absolute URL on it (as in a Location header). */
  request(target: string, options?: HttpRequest): Promise<HttpResponse>;
  close(): void;
};

/**
 * `origin` is where to connect; `publicOrigin` the server's public URL (an https:// one behind the
 * load balancer the bench plays), whose absolute URLs in Location headers go to `origin` too;
 * `forwarded` are the headers that load balancer adds to every request.
 */
export function createHttpClient(origin: string, maxSockets: number, publicOrigin: string = origin, forwarded: Readonly<Record<string, string>> = {}): HttpClient {
  const base = new URL(origin);
  const publicBase = new URL(publicOrigin);
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    request(target, options = {}) {
      const url = new URL(target, base);
      if (url.origin !== base.origin && url.origin !== publicBase.origin) return Promise.reject(new Error(`refusing to leave ${publicBase.origin} for ${url.origin}`));
      const body = options.json !== undefined ? JSON.stringify(options.json) : options.form ? new URLSearchParams(options.form).toString() : undefined;
      const headers: Record<string, string> = { ...forwarded, ...options.headers };
      if (body !== undefined) {
        headers['content-type'] = options.json !== undefined ? 'application/json' : 'application/x-www-form-urlencoded';
        headers['content-length'] = String(Buffer.byteLength(body));
      }
      const cookie = options.jar?.header();
      if (cookie) headers['cookie'] = cookie;
      return new Promise((resolve, reject) => {
        const target = { agent, host: base.hostname, port: base.port, method: options.method ?? 'GET', path: url.pathname + url.search, headers };
        // The agent pools connections per local address too, so each address keeps its own.
        const request = http.request(options.localAddress ? { ...target, localAddress: options.localAddress } : target, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            options.jar?.store(response.headers['set-cookie']);
            const bytes = Buffer.concat(chunks);
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: bytes.toString('utf8'), bytes });
          });
        });
        request.on('error', reject);
        request.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

export type CookieJar = {
  /** The Cookie header to send, or '' when the jar is empty. */
  header(): string;
  store(setCookie: readonly string[] | undefined): void;
  get(name: string): string | undefined;
};

/**
 * Cookies by name only. Enough for one virtual browser talking to one origin, one flow at a time:
 * paths only decide which of the provider's cookies a hop sees, and sending all of them is what a
 * browser does at the paths that matter. An expired or emptied cookie is removed. `Secure` cookies
 * are sent too: the browser's side of the load balancer is https.
 */
export function createCookieJar(): CookieJar {
  const cookies = new Map<string, string>();
  return {
    header() {
      return [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    },
    store(setCookie) {
      for (const line of setCookie ?? []) {
        const [pair = '', ...attributes] = line.split(';');
        const separator = pair.indexOf('=');
        if (separator <= 0) continue;
        const name = pair.slice(0, separator).trim();
        const value = pair.slice(separator + 1).trim();
        const expired = attributes.some((attribute) => isExpiry(attribute.trim()));
        if (expired || value === '') cookies.delete(name);
        else cookies.set(name, value);
      }
    },
    get(name) {
      return cookies.get(name);
    },
  };
}

function isExpiry(attribute: string): boolean {
  const [key = '', value = ''] = attribute.split('=');
  if (key.toLowerCase() === 'max-age') return Number(value) <= 0;
  if (key.toLowerCase() === 'expires') return Date.parse(value) <= Date.now();
  return false;
}
