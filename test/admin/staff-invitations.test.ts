// Staff invitations through HTTP on each engine (issue 19): an owner invites by email with a role;
// the email (the development outbox) carries a link to the admin tenant's page where the invitee
// chooses a password and becomes staff with that role, once; owners list, resend (the old link
// dies) and withdraw invitations; every step is audited; problems are problem+json; every link
// that cannot be used (unknown, expired, withdrawn, used) gets one and the same answer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import { PASSWORD, uniqueEmail } from '../helpers/oidc-clients.ts';
import { callAdmin, staffSignIn, staffToken } from '../helpers/admin.ts';
import { linkIn } from '../helpers/mailbox.ts';

type Invitation = { id: string; email: string; role: string; state: string; invited_by: string | null; expires_at: string };
type Problem = { code: string; status: number; errors?: { field: string; code: string }[] };

describeEachEngine('admin API: staff invitations', (current) => {
  let node: ListeningServer;
  let owner: string;
  let ownerId: string;

  before(async () => {
    node = await startListeningServer(current().engine);
    ({ token: owner, staffId: ownerId } = await staffToken(node, 'owner'));
  });
  after(() => node.stop());

  const call = (method: 'GET' | 'POST' | 'DELETE', path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) => callAdmin(node.server, owner, method, path, options);
  const invite = async (email: string, role: string, extra: Record<string, unknown> = {}) => {
    const response = await call('POST', '/staff-invitations', { body: { email, role, ...extra } });
    assert.equal(response.statusCode, 201, response.body);
    return response.json<Invitation>();
  };
  const auditOf = async (targetId: string) => (await node.server.stores.audit.list(node.server.adminTenant.id, { limit: 20, targetId })).map((event) => event.action).reverse();

  test('an invited support member accepts through the emailed link, signs in, and acts as support', async () => {
    const email = uniqueEmail('invited-support');
    const created = await call('POST', '/staff-invitations', { body: { email: email.toUpperCase(), role: 'support', locale: 'de' }, headers: { 'idempotency-key': `invite-${email}` } });
    assert.equal(created.statusCode, 201, created.body);
    const invitation = created.json<Invitation>();
    assert.deepEqual([invitation.email, invitation.role, invitation.state, invitation.invited_by], [email, 'support', 'pending', ownerId]);
    assert.match(String(created.headers['location']), new RegExp(`/staff-invitations/${invitation.id}$`));
    assert.doesNotMatch(created.body, /token/i, 'the link goes to the inbox only');
    const replay = await call('POST', '/staff-invitations', { body: { email: email.toUpperCase(), role: 'support', locale: 'de' }, headers: { 'idempotency-key': `invite-${email}` } });
    assert.equal(replay.json<Invitation>().id, invitation.id, 'replayed, not invited twice');

    const mail = await node.server.mailbox.next(email, 'staff_invitation');
    assert.equal(mail.locale, 'de');
    assert.match(mail.subject, /eingeladen/);
    assert.match(mail.text, /Support-Mitglied/);
    const link = linkIn(mail);
    assert.equal(link.pathname, '/t/admin/staff-invitation');

    const german = await createBrowserSession({ acceptLanguage: 'de' }).open(link);
    assert.match(textOf(german.html), /Ihre Einladung annehmen[\s\S]*als Support-Mitglied/, 'the page speaks the invitee’s language');
    const browser = createBrowserSession();
    const page = await browser.open(link);
    assert.equal(page.status, 200, textOf(page.html));
    assert.match(textOf(page.html), new RegExp(email.replace(/[.+]/g, '\\$&')));
    assert.match(String(page.headers?.get('content-security-policy')), /default-src 'none'/);
    const form = requireForm(page, isAction('/t/admin/staff-invitation'));
    assert.equal((await createBrowserSession().submit(form, { password: PASSWORD })).status, 403, 'a form without this page’s cookie is refused');
    const weak = await browser.submit(form, { password: 'short' });
    assert.equal(weak.status, 400, 'the password policy applies');
    const done = await browser.submit(requireForm(weak, isAction('/t/admin/staff-invitation')), { password: PASSWORD, email: 'someone-else@example.com' });
    assert.equal(done.status, 200, textOf(done.html));
    assert.match(done.html, /href="\/console"/);
    assert.equal((await createBrowserSession().open(link)).status, 404, 'the link worked once');

    const member = await node.server.stores.identities.findByAddress(node.server.adminTenant.id, 'email', email);
    assert.equal(member?.metadataAdmin['role'], 'support', 'the invitation’s role and address, whatever the form sent');
    assert.equal(await node.server.stores.identities.findByAddress(node.server.adminTenant.id, 'email', 'someone-else@example.com'), undefined);
    const token = await staffSignIn(node, email, PASSWORD);
    const me = await callAdmin(node.server, token, 'GET', '/me');
    assert.equal(me.json<{ role: string }>().role, 'support');
    assert.equal((await callAdmin(node.server, token, 'PATCH', '/tenants/default', { body: { name: 'Mine' } })).statusCode, 403, 'support does not change settings');
    assert.equal((await callAdmin(node.server, token, 'GET', '/staff-invitations')).statusCode, 403, 'nor invites');

    assert.ok(!(await call('GET', '/staff-invitations?limit=200')).json<{ items: Invitation[] }>().items.some((item) => item.id === invitation.id), 'accepted: no longer pending');
    assert.deepEqual(await auditOf(invitation.id), ['staff.invited', 'staff.invitation_accepted']);
    assert.deepEqual(await auditOf(member!.id), ['staff.created', 'signin.succeeded']);
  });

  test('refusals are problem documents: a bad address, someone already staff, someone already invited, a support member', async () => {
    const bad = await call('POST', '/staff-invitations', { body: { email: 'not an address', role: 'admin' } });
    assert.equal(bad.statusCode, 400);
    assert.match(String(bad.headers['content-type']), /application\/problem\+json/);
    assert.deepEqual(bad.json<Problem>().errors?.map((error) => error.field), ['email']);
    const { email: staffEmail } = await staffToken(node, 'analyst');
    const taken = await call('POST', '/staff-invitations', { body: { email: staffEmail, role: 'admin' } });
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json<Problem>().code, 'identity.address_taken');
    const email = uniqueEmail('twice');
    await invite(email, 'analyst');
    const twice = await call('POST', '/staff-invitations', { body: { email, role: 'admin' } });
    assert.equal(twice.statusCode, 409);
    assert.equal(twice.json<Problem>().code, 'staff.already_invited');
    const { token: support } = await staffToken(node, 'support');
    const refused = await callAdmin(node.server, support, 'POST', '/staff-invitations', { body: { email: uniqueEmail('x'), role: 'owner' } });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json<Problem>().code, 'token.insufficient_scope');
    assert.equal((await call('GET', '/staff-invitations/zz-no-such-id')).json<Problem>().code, 'staff.invitation_not_found');
  });

  test('resend: a new link and a new week, the old link stops working; withdraw: the link stops working; listed until then', async () => {
    const email = uniqueEmail('resent');
    const invitation = await invite(email, 'admin');
    const first = linkIn(await node.server.mailbox.next(email, 'staff_invitation'));
    const listed = (await call('GET', '/staff-invitations?limit=200')).json<{ items: Invitation[] }>().items;
    assert.deepEqual(listed.find((item) => item.id === invitation.id)?.state, 'pending');

    const resent = await call('POST', `/staff-invitations/${invitation.id}/resend`);
    assert.equal(resent.statusCode, 200, resent.body);
    const second = linkIn(await node.server.mailbox.next(email, 'staff_invitation', (await node.server.mailbox.to(email)).at(0)?.id));
    assert.notEqual(second.href, first.href);
    assert.equal((await createBrowserSession().open(first)).status, 404, 'the earlier link is dead');
    assert.equal((await createBrowserSession().open(second)).status, 200);

    assert.equal((await call('DELETE', `/staff-invitations/${invitation.id}`)).statusCode, 204);
    assert.equal((await createBrowserSession().open(second)).status, 404, 'withdrawn');
    assert.equal((await call('DELETE', `/staff-invitations/${invitation.id}`)).statusCode, 404);
    assert.equal((await call('POST', `/staff-invitations/${invitation.id}/resend`)).statusCode, 404, 'a withdrawn invitation is not resent');
    assert.ok(!(await call('GET', '/staff-invitations?limit=200')).json<{ items: Invitation[] }>().items.some((item) => item.id === invitation.id));
    assert.deepEqual(await auditOf(invitation.id), ['staff.invited', 'staff.invitation_resent', 'staff.invitation_revoked']);
    // The address may be invited again.
    await invite(email, 'analyst');
  });

  test('an expired link, a withdrawn one, a used one and a made-up one get the same answer; an expired invitation is listed as such and can be resent', async () => {
    const email = uniqueEmail('late');
    const invitation = await invite(email, 'analyst');
    const link = linkIn(await node.server.mailbox.next(email, 'staff_invitation'));
    await node.server.testDatabase.handle.db.updateTable('staff_invitations').set({ expires_at: Date.now() - 1000 }).where('id', '=', invitation.id).execute();
    const expired = await createBrowserSession().open(link);
    const madeUp = await createBrowserSession().open(`${node.url}/t/admin/staff-invitation?token=${'A'.repeat(43)}`);
    const empty = await createBrowserSession().open(`${node.url}/t/admin/staff-invitation`);
    for (const page of [expired, madeUp, empty]) assert.equal(page.status, 404);
    assert.equal(textOf(expired.html), textOf(madeUp.html), 'nothing tells an expired invitation from none');
    assert.match(textOf(expired.html), /not valid/);
    const listed = (await call('GET', '/staff-invitations?limit=200')).json<{ items: Invitation[] }>().items.find((item) => item.id === invitation.id);
    assert.equal(listed?.state, 'expired');
    assert.equal((await call('POST', `/staff-invitations/${invitation.id}/resend`, { body: { locale: 'fr' } })).statusCode, 200);
    const fresh = await node.server.mailbox.next(email, 'staff_invitation', (await node.server.mailbox.to(email)).at(0)?.id);
    assert.equal(fresh.locale, 'fr');
    assert.equal((await createBrowserSession().open(linkIn(fresh))).status, 200, 'resent: a new week');
  });
});
