// A fake SMS provider for tests (ADR 0031): an HTTP server on loopback that accepts what Foyer's
// generic gateway posts and keeps every request, to read the texted codes from.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Received = { readonly authorization: string | undefined; readonly contentType: string | undefined; readonly body: { destination: string; message: string; sender: string } };

/** A provider's HTTP API as the test sees it: every request it got. */
export async function startFakeGateway(): Promise<{ url: string; received: Received[]; server: Server; next(to: string, after: number): Promise<Received> }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let data = '';
    request.on('data', (chunk: Buffer) => (data += chunk.toString()));
    request.on('end', () => {
      received.push({ authorization: request.headers.authorization, contentType: request.headers['content-type'], body: JSON.parse(data) as Received['body'] });
      response.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"queued"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/messages`;
  return {
    url,
    received,
    server,
    async next(to, after) {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const found = received.slice(after).find((message) => message.body.destination === to);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no text to ${to}; the gateway got ${received.length}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

export function codeOf(message: Received): string {
  const match = /\b(\d{6})\b/.exec(message.body.message);
  assert.ok(match, message.body.message);
  return match[1]!;
}

