// The SCIM service provider through HTTP on each engine: discovery, who may call it, Users
// created, read, filtered (every operator, value filters, and/or/not), sorted, paged, projected,
// replaced, patched by path and value filter, erased; ETags and If-Match; another tenant's Users
// answer 404; every change is audited with the SCIM client and records the same events.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant } from '../helpers/oidc-clients.ts';
import { machineToken } from '../helpers/admin.ts';
import { callScim, scimToken } from '../helpers/scim.ts';

const SCHEMA = {
  type: 'object',
  properties: {
    email: { type: 'string', 'x-foyer': { identifier: true, verifiable: 'email' } },
    name: { type: 'string' },
    given_name: { type: 'string' },
    family_name: { type: 'string' },
    department: { type: 'string' },
    plan: { type: 'string', enum: ['free', 'pro'] },
  },
  required: ['email'],
  additionalProperties: false,
};
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const TRAITS = 'urn:ietf:params:scim:schemas:extension:foyer:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

type User = { id: string; userName: string; active: boolean; name?: Record<string, string>; emails?: { value: string; type: string; primary: boolean }[]; meta: { created: string; lastModified: string; location: string; version: string }; [key: string]: unknown };
type List = { totalResults: number; startIndex: number; itemsPerPage: number; Resources: User[] };
type ScimProblem = { schemas: string[]; status: string; scimType?: string; detail: string };

