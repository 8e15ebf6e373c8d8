// The console's server side: every start ensures the console's public client in the admin tenant
// (created once, its URIs following PUBLIC_URL), and /console serves the built app with a strict
// CSP, its routes as index.html, hashed files cacheable forever and gzipped, and config.json.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import Fastify from 'fastify';
import { buildConsole } from '../../console/build.ts';
import { createServerNode, createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { getApplication } from '../../src/domain/applications/applications.service.ts';
import { CONSOLE_CLIENT_ID } from '../../src/domain/admin/console-app.ts';
import { consolePlugin } from '../../src/http/console/console.plugin.ts';

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`admin console, server side [${engine}]`, () => {
    let server: TestServer;
    before(async () => {
      await buildConsole({ quiet: true });
      server = await createTestServer(engine, { PUBLIC_URL: 'https://id.example.test' });
    });
    after(async () => server?.stop());

    test('the console is a public client of the admin tenant at this public URL, created once and moved with PUBLIC_URL', async () => {
      const app = await getApplication(server.stores, server.adminTenant.id, CONSOLE_CLIENT_ID);
      assert.equal(app.kind, 'spa');
      assert.equal(app.firstParty, true);
      assert.equal(app.adminAccess, null, 'the console holds no admin scopes: staff act with their role');
      assert.deepEqual(app.redirectUris, ['https://id.example.test/console/callback']);
      assert.deepEqual(app.postLogoutRedirectUris, ['https://id.example.test/console/']);
      const created = (await server.stores.audit.search(server.adminTenant.id, { applicationId: CONSOLE_CLIENT_ID, action: 'application.created' }, { limit: 10 }));
      assert.equal(created.length, 1);

      // A second node with another public URL brings the URIs along (once), and creates nothing.
      const node = await createServerNode(server.testDatabase, { PUBLIC_URL: 'https://login.example.test' });
      try {
        const moved = await getApplication(server.stores, server.adminTenant.id, CONSOLE_CLIENT_ID);
        assert.deepEqual(moved.redirectUris, ['https://login.example.test/console/callback']);
        const entries = (await server.stores.audit.search(server.adminTenant.id, { applicationId: CONSOLE_CLIENT_ID }, { limit: 50 })).filter((entry) => entry.action.startsWith('application.'));
        assert.deepEqual(entries.map((entry) => entry.action).sort(), ['application.created', 'application.updated']);
      } finally {
        await node.close();
      }
    });

    test('/console serves the app under a strict CSP; its own routes are the app; config.json names the issuer and the API', async () => {
      for (const url of ['/console', '/console/', '/console/customers/abc']) {
        const page = await server.app.inject({ method: 'GET', url });
        assert.equal(page.statusCode, 200, url);
        assert.match(String(page.headers['content-type']), /^text\/html/);
        assert.match(page.body, /<div id="root"><\/div>/);
        assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
        const csp = String(page.headers['content-security-policy']);
        assert.match(csp, /default-src 'none'/);
        assert.match(csp, /script-src 'self'(;|$)/);
        assert.match(csp, /frame-ancestors 'none'/);
        assert.equal(page.headers['cache-control'], 'no-cache');
      }
      const index = await server.app.inject({ method: 'GET', url: '/console/' });
      const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(index.body)?.[1];
      assert.ok(script, 'the entry script is a same-origin file');
      const js = await server.app.inject({ method: 'GET', url: script, headers: { 'accept-encoding': 'gzip' } });
      assert.equal(js.statusCode, 200);
      assert.equal(js.headers['content-encoding'], 'gzip');
      assert.match(String(js.headers['cache-control']), /immutable/);
      const again = await server.app.inject({ method: 'GET', url: script, headers: { 'if-none-match': String(js.headers['etag']) } });
      assert.equal(again.statusCode, 304);
      assert.equal((await server.app.inject({ method: 'GET', url: '/console/assets/gone-123.js' })).statusCode, 404);

      // The first page (the shell and the home dashboard with its charts) stays within 250 KB of gzipped JavaScript.
      const home = readdirSync(new URL('../../console/dist/assets/', import.meta.url)).find((name) => /^home-.*\.js$/.test(name));
      assert.ok(home, 'the home page is a chunk of its own');
      const homeJs = await server.app.inject({ method: 'GET', url: `/console/assets/${home}`, headers: { 'accept-encoding': 'gzip' } });
      assert.ok(js.rawPayload.length + homeJs.rawPayload.length <= 250 * 1024, `first page: ${js.rawPayload.length + homeJs.rawPayload.length} bytes of gzipped JavaScript`);

      const config = await server.app.inject({ method: 'GET', url: '/console/config.json' });
      assert.deepEqual(config.json(), { issuer: 'https://id.example.test/t/admin', clientId: CONSOLE_CLIENT_ID, api: 'https://id.example.test/admin/api/v1', publicUrl: 'https://id.example.test' });
    });
  });
}

test('without a build, /console says how to make one (503), and the server still starts', async () => {
  const app = Fastify();
  await app.register((scope) => consolePlugin(scope, { publicUrl: 'http://localhost:3000', distDir: '/nonexistent/console-dist' }));
  const page = await app.inject({ method: 'GET', url: '/console/' });
  assert.equal(page.statusCode, 503);
  assert.match(page.body, /npm run console:build/);
  await app.close();
});
