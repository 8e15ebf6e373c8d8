// How a refused self-service step (a wrong or used code, a throttle, a resend too soon; see Refusal
// in domain/self-service/code-steps.ts) is answered: on a page as the form's error, on an API as a
// problem. A throttled step also tells the client when to come back (Retry-After).
import type { FastifyReply } from 'fastify';
import { DomainError } from '../domain/errors.ts';
import type { ErrorCode } from '../domain/errors.ts';
import type { MessageKey } from '../i18n/en.ts';
import type { FieldError } from './shared/form-fields.ts';
import { waitSeconds } from '../lib/english.ts';

type Refused = { readonly code: ErrorCode; readonly retryAfterSeconds?: number };
/** A page can show any message; an API problem carries an error code. */
type RefusedOnPage = { readonly code: MessageKey; readonly retryAfterSeconds?: number };

const DETAILS: Readonly<Partial<Record<ErrorCode, string>>> = {
  'code.invalid': 'That code is not right, or it has expired. Send the latest code, or ask for a new one.',
  'link.invalid': 'This link no longer works: it was used already, or it expired. Ask for a new one.',
  'code.resend_limit': 'Several codes were sent already; start again later.',
};

/** The refusal as a page form's error. */
export function refusalFieldError(refused: RefusedOnPage, reply: FastifyReply): FieldError {
  if (refused.retryAfterSeconds === undefined) return { code: refused.code };
  reply.header('retry-after', String(refused.retryAfterSeconds));
  return { code: refused.code, params: { seconds: refused.retryAfterSeconds } };
}

/** The status of a page that shows the refusal. */
export function refusalStatus(refused: RefusedOnPage): number {
  return refused.retryAfterSeconds !== undefined ? 429 : 400;
}

/** The refusal as a problem to throw from an API route (400, or 429 when throttled). */
export function refusalProblem(refused: Refused, reply: FastifyReply): DomainError {
  if (refused.retryAfterSeconds === undefined) return new DomainError(refused.code, 'invalid', DETAILS[refused.code] ?? 'This step was refused.');
  reply.header('retry-after', String(refused.retryAfterSeconds));
  return new DomainError(refused.code, 'rate_limited', `${waitSeconds(refused.retryAfterSeconds)}, then try again.`, { seconds: refused.retryAfterSeconds });
}
