// The client-credentials reference (issue 20): bare oidc-provider, the library Foyer is built on,
// with its defaults (in-memory adapter, opaque access tokens), one machine client and nothing
// else: no database, no tenants, no audit, no statistics. What Foyer adds to a token costs what
// it answers beyond this, measured the same way in the same run. Started by the bench as its own
// process:
//   node bench/bare-oidc-server.ts <client id> <client secret>
// It prints "listening <port>" once it accepts connections, and exits on SIGTERM.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

const [clientId, clientSecret] = process.argv.slice(2);
if (!clientId || !clientSecret) throw new Error('usage: node bench/bare-oidc-server.ts <client id> <client secret>');

const provider = new Provider('http://127.0.0.1', {
  clients: [{ client_id: clientId, client_secret: clientSecret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }],
  features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
});
const server = http.createServer(provider.callback());
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
