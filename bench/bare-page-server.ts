// The sign-in page's floor: a bare node:http server that answers every request with the same bytes
// and headers Foyer's sign-in page answered with, doing nothing else. Measured like the page, in
// the same run, it is what Node's HTTP layer and this machine's loopback cost alone at that
// concurrency: no page can be served faster here. Started by the bench as its own process:
//   node bench/bare-page-server.ts <file with {"headers":{...},"body":"<base64>"}>
// It prints "listening <port>" once it accepts connections, and exits on SIGTERM.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) throw new Error('usage: node bench/bare-page-server.ts <page.json>');
const page = JSON.parse(readFileSync(file, 'utf8')) as { headers: Record<string, string>; body: string };
const body = Buffer.from(page.body, 'base64');
const headers = { ...page.headers, 'content-length': String(body.length) };

const server = http.createServer((_request, response) => {
  response.writeHead(200, headers);
  response.end(body);
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
