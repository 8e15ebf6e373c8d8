// The admin API's operations as its OpenAPI document lists them: method, path, the scope its
// security requirement names, and its parameter and body schemas. The matrix and fuzz tests walk
// them, so a route added later is covered without a line in those tests.
import type { TestServer } from './test-server.ts';
import { callAdmin } from './admin.ts';
import type { AdminScope } from '../../src/domain/admin/scopes.ts';
import { isAdminScope } from '../../src/domain/admin/scopes.ts';

type Schema = Record<string, unknown>;

export type AdminOperation = {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** As the document writes it, relative to /admin/api/v1: `/tenants/{tenant}/applications`. */
  readonly path: string;
  readonly operationId: string;
  readonly scope: AdminScope;
  readonly hasBody: boolean;
  readonly parameters: readonly { readonly name: string; readonly in: string; readonly required: boolean; readonly schema: Schema }[];
  readonly body: Schema | undefined;
};

type Document = {
  paths: Record<string, Record<string, { operationId: string; security?: Record<string, string[]>[]; parameters?: { name: string; in: string; required?: boolean; schema: Schema }[]; requestBody?: { content: Record<string, { schema: Schema }> } }>>;
  components?: { schemas?: Record<string, Schema> };
};

export async function openApiDocument(server: TestServer): Promise<Document> {
  const answer = await callAdmin(server, undefined, 'GET', '/openapi.json');
  if (answer.statusCode !== 200) throw new Error(`no OpenAPI document: ${answer.statusCode}`);
  return answer.json<Document>();
}

export async function adminOperations(server: TestServer): Promise<AdminOperation[]> {
  const document = await openApiDocument(server);
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase() as AdminOperation['method'],
      path,
      operationId: operation.operationId,
      scope: scopeOf(method, path, Object.values(operation.security?.[0] ?? {}).flat()[0]),
      hasBody: operation.requestBody !== undefined,
      parameters: (operation.parameters ?? []).map((parameter) => ({ name: parameter.name, in: parameter.in, required: parameter.required ?? false, schema: parameter.schema })),
      body: operation.requestBody?.content['application/json']?.schema,
    })),
  );
}

/** The path with its `{parameters}` filled: those given, and an id no resource has for the others. */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_whole, name: string) => encodeURIComponent(values[name] ?? 'zz-no-such-id'));
}

function scopeOf(method: string, path: string, scope: string | undefined): AdminScope {
  if (scope === undefined || !isAdminScope(scope)) throw new Error(`${method} ${path} names no known scope (${String(scope)})`);
  return scope;
}
