// SCIM Groups through HTTP on each engine: customer groups created with members, read, filtered
// (name, external id, members, times), sorted; members added and removed by PATCH (as Entra ID
// and Okta do), replaced by PUT, under If-Match; Users show their groups and are filtered by them;
// a group's members are Users of its own tenant; erasing a customer takes them out of every
// group; Bulk creates a User and a Group naming it; every change is audited with the SCIM client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant } from '../helpers/oidc-clients.ts';
import { callScim, scimToken } from '../helpers/scim.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

type Member = { value: string; $ref: string; type: string };
type Group = { id: string; displayName: string; externalId?: string; members: Member[]; meta: { version: string; location: string; created: string } };
type User = { id: string; userName: string; groups?: { value: string; display: string; type: string }[] };
type List<T> = { totalResults: number; Resources: T[] };

describeEachEngine('SCIM: Groups', (current) => {
  let server: TestServer;
  let token: string;
  const base = '/t/teams';

  before(async () => {
    server = await createTestServer(current().engine);
    await createTenant(server, 'teams');
    await createTenant(server, 'elsewhere');
    token = await scimToken(server);
  });
  after(() => server.close());

  const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: { body?: unknown; headers?: Record<string, string>; base?: string } = {}) => callScim(server, token, method, path, { base, ...options });
  const user = async (userName: string, at = base) => {
    const response = await call('POST', '/Users', { base: at, body: { schemas: [USER], userName } });
    assert.equal(response.statusCode, 201, response.body);
    return response.json<User>();
  };
  const group = async (body: Record<string, unknown>) => {
    const response = await call('POST', '/Groups', { body: { schemas: [GROUP], ...body } });
    assert.equal(response.statusCode, 201, response.body);
    return response.json<Group>();
  };
  const names = async (filter: string) => {
    const response = await call('GET', `/Groups?filter=${encodeURIComponent(filter)}&sortBy=displayName`);
    assert.equal(response.statusCode, 200, `${filter}: ${response.body}`);
    return response.json<List<Group>>().Resources.map((each) => each.displayName);
  };
  const scimTypeOf = (response: { statusCode: number; body: string }, status: number) => {
    assert.equal(response.statusCode, status, response.body);
    return (JSON.parse(response.body) as { scimType?: string }).scimType;
  };

  test('groups with members: create, read, filter, sort; Users show and are filtered by their groups', async () => {
    const ann = await user('ann@teams.example');
    const bob = await user('bob@teams.example');
    const sales = await group({ displayName: 'Sales', externalId: 'crm-sales', members: [{ value: ann.id }, { value: bob.id }] });
    assert.deepEqual(sales.members.map((member) => member.value), [ann.id, bob.id]);
    assert.match(sales.members[0]!.$ref, new RegExp(`/t/teams/scim/v2/Users/${ann.id}$`));
    assert.match(sales.meta.location, new RegExp(`/t/teams/scim/v2/Groups/${sales.id}$`));
    const support = await group({ displayName: 'Support', members: [{ value: bob.id }] });
    await group({ displayName: 'Empty' });

    const read = await call('GET', `/Groups/${sales.id}`);
    assert.equal(read.headers['etag'], sales.meta.version);
    assert.deepEqual(read.json(), sales);
    assert.deepEqual(Object.keys((await call('GET', `/Groups/${sales.id}?excludedAttributes=members`)).json<Record<string, unknown>>()).sort(), ['displayName', 'externalId', 'id', 'meta', 'schemas']);

    assert.deepEqual(await names('displayName eq "sales"'), ['Sales']);
    assert.deepEqual(await names('displayName sw "s"'), ['Sales', 'Support']);
    assert.deepEqual(await names(`members[value eq "${bob.id}"]`), ['Sales', 'Support']);
    assert.deepEqual(await names(`members.value eq "${ann.id}"`), ['Sales']);
    assert.deepEqual(await names('not (members pr)'), ['Empty']);
    assert.deepEqual(await names('externalId eq "crm-sales"'), ['Sales']);
    assert.deepEqual(await names(`meta.created gt "${sales.meta.created}" and displayName co "p"`), ['Empty', 'Support']);
    const sorted = (await call('GET', '/Groups?sortBy=displayName&sortOrder=descending&count=2')).json<List<Group>>();
    assert.deepEqual([sorted.totalResults, sorted.Resources.map((each) => each.displayName)], [3, ['Support', 'Sales']]);
    assert.equal(scimTypeOf(await call('GET', `/Groups?filter=${encodeURIComponent('members.value co "x"')}`), 400), 'invalidFilter');

    const bobRead = (await call('GET', `/Users/${bob.id}`)).json<User>();
    assert.deepEqual(bobRead.groups?.map((each) => [each.display, each.type]), [['Sales', 'direct'], ['Support', 'direct']]);
    const members = (await call('GET', `/Users?filter=${encodeURIComponent(`groups.value eq "${support.id}"`)}`)).json<List<User>>();
    assert.deepEqual(members.Resources.map((each) => each.userName), ['bob@teams.example']);
    const inSales = (await call('GET', `/Users?filter=${encodeURIComponent(`groups[value eq "${sales.id}"] and userName sw "a"`)}`)).json<List<User>>();
    assert.deepEqual(inSales.Resources.map((each) => each.userName), ['ann@teams.example']);

    assert.equal(scimTypeOf(await call('POST', '/Groups', { body: { schemas: [GROUP], displayName: 'Sales' } }), 409), 'uniqueness');
    assert.equal(scimTypeOf(await call('POST', '/Groups', { body: { schemas: [GROUP], displayName: 'Other', externalId: 'crm-sales' } }), 409), 'uniqueness');
    assert.equal(scimTypeOf(await call('POST', '/Groups', { body: { schemas: [GROUP] } }), 400), 'invalidValue');
    const stranger = await user('stranger@elsewhere.example', '/t/elsewhere');
    assert.equal(scimTypeOf(await call('POST', '/Groups', { body: { schemas: [GROUP], displayName: 'Mixed', members: [{ value: stranger.id }] } }), 400), 'invalidValue', 'a customer of another tenant cannot be a member');
    assert.equal((await call('GET', `/Groups/${sales.id}`, { base: '/t/elsewhere' })).statusCode, 404);

    const audited = await server.stores.audit.list((await server.stores.tenants.findBySlug('teams'))!.id, { targetId: sales.id, limit: 10 });
    assert.deepEqual(audited.map((entry) => [entry.action, entry.actor.type]), [['group.created', 'machine']]);
  });

  test('PATCH adds and removes members and renames; PUT replaces; If-Match; DELETE; erasure leaves every group', async () => {
    const carl = await user('carl@teams.example');
    const dina = await user('dina@teams.example');
    const ops = await group({ displayName: 'Ops', members: [{ value: carl.id }] });
    const patch = (operations: unknown[], headers: Record<string, string> = {}) => call('PATCH', `/Groups/${ops.id}`, { body: { schemas: [PATCH_OP], Operations: operations }, headers });

    const added = await patch([{ op: 'Add', path: 'members', value: [{ value: dina.id }] }, { op: 'Replace', path: 'displayName', value: 'Operations' }], { 'if-match': ops.meta.version });
    assert.equal(added.statusCode, 200, added.body);
    assert.deepEqual(added.json<Group>().members.map((member) => member.value), [carl.id, dina.id]);
    assert.equal(added.json<Group>().displayName, 'Operations');
    assert.equal(scimTypeOf(await patch([{ op: 'remove', path: `members[value eq "${carl.id}"]` }], { 'if-match': ops.meta.version }), 412), undefined);

    const removed = await patch([{ op: 'remove', path: `members[value eq "${carl.id}"]` }]);
    assert.deepEqual(removed.json<Group>().members.map((member) => member.value), [dina.id]);
    assert.equal(scimTypeOf(await patch([{ op: 'add', path: 'members', value: [{ value: 'nobody' }] }]), 400), 'invalidValue');

    const put = await call('PUT', `/Groups/${ops.id}`, { body: { schemas: [GROUP], displayName: 'Ops', externalId: 'crm-ops', members: [{ value: carl.id }] }, headers: { 'if-match': removed.json<Group>().meta.version } });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual([put.json<Group>().externalId, put.json<Group>().members.map((member) => member.value)], ['crm-ops', [carl.id]]);

    // Erasing a customer takes them out of every group.
    assert.equal((await call('DELETE', `/Users/${carl.id}`)).statusCode, 204);
    assert.deepEqual((await call('GET', `/Groups/${ops.id}`)).json<Group>().members, []);

    assert.equal(scimTypeOf(await call('DELETE', `/Groups/${ops.id}`, { headers: { 'if-match': ops.meta.version } }), 412), undefined);
    assert.equal((await call('DELETE', `/Groups/${ops.id}`)).statusCode, 204);
    assert.equal((await call('GET', `/Groups/${ops.id}`)).statusCode, 404);
    const tenantId = (await server.stores.tenants.findBySlug('teams'))!.id;
    const actions = (await server.stores.audit.list(tenantId, { targetId: ops.id, limit: 20 })).map((entry) => entry.action).reverse();
    assert.deepEqual(actions, ['group.created', 'group.updated', 'group.updated', 'group.updated', 'group.deleted']);
  });

  test('Bulk: a User and a Group naming it by bulkId', async () => {
    const response = await call('POST', '/Bulk', {
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'eve', data: { schemas: [USER], userName: 'eve@teams.example' } },
          { method: 'POST', path: '/Groups', bulkId: 'night', data: { schemas: [GROUP], displayName: 'Night shift', members: [{ value: 'bulkId:eve' }] } },
        ],
      },
    });
    assert.equal(response.statusCode, 200, response.body);
    const results = response.json<{ Operations: { status: string; location: string }[] }>().Operations;
    assert.deepEqual(results.map((result) => result.status), ['201', '201']);
    const created = (await call('GET', `/Groups/${results[1]!.location.split('/').at(-1)}`)).json<Group>();
    assert.equal(created.members[0]!.value, results[0]!.location.split('/').at(-1));
  });
});
