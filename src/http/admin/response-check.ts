// Holds every admin answer to the schema its route declares for that status (the contract the
// OpenAPI document publishes), for the test suite: Fastify's serializer would silently drop an
// undeclared field and coerce a wrong type, so this validates the payload before serialization
// and fails the request (500, and an error in the log that the test server turns into a failed
// suite) on any mismatch or undeclared status. Off in production: it costs a validation per answer.
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The log message of a mismatch (test/helpers/test-server.ts fails a suite whose server logged it). */
export const RESPONSE_MISMATCH = 'admin response does not match its declared schema';

export function checkResponsesAgainstSchemas(app: FastifyInstance): void {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  let schemasAdded = false;
  const compiled = new WeakMap<object, ValidateFunction>();

  function validatorOf(schema: object): ValidateFunction {
    if (!schemasAdded) {
      // The shared schemas ($id, referenced as `Name#`) of the admin plugin, known once it is ready.
      for (const shared of Object.values(app.getSchemas())) ajv.addSchema(shared as object);
      schemasAdded = true;
    }
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(schema);
      compiled.set(schema, validate);
    }
    return validate;
  }

  app.addHook('preSerialization', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const responses = (request.routeOptions.schema?.response ?? {}) as Record<string, object>;
    if (Object.keys(responses).length === 0) return payload;
    const status = String(reply.statusCode);
    const schema = responses[status] ?? responses[`${status[0]}xx`] ?? responses['default'];
    const problem = schema === undefined ? `status ${status} is not declared` : describe(validatorOf(schema), payload);
    if (problem === undefined) return payload;
    request.log.error({ route: `${request.method} ${request.routeOptions.url}`, status: reply.statusCode, problem }, RESPONSE_MISMATCH);
    // Answered as a server error: the test that made the request sees it fail.
    throw new Error(`${RESPONSE_MISMATCH}: ${problem}`);
  });
}

function describe(validate: ValidateFunction, payload: unknown): string | undefined {
  if (validate(payload)) return undefined;
  return (validate.errors ?? []).map((error) => `${error.instancePath || '(root)'} ${error.message ?? 'is not valid'}${error.params ? ` ${JSON.stringify(error.params)}` : ''}`).join('; ');
}
