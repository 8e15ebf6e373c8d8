// The tenants use cases over the real stores, on both engines: settings validated on create and on
// change (a JSON Merge Patch, whole document checked), versions (If-Match), paging, and deletion:
// refused for protected or non-empty tenants, and taking the tenant's keys, artifacts and mail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachEngine } from '../helpers/engines.ts';
import { createStores, createTransaction } from '../../src/storage/stores.ts';
import { createTenant, deleteTenant, ensureAdminTenant, ensureDefaultTenant, getTenant, listTenants, updateTenant } from '../../src/domain/tenants/tenants.service.ts';
import type { Actor } from '../../src/domain/tenants/tenants.service.ts';
import { createApplication } from '../../src/domain/applications/applications.service.ts';
import { DomainError, ValidationError } from '../../src/domain/errors.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const OPERATOR: Actor = { type: 'operator', id: 'op-1', context: { ip: '198.51.100.2' } };
const SCHEMA = { type: 'object', properties: { email: { type: 'string', format: 'email', 'x-foyer': { identifier: true, verifiable: 'email' } } }, required: ['email'] };

const fields = (error: unknown) => (error instanceof ValidationError ? error.problems.map((p) => p.field) : []);
const coded = (code: string) => (error: unknown) => error instanceof DomainError && error.code === code;

