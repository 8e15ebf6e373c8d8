// The bodies of protocol requests pass the same text check as every other surface's (text-guard.ts)
// before oidc-provider reads them. The provider reads the raw request stream itself, so Fastify
// reads the form or JSON body first (within the provider's own 56 KiB limit), checks it, and hands
// the provider a stream that replays the same bytes.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { hasMalformedText } from '../text-guard.ts';

/** oidc-provider refuses bodies above this anyway. */
const PROTOCOL_BODY_LIMIT = 56 * 1024;

export function readProtocolBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  const keep = { parseAs: 'buffer', bodyLimit: PROTOCOL_BODY_LIMIT } as const;
  app.addContentTypeParser(['application/x-www-form-urlencoded', 'application/json'], keep, (_request, body, done) => done(null, body));
  // Other bodies (the provider accepts none) stay unread; the provider answers them.
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
}

/** Whether a body read by readProtocolBodies holds NUL or a lone surrogate once decoded. */
export function protocolBodyIsMalformed(contentType: string | undefined, body: unknown): boolean {
  if (!Buffer.isBuffer(body)) return false;
  // Decoded as the provider decodes it: in the charset the request names.
  const charset = /;\s*charset="?([^";]+)/i.exec(contentType ?? '')?.[1];
  const isJson = (contentType ?? '').startsWith('application/json');
  // A form in UTF-8 (nearly every token request), checked on its bytes without decoding it: its
  // decoding, whether of the raw bytes or of a %XX escape, turns invalid UTF-8 into U+FFFD and so
  // never yields a lone surrogate, and a NUL comes only from a 0 byte or the escape %00.
  if (!isJson && (charset === undefined || /^utf-?8$/i.test(charset))) return body.includes(0) || body.includes('%00');
  let text: string;
  try {
    text = new TextDecoder(charset ?? 'utf-8').decode(body);
  } catch {
    return false; // a charset nobody knows: the provider refuses the body itself
  }
  if (isJson) {
    try {
      return hasMalformedText(JSON.parse(text));
    } catch {
      // Not JSON: the provider says so itself.
      return text.includes('\u0000');
    }
  }
  return hasMalformedText([...new URLSearchParams(text)].flat());
}

/**
 * What the replay answers for: every property a Readable has (its own prototype chain's, as `in`
 * would find them), gathered once instead of walking the chain at each of the many property reads
 * the provider makes of a request.
 */
const REPLAYED = (() => {
  const keys = new Set<string | symbol>(['readable', 'readableEncoding', 'readableEnded']);
  for (let prototype: object | null = Readable.prototype; prototype !== null; prototype = Object.getPrototypeOf(prototype)) {
    for (const key of Reflect.ownKeys(prototype)) keys.add(key);
  }
  return keys;
})();

/** The request as the provider reads it: the same message, with the body already read replayed. */
export function withReplayedBody(request: IncomingMessage, body: unknown): IncomingMessage {
  if (!Buffer.isBuffer(body)) return request;
  const replay = Readable.from(body.length > 0 ? [body] : [], { objectMode: false });
  return new Proxy(request, {
    get(target, property) {
      if (REPLAYED.has(property)) {
        const value = Reflect.get(replay, property, replay);
        return typeof value === 'function' ? value.bind(replay) : value;
      }
      return Reflect.get(target, property, target);
    },
    set(target, property, value) {
      return Reflect.set(target, property, value, target);
    },
  });
}
