// The error handler of the surfaces that serve pages (hosted pages, the account portal, the email
// change page, /dev/mail): a refused request (bad input, a refused body, the text guard) gets a
// page in the customer's language with the status of its problem, never JSON or a stack trace.
import type { FastifyError, FastifyInstance } from 'fastify';
import { toProblem } from '../problem.ts';
import { en } from '../../i18n/en.ts';
import { pageTranslator } from './locale.ts';
import { errorBody, sendPage } from './respond.ts';

export function registerPageErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error, request);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: problem.code, status: problem.status }, 'request refused');
    const t = pageTranslator(request);
    // A code with a message of its own says what went wrong; any other says the request was not valid.
    const message = Object.hasOwn(en, problem.code) ? problem.code : problem.status >= 500 ? 'server.internal' : 'request.invalid';
    return sendPage(reply, { status: problem.status, t, branding: { name: 'Foyer' }, title: t('page.error.title'), body: errorBody(t, message) });
  });
}
