// startListeningServer(): a test server on a real TCP port of 127.0.0.1, for clients that speak HTTP
// themselves (openid-client, oauth4webapi, fetch) rather than through `app.inject`.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { DatabaseOptions, Engine } from '../../src/storage/database.ts';
import { createTestServer } from './test-server.ts';
import type { TestServer } from './test-server.ts';

export type ListeningServer = {
  /** The public URL, which is also the default tenant's issuer: http://127.0.0.1:<port> (or http://localhost:<port>). */
  readonly url: string;
  readonly server: TestServer;
  stop(): Promise<void>;
};

/**
 * The issuer is baked into every token and into discovery, so the port must be known before the
 * server is configured: borrow a free one from the kernel first, then listen on it.
 */
export async function startListeningServer(engine: Engine, env: Record<string, string> = {}, options: DatabaseOptions & { readonly hostName?: 'localhost' } = {}): Promise<ListeningServer> {
  const port = await freePort();
  // Passkeys need a host name: browsers refuse an IP address as the WebAuthn relying party.
  const url = `http://${options.hostName ?? '127.0.0.1'}:${port}`;
  const server = await createTestServer(engine, { ...env, HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: url }, options);
  try {
    await server.app.listen({ host: '127.0.0.1', port });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url, server, stop: () => server.stop() };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
