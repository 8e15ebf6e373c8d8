// Health, metrics, request ids, security headers and log hygiene of a whole node, on each engine.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';

describeEachEngine('a Foyer node', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current().engine);
  });
  after(async () => {
    await server.stop();
  });

  test('is live and ready, and has created the default tenant', async () => {
    const live = await server.app.inject('/health/live');
    assert.equal(live.statusCode, 200);
    assert.deepEqual(live.json(), { status: 'ok' });
    const ready = await server.app.inject('/health/ready');
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ok', checks: { database: 'ok' } });
    assert.equal(ready.headers['cache-control'], 'no-store');
    const tenant = await server.stores.tenants.findBySlug('default');
    assert.equal(tenant?.id, server.defaultTenant.id);
    const [audit] = await server.stores.audit.list(tenant!.id, { limit: 1 });
    assert.equal(audit?.action, 'tenant.created');
    assert.deepEqual(audit?.actor, { type: 'system' });
  });

  test('answers unknown paths with an RFC 9457 problem', async () => {
    const response = await server.app.inject('/no/such/thing?x=1');
    assert.equal(response.statusCode, 404);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.deepEqual(response.json(), {
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'There is nothing at GET /no/such/thing.',
      code: 'request.not_found',
    });
  });

  test('answers router-level errors (an over-long path parameter) as problems too', async () => {
    const response = await server.app.inject(`/t/${'a'.repeat(500)}/auth`);
    assert.equal(response.statusCode, 414);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(response.json().status, 414);
  });

  test('sends security headers on every response', async () => {
    for (const url of ['/health/live', '/nothing']) {
      const { headers } = await server.app.inject(url);
      assert.equal(headers['x-content-type-options'], 'nosniff');
      assert.equal(headers['x-frame-options'], 'DENY');
      assert.equal(headers['referrer-policy'], 'no-referrer');
      assert.match(String(headers['content-security-policy']), /default-src 'none'.*frame-ancestors 'none'/);
      assert.equal(headers['strict-transport-security'], undefined, 'no HSTS on an http:// public URL');
    }
  });

  test('echoes a sane X-Request-Id, and replaces one that is not', async () => {
    const kept = await server.app.inject({ url: '/health/live', headers: { 'x-request-id': 'trace-abc.123' } });
    assert.equal(kept.headers['x-request-id'], 'trace-abc.123');
    const replaced = await server.app.inject({ url: '/health/live', headers: { 'x-request-id': 'evil\u0000id with spaces' } });
    assert.match(String(replaced.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const fresh = await server.app.inject('/health/live');
    assert.notEqual(fresh.headers['x-request-id'], replaced.headers['x-request-id']);
  });

  test('keeps secrets out of the logs and ties lines to the request id', async () => {
    const before = server.logs.length;
    await server.app.inject({
      url: '/nothing?code=SECRET-CODE&client_secret=SECRET-CLIENT&state=SECRET-STATE&ui_locales=de',
      headers: { authorization: 'Bearer SECRET-TOKEN', cookie: 'foyer_session=SECRET-COOKIE', 'x-request-id': 'log-test-1' },
    });
    const lines = server.logs.slice(before);
    const text = JSON.stringify(lines);
    for (const secret of ['SECRET-CODE', 'SECRET-CLIENT', 'SECRET-STATE', 'SECRET-TOKEN', 'SECRET-COOKIE']) {
      assert.equal(text.includes(secret), false, `${secret} leaked into the logs`);
    }
    const incoming = lines.find((line) => line['msg'] === 'incoming request');
    assert.equal(incoming?.['requestId'], 'log-test-1');
    assert.match(String((incoming?.['req'] as { url: string }).url), /code=\[redacted\].*ui_locales=de/);
  });

  test('exposes request duration histograms by route pattern on /metrics of the metrics listener, not of the public one', async () => {
    await server.app.inject('/health/live');
    await server.app.inject('/missing/123');
    assert.equal((await server.app.inject('/metrics')).statusCode, 404, 'the public listener has no /metrics');
    const response = await server.metricsApp!.inject('/metrics');
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain/);
    assert.match(response.body, /foyer_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/health\/live",status_code="200"\} \d+/);
    assert.match(response.body, /foyer_http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} \d+/);
    assert.equal(response.body.includes('/missing/123'), false, 'raw URLs never become labels');
    assert.match(response.body, /foyer_process_resident_memory_bytes \d+/);
  });
});

describeEachEngine('readiness', (current) => {
  test('turns 503 when the database is gone, and when shutdown begins', async () => {
    const server = await createTestServer(current().engine);
    try {
      server.lifecycle.shuttingDown = true;
      const draining = await server.app.inject('/health/ready');
      assert.equal(draining.statusCode, 503);
      assert.equal(draining.json().status, 'shutting_down');
      server.lifecycle.shuttingDown = false;

      await server.database.close();
      const down = await server.app.inject('/health/ready');
      assert.equal(down.statusCode, 503);
      assert.deepEqual(down.json(), { status: 'unavailable', checks: { database: 'unavailable' } });
      assert.equal((await server.app.inject('/health/live')).statusCode, 200, 'liveness does not depend on the database');
    } finally {
      await server.stop().catch(() => {});
    }
  });

  test('checks Redis when REDIS_URL is set', async () => {
    const server = await createTestServer(current().engine, { REDIS_URL: 'redis://127.0.0.1:6379' }).catch((error: Error) => error);
    if (server instanceof Error) {
      assert.ok(process.env['CI'] !== 'true', `Redis is required under CI=true: ${server.message}`);
      return;
    }
    try {
      const ready = await server.app.inject('/health/ready');
      assert.deepEqual(ready.json(), { status: 'ok', checks: { database: 'ok', redis: 'ok' } });
    } finally {
      await server.stop();
    }
  });
});

test('HSTS is sent when the public URL is https', async () => {
  const server = await createTestServer('sqlite', { PUBLIC_URL: 'https://id.example.com' });
  try {
    const { headers } = await server.app.inject('/health/live');
    assert.equal(headers['strict-transport-security'], 'max-age=63072000; includeSubDomains');
  } finally {
    await server.stop();
  }
});
