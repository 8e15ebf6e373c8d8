// JSON logs through pino. Secrets and credentials never reach a log line: known header and body
// fields are redacted, and sensitive query parameters are masked in logged URLs.
import type { LoggerOptions } from 'pino';
import type { FastifyRequest } from 'fastify';

const SENSITIVE_PARAMETERS = new Set([
  'code', 'token', 'access_token', 'refresh_token', 'id_token', 'id_token_hint', 'client_secret',
  'password', 'user_code', 'device_code', 'assertion', 'client_assertion', 'logout_token', 'state',
]);

const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.secret',
  '*.client_secret',
  '*.clientSecret',
  '*.masterSecret',
  '*.smtpUrl',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  '*.code',
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: maskUrl(request.url),
        remoteAddress: request.ip,
        userAgent: request.headers['user-agent'],
      }),
    },
  };
}

/** Replaces the values of sensitive query parameters, keeping the rest of the URL readable. */
function maskUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const params = new URLSearchParams(url.slice(queryStart + 1));
  for (const key of new Set(params.keys())) {
    if (SENSITIVE_PARAMETERS.has(key.toLowerCase())) params.set(key, '[redacted]');
  }
  return `${url.slice(0, queryStart)}?${params.toString().replaceAll('%5Bredacted%5D', '[redacted]')}`;
}
