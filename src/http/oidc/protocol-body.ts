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
  let text: string;
  try {
    text = new TextDecoder(charset ?? 'utf-8').decode(body);
  } catch {
    return false; // a charset nobody knows: the provider refuses the body itself
  }
  if ((contentType ?? '').startsWith('application/json')) {
    try {
      return hasMalformedText(JSON.parse(text));
    } catch {
      // Not JSON: the provider says so itself.
      return text.includes('\u0000');
    }
  }
  return hasMalformedText([...new URLSearchParams(text)].flat());
}

/** The request as the provider reads it: the same message, with the body already read replayed. */
export function withReplayedBody(request: IncomingMessage, body: unknown): IncomingMessage {
  if (!Buffer.isBuffer(body)) return request;
  const replay = Readable.from(body.length > 0 ? [body] : [], { objectMode: false });
  return new Proxy(request, {
    get(target, property) {
      if (property in Readable.prototype || property === 'readable' || property === 'readableEncoding' || property === 'readableEnded') {
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
