// The admin console at /console: the React app of console/ (built by Vite into console/dist at
// install or start, never committed), served for the admin tenant only. It is a pure client of the
// admin API: staff sign in with OpenID Connect and PKCE as the public client `foyer-console` of the
// admin tenant, and every call carries their token. This plugin only hands out files: the built app
// (read once at start, kept in memory with its gzip), `config.json` (where the issuer and the API
// are), and index.html for every other path under /console so the app's own routes survive a reload.
// The CSP lets only same-origin scripts and styles run: Vite emits no inline script.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONSOLE_CLIENT_ID, CONSOLE_PATH } from '../../domain/admin/console-app.ts';
import { ADMIN_TENANT_SLUG } from '../../domain/tenants/tenant.ts';
import { adminApiUrlOf } from '../admin/admin-resource.ts';

/** Where `npm run console:build` writes the app. */
const DEFAULT_DIST = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // A tenant's logo is any https image; charts and icons are inline SVG.
  "img-src 'self' https: data:",
  "font-src 'self'",
  // The admin API, the admin tenant's token endpoint and the hosted pages' preview: all this origin.
  "connect-src 'self'",
  "frame-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

type ConsoleDeps = { readonly publicUrl: string; readonly distDir?: string | undefined };

type Asset = { readonly body: Buffer; readonly gzip: Buffer | undefined; readonly type: string; readonly etag: string; readonly immutable: boolean };

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

function typeOf(path: string): string {
  const dot = path.lastIndexOf('.');
  return TYPES[dot < 0 ? '' : path.slice(dot)] ?? 'application/octet-stream';
}

/** Every file of the build, by its path under /console/ ('index.html', 'assets/index-abc.js'). */
function readBuild(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const key = relative(dir, path).split(sep).join('/');
        const body = readFileSync(path);
        const type = typeOf(key);
        const compressible = /^(text|application\/json|image\/svg)/.test(type) && body.length > 1024;
        assets.set(key, { body, gzip: compressible ? gzipSync(body, { level: 9 }) : undefined, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`, immutable: key.startsWith('assets/') });
      }
    }
  };
  try {
    walk(dir);
  } catch {
    return new Map();
  }
  return assets;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  reply.header('content-security-policy', CONSOLE_CSP).header('etag', asset.etag).header('vary', 'accept-encoding');
  reply.header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  reply.type(asset.type);
  const gzip = asset.gzip && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  return gzip ? reply.header('content-encoding', 'gzip').send(asset.gzip) : reply.send(asset.body);
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Foyer console</title><h1>The console is not built</h1><p>Run <code>npm run console:build</code> (or <code>npm install</code>) and restart Foyer.</p></html>`;

export async function consolePlugin(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const assets = readBuild(deps.distDir ?? DEFAULT_DIST);
  const config = JSON.stringify({
    issuer: `${deps.publicUrl}/t/${ADMIN_TENANT_SLUG}`,
    clientId: CONSOLE_CLIENT_ID,
    api: adminApiUrlOf(deps.publicUrl),
    publicUrl: deps.publicUrl,
  });

  app.get(`${CONSOLE_PATH}/config.json`, async (_request, reply) => reply.header('cache-control', 'no-store').type('application/json; charset=utf-8').send(config));

  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const rest = (request.params as { '*'?: string })['*'] ?? '';
    const asset = assets.get(rest);
    if (asset && rest !== 'index.html') return send(request, reply, asset);
    // A missing hashed file is a 404 (an old tab after a deploy reloads); any other path is a route of the app.
    if (rest.startsWith('assets/')) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    const index = assets.get('index.html');
    if (!index) return reply.code(503).header('content-security-policy', CONSOLE_CSP).type('text/html; charset=utf-8').send(NOT_BUILT);
    return send(request, reply, index);
  };
  // /console and /console/ are one route (the app ignores a trailing slash): the app itself.
  app.get(CONSOLE_PATH, page);
  app.get(`${CONSOLE_PATH}/*`, page);
}
