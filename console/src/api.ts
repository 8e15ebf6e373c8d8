// The admin API client: every call carries the signed-in staff member's token; an answer that is
// not 2xx becomes an ApiError with the problem document's `code` (RFC 9457), so pages can tell a
// 403 (the role does not allow it) from a 404 or a validation problem.
export type Problem = { readonly type?: string; readonly title?: string; readonly status?: number; readonly detail?: string; readonly code?: string; readonly errors?: readonly { field?: string; code?: string; message?: string }[] };

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(status: number, problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export type Api = {
  get<T>(path: string): Promise<T>;
  send<T>(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  /** A text answer (the audit export's JSON Lines). */
  text(path: string): Promise<string>;
};

export type Page<T> = { readonly items: T[]; readonly next_cursor: string | null };

export function createApi(base: string, token: () => string | undefined, onUnauthorized: () => void): Api {
  const call = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, asText = false): Promise<T> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(token() ? { authorization: `Bearer ${token()}` } : {}),
        ...(body === undefined ? {} : { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status === 401) onUnauthorized();
    if (!response.ok) {
      const problem = (await response.json().catch(() => ({}))) as Problem;
      throw new ApiError(response.status, problem);
    }
    if (response.status === 204) return undefined as T;
    if (asText) return (await response.text()) as T;
    return (await response.json()) as T;
  };
  return {
    get: (path) => call('GET', path),
    send: (method, path, body, headers) => call(method, path, body, headers),
    text: (path) => call<string>('GET', path, undefined, { accept: 'application/x-ndjson' }, true),
  };
}

/** A query string of the defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
