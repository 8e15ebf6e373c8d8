// The admin tenant and its people: the first-run setup link creates the first owner once (and
// nothing else creates an owner without one), staff sign in on the admin tenant's hosted pages and
// act with their role, read on every request, and owners manage staff through the API; nobody
// signs up on the admin tenant, and no customer tenant can take its slug.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import { createTenant, PASSWORD, pkcePair, SYSTEM_ACTOR, uniqueEmail } from '../helpers/oidc-clients.ts';
import { createApplication } from '../../src/domain/applications/applications.service.ts';
import { runFoyer } from '../helpers/cli.ts';
import { callAdmin, staffToken } from '../helpers/admin.ts';

describeEachEngine('admin tenant, setup link and staff', (current) => {
  let node: ListeningServer;

  before(async () => {
    node = await startListeningServer(current().engine);
    await createTenant(node.server, 'acme');
  });
  after(() => node.stop());

  test('the admin tenant exists; its slug is reserved; nobody signs up there', async () => {
    assert.equal(node.server.adminTenant.slug, 'admin');
    const taken = await runFoyer(['tenants', 'create', '--slug', 'admin', '--name', 'Mine'], node.server.testDatabase.env);
    assert.equal(taken.code, 2, 'an invalid value, as for any bad slug');
    assert.match(taken.stderr, /reserved/);
    const flow = await node.server.app.inject({ method: 'POST', url: '/t/admin/flows/registration' });
    assert.equal(flow.statusCode, 403);
    assert.equal(flow.json<{ code: string }>().code, 'signup.disabled');
    assert.equal((await node.server.app.inject({ method: 'POST', url: '/t/acme/flows/registration' })).statusCode, 201, 'customer tenants still offer sign-up');
    // The admin tenant's sign-in page offers no sign-up, and its sign-up form is refused.
    const consoleApp = await createApplication({ transaction: node.server.transaction }, node.server.adminTenant.id, { name: 'Console', kind: 'spa', redirectUris: ['https://console.example.test/cb'] }, SYSTEM_ACTOR);
    const { challenge } = await pkcePair();
    const browser = createBrowserSession();
    const query = new URLSearchParams({ client_id: consoleApp.application.id, response_type: 'code', redirect_uri: 'https://console.example.test/cb', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' });
    const signIn = await browser.open(`${node.url}/t/admin/auth?${query}`);
    assert.equal(signIn.status, 200);
    assert.ok(findForm(signIn, isAction('/signin')), 'the sign-in form');
    assert.doesNotMatch(signIn.html, /screen=signup/);
    const signUpScreen = await browser.open(`${signIn.url.href}?screen=signup`);
    assert.equal(findForm(signUpScreen, isAction('/signup')), undefined, 'no sign-up form either');
    const posted = await browser.open(`${signIn.url.origin}${signIn.url.pathname}/signup`, { method: 'POST', body: new URLSearchParams({ email: 'x@example.com', password: PASSWORD }) });
    assert.equal(posted.status, 403);
  });

  test('`foyer admin setup` replaces the link logged at start; the new one creates the first owner once; then no link works', async () => {
    const logged = node.server.logs.find((line) => typeof line['setupLink'] === 'string');
    assert.ok(logged, 'a fresh installation logs a setup link');
    const loggedLink = String(logged['setupLink']);
    assert.match(loggedLink, /\/admin\/setup\?token=/);
    assert.equal((await createBrowserSession().open(loggedLink)).status, 200, 'the logged link works until a new one is asked for');
    const issued = await runFoyer(['admin', 'setup', '--json'], { ...node.server.testDatabase.env, PUBLIC_URL: node.url });
    assert.equal(issued.code, 0, issued.stderr);
    const link = JSON.parse(issued.stdout).link as string;
    assert.notEqual(link, loggedLink);
    assert.equal((await createBrowserSession().open(loggedLink)).status, 404, 'the earlier link stopped working');
    const browser = createBrowserSession({ acceptLanguage: 'de' });
    const page = await browser.open(link);
    assert.equal(page.status, 200);
    assert.match(page.html, /Den ersten Eigentümer anlegen/);
    assert.match(String(page.headers?.get('content-security-policy')), /default-src 'none'/);
    const form = requireForm(page, isAction('/admin/setup'));
    // A forged form (no cookie from this page): refused.
    const forged = await createBrowserSession().submit(form, { email: 'mallory@example.com', password: PASSWORD });
    assert.equal(forged.status, 403);
    const weak = await browser.submit(form, { email: 'owner@example.com', password: 'short' });
    assert.equal(weak.status, 400, 'the password policy applies');
    const done = await browser.submit(requireForm(weak, isAction('/admin/setup')), { email: 'owner@example.com', password: PASSWORD });
    assert.equal(done.status, 200, textOf(done.html));
    assert.match(textOf(done.html), /owner@example\.com/);
    const again = await createBrowserSession().open(link);
    assert.equal(again.status, 404, 'the link worked once');
    const cli = await runFoyer(['admin', 'setup'], { ...node.server.testDatabase.env, PUBLIC_URL: node.url });
    assert.equal(cli.code, 1, 'an owner exists: no new link');
    const owner = await node.server.stores.identities.findByAddress(node.server.adminTenant.id, 'email', 'owner@example.com');
    assert.equal(owner?.metadataAdmin['role'], 'owner');
    const audit = await node.server.stores.audit.list(node.server.adminTenant.id, { limit: 10, targetId: owner!.id });
    assert.deepEqual(audit.map((event) => [event.action, event.actor.type, event.actor.id]), [['staff.created', 'system', 'setup-link']]);
  });

  test('staff act with their role: an owner manages staff, support may not; a demoted member loses power at once', async () => {
    const { token: owner } = await staffToken(node, 'owner');
    const { token: support } = await staffToken(node, 'support');
    assert.equal((await callAdmin(node.server, support, 'GET', '/staff')).statusCode, 403);
    assert.equal((await callAdmin(node.server, support, 'GET', '/tenants/acme/applications')).statusCode, 403, 'support has no apps:read');
    const email = uniqueEmail('new-admin');
    const created = await callAdmin(node.server, owner, 'POST', '/staff', { body: { email, password: PASSWORD, role: 'admin' } });
    assert.equal(created.statusCode, 201, created.body);
    const member = created.json<{ id: string; role: string; email: string }>();
    assert.equal(member.role, 'admin');
    assert.doesNotMatch(created.body, new RegExp(PASSWORD));
    const list = await callAdmin(node.server, owner, 'GET', '/staff?limit=200');
    assert.ok(list.json<{ items: { id: string }[] }>().items.some((item) => item.id === member.id));

    const { token: admin, staffId: adminId } = await staffToken(node, 'admin');
    assert.equal((await callAdmin(node.server, admin, 'GET', '/tenants/acme/applications')).statusCode, 200);
    assert.equal((await callAdmin(node.server, admin, 'GET', '/staff')).statusCode, 403, 'admins do not manage staff');
    const demoted = await callAdmin(node.server, owner, 'PATCH', `/staff/${adminId}`, { body: { role: 'analyst' } });
    assert.equal(demoted.statusCode, 200, demoted.body);
    assert.equal((await callAdmin(node.server, admin, 'GET', '/tenants/acme/applications')).statusCode, 403, 'the same token, the new role');
    assert.equal((await callAdmin(node.server, owner, 'DELETE', `/staff/${adminId}`)).statusCode, 204);
    assert.equal((await callAdmin(node.server, admin, 'GET', '/tenants/acme/applications')).statusCode, 401, 'removed: the token no longer names a staff member');
  });

  test('the last owner can be neither demoted nor removed', async () => {
    const { token, staffId } = await staffToken(node, 'owner');
    // Every other owner goes first.
    const owners = (await callAdmin(node.server, token, 'GET', '/staff?limit=200')).json<{ items: { id: string; role: string }[] }>().items.filter((item) => item.role === 'owner' && item.id !== staffId);
    for (const other of owners) assert.equal((await callAdmin(node.server, token, 'DELETE', `/staff/${other.id}`)).statusCode, 204);
    const demote = await callAdmin(node.server, token, 'PATCH', `/staff/${staffId}`, { body: { role: 'admin' } });
    assert.equal(demote.statusCode, 409);
    assert.equal(demote.json<{ code: string }>().code, 'staff.last_owner');
    assert.equal((await callAdmin(node.server, token, 'DELETE', `/staff/${staffId}`)).statusCode, 409);
  });

  test('owners manage admin clients: a machine bound to one tenant, with the scopes it holds', async () => {
    const { token } = await staffToken(node, 'owner');
    const created = await callAdmin(node.server, token, 'POST', '/admin-clients', { body: { name: 'CRM sync', kind: 'machine', admin_access: { scopes: ['apps:read'], tenant: 'acme' } } });
    assert.equal(created.statusCode, 201, created.body);
    const client = created.json<{ client_id: string; client_secret: string; admin_access: unknown }>();
    assert.deepEqual(client.admin_access, { scopes: ['apps:read'], tenant: 'acme' });
    const consoleApp = await callAdmin(node.server, token, 'POST', '/admin-clients', { body: { name: 'Console', kind: 'spa', redirect_uris: ['https://console.example.test/cb'], admin_access: { scopes: ['apps:read'], tenant: '*' } } });
    assert.equal(consoleApp.statusCode, 400, 'only machines hold admin scopes');
    assert.equal(consoleApp.json<{ errors: { field: string }[] }>().errors[0]?.field, 'admin_access');
    const machine = await node.server.app.inject({
      method: 'POST',
      url: '/t/admin/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` },
      payload: new URLSearchParams({ grant_type: 'client_credentials', scope: 'apps:read', resource: `${node.url}/admin/api/v1` }).toString(),
    });
    assert.equal(machine.statusCode, 200, machine.body);
    const machineToken = machine.json<{ access_token: string }>().access_token;
    assert.equal((await callAdmin(node.server, machineToken, 'GET', '/tenants/acme/applications')).statusCode, 200);
    // Narrowed by an owner: the token it holds loses the scope at once.
    const narrowed = await callAdmin(node.server, token, 'PATCH', `/admin-clients/${client.client_id}`, { body: { admin_access: { scopes: ['stats:read'], tenant: 'acme' } } });
    assert.equal(narrowed.statusCode, 200, narrowed.body);
    assert.equal((await callAdmin(node.server, machineToken, 'GET', '/tenants/acme/applications')).statusCode, 403);
  });
});
