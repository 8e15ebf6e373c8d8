// A real HTTP receiver of webhooks for tests: it verifies every delivery's Standard Webhooks
// signature with the `standardwebhooks` package (as a subscriber would) against the secrets it is
// given, keeps what arrived, and answers as the test says (200, a failure, or slowly).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';

export type ReceivedWebhook = {
  readonly id: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly raw: string;
  readonly body: { id: string; type: string; timestamp: string; tenant: string; customer: string | null; application: string | null; data: Record<string, unknown> };
  /** Which of the receiver's secrets verified the signature (their indexes); empty when none did. */
  readonly verifiedWith: number[];
};

export type WebhookReceiver = {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** The secrets signatures are verified against. */
  secrets: string[];
  /** What the next request gets: a status, after an optional delay. */
  answer: (request: { id: string; count: number }) => { status: number; delayMs?: number };
  /** Resolves once `count` deliveries arrived with a 2xx answer (or rejects after the timeout). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
};

export async function startWebhookReceiver(path = '/hooks'): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let count = 0;
  const receiver: WebhookReceiver = {
    url: '',
    received,
    secrets: [],
    answer: () => ({ status: 200 }),
    async waitFor(wanted, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (received.length < wanted) {
        if (Date.now() > until) throw new Error(`only ${received.length} of ${wanted} webhooks arrived`);
        await delay(20);
      }
      return received;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const id = String(request.headers['webhook-id'] ?? '');
        count += 1;
        const { status, delayMs } = receiver.answer({ id, count });
        if (delayMs) await delay(delayMs);
        if (status >= 200 && status < 300) {
          const verifiedWith = receiver.secrets.flatMap((secret, index) => {
            try {
              new Webhook(secret).verify(raw, request.headers as Record<string, string>);
              return [index];
            } catch {
              return [];
            }
          });
          received.push({ id, headers: request.headers, raw, body: JSON.parse(raw) as ReceivedWebhook['body'], verifiedWith });
        }
        if (!response.destroyed) response.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return receiver;
}