describeEachEngine('tenants use cases', (current) => {
  const deps = () => {
    const { db } = current().handle;
    return { stores: createStores(db), transaction: createTransaction(db) };
  };

  test('create validates the settings as well as slug and name, naming every bad field', async () => {
    const error = await createTenant(deps(), { slug: 'Bad Slug', name: ' ', settings: { branding: { primaryColor: 'red' }, nonsense: 1 } }, OPERATOR).catch((e: unknown) => e);
    assert.deepEqual(fields(error).sort(), ['name', 'settings.(settings)', 'settings.branding.primaryColor', 'slug'].sort());
    const created = await createTenant(deps(), { slug: 'shop', name: 'Shop', settings: { branding: { name: 'The Shop' }, identitySchema: SCHEMA } }, OPERATOR);
    assert.equal(created.settings.branding?.name, 'The Shop');
    assert.deepEqual(await getTenant(deps().stores, 'shop'), created);
  });

  test('an update merges the patch into the settings, validates the whole, and records what changed', async () => {
    const { stores } = deps();
    const before = await getTenant(stores, 'shop');
    const updated = await updateTenant(deps(), 'shop', { name: 'Shop & Co', settings: { branding: { primaryColor: '#112233' }, defaultLocale: 'de', mail: { from: 'Shop <no-reply@shop.example>' } } }, { expectedUpdatedAt: before.updatedAt }, OPERATOR);
    assert.equal(updated.name, 'Shop & Co');
    assert.deepEqual(updated.settings.branding, { name: 'The Shop', primaryColor: '#112233' }, 'members not in the patch stay');
    assert.deepEqual(updated.settings.identitySchema, SCHEMA);
    assert.ok(updated.updatedAt > before.updatedAt);
    assert.deepEqual(await getTenant(stores, 'shop'), updated);
    const removed = await updateTenant(deps(), 'shop', { settings: { branding: { primaryColor: null }, mail: null } }, {}, OPERATOR);
    assert.deepEqual(removed.settings.branding, { name: 'The Shop' }, 'null removes a member');
    assert.equal(removed.settings.mail, undefined);
    const [entry] = await stores.audit.search(updated.id, { action: 'tenant.updated' }, { limit: 1 });
    assert.deepEqual(entry?.details, { changed: ['settings.branding', 'settings.mail'] });
    assert.deepEqual(entry?.actor, { type: 'operator', id: 'op-1' });
  });

  test('an invalid patch changes nothing and names each field under settings', async () => {
    const before = await getTenant(deps().stores, 'shop');
    const error = await updateTenant(deps(), 'shop', { name: 42, settings: { identitySchema: { type: 'string' }, apis: [{ identifier: 'not a url' }] } }, {}, OPERATOR).catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(fields(error).sort(), ['name', 'settings.apis.0.identifier', 'settings.identitySchema'], 'every bad field at once');
    const schemaError = await updateTenant(deps(), 'shop', { settings: { identitySchema: { type: 'string' } } }, {}, OPERATOR).catch((e: unknown) => e);
    assert.deepEqual(fields(schemaError), ['settings.identitySchema']);
    assert.deepEqual(await getTenant(deps().stores, 'shop'), before);
  });

  test('settings: null resets every setting; settings that are no object are refused', async () => {
    await createTenant(deps(), { slug: 'reset', name: 'Reset', settings: { defaultLocale: 'fr', branding: { name: 'R' } } }, OPERATOR);
    const error = await updateTenant(deps(), 'reset', { settings: ['not', 'an', 'object'] }, {}, OPERATOR).catch((e: unknown) => e);
    assert.deepEqual(fields(error), ['settings']);
    const reset = await updateTenant(deps(), 'reset', { settings: null }, {}, OPERATOR);
    assert.deepEqual(reset.settings, {});
    assert.deepEqual((await getTenant(deps().stores, 'reset')).settings, {});
  });

  test('a change expecting another version is refused (precondition), and a no-op keeps the version', async () => {
    const before = await getTenant(deps().stores, 'shop');
    await assert.rejects(updateTenant(deps(), 'shop', { name: 'Lost update' }, { expectedUpdatedAt: before.updatedAt - 1 }, OPERATOR), coded('request.precondition_failed'));
    const same = await updateTenant(deps(), 'shop', { name: before.name }, { expectedUpdatedAt: before.updatedAt }, OPERATOR);
    assert.equal(same.updatedAt, before.updatedAt);
    await assert.rejects(updateTenant(deps(), 'nobody', { name: 'x' }, {}, OPERATOR), coded('tenant.not_found'));
  });

  test('two changes in one millisecond give two versions', async () => {
    const frozen = { ...deps(), now: () => 1_900_000_000_000 };
    const first = await updateTenant(frozen, 'shop', { name: 'One' }, {}, OPERATOR);
    const second = await updateTenant(frozen, 'shop', { name: 'Two' }, {}, OPERATOR);
    assert.notEqual(first.updatedAt, second.updatedAt);
    await assert.rejects(updateTenant(frozen, 'shop', { name: 'Three' }, { expectedUpdatedAt: first.updatedAt }, OPERATOR), coded('request.precondition_failed'));
  });

  test('lists tenants oldest first, a page at a time, with where the next page starts', async () => {
    for (const slug of ['page-a', 'page-b', 'page-c']) await createTenant(deps(), { slug, name: slug }, OPERATOR);
    const seen: string[] = [];
    let after;
    for (;;) {
      const page = await listTenants(deps().stores, { limit: 2, after });
      seen.push(...page.tenants.map((t) => t.slug));
      if (!page.next) break;
      after = page.next;
    }
    assert.deepEqual(seen.filter((slug) => slug.startsWith('page-')), ['page-a', 'page-b', 'page-c']);
    assert.equal(new Set(seen).size, seen.length);
  });

  test('the default and the admin tenant cannot be deleted, and the admin tenant is never listed', async () => {
    await ensureDefaultTenant({ ...deps(), tenants: deps().stores.tenants });
    await ensureAdminTenant({ ...deps(), tenants: deps().stores.tenants });
    await assert.rejects(deleteTenant(deps(), 'default', {}, OPERATOR), coded('tenant.protected'));
    await assert.rejects(deleteTenant(deps(), 'admin', {}, OPERATOR), coded('tenant.protected'));
    const { tenants } = await listTenants(deps().stores, { limit: 200 });
    assert.ok(tenants.some((t) => t.slug === 'default'));
    assert.ok(!tenants.some((t) => t.slug === 'admin'));
  });

  test('a tenant with an application or a customer is not deleted', async () => {
    const tenant = await createTenant(deps(), { slug: 'busy', name: 'Busy' }, OPERATOR);
    const { application } = await createApplication(deps(), tenant.id, { name: 'App', kind: 'web', redirectUris: ['https://app.example/cb'] }, OPERATOR);
    await assert.rejects(deleteTenant(deps(), 'busy', {}, OPERATOR), coded('tenant.not_empty'));
    assert.ok(await getTenant(deps().stores, 'busy'));
    await deps().stores.applications.delete(tenant.id, application.id);
    const now = Date.now();
    await deps().stores.identities.create({ id: uuidv7(now), tenantId: tenant.id, traits: { email: 'a@example.com' }, addresses: [{ kind: 'email', value: 'a@example.com' }], credentials: [], now });
    await assert.rejects(deleteTenant(deps(), 'busy', {}, OPERATOR), coded('tenant.not_empty'));
  });

  test('an empty tenant is deleted with its keys, flows and mail; its audit entries stay', async () => {
    const { db } = current().handle;
    const tenant = await createTenant(deps(), { slug: 'gone', name: 'Gone' }, OPERATOR);
    const now = Date.now();
    await db.insertInto('signing_keys').values({ id: uuidv7(now), tenant_id: tenant.id, algorithm: 'ES256', status: 'active', public_jwk: '{}', private_key: 'sealed', created_at: now, retired_at: null, unpublish_at: null }).execute();
    await deps().stores.mail.enqueue({ id: uuidv7(now), tenantId: tenant.id, to: 'a@example.com', kind: 'password_changed', locale: 'en', from: undefined, replyTo: undefined, subject: 's', text: 't', html: 'h', createdAt: now });
    await assert.rejects(deleteTenant(deps(), 'gone', { expectedUpdatedAt: tenant.updatedAt + 5 }, OPERATOR), coded('request.precondition_failed'));
    await deleteTenant(deps(), 'gone', { expectedUpdatedAt: tenant.updatedAt }, OPERATOR);
    assert.equal(await deps().stores.tenants.findBySlug('gone'), undefined);
    const left = async (table: 'signing_keys' | 'mail_messages' | 'audit_events') =>
      Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where tenant_id = ${tenant.id}`.execute(db)).rows[0]!.n);
    assert.equal(await left('signing_keys'), 0);
    assert.equal(await left('mail_messages'), 0);
    const audit = await deps().stores.audit.search(tenant.id, {}, { limit: 10 });
    assert.deepEqual(audit.map((e) => e.action), ['tenant.deleted', 'tenant.created']);
    await assert.rejects(deleteTenant(deps(), 'gone', {}, OPERATOR), coded('tenant.not_found'));
  });
});
