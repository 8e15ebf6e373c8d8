// Answers to requests Node's HTTP parser refuses before Fastify sees them (headers too large, a
// malformed request line, a client too slow): the same problem document and security headers as
// every other answer, written straight to the socket because there is no request to reply to.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { problem, PROBLEM_CONTENT_TYPE } from './problem.ts';
import { securityHeadersOf } from './security-headers.ts';
import type { SecurityHeaderOptions } from './security-headers.ts';

type ParserError = Error & { code?: string };

function statusOf(error: ParserError): number {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 431;
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  if (error.code === 'HPE_URI_OVERFLOW') return 414;
  return 400;
}

const DETAILS: Readonly<Record<number, string>> = {
  431: 'The request headers are too large.',
  408: 'The request took too long to arrive.',
  414: 'The request URL is too long.',
  400: 'The request is not valid HTTP.',
};

export function clientErrorHandler(options: SecurityHeaderOptions, logger: () => FastifyBaseLogger) {
  return (error: ParserError, socket: Socket): void => {
    // A reset connection has nobody left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const status = statusOf(error);
    logger().info({ code: error.code, status }, 'request refused by the HTTP parser');
    if (socket.writable) {
      const body = JSON.stringify(problem(status, `request.http_${status}`, DETAILS[status]!));
      const headers = { ...securityHeadersOf(options), 'content-type': PROBLEM_CONTENT_TYPE, 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store', connection: 'close' };
      const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines}\r\n${body}`);
    }
    socket.destroy(error);
  };
}
