// The tenancy plugin (http/tenancy): every surface registered in it declares its routes once and is
// served at the default tenant's paths and under /t/{slug}; each request's tenant is set before the
// handler, from the directory's cache (no database read) once found; a request refused before its
// handler costs no lookup. On the whole server, an unknown tenant is answered by each surface in its
// own way: a page, a problem document, the protocol's problem.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type Provider from 'oidc-provider';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant } from '../helpers/oidc-clients.ts';
import { createStores } from '../../src/storage/stores.ts';
import { createTenantDirectory } from '../../src/http/tenancy/tenant-directory.ts';
import { resolveTenant, tenancyPlugin } from '../../src/http/tenancy/tenancy.plugin.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

describeEachEngine('tenancy plugin', (current) => {
  let app: FastifyInstance;
  const reads: string[] = [];
  const routes: string[] = [];
  const providersAskedFor: string[] = [];

  before(async () => {
    const stores = createStores(current().handle.db);
    const now = Date.now();
    await stores.tenants.create({ id: uuidv7(now), slug: 'default', name: 'Default', now });
    await stores.tenants.create({ id: uuidv7(now), slug: 'acme', name: 'Acme', now });
    const tenants = createTenantDirectory({ tenants: { findBySlug: (slug) => (reads.push(slug), stores.tenants.findBySlug(slug)) } });
    const providerOf = async (tenant: Tenant) => {
      providersAskedFor.push(tenant.slug);
      return { issuer: tenant.slug } as unknown as Provider;
    };
    const probe = async (surface: FastifyInstance) => {
      surface.get('/', async (request) => ({ tenant: request.tenant?.slug ?? null }));
      surface.post('/probe/:id', { schema: { params: { type: 'object', properties: { id: { type: 'string', maxLength: 3 } } } } }, async (request) => ({ tenant: request.tenant?.slug ?? null }));
      surface.get('/provider', async (request) => ({ issuer: request.tenant && (await request.tenantProvider()).issuer }));
      // A route that names its tenant itself is served as declared, not mounted again.
      surface.get('/.well-known/probe/t/:slug', async (request) => ({ tenant: request.tenant?.slug ?? null }));
    };
    // A surface whose hook needs the tenant before the handler (as the Account API's CORS does).
    const early = async (surface: FastifyInstance) => {
      surface.addHook('onRequest', async (request, reply) => {
        reply.header('x-early-tenant', (await resolveTenant(request, tenants))?.slug ?? 'none');
      });
      surface.get('/early', async (request) => ({ tenant: request.tenant?.slug ?? null }));
    };
    app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`);
    });
    await app.register((instance) => tenancyPlugin(instance, { tenants, providerOf, surfaces: [probe, early] }));
    await app.ready();
  });
  after(async () => {
    await app?.close();
  });

  test('each route is declared once and served at the root and under /t/{slug}, HEAD included', () => {
    assert.deepEqual([...routes].sort(), [
      'GET /',
      'GET /.well-known/probe/t/:slug',
      'GET /early',
      'GET /provider',
      'GET /t/:slug',
      'GET /t/:slug/early',
      'GET /t/:slug/provider',
      'HEAD /',
      'HEAD /.well-known/probe/t/:slug',
      'HEAD /early',
      'HEAD /provider',
      'HEAD /t/:slug',
      'HEAD /t/:slug/early',
      'HEAD /t/:slug/provider',
      'POST /probe/:id',
      'POST /t/:slug/probe/:id',
    ]);
  });

  test("the request's tenant: the default one at the root, the slug's under /t/{slug}, null for an unknown slug", async () => {
    const tenantAt = async (url: string, method: 'GET' | 'POST' = 'GET') => (await app.inject({ method, url })).json().tenant;
    assert.equal(await tenantAt('/'), 'default');
    assert.equal(await tenantAt('/t/acme'), 'acme');
    assert.equal(await tenantAt('/t/acme/'), 'acme');
    assert.equal(await tenantAt('/t/default'), 'default', 'the default tenant also answers under its slug, as before');
    assert.equal(await tenantAt('/t/nobody'), null);
    assert.equal(await tenantAt('/probe/1', 'POST'), 'default');
    assert.equal(await tenantAt('/t/acme/probe/1', 'POST'), 'acme');
    assert.equal(await tenantAt('/.well-known/probe/t/acme'), 'acme');
    assert.equal((await app.inject({ method: 'HEAD', url: '/t/acme' })).statusCode, 200);
  });

  test('a found tenant is not read again; an unknown one is; a request refused before its handler reads nothing', async () => {
    await app.inject('/t/acme');
    reads.length = 0;
    for (let i = 0; i < 5; i++) await app.inject('/t/acme');
    assert.deepEqual(reads, [], 'from the cache');
    await app.inject('/t/nobody');
    await app.inject('/t/nobody');
    assert.deepEqual(reads, ['nobody', 'nobody']);
    reads.length = 0;
    const refused = await app.inject({ method: 'POST', url: '/t/someone/probe/toolong' });
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(reads, [], 'the schema refused it before the tenant was looked up');
  });

  test("request.tenantProvider() is the provider of the request's tenant, asked for only by the surfaces that call it", async () => {
    providersAskedFor.length = 0;
    await app.inject('/t/acme');
    assert.deepEqual(providersAskedFor, []);
    assert.equal((await app.inject('/t/acme/provider')).json().issuer, 'acme');
    assert.equal((await app.inject('/provider')).json().issuer, 'default');
    assert.deepEqual(providersAskedFor, ['acme', 'default']);
  });

  test('a hook may resolve the tenant before the handler; the plugin then does not look it up again', async () => {
    await app.inject('/t/acme/early');
    reads.length = 0;
    const early = await app.inject('/t/acme/early');
    assert.equal(early.headers['x-early-tenant'], 'acme');
    assert.equal(early.json().tenant, 'acme');
    const unknown = await app.inject('/t/nobody/early');
    assert.equal(unknown.headers['x-early-tenant'], 'none');
    assert.equal(unknown.json().tenant, null);
    assert.deepEqual(reads, ['nobody', 'nobody'], 'an unknown slug is asked for again, as each surface asked before');
  });
});

describeEachEngine('an unknown tenant, surface by surface', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current().engine);
    await createTenant(server, 'acme');
  });
  after(async () => {
    await server.stop();
  });

  test('pages answer a 404 page, the JSON APIs and the protocol endpoints a tenant.not_found problem', async () => {
    for (const url of ['/t/nobody', '/t/nobody/interaction/x', '/t/nobody/verify', '/t/nobody/recovery', '/t/nobody/account', '/t/nobody/account/email', '/t/nobody/account/callback']) {
      const response = await server.app.inject({ url, headers: { accept: 'text/html' } });
      assert.equal(response.statusCode, 404, url);
      assert.match(response.headers['content-type'] as string, /^text\/html/, url);
      assert.match(response.body, /<html lang="en"/, url);
    }
    const problems = [
      { method: 'POST', url: '/t/nobody/flows/login', instance: true },
      { method: 'GET', url: '/t/nobody/sessions/whoami', instance: true },
      { method: 'GET', url: '/t/nobody/api/account/profile', instance: true },
      { method: 'GET', url: '/t/nobody/.well-known/openid-configuration', instance: false },
      { method: 'GET', url: '/t/nobody/auth', instance: false },
      { method: 'POST', url: '/t/nobody/token', instance: false },
      { method: 'GET', url: '/t/nobody/anything/else', instance: false },
      { method: 'GET', url: '/.well-known/oauth-authorization-server/t/nobody', instance: false },
    ] as const;
    for (const { method, url, instance } of problems) {
      const response = await server.app.inject({ method, url });
      assert.equal(response.statusCode, 404, url);
      assert.match(response.headers['content-type'] as string, /^application\/problem\+json/, url);
      const body = response.json();
      assert.equal(body.code, 'tenant.not_found', url);
      assert.equal(body.detail, 'There is no tenant "nobody".', url);
      assert.equal('instance' in body, instance, url);
    }
  });

  test('each surface answers under /t/{slug} for its tenant', async () => {
    assert.equal((await server.app.inject('/t/acme')).statusCode, 200);
    assert.equal((await server.app.inject('/t/acme/.well-known/openid-configuration')).json().issuer, 'http://localhost:3000/t/acme');
    const flow = await server.app.inject({ method: 'POST', url: '/t/acme/flows/login' });
    assert.equal(flow.statusCode, 201);
    assert.match(flow.body, /http:\/\/localhost:3000\/t\/acme\/flows\/login\//);
    const portal = await server.app.inject('/t/acme/account');
    assert.equal(portal.statusCode, 303);
    assert.match(portal.headers.location as string, /^\/t\/acme\/auth\?client_id=foyer-account/);
  });
});