describeEachEngine('SCIM: Users', (current) => {
  let server: TestServer;
  let token: string;

  before(async () => {
    server = await createTestServer(current().engine);
    await createTenant(server, 'shop', { identitySchema: SCHEMA });
    await createTenant(server, 'other', { identitySchema: SCHEMA });
    token = await scimToken(server);
  });
  after(() => server.close());

  const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: { body?: unknown; headers?: Record<string, string>; base?: string } = {}) => callScim(server, token, method, path, { base: '/t/shop', ...options });
  const create = async (resource: Record<string, unknown>, base = '/t/shop') => {
    const response = await call('POST', '/Users', { body: { schemas: [USER], ...resource }, base });
    assert.equal(response.statusCode, 201, response.body);
    return response.json<User>();
  };
  const ids = async (filter: string, base = '/t/shop') => {
    const response = await call('GET', `/Users?filter=${encodeURIComponent(filter)}`, { base });
    assert.equal(response.statusCode, 200, `${filter}: ${response.body}`);
    return response.json<List>().Resources.map((user) => user.userName).sort();
  };
  const problemOf = (response: { statusCode: number; body: string; headers: Record<string, unknown> }, status: number, scimType?: string) => {
    assert.equal(response.statusCode, status, response.body);
    assert.match(String(response.headers['content-type']), /^application\/scim\+json/);
    const problem = JSON.parse(response.body) as ScimProblem;
    assert.deepEqual(problem.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    assert.equal(problem.status, String(status));
    assert.equal(problem.scimType, scimType);
    return problem;
  };

  test('discovery: the service provider, its resource types, and schemas with the traits extension generated from the trait schema', async () => {
    const config = await call('GET', '/ServiceProviderConfig');
    assert.equal(config.statusCode, 200, config.body);
    const body = config.json<Record<string, { supported: boolean }>>();
    for (const feature of ['patch', 'bulk', 'filter', 'sort', 'etag']) assert.equal(body[feature]?.supported, true, feature);
    const types = (await call('GET', '/ResourceTypes')).json<List>();
    assert.deepEqual(types.Resources.map((type) => type.id).sort(), ['Group', 'User']);
    const schemas = (await call('GET', '/Schemas')).json<{ Resources: { id: string; attributes: { name: string }[] }[] }>();
    const traits = schemas.Resources.find((schema) => schema.id === TRAITS);
    // email, the names and department have core or enterprise attributes; plan does not.
    assert.deepEqual(traits?.attributes.map((attribute) => attribute.name), ['plan']);
    const user = await call('GET', `/Schemas/${USER}`);
    assert.equal(user.statusCode, 200);
    problemOf(await call('GET', '/Schemas/urn:nope'), 404);
  });

  test('who may call: a token with the scim scope, for a tenant it is bound to; anything else is a SCIM error', async () => {
    problemOf(await callScim(server, undefined, 'GET', '/Users', { base: '/t/shop' }), 401);
    problemOf(await callScim(server, 'not-a-token', 'GET', '/Users', { base: '/t/shop' }), 401);
    const reader = await machineToken(server, ['customers:read']);
    problemOf(await callScim(server, reader, 'GET', '/Users', { base: '/t/shop' }), 403);
    const boundElsewhere = await scimToken(server, 'other');
    problemOf(await callScim(server, boundElsewhere, 'GET', '/Users', { base: '/t/shop' }), 404);
    assert.equal((await callScim(server, boundElsewhere, 'GET', '/Users', { base: '/t/other' })).statusCode, 200);
    problemOf(await callScim(server, token, 'GET', '/Users', { base: '/t/admin' }), 404);
    problemOf(await callScim(server, token, 'GET', '/Users', { base: '/t/nowhere' }), 404);
    assert.equal((await callScim(server, token, 'GET', '/Users')).statusCode, 200, 'the default tenant at /scim/v2');
  });

  test('create and read: core, enterprise and traits attributes round-trip with an ETag; refusals carry a scimType', async () => {
    const created = await create({
      userName: 'Ann.Create@Example.com',
      externalId: 'crm-0001',
      name: { givenName: 'Ann', familyName: 'Lee', formatted: 'Ann Lee' },
      emails: [{ value: 'Ann.Create@Example.com', type: 'work', primary: true }],
      [ENTERPRISE]: { department: 'Sales' },
      [TRAITS]: { plan: 'pro' },
      nickName: 'not kept: this tenant has no trait for it',
    });
    assert.equal(created.userName, 'Ann.Create@Example.com');
    assert.equal(created['externalId'], 'crm-0001');
    assert.deepEqual(created.name, { formatted: 'Ann Lee', givenName: 'Ann', familyName: 'Lee' });
    assert.equal(created['displayName'], 'Ann Lee');
    assert.deepEqual(created.emails, [{ value: 'Ann.Create@Example.com', type: 'work', primary: true }]);
    assert.deepEqual(created[ENTERPRISE], { department: 'Sales' });
    assert.deepEqual(created[TRAITS], { plan: 'pro' });
    assert.deepEqual(created['schemas'], [USER, ENTERPRISE, TRAITS]);
    assert.equal(created.active, true);
    assert.equal(created['nickName'], undefined);
    assert.match(created.meta.location, new RegExp(`/t/shop/scim/v2/Users/${created.id}$`));

    const read = await call('GET', `/Users/${created.id}`);
    assert.equal(read.statusCode, 200);
    assert.equal(read.headers['etag'], created.meta.version);
    assert.deepEqual(read.json(), created);

    const activity = await server.stores.audit.listForIdentity((await server.stores.tenants.findBySlug('shop'))!.id, created.id, { limit: 50 });
    const entry = activity.find((row) => row.action === 'identity.created');
    assert.equal(entry?.actor.type, 'machine', 'audited with the SCIM client as the actor');

    problemOf(await call('POST', '/Users', { body: { schemas: [USER], userName: 'ann.create@example.com' } }), 409, 'uniqueness');
    problemOf(await call('POST', '/Users', { body: { schemas: [USER], userName: 'other.create@example.com', externalId: 'crm-0001' } }), 409, 'uniqueness');
    assert.deepEqual(await ids('externalId eq "crm-0001"'), ['Ann.Create@Example.com']);
    assert.deepEqual(await ids('externalId eq "CRM-0001"'), [], 'externalId is case-exact');
    const invalid = problemOf(await call('POST', '/Users', { body: { schemas: [USER], userName: 'bad@example.com', [TRAITS]: { plan: 'gold' } } }), 400, 'invalidValue');
    assert.match(invalid.detail, /plan/);
    problemOf(await call('POST', '/Users', { body: { schemas: [USER], name: { givenName: 'No user name' } } }), 400, 'invalidValue');
    problemOf(await call('POST', '/Users', { body: { schemas: [USER], userName: 'pw@example.com', password: 'a long enough password' } }), 400, 'mutability');
    problemOf(await call('POST', '/Users', { body: { schemas: [USER], userName: 'x@example.com', emails: [{ value: 'y@example.com', primary: true }] } }), 400, 'invalidValue');
    problemOf(await server.app.inject({ method: 'POST', url: '/t/shop/scim/v2/Users', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, payload: '{not json' }), 400, 'invalidSyntax');
    problemOf(await call('GET', '/Users/00000000-0000-0000-0000-000000000000'), 404);
  });

  test('filters: every operator, times, value filters on emails, and/or/not, extension attributes', async () => {
    await createTenant(server, 'filters', { identitySchema: SCHEMA });
    const base = '/t/filters';
    const made: User[] = [];
    for (const [userName, department, plan] of [['amy@x.example', 'Sales', 'pro'], ['bob@y.example', 'Support', 'free'], ['abe@x.example', 'Sales', 'free'], ['cat@z.example', undefined, undefined]] as const) {
      made.push(await create({ userName, name: { givenName: userName.slice(0, 3) }, ...(department ? { [ENTERPRISE]: { department } } : {}), ...(plan ? { [TRAITS]: { plan } } : {}) }, base));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const at = (index: number) => made[index]!.meta.created;
    const check = async (filter: string, expected: string[]) => assert.deepEqual(await ids(filter, base), [...expected].sort(), filter);

    await check('userName eq "AMY@x.example"', ['amy@x.example']);
    await check('userName ne "amy@x.example"', ['abe@x.example', 'bob@y.example', 'cat@z.example']);
    await check('userName co "@x."', ['abe@x.example', 'amy@x.example']);
    await check('userName sw "a"', ['abe@x.example', 'amy@x.example']);
    await check('userName ew "z.example"', ['cat@z.example']);
    await check('userName gt "b"', ['bob@y.example', 'cat@z.example']);
    await check('userName le "amy@x.example"', ['abe@x.example', 'amy@x.example']);
    await check(`${ENTERPRISE}:department pr`, ['abe@x.example', 'amy@x.example', 'bob@y.example']);
    await check(`${ENTERPRISE}:department eq "sales"`, ['abe@x.example', 'amy@x.example']);
    await check(`${TRAITS}:plan eq "pro"`, ['amy@x.example']);
    await check('plan eq "free"', ['abe@x.example', 'bob@y.example']);
    await check('name.givenName sw "ab"', ['abe@x.example']);
    await check('name[givenName eq "bob"]', ['bob@y.example']);
    await check(`meta.created gt "${at(1)}"`, ['abe@x.example', 'cat@z.example']);
    await check(`meta.created ge "${at(1)}"`, ['abe@x.example', 'bob@y.example', 'cat@z.example']);
    await check(`meta.created lt "${at(1)}"`, ['amy@x.example']);
    await check(`meta.created le "${at(1)}"`, ['amy@x.example', 'bob@y.example']);
    await check(`meta.lastModified gt "${at(2)}"`, ['cat@z.example']);
    await check('emails[type eq "work" and value co "@x"]', ['abe@x.example', 'amy@x.example']);
    await check('emails[type eq "home" and value co "@x"]', []);
    await check('emails[primary eq true and value ew "y.example"]', ['bob@y.example']);
    await check('emails.value co "@z"', ['cat@z.example']);
    await check('emails co "@y"', ['bob@y.example']);
    await check('userName sw "a" and plan eq "pro"', ['amy@x.example']);
    await check('userName sw "c" or plan eq "pro"', ['amy@x.example', 'cat@z.example']);
    await check('not (userName sw "a")', ['bob@y.example', 'cat@z.example']);
    await check(`not (plan pr) or (userName sw "b" and not (${ENTERPRISE}:department eq "sales"))`, ['bob@y.example', 'cat@z.example']);
    await check('active eq true', made.map((user) => user.userName));
    await check(`id eq "${made[3]!.id}"`, ['cat@z.example']);
    await check('title eq "unkept"', []);
    await check('meta.resourceType eq "User"', made.map((user) => user.userName));

    problemOf(await call('GET', `/Users?filter=${encodeURIComponent('userName eq')}`, { base }), 400, 'invalidFilter');
    problemOf(await call('GET', `/Users?filter=${encodeURIComponent('shoeSize gt 3')}`, { base }), 400, 'invalidFilter');
    problemOf(await call('GET', `/Users?filter=${encodeURIComponent('meta.created gt "yesterday"')}`, { base }), 400, 'invalidFilter');

    // Sorting, pages, and which attributes come back.
    const page = async (query: string) => (await call('GET', `/Users?${query}`, { base })).json<List>();
    assert.deepEqual((await page('sortBy=userName&sortOrder=descending')).Resources.map((user) => user.userName), ['cat@z.example', 'bob@y.example', 'amy@x.example', 'abe@x.example']);
    const second = await page('sortBy=userName&startIndex=2&count=2');
    assert.deepEqual([second.totalResults, second.startIndex, second.itemsPerPage], [4, 2, 2]);
    assert.deepEqual(second.Resources.map((user) => user.userName), ['amy@x.example', 'bob@y.example']);
    assert.deepEqual((await page('count=0')).Resources, []);
    assert.equal((await page('count=0')).totalResults, 4);
    assert.deepEqual((await page('sortBy=meta.created&count=1')).Resources.map((user) => user.userName), ['amy@x.example']);
    const projected = await page(`filter=${encodeURIComponent('userName eq "amy@x.example"')}&attributes=userName,name.givenName,${ENTERPRISE}:department`);
    assert.deepEqual(projected.Resources[0], { schemas: [USER, ENTERPRISE, TRAITS], id: made[0]!.id, userName: 'amy@x.example', name: { givenName: 'amy' }, [ENTERPRISE]: { department: 'Sales' } });
    const excluded = (await page(`filter=${encodeURIComponent('userName eq "amy@x.example"')}&excludedAttributes=emails,meta,${TRAITS}`)).Resources[0]!;
    assert.equal(excluded.emails, undefined);
    assert.equal(excluded.meta, undefined);
    assert.equal(excluded[TRAITS], undefined);
    assert.equal(excluded.userName, 'amy@x.example');
    problemOf(await call('GET', '/Users?sortBy=shoeSize', { base }), 400, 'invalidValue');

    const searched = await call('POST', '/Users/.search', { base, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'plan eq "free"', sortBy: 'userName', attributes: ['userName'] } });
    assert.equal(searched.statusCode, 200, searched.body);
    assert.deepEqual(searched.json<List>().Resources.map((user) => Object.keys(user).sort()), [['id', 'schemas', 'userName'], ['id', 'schemas', 'userName']]);
  });

  test('the conventional traits hold their attributes: phone numbers, nickname, locale, enterprise number and manager', async () => {
    const schema = {
      type: 'object',
      properties: {
        email: { type: 'string', 'x-foyer': { identifier: true, verifiable: 'email' } },
        phone_number: { type: 'string' },
        nickname: { type: 'string' },
        locale: { type: 'string' },
        employee_number: { type: 'string' },
        manager_id: { type: 'string' },
        score: { type: 'integer' },
      },
      required: ['email'],
      additionalProperties: false,
    };
    await createTenant(server, 'conventional', { identitySchema: schema });
    const base = '/t/conventional';
    const created = await create(
      {
        userName: 'zed@example.com',
        phoneNumbers: [{ value: '+33 6 12 34 56 78', type: 'mobile', primary: true }],
        nickName: 'Z',
        locale: 'fr-FR',
        [ENTERPRISE]: { employeeNumber: 'E-42', manager: { value: 'boss-1' } },
        [TRAITS]: { score: 7 },
      },
      base,
    );
    assert.deepEqual(created['phoneNumbers'], [{ value: '+33 6 12 34 56 78', type: 'mobile', primary: true }]);
    assert.deepEqual([created['nickName'], created['locale']], ['Z', 'fr-FR']);
    assert.deepEqual(created[ENTERPRISE], { employeeNumber: 'E-42', manager: { value: 'boss-1' } });
    assert.deepEqual(created[TRAITS], { score: 7 });
    const schemas = (await call('GET', '/Schemas', { base })).json<{ Resources: { id: string; attributes: { name: string; type: string }[] }[] }>();
    assert.deepEqual(schemas.Resources.find((each) => each.id === TRAITS)?.attributes.map((attribute) => [attribute.name, attribute.type]), [['score', 'integer']]);
    assert.deepEqual(await ids('phoneNumbers[type eq "mobile" and value sw "+33"]', base), ['zed@example.com']);
    assert.deepEqual(await ids(`${ENTERPRISE}:manager.value eq "boss-1" and ${ENTERPRISE}:employeeNumber eq "e-42"`, base), ['zed@example.com']);
    assert.deepEqual(await ids('nickName eq "z" and locale sw "fr"', base), ['zed@example.com']);
    assert.deepEqual(await ids('score eq 7', base), ['zed@example.com']);
  });

  test('PATCH with paths and value filters, PUT, and If-Match', async () => {
    const user = await create({ userName: 'pat@example.com', externalId: 'crm-pat', name: { givenName: 'Pat', familyName: 'Old' }, [TRAITS]: { plan: 'free' } });
    const patch = (operations: unknown[], headers: Record<string, string> = {}) => call('PATCH', `/Users/${user.id}`, { body: { schemas: [PATCH_OP], Operations: operations }, headers });

    const replaced = await patch([
      { op: 'replace', path: 'name.givenName', value: 'Patricia' },
      { op: 'remove', path: 'name.familyName' },
      { op: 'add', path: `${ENTERPRISE}:department`, value: 'Legal' },
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'patricia@example.com' },
      { op: 'replace', value: { [`${TRAITS}:plan`]: 'pro' } },
      { op: 'replace', path: 'externalId', value: 'crm-patricia' },
    ]);
    assert.equal(replaced.statusCode, 200, replaced.body);
    const after = replaced.json<User>();
    assert.deepEqual(after.name, { givenName: 'Patricia' });
    assert.deepEqual(after[ENTERPRISE], { department: 'Legal' });
    assert.equal(after.userName, 'patricia@example.com', 'the userName is the email trait');
    assert.deepEqual(after[TRAITS], { plan: 'pro' });
    assert.equal(after['externalId'], 'crm-patricia');
    assert.equal(replaced.headers['etag'], after.meta.version);
    assert.notEqual(after.meta.version, user.meta.version);

    // A stale version is refused, and nothing changes.
    problemOf(await patch([{ op: 'replace', path: 'name.givenName', value: 'Stale' }], { 'if-match': user.meta.version }), 412);
    problemOf(await call('PUT', `/Users/${user.id}`, { body: { schemas: [USER], userName: 'patricia@example.com' }, headers: { 'if-match': user.meta.version } }), 412);
    problemOf(await call('DELETE', `/Users/${user.id}`, { headers: { 'if-match': user.meta.version } }), 412);
    assert.equal((await call('GET', `/Users/${user.id}`)).json<User>().name?.['givenName'], 'Patricia');

    problemOf(await patch([{ op: 'replace', path: 'userName', value: 'not an email' }]), 400, 'invalidValue');
    problemOf(await patch([{ op: 'jump', path: 'userName' }]), 400, 'invalidSyntax');
    problemOf(await call('PATCH', `/Users/${user.id}`, { body: { Operations: [] } }), 400, 'invalidSyntax');
    problemOf(await patch([{ op: 'remove' }]), 400, 'noTarget');
    problemOf(await patch([{ op: 'add', path: 'emails[type eq', value: 'x' }]), 400, 'invalidPath');

    // Blocking through `active`, then PUT replaces the whole User (what it leaves out goes).
    const blocked = await patch([{ op: 'replace', path: 'active', value: false }], { 'if-match': after.meta.version });
    assert.equal(blocked.statusCode, 200, blocked.body);
    assert.equal(blocked.json<User>().active, false);
    assert.deepEqual(await ids('active eq false'), ['patricia@example.com']);
    const put = await call('PUT', `/Users/${user.id}`, { body: { schemas: [USER], userName: 'patricia@example.com', active: true, name: { familyName: 'New' } }, headers: { 'if-match': blocked.json<User>().meta.version } });
    assert.equal(put.statusCode, 200, put.body);
    const whole = put.json<User>();
    assert.deepEqual(whole.name, { familyName: 'New' });
    assert.equal(whole[ENTERPRISE], undefined);
    assert.equal(whole[TRAITS], undefined);
    assert.equal(whole.active, true);
    assert.equal(whole['externalId'], undefined, 'PUT replaces: an external id left out goes');
  });

  test('DELETE erases the customer through the erasure use case; another tenant cannot see or touch a User', async () => {
    const user = await create({ userName: 'gone@example.com' });
    const otherBase = '/t/other';
    problemOf(await call('GET', `/Users/${user.id}`, { base: otherBase }), 404);
    problemOf(await call('DELETE', `/Users/${user.id}`, { base: otherBase }), 404);
    problemOf(await call('PATCH', `/Users/${user.id}`, { base: otherBase, body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] } }), 404);
    assert.deepEqual(await ids('userName eq "gone@example.com"', otherBase), []);

    const erased = await call('DELETE', `/Users/${user.id}`, { headers: { 'if-match': user.meta.version } });
    assert.equal(erased.statusCode, 204, erased.body);
    problemOf(await call('GET', `/Users/${user.id}`), 404);
    const shop = (await server.stores.tenants.findBySlug('shop'))!;
    assert.equal(await server.stores.identities.findById(shop.id, user.id), undefined);
    const entries = await server.stores.audit.listForIdentity(shop.id, user.id, { limit: 50 });
    assert.ok(entries.some((entry) => entry.action === 'identity.deleted' && entry.actor.type === 'machine'));
  });

  test('Bulk: operations in order, bulkId references, failOnErrors stops after that many failures', async () => {
    await createTenant(server, 'bulk', { identitySchema: SCHEMA });
    const base = '/t/bulk';
    const bulk = (body: Record<string, unknown>) => call('POST', '/Bulk', { base, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], ...body } });
    const first = await bulk({
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'one', data: { schemas: [USER], userName: 'one@example.com' } },
        { method: 'PATCH', path: '/Users/bulkId:one', data: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'name.givenName', value: 'One' }] } },
        { method: 'POST', path: '/Users', bulkId: 'bad', data: { schemas: [USER], userName: 'not an email' } },
        { method: 'POST', path: '/Users', bulkId: 'two', data: { schemas: [USER], userName: 'two@example.com' } },
      ],
    });
    assert.equal(first.statusCode, 200, first.body);
    const results = first.json<{ schemas: string[]; Operations: { method: string; bulkId?: string; status: string; location?: string; version?: string; response?: ScimProblem }[] }>();
    assert.deepEqual(results.schemas, ['urn:ietf:params:scim:api:messages:2.0:BulkResponse']);
    assert.deepEqual(results.Operations.map((operation) => operation.status), ['201', '200', '400', '201']);
    assert.match(String(results.Operations[0]!.location), /\/t\/bulk\/scim\/v2\/Users\//);
    assert.ok(results.Operations[1]!.version);
    assert.equal(results.Operations[2]!.response?.scimType, 'invalidValue');
    assert.deepEqual(await ids('name.givenName eq "One"', base), ['one@example.com']);

    const stopped = await bulk({
      failOnErrors: 1,
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'dup', data: { schemas: [USER], userName: 'one@example.com' } },
        { method: 'POST', path: '/Users', bulkId: 'three', data: { schemas: [USER], userName: 'three@example.com' } },
      ],
    });
    assert.deepEqual(stopped.json<{ Operations: { status: string; response?: ScimProblem }[] }>().Operations.map((operation) => [operation.status, operation.response?.scimType]), [['409', 'uniqueness']]);
    assert.deepEqual(await ids('userName eq "three@example.com"', base), [], 'nothing ran after the first failure');

    const unresolved = await bulk({ Operations: [{ method: 'DELETE', path: '/Users/bulkId:nowhere' }] });
    assert.equal(unresolved.json<{ Operations: { status: string }[] }>().Operations[0]!.status, '409');
    problemOf(await bulk({ Operations: Array.from({ length: 101 }, () => ({ method: 'DELETE', path: '/Users/x' })) }), 413);
  });
});
