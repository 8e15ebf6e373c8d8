// One error handler for the JSON surfaces: every failure becomes an RFC 9457 problem document
// with a stable `code` (an i18n key), never a stack trace. The `oidc` surface keeps OAuth-shaped
// errors and the hosted pages render their own; they register their own handlers.
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ValidationError } from '../domain/errors.ts';
import type { ErrorKind, FieldProblem } from '../domain/errors.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: FieldProblem[];
};

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

export function problem(status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  // `about:blank`: the status says what kind of problem it is; `code` says precisely which.
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, code, ...extra };
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).header('cache-control', 'no-store').send(body);
}

export function toProblem(error: FastifyError | Error, request: FastifyRequest): Problem {
  const instance = request.url.split('?')[0]!;
  if (error instanceof ValidationError) {
    return problem(400, error.code, error.message, { instance, errors: [...error.problems] });
  }
  if (error instanceof DomainError) {
    return problem(STATUS_BY_KIND[error.kind], error.code, error.message, { instance });
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const errors = fastifyError.validation.map((issue) => ({
      field: fieldOf(issue.instancePath, issue.params),
      code: `request.${issue.keyword}`,
      message: issue.message ?? 'is not valid',
    }));
    return problem(400, 'request.invalid', 'The request is not valid; see `errors` for each field.', { instance, errors });
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    // Fastify's own client errors (bad JSON, unsupported media type, body too large) say what went wrong.
    return problem(status, `request.${(fastifyError.code ?? 'invalid').toLowerCase()}`, fastifyError.message, { instance });
  }
  return problem(500, 'server.internal', 'Something went wrong on our side. Please try again; if it persists, contact support with the request id.', { instance });
}

function fieldOf(instancePath: string, params: Record<string, unknown>): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.');
  const missing = typeof params['missingProperty'] === 'string' ? params['missingProperty'] : undefined;
  const extra = typeof params['additionalProperty'] === 'string' ? params['additionalProperty'] : undefined;
  const leaf = missing ?? extra;
  return [path, leaf].filter(Boolean).join('.') || '(body)';
}

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const body = toProblem(error, request);
    if (body.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.code, status: body.status }, 'request refused');
    return sendProblem(reply, body);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem(404, 'request.not_found', `There is nothing at ${request.method} ${request.url.split('?')[0]}.`)),
  );
}
