// The shared error handler, exercised through HTTP on a bare Fastify app with routes that fail in
// each way a surface can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { registerProblemHandlers } from '../../src/http/problem.ts';
import { AJV_OPTIONS } from '../../src/http/app.ts';
import { DomainError, ValidationError } from '../../src/domain/errors.ts';

async function app() {
  const instance = Fastify({ logger: false, ajv: AJV_OPTIONS });
  registerProblemHandlers(instance);
  instance.post(
    '/things',
    { schema: { body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 2 } } } } },
    async () => ({ ok: true }),
  );
  instance.get('/conflict', async () => {
    throw new DomainError('tenant.slug_taken', 'conflict', 'A tenant with the slug "acme" already exists.', { slug: 'acme' });
  });
  instance.get('/invalid', async () => {
    throw new ValidationError([{ field: 'slug', code: 'tenant.slug_invalid', message: 'Use lower-case letters.' }]);
  });
  instance.get('/crash', async () => {
    throw new Error('database password is hunter2');
  });
  await instance.ready();
  return instance;
}

test('schema violations list each field', async () => {
  const response = await (await app()).inject({ method: 'POST', url: '/things', payload: { name: 'x', extra: 1 } });
  assert.equal(response.statusCode, 400);
  assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
  const body = response.json();
  assert.equal(body.code, 'request.invalid');
  assert.equal(body.status, 400);
  const fields = body.errors.map((e: { field: string }) => e.field).sort();
  assert.deepEqual(fields, ['extra', 'name'], 'both problems at once');
});

test('malformed JSON, a wrong media type and an oversized body are client errors, not crashes', async () => {
  const instance = await app();
  const broken = await instance.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json' }, payload: '{"name":' });
  assert.equal(broken.statusCode, 400);
  assert.match(broken.json().code, /^request\.fst_err_ctp_invalid_json_body|^request\./);
  const media = await instance.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'text/csv' }, payload: 'a,b' });
  assert.equal(media.statusCode, 415);
  assert.equal(media.json().status, 415);
  const huge = await instance.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(2_000_000) }) });
  assert.equal(huge.statusCode, 413);
});

test('domain errors map to their status with their stable code', async () => {
  const instance = await app();
  const conflict = await instance.inject('/conflict');
  assert.equal(conflict.statusCode, 409);
  assert.deepEqual(conflict.json(), {
    type: 'about:blank',
    title: 'Conflict',
    status: 409,
    detail: 'A tenant with the slug "acme" already exists.',
    code: 'tenant.slug_taken',
    instance: '/conflict',
  });
  const invalid = await instance.inject('/invalid');
  assert.equal(invalid.statusCode, 400);
  assert.deepEqual(invalid.json().errors, [{ field: 'slug', code: 'tenant.slug_invalid', message: 'Use lower-case letters.' }]);
});

test('unexpected errors become a 500 that reveals nothing', async () => {
  const response = await (await app()).inject('/crash');
  assert.equal(response.statusCode, 500);
  assert.equal(response.json().code, 'server.internal');
  assert.equal(response.body.includes('hunter2'), false);
  assert.equal(response.body.includes('at '), false, 'no stack trace');
});
