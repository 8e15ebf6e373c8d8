// The admin API's reference page (/admin/api/v1/docs): the OpenAPI document rendered on the server
// as plain HTML, rendered once. No script and nothing fetched from elsewhere: its one inline
// stylesheet is allowed by its hash in the page's own CSP, which otherwise allows nothing.
import { createHash } from 'node:crypto';
import { html, trusted } from '../../lib/html.ts';
import type { SafeHtml } from '../../lib/html.ts';

type Schema = Record<string, unknown>;
type Operation = {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
};
type OpenApiDocument = {
  info: { title: string; version: string; description?: string };
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
};

const STYLES = `body{font-family:system-ui,sans-serif;line-height:1.5;color:#1d1d1f;max-width:60rem;margin:0 auto;padding:1rem 1.5rem}
h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2.5rem;border-bottom:1px solid #ddd}h3{font-size:1rem;margin:1.5rem 0 .25rem}
code,pre{font-family:ui-monospace,monospace;font-size:.85rem}pre{background:#f5f5f7;padding:.75rem;overflow:auto;border-radius:6px}
.method{display:inline-block;min-width:4rem;font-weight:700}.scope{color:#555}table{border-collapse:collapse}td,th{text-align:left;padding:.15rem .75rem .15rem 0;vertical-align:top}
nav ul{columns:2}`;

const REFERENCE_STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLES).digest('base64')}'`;

/** The page's CSP: its own stylesheet, nothing else. */
export const REFERENCE_CSP = `default-src 'none'; style-src ${REFERENCE_STYLE_SOURCE}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

export function renderReference(document: OpenApiDocument): string {
  const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));
  const tags = [...new Set(operations.flatMap(({ operation }) => operation.tags ?? []))];
  const base = document.servers?.[0]?.url ?? '';
  const body = html`<h1>${document.info.title} <small>v${document.info.version}</small></h1>
<p>${document.info.description ?? ''}</p>
<p>Base URL: <code>${base}</code>. The machine-readable contract: <a href="openapi.json">openapi.json</a> (OpenAPI ${'3.1'}).</p>
<nav><ul>${tags.map((tag) => html`<li><a href="#${tag}">${tag}</a></li>`)}</ul></nav>
${tags.map(
  (tag) => html`<h2 id="${tag}">${tag}</h2>
${operations.filter(({ operation }) => operation.tags?.includes(tag)).map(({ path, method, operation }) => operationHtml(path, method, operation))}`,
)}
<h2 id="schemas">Schemas</h2>
${Object.entries(document.components?.schemas ?? {}).map(([name, schema]) => html`<h3 id="schema-${name}">${name}</h3><pre>${JSON.stringify(schema, null, 2)}</pre>`)}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${html`${document.info.title}`}</title><style>${STYLES}</style></head><body>${body}</body></html>`;
}

function operationHtml(path: string, method: string, operation: Operation): SafeHtml {
  const scopes = (operation.security ?? []).flatMap((requirement) => Object.values(requirement).flat());
  const body = operation.requestBody?.content;
  return html`<h3 id="${operation.operationId ?? ''}"><span class="method">${method.toUpperCase()}</span> <code>${path}</code></h3>
<p>${operation.summary ?? ''} <span class="scope">${scopes.length > 0 ? html`(scope <code>${scopes.join(' ')}</code>)` : trusted('')}</span></p>
${(operation.parameters ?? []).length > 0 ? html`<table><tr><th>parameter</th><th>in</th><th>type</th><th></th></tr>${(operation.parameters ?? []).map((parameter) => html`<tr><td><code>${parameter.name}</code>${parameter.required ? ' *' : ''}</td><td>${parameter.in}</td><td><code>${typeOf(parameter.schema)}</code></td><td>${parameter.description ?? ''}</td></tr>`)}</table>` : ''}
${body ? Object.entries(body).map(([type, content]) => html`<p>Body (<code>${type}</code>):</p><pre>${JSON.stringify(content.schema ?? {}, null, 2)}</pre>`) : ''}
<table><tr><th>status</th><th>answer</th></tr>${Object.entries(operation.responses ?? {}).map(([status, response]) => html`<tr><td>${status}</td><td>${response.description ?? ''}</td></tr>`)}</table>`;
}

function typeOf(schema: Schema | undefined): string {
  if (!schema) return '';
  const type = schema['type'];
  return Array.isArray(type) ? type.join(' | ') : String(type ?? '');
}
