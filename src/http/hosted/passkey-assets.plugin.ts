// The two scripts of the passkey ceremonies (ADR 0030), served by Foyer itself so that the pages
// that use them allow scripts from this server only (`script-src 'self'`), never inline code:
// @simplewebauthn/browser's bundle, as its package ships it, and passkey.js, which drives it.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);

function asset(path: string): { readonly body: Buffer; readonly version: string } {
  const body = readFileSync(path);
  return { body, version: createHash('sha256').update(body).digest('base64url').slice(0, 12) };
}

// The package's main entry is script/index.js; its browser bundle sits beside it in dist/bundle.
const LIBRARY = asset(join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js'));
const DRIVER = asset(join(import.meta.dirname, 'assets', 'passkey.js'));

/** The scripts' paths under a tenant's mount, versioned by their content (cached for a year). */
export function passkeyScriptPaths(mountPath: string): readonly string[] {
  return [`${mountPath}/assets/webauthn.js?v=${LIBRARY.version}`, `${mountPath}/assets/passkey.js?v=${DRIVER.version}`];
}

export async function passkeyAssetsPlugin(app: FastifyInstance): Promise<void> {
  for (const [name, file] of [['webauthn.js', LIBRARY], ['passkey.js', DRIVER]] as const) {
    app.get(`/assets/${name}`, async (_request, reply) => reply.header('cache-control', 'public, max-age=31536000, immutable').type('text/javascript; charset=utf-8').send(file.body));
  }
}
