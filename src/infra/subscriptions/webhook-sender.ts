// Posts one signed delivery to a webhook (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
// `webhook-signature` with one `v1,` signature per secret signing now, so a receiver in the middle
// of a rotation verifies with either secret). Connections are kept alive per receiver. Every address
// the receiver's host resolves to is checked when a connection is made (no SSRF through DNS
// rebinding: the socket connects to the address checked); redirects are not followed; a receiver
// that does not answer within the timeout has failed this attempt.
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Agent } from 'undici';
import { createHmac, createSecretKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { isAllowedAddress } from '../../domain/subscriptions/url-policy.ts';
import type { AttemptOutcome } from '../../domain/subscriptions/subscription.port.ts';

/** A failed attempt, with what the log keeps of it. */
export class DeliveryFailure extends Error {
  readonly outcome: AttemptOutcome;
  constructor(outcome: AttemptOutcome) {
    super(outcome.error ?? 'failed');
    this.name = 'DeliveryFailure';
    this.outcome = outcome;
  }
}

export type WebhookSender = {
  /** Posts `body` signed with each secret; resolves with the outcome of a 2xx answer, rejects with a DeliveryFailure otherwise. */
  send(url: string, message: { readonly id: string; readonly body: string; readonly secrets: readonly string[] }): Promise<AttemptOutcome>;
  close(): void;
};

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A lookup that answers only allowed addresses, and fails when the host resolves to any other. */
function guardedLookup(production: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const blocked = addresses.find((entry) => !isAllowedAddress(entry.address, production));
      if (blocked || addresses.length === 0) {
        const refusal: NodeJS.ErrnoException = new Error(`${hostname} resolves to an address webhooks may not reach`);
        refusal.code = 'EADDRNOTALLOWED';
        return callback(refusal, []);
      }
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** A Standard Webhooks secret (`whsec_` and the key in base64) as a key for HMAC, imported once. */
export function signingKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64'));
}

/**
 * One `v1,` signature of the Standard Webhooks scheme: HMAC-SHA256 of `id.timestamp.body` (the
 * timestamp in whole seconds), in base64. Node's own HMAC rather than the `standardwebhooks`
 * package's, whose pure-JavaScript SHA-256 cost more per delivery than anything else in signing;
 * the tests verify with that package.
 */
export function sign(key: KeyObject, id: string, at: Date, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${Math.floor(at.getTime() / 1000)}.`).update(body).digest('base64')}`;
}

/** What undici and AbortSignal.timeout call a receiver that took too long. */
const TIMEOUTS = new Set(['AbortError', 'TimeoutError', 'HeadersTimeoutError', 'BodyTimeoutError', 'ConnectTimeoutError']);

/** How much of a receiver's answer is read (then dropped): the status is what counts. */
const MAX_ANSWER_BYTES = 64 * 1024;

export function createWebhookSender(options: { readonly production: boolean; readonly timeoutMs: number; readonly now?: () => number }): WebhookSender {
  const { production, timeoutMs } = options;
  const now = options.now ?? Date.now;
  // One pool of kept-alive connections per receiver's origin (undici: less work per request than
  // node:http's client), as many as a subscription may have deliveries in flight. Each new
  // connection resolves the name through the guarded lookup and connects to the address it checked;
  // a kept connection stays with that address, so no request skips the check.
  const agent = new Agent({
    connections: 64,
    keepAliveTimeout: 30_000,
    connect: { lookup: guardedLookup(production), timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const keys = new Map<string, KeyObject>();
  const keyOf = (secret: string) => {
    let key = keys.get(secret);
    if (!key) {
      key = signingKey(secret);
      if (keys.size > 1000) keys.clear();
      keys.set(secret, key);
    }
    return key;
  };

  function send(url: string, message: { readonly id: string; readonly body: string; readonly secrets: readonly string[] }): Promise<AttemptOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const fail = (statusCode: number | null, error: string) => new DeliveryFailure({ statusCode, latencyMs: elapsed(), error });
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    // A literal address never goes through the lookup: check it here.
    if (isIP(host) !== 0 && !isAllowedAddress(host, production)) return Promise.reject(fail(null, 'the URL points to an address webhooks may not reach'));
    if (production && target.protocol !== 'https:') return Promise.reject(fail(null, 'webhooks go over https only'));
    const at = new Date(now());
    const signature = message.secrets.map((secret) => sign(keyOf(secret), message.id, at, message.body)).join(' ');
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(message.body)),
      'user-agent': 'Foyer-Webhooks/1',
      'webhook-id': message.id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signature,
    };
    return agent
      .request({ origin: target.origin, path: `${target.pathname}${target.search}`, method: 'POST', headers, body: message.body, signal: AbortSignal.timeout(timeoutMs) })
      .then(
        async ({ statusCode, body }) => {
          // Read (up to a bound) and dropped: the connection goes back to the pool.
          await body.dump({ limit: MAX_ANSWER_BYTES }).catch(() => {});
          if (statusCode >= 200 && statusCode < 300) return { statusCode, latencyMs: elapsed(), error: null };
          throw fail(statusCode, `the receiver answered ${statusCode}`);
        },
        (error: Error) => {
          throw fail(null, TIMEOUTS.has(error.name) ? `no answer within ${timeoutMs} ms` : error.message);
        },
      );
  }

  return {
    send,
    close() {
      void agent.destroy().catch(() => {});
    },
  };
}
