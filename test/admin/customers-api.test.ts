// The customers resource of the admin API through HTTP on each engine: create (idempotent), read
// with an ETag, list and search by cursor, traits by JSON Merge Patch under If-Match, the account
// actions (block, unblock, recovery and verification emails, sessions, grants, activity), erasure;
// which scope may do what; another tenant's customers answer 404; an analyst sees masked data.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createTenant, PASSWORD } from '../helpers/oidc-clients.ts';
import { callAdmin, machineToken, staffToken } from '../helpers/admin.ts';
import type { AdminScope } from '../../src/domain/admin/scopes.ts';

type Customer = { id: string; status: string; traits: Record<string, unknown>; addresses: { kind: string; value: string; verified: boolean }[]; last_signed_in_at: string | null };
type Page<T> = { items: T[]; next_cursor: string | null };
type Problem = { code: string; errors?: { field: string; code: string }[] };

const SCHEMA = {
  type: 'object',
  properties: {
    email: { type: 'string', 'x-foyer': { identifier: true, verifiable: 'email' } },
    name: { type: 'string' },
    plan: { type: 'string', enum: ['free', 'pro'] },
  },
  required: ['email'],
  additionalProperties: false,
};

describeEachEngine('admin API: customers', (current) => {
  let node: ListeningServer;
  let writer: string;
  let count = 0;
  const email = (name: string) => `${name}.${++count}@example.com`;

  before(async () => {
    node = await startListeningServer(current().engine);
    await createTenant(node.server, 'shop', { identitySchema: SCHEMA });
    await createTenant(node.server, 'other', { identitySchema: SCHEMA });
    writer = await machineToken(node.server, ['customers:read', 'customers:write', 'customers:support', 'customers:erase']);
  });
  after(() => node.stop());

  const call = (token: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) => callAdmin(node.server, token, method, path, options);
  const create = async (tenant: string, traits: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const response = await call(writer, 'POST', `/tenants/${tenant}/customers`, { body: { traits, ...extra } });
    assert.equal(response.statusCode, 201, response.body);
    return response.json<Customer>();
  };

  test('create with verified flags, replayed by Idempotency-Key; read with an ETag; refusals name each field', async () => {
    const key = { 'idempotency-key': `create-${++count}` };
    const body = { traits: { email: email('ann'), name: 'Ann', plan: 'pro' }, password: 'a long enough password', verified: ['email'] };
    const first = await call(writer, 'POST', '/tenants/shop/customers', { body, headers: key });
    assert.equal(first.statusCode, 201, first.body);
    const created = first.json<Customer>();
    assert.match(String(first.headers['location']), new RegExp(`/admin/api/v1/tenants/shop/customers/${created.id}$`));
    assert.deepEqual(created.addresses.map((address) => address.verified), [true]);
    const replay = await call(writer, 'POST', '/tenants/shop/customers', { body, headers: key });
    assert.equal(replay.statusCode, 201);
    assert.equal(replay.json<Customer>().id, created.id);

    const read = await call(writer, 'GET', `/tenants/shop/customers/${created.id}`);
    assert.equal(read.statusCode, 200);
    assert.ok(read.headers['etag']);
    assert.deepEqual(read.json<Customer>().traits, body.traits);

    const refused = await call(writer, 'POST', '/tenants/shop/customers', { body: { traits: { email: 'nope', plan: 'gold', shoe: 42 } } });
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(refused.json<Problem>().errors?.map((problem) => problem.field).sort(), ['email', 'plan', 'shoe']);
    const taken = await call(writer, 'POST', '/tenants/shop/customers', { body: { traits: { email: body.traits.email.toUpperCase() } } });
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json<Problem>().code, 'identity.address_taken');
  });

  test('list and search, newest first, page by page', async () => {
    await createTenant(node.server, 'listing', { identitySchema: SCHEMA });
    const made = [];
    for (const [name, plan] of [['zoe', 'free'], ['zack', 'pro'], ['yan', 'pro']] as const) made.push(await create('listing', { email: email(name), name, plan }));
    const list = async (query: string) => {
      const response = await call(writer, 'GET', `/tenants/listing/customers${query}`);
      assert.equal(response.statusCode, 200, response.body);
      return response.json<Page<Customer>>();
    };
    const ids = (page: Page<Customer>) => page.items.map((item) => item.id);
    assert.deepEqual(ids(await list('')), made.map((customer) => customer.id).reverse());
    assert.deepEqual(ids(await list('?email_prefix=Z')), [made[1]!.id, made[0]!.id]);
    assert.deepEqual(ids(await list('?trait_name=plan&trait_value=pro&name=za')), [made[1]!.id]);
    assert.deepEqual(ids(await list(`?email=${encodeURIComponent(made[2]!.traits['email'] as string)}`)), [made[2]!.id]);
    assert.deepEqual(ids(await list('?status=blocked')), []);
    assert.deepEqual(ids(await list('?created_after=2000-01-01T00:00:00Z&last_sign_in_before=2100-01-01T00:00:00Z')), []);
    const first = await list('?limit=2');
    assert.equal(first.items.length, 2);
    const second = await list(`?limit=2&cursor=${first.next_cursor}`);
    assert.deepEqual([...ids(first), ...ids(second)], made.map((customer) => customer.id).reverse());
    assert.equal(second.next_cursor, null);
    const bad = await call(writer, 'GET', '/tenants/listing/customers?cursor=bogus&trait_name=shoe&trait_value=x');
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json<Problem>().errors?.map((problem) => problem.field).sort(), ['cursor', 'trait_name']);
  });

  test('JSON Merge Patch under If-Match: 412 for a stale ETag; a new email moves the address', async () => {
    const customer = await create('shop', { email: email('pat'), name: 'Pat', plan: 'free' }, { password: 'a long enough password' });
    const path = `/tenants/shop/customers/${customer.id}`;
    const etag = String((await call(writer, 'GET', path)).headers['etag']);
    const patched = await call(writer, 'PATCH', path, { body: { traits: { name: null, plan: 'pro' } }, headers: { 'if-match': etag, 'content-type': 'application/merge-patch+json' } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.deepEqual(patched.json<Customer>().traits, { email: customer.traits['email'], plan: 'pro' });
    assert.notEqual(patched.headers['etag'], etag);
    const stale = await call(writer, 'PATCH', path, { body: { traits: { plan: 'free' } }, headers: { 'if-match': etag } });
    assert.equal(stale.statusCode, 412);
    assert.equal(stale.json<Problem>().code, 'request.precondition_failed');
    const invalid = await call(writer, 'PATCH', path, { body: { traits: { plan: 'gold', email: null } } });
    assert.equal(invalid.statusCode, 400);
    assert.deepEqual(invalid.json<Problem>().errors?.map((problem) => problem.field).sort(), ['email', 'email', 'plan']);
    const moved = await call(writer, 'PATCH', path, { body: { traits: { email: 'Moved@Example.com' }, email_verified: true } });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.deepEqual(moved.json<Customer>().addresses, [{ kind: 'email', value: 'moved@example.com', verified: true, verified_at: moved.json<Customer & { addresses: { verified_at: string }[] }>().addresses[0]!.verified_at }]);
  });

  test('two traits patches sent at once with the same If-Match: one is applied, the other gets 412 (the row is locked before the check)', async () => {
    const customer = await create('shop', { email: email('race'), plan: 'free' });
    const path = `/tenants/shop/customers/${customer.id}`;
    const etag = String((await call(writer, 'GET', path)).headers['etag']);
    const answers = await Promise.all(['Race A', 'Race B'].map((name) => call(writer, 'PATCH', path, { body: { traits: { name } }, headers: { 'if-match': etag } })));
    assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [200, 412]);
    const winner = answers.find((answer) => answer.statusCode === 200)!.json<Customer>().traits['name'];
    assert.equal((await call(writer, 'GET', path)).json<Customer>().traits['name'], winner);
  });

  test('two merge patches of different traits sent at once without If-Match: neither change is lost', async () => {
    const customer = await create('shop', { email: email('merge'), plan: 'free' });
    const path = `/tenants/shop/customers/${customer.id}`;
    const answers = await Promise.all([{ plan: 'pro' }, { name: 'Merged' }].map((traits) => call(writer, 'PATCH', path, { body: { traits } })));
    assert.deepEqual(answers.map((answer) => answer.statusCode), [200, 200]);
    const traits = (await call(writer, 'GET', path)).json<Customer>().traits;
    assert.equal(traits['plan'], 'pro');
    assert.equal(traits['name'], 'Merged');
  });

  test('account actions: block, unblock, recovery and verification emails, sessions, grants, activity, erasure', async () => {
    const customer = await create('shop', { email: email('act') });
    const path = `/tenants/shop/customers/${customer.id}`;
    const blocked = await call(writer, 'POST', `${path}/block`);
    assert.equal(blocked.statusCode, 200);
    assert.equal(blocked.json<Customer>().status, 'blocked');
    assert.equal((await call(writer, 'POST', `${path}/recovery-email`)).json<Problem>().code, 'customer.blocked');
    assert.equal((await call(writer, 'POST', `${path}/unblock`)).json<Customer>().status, 'active');
    const recovery = await call(writer, 'POST', `${path}/recovery-email`);
    assert.equal(recovery.statusCode, 202, recovery.body);
    assert.equal(recovery.json<{ sent_to: string }>().sent_to, customer.traits['email']);
    assert.equal((await call(writer, 'POST', `${path}/verification-email`)).statusCode, 202);
    assert.deepEqual((await call(writer, 'GET', `${path}/sessions`)).json(), { items: [] });
    assert.equal((await call(writer, 'DELETE', `${path}/sessions`)).statusCode, 204);
    assert.equal((await call(writer, 'DELETE', `${path}/sessions/nope`)).statusCode, 404);
    assert.deepEqual((await call(writer, 'GET', `${path}/grants`)).json(), { items: [] });
    assert.equal((await call(writer, 'DELETE', `${path}/grants/nope`)).json<Problem>().code, 'application.not_connected');
    const activity = await call(writer, 'GET', `${path}/activity?limit=3`);
    assert.equal(activity.statusCode, 200);
    const page = activity.json<Page<{ action: string; actor: { type: string } }>>();
    assert.deepEqual(page.items.map((entry) => `${entry.action}:${entry.actor.type}`), ['session.revoked_all:machine', 'address.verification_sent:machine', 'recovery.requested:machine']);
    assert.ok(page.next_cursor);
    const rest = (await call(writer, 'GET', `${path}/activity?limit=50&cursor=${page.next_cursor}`)).json<Page<{ action: string }>>();
    assert.deepEqual(rest.items.map((entry) => entry.action), ['identity.unblocked', 'identity.blocked', 'identity.created']);
    const etag = String((await call(writer, 'GET', path)).headers['etag']);
    assert.equal((await call(writer, 'DELETE', path, { headers: { 'if-match': '"stale"' } })).statusCode, 412);
    assert.equal((await call(writer, 'DELETE', path, { headers: { 'if-match': etag } })).statusCode, 204);
    assert.equal((await call(writer, 'GET', path)).statusCode, 404);
  });

  test('each scope does its part: support acts on accounts but edits and erases nothing; read-only reads', async () => {
    const customer = await create('shop', { email: email('scope') });
    const path = `/tenants/shop/customers/${customer.id}`;
    const token = (scopes: AdminScope[]) => machineToken(node.server, scopes);
    const support = await token(['customers:read', 'customers:support']);
    const reader = await token(['customers:read']);
    const statuses = async (bearer: string) => [
      (await call(bearer, 'GET', path)).statusCode,
      (await call(bearer, 'POST', `${path}/block`)).statusCode,
      (await call(bearer, 'POST', `${path}/unblock`)).statusCode,
      (await call(bearer, 'DELETE', `${path}/sessions`)).statusCode,
      (await call(bearer, 'PATCH', path, { body: { traits: { name: 'X' } } })).statusCode,
      (await call(bearer, 'POST', '/tenants/shop/customers', { body: { traits: { email: email('no') } } })).statusCode,
      (await call(bearer, 'DELETE', path)).statusCode,
    ];
    assert.deepEqual(await statuses(support), [200, 200, 200, 204, 403, 403, 403]);
    assert.deepEqual(await statuses(reader), [200, 403, 403, 403, 403, 403, 403]);
  });

  test('another tenant\'s customers answer 404, to a credential of all tenants and to one bound to its own', async () => {
    const theirs = await create('other', { email: email('theirs') });
    const bound = await machineToken(node.server, ['customers:read', 'customers:write', 'customers:support', 'customers:erase'], { tenant: 'shop' });
    for (const token of [writer, bound]) {
      assert.equal((await call(token, 'GET', `/tenants/shop/customers/${theirs.id}`)).statusCode, 404);
      assert.equal((await call(token, 'PATCH', `/tenants/shop/customers/${theirs.id}`, { body: { traits: { name: 'x' } } })).statusCode, 404);
      assert.equal((await call(token, 'POST', `/tenants/shop/customers/${theirs.id}/block`)).statusCode, 404);
      assert.equal((await call(token, 'GET', `/tenants/shop/customers/${theirs.id}/activity`)).statusCode, 404);
      assert.equal((await call(token, 'DELETE', `/tenants/shop/customers/${theirs.id}`)).statusCode, 404);
    }
    for (const path of [`/tenants/other/customers/${theirs.id}`, '/tenants/other/customers', '/tenants/admin/customers']) {
      assert.equal((await call(bound, 'GET', path)).statusCode, 404, path);
    }
    assert.equal((await call(writer, 'GET', `/tenants/other/customers/${theirs.id}`)).json<Customer>().status, 'active', 'untouched');
  });

  test('an analyst sees customers masked, filters by status and time only, and activity without where it came from', async () => {
    await createTenant(node.server, 'masked', { identitySchema: SCHEMA });
    const customer = await create('masked', { email: 'annabel@example.com', name: 'Annabel Secret', plan: 'pro' });
    const { token } = await staffToken(node, 'analyst');
    const list = await call(token, 'GET', '/tenants/masked/customers?status=active');
    assert.equal(list.statusCode, 200, list.body);
    assert.deepEqual(list.json<Page<unknown>>().items, [{ id: customer.id, status: 'active', masked_email: 'a•••@example.com', email_verified: false, created_at: list.json<Page<{ created_at: string }>>().items[0]!.created_at, last_signed_in_at: null }]);
    assert.doesNotMatch(list.body, /Annabel|annabel@/);
    const one = await call(token, 'GET', `/tenants/masked/customers/${customer.id}`);
    assert.equal(one.json<{ masked_email: string }>().masked_email, 'a•••@example.com');
    assert.doesNotMatch(one.body, /Annabel/);
    for (const path of ['/tenants/masked/customers?email=annabel@example.com', '/tenants/masked/customers?name=ann']) {
      assert.equal((await call(token, 'GET', path)).statusCode, 403, path);
    }
    // Activity and sessions say what happened, not from where.
    await call(writer, 'POST', `/tenants/masked/customers/${customer.id}/block`, { headers: { 'user-agent': 'Secret Browser/1.0' } });
    const activity = await call(token, 'GET', `/tenants/masked/customers/${customer.id}/activity`);
    assert.equal(activity.statusCode, 200);
    const entries = activity.json<Page<{ action: string; ip: string | null; user_agent: string | null; details: object }>>().items;
    assert.deepEqual(entries.map((entry) => [entry.action, entry.ip, entry.user_agent, entry.details]), [['identity.blocked', null, null, {}], ['identity.created', null, null, {}]]);
    assert.equal((await call(writer, 'GET', `/tenants/masked/customers/${customer.id}/activity`)).json<Page<{ user_agent: string }>>().items[0]?.user_agent, 'Secret Browser/1.0');
    assert.deepEqual((await call(token, 'GET', `/tenants/masked/customers/${customer.id}/sessions`)).json(), { items: [] });
    assert.equal((await call(token, 'POST', `/tenants/masked/customers/${customer.id}/block`)).statusCode, 403);
    void PASSWORD;
  });
});
