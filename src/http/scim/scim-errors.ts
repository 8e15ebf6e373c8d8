// Every failure on the SCIM surface as a SCIM error document (RFC 7644 3.12): SCIM's own errors as
// they are; the domain's product errors and Fastify's client errors mapped to a status and, where
// one fits, a `scimType` (a taken address is `uniqueness`, a trait the schema refuses
// `invalidValue`, a body that is not JSON `invalidSyntax`). Never a stack trace.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ValidationError } from '../../domain/errors.ts';
import { ScimError } from '../../domain/scim/scim-error.ts';
import type { ScimType } from '../../domain/scim/scim-error.ts';
import { ERROR_SCHEMA } from '../../domain/scim/scim-schemas.ts';
import { toProblem } from '../problem.ts';
import { sendScim } from './scim-response.ts';

/** Which scimType a domain error is (RFC 7644 3.12). */
const SCIM_TYPES: Readonly<Record<string, ScimType>> = {
  'identity.address_taken': 'uniqueness',
  'identity.identifier_taken': 'uniqueness',
  'identity.external_id_taken': 'uniqueness',
  'group.display_name_taken': 'uniqueness',
  'group.external_id_taken': 'uniqueness',
  'group.member_unknown': 'invalidValue',
  // Text no part of Foyer can hold (a NUL, a lone surrogate: text-guard.ts), in a filter or a body.
  'request.invalid': 'invalidValue',
};

/** Any failure as a SCIM error document: ours as they are, the domain's and Fastify's mapped. */
function scimErrorOf(error: Error, request: FastifyRequest): ScimError {
  if (error instanceof ScimError) return error;
  if (error instanceof ValidationError) {
    const fields = error.problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
    return new ScimError(400, 'invalidValue', `The User is not valid for this tenant’s traits: ${fields}`);
  }
  const problem = toProblem(error, request);
  if (error instanceof DomainError) return new ScimError(problem.status, SCIM_TYPES[error.code], problem.detail);
  if ((error as FastifyError).validation || problem.code === 'request.fst_err_ctp_invalid_json_body' || problem.code.startsWith('request.fst_err_ctp')) return new ScimError(problem.status === 415 ? 415 : 400, 'invalidSyntax', problem.detail);
  return new ScimError(problem.status, undefined, problem.detail);
}

export function sendScimError(request: FastifyRequest, reply: FastifyReply, error: Error): FastifyReply {
  const scim = scimErrorOf(error, request);
  if (scim.status >= 500) request.log.error({ err: error }, 'SCIM request failed');
  else request.log.info({ status: scim.status, scimType: scim.scimType }, 'SCIM request refused');
  return sendScim(reply, scim.status, { schemas: [ERROR_SCHEMA], status: String(scim.status), ...(scim.scimType ? { scimType: scim.scimType } : {}), detail: scim.message });
}
