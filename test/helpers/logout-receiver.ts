// An application's server for back-channel logout: records every logout token POSTed to it.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type LogoutReceiver = { readonly server: Server; readonly url: string; readonly received: string[]; close(): Promise<void> };

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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
