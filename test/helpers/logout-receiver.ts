// An application's server for back-channel logout: records every logout token POSTed to it.
// Foyer sends the tokens of sessions it ends itself from its outbox, after commit: `arrived` waits
// for them (with a deadline), rather than expecting them by the time the request answered.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type LogoutReceiver = {
  readonly server: Server;
  readonly url: string;
  readonly received: string[];
  /** Resolves with what was received once at least `count` tokens are in, or rejects after `timeoutMs`. */
  arrived(count: number, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
};

export async function startLogoutReceiver(): Promise<LogoutReceiver> {
  const received: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push(new URLSearchParams(body).get('logout_token') ?? '');
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel-logout`,
    received,
    async arrived(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} logout token(s) within ${timeoutMs} ms, got ${received.length}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
