// The error handler of the surfaces that serve pages (hosted pages, the account portal, the email
// change page, /dev/mail, a SAML connection's ACS): a refused request (bad input, a refused body,
// the text guard) gets a page in the customer's language with the status of its problem, never
// JSON or a stack trace.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from '../problem.ts';
import { en } from '../../i18n/en.ts';
import type { MessageKey } from '../../i18n/en.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { pageTranslator } from './locale.ts';
import { brandingOf, errorBody, sendPage } from './respond.ts';

type PageErrorOptions = {
  /** The tenant whose look and language the page takes (the plain Foyer page without one). */
  readonly tenant?: Tenant | undefined;
  /** A message of the route's own for a status, where it can say more than the problem's code (a SAML answer too large to read). */
  readonly messages?: Readonly<Partial<Record<number, MessageKey>>>;
};

/** Answers a refused request with the error page. */
export function sendErrorPage(error: FastifyError, request: FastifyRequest, reply: FastifyReply, options: PageErrorOptions = {}) {
  const problem = toProblem(error, request);
  if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: problem.code, status: problem.status }, 'request refused');
  const { tenant } = options;
  const t = pageTranslator(request, { tenant });
  // A code with a message of its own says what went wrong; any other says the request was not valid.
  const message = options.messages?.[problem.status] ?? (Object.hasOwn(en, problem.code) ? problem.code : problem.status >= 500 ? 'server.internal' : 'request.invalid');
  return sendPage(reply, { status: problem.status, t, branding: tenant ? brandingOf(tenant) : { name: 'Foyer' }, title: t('page.error.title'), body: errorBody(t, message) });
}

export function registerPageErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => sendErrorPage(error, request, reply));
}
