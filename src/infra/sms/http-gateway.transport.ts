// A generic HTTP SMS gateway (ADR 0031): most providers accept a POST with the number and the text,
// as JSON or as a form, with a key in a header. The operator describes theirs once:
//   SMS_GATEWAY_URL            where to POST (https in production)
//   SMS_GATEWAY_AUTHORIZATION  the Authorization header's value (e.g. "Bearer …", "Basic …"), if any
//   SMS_GATEWAY_FORMAT         json (default) or form
//   SMS_GATEWAY_BODY           the body as a JSON object whose string values may hold {{to}},
//                              {{text}} and {{from}}; default {"to":"{{to}}","text":"{{text}}"}
//   SMS_FROM                   the sender id or number put in {{from}}
// A 2xx answer is delivered; a 4xx other than 408 and 429 is refused for good (a bad number), and
// anything else (5xx, 408, 429, a network error) is retried with backoff. Logs never carry the text.
import type { SmsTransport } from './transport.ts';

type SmsGatewayConfig = {
  readonly url: string;
  readonly authorization: string | undefined;
  readonly format: 'json' | 'form';
  readonly body: Readonly<Record<string, unknown>>;
  readonly from: string;
  readonly timeoutMs?: number;
};

export const DEFAULT_GATEWAY_BODY = { to: '{{to}}', text: '{{text}}' } as const;

/** The template with the message's values put in (into parsed strings, so nothing needs escaping). */
function fill(value: unknown, values: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') return value.replace(/\{\{(to|text|from)\}\}/g, (_, name: string) => values[name] ?? '');
  if (Array.isArray(value)) return value.map((item) => fill(item, values));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item, values)]));
  return value;
}

export function createHttpGatewayTransport(config: SmsGatewayConfig): SmsTransport {
  return {
    async send(message) {
      const filled = fill(config.body, { to: message.to, text: message.body, from: config.from }) as Record<string, unknown>;
      const headers: Record<string, string> = {};
      if (config.authorization) headers['authorization'] = config.authorization;
      let body: string;
      if (config.format === 'form') {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(Object.entries(filled).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])).toString();
      } else {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(filled);
      }
      const response = await fetch(config.url, { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(config.timeoutMs ?? 10_000) });
      await response.body?.cancel();
      if (response.ok) return;
      const permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
      throw Object.assign(new Error(`the SMS gateway answered ${response.status}`), { status: response.status, permanent });
    },
  };
}
