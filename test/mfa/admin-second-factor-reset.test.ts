// Support resets a customer's second factors through the admin API (ADR 0024): the support role
// may (scope customers:mfa_reset), an analyst may not; the app, the recovery codes and the
// remembered browsers go; the reset is in the audit log and the customer's activity, the customer
// gets an email in their language, and the next sign-in needs the password only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import { callAdmin, staffToken } from '../helpers/admin.ts';
import { asksSecondFactor, enrolOnSignIn, submitSecondFactor } from '../helpers/second-factor.ts';

const CALLBACK = 'https://bank.example.test/callback';

describeEachEngine('admin API: resetting a customer’s second factors', (current) => {
  let node: ListeningServer;
  let bank: client.Configuration;
  let shop: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine, { ADMIN_API_RATE_LIMIT: '1000000' });
    const tenantId = node.server.defaultTenant.id;
    bank = await relyingParty(node.url, await registerApplication(node.server, tenantId, { name: 'Bank', kind: 'web', redirectUris: [CALLBACK], mfaPolicy: 'optional' }));
    shop = await relyingParty(node.url, await registerApplication(node.server, tenantId, { name: 'Shop', kind: 'web', redirectUris: [CALLBACK], mfaPolicy: 'required' }));
  });
  after(async () => {
    await node?.stop();
  });

  test('support resets: the factors and remembered browsers go, audited, the customer is told, and signs in with the password', async () => {
    const email = uniqueEmail('reset');
    const tenantId = node.server.defaultTenant.id;
    const identity = await createIdentityByOperator({ transaction: node.server.transaction, tenants: node.server.stores.tenants }, tenantId, { traits: { email, name: 'Ada', locale: 'de' }, password: PASSWORD, verified: true }, { type: 'operator', id: 'test' });
    // Enrols through the application that requires it, and remembers the browser.
    const browser = createBrowserSession();
    let codes: string[] = [];
    await authorizationCodeFlow(shop, { redirectUri: CALLBACK }, async (url) => {
      const page = await browser.submit(requireForm(await browser.open(url), isAction('/signin')), { email, password: PASSWORD });
      const enrolled = await enrolOnSignIn(browser, page);
      codes = enrolled.codes;
      return (await browser.submit(requireForm(enrolled.codesPage, isAction('/second-factor/continue')))).redirectedTo!;
    });
    const other = createBrowserSession();
    await authorizationCodeFlow(bank, { redirectUri: CALLBACK }, async (url) => {
      const page = await other.submit(requireForm(await other.open(url), isAction('/signin')), { email, password: PASSWORD });
      assert.ok(asksSecondFactor(page));
      return (await submitSecondFactor(other, page, codes[0]!, { method: 'recovery_code', remember: true })).redirectedTo!;
    });
    assert.equal((await node.server.stores.rememberedDevices.list(tenantId, identity.id, Date.now())).length, 1);

    const analyst = await staffToken(node, 'analyst');
    const refused = await callAdmin(node.server, analyst.token, 'DELETE', `/tenants/default/customers/${identity.id}/second-factors`);
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().code, 'token.insufficient_scope');

    const support = await staffToken(node, 'support');
    const reset = await callAdmin(node.server, support.token, 'DELETE', `/tenants/default/customers/${identity.id}/second-factors`);
    assert.equal(reset.statusCode, 204, reset.body);
    const kinds = (await node.server.stores.identities.listCredentials(tenantId, identity.id)).map((credential) => credential.type);
    assert.deepEqual(kinds, ['password']);
    assert.equal((await node.server.stores.rememberedDevices.list(tenantId, identity.id, Date.now())).length, 0);

    const again = await callAdmin(node.server, support.token, 'DELETE', `/tenants/default/customers/${identity.id}/second-factors`);
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'mfa.not_enrolled');
    const unknown = await callAdmin(node.server, support.token, 'DELETE', '/tenants/default/customers/no-such-customer/second-factors');
    assert.equal(unknown.statusCode, 404);

    const mail = await node.server.mailbox.next(email, 'mfa_reset');
    assert.equal(mail.locale, 'de');
    assert.match(mail.subject, /zurückgesetzt/);
    const entries = await node.server.stores.audit.listForIdentity(tenantId, identity.id, { limit: 50 });
    const entry = entries.find((candidate) => candidate.action === 'mfa.reset');
    assert.ok(entry);
    assert.equal(entry.actor.type, 'staff');
    assert.equal(entry.actor.id, support.staffId);
    assert.deepEqual(entry.details, { credentials: 2, passkeys: 0, devices: 1, methods: ['recovery_codes', 'totp'] });

    // The remembered browser is forgotten; the optional policy has nothing to ask for any more.
    const { claims } = await authorizationCodeFlow(bank, { redirectUri: CALLBACK, parameters: { prompt: 'login' } }, async (url) => {
      const page = await other.submit(requireForm(await other.open(url), isAction('/signin')), { email, password: PASSWORD });
      assert.ok(page.redirectedTo, textOf(page.html).slice(0, 200));
      return page.redirectedTo;
    });
    assert.deepEqual(claims['amr'], ['pwd']);
  });

  test('every second factor goes (texted codes, codes by email too); passkeys stay unless asked for, and the email says which', async () => {
    const email = uniqueEmail('reset-all');
    const tenantId = node.server.defaultTenant.id;
    const identity = await createIdentityByOperator({ transaction: node.server.transaction, tenants: node.server.stores.tenants }, tenantId, { traits: { email }, password: PASSWORD, verified: true }, { type: 'operator', id: 'test' });
    const now = Date.now();
    const add = (id: string, type: string, identifiers: string[] = []) => node.server.stores.identities.addCredential(tenantId, identity.id, { id, type, config: {}, identifiers }, now);
    await add(`${identity.id}-totp`, 'totp');
    await add(`${identity.id}-codes`, 'recovery_codes');
    await add(`${identity.id}-sms`, 'sms');
    await add(`${identity.id}-email`, 'email_otp');
    await add(`${identity.id}-passkey`, 'passkey', [`credential-${identity.id}`]);
    const kinds = async () => (await node.server.stores.identities.listCredentials(tenantId, identity.id)).map((credential) => credential.type).sort();

    const support = await staffToken(node, 'support');
    const path = `/tenants/default/customers/${identity.id}/second-factors`;
    const reset = await callAdmin(node.server, support.token, 'DELETE', path);
    assert.equal(reset.statusCode, 204, reset.body);
    assert.deepEqual(await kinds(), ['passkey', 'password']);
    const kept = await node.server.mailbox.next(email, 'mfa_reset');
    assert.match(kept.text, /codes by text message or email/);
    assert.match(kept.text, /your passkeys still work/);
    const entries = async () => (await node.server.stores.audit.listForIdentity(tenantId, identity.id, { limit: 50 })).filter((entry) => entry.action === 'mfa.reset');
    assert.deepEqual((await entries())[0]?.details, { credentials: 4, passkeys: 0, devices: 0, methods: ['email_otp', 'recovery_codes', 'sms', 'totp'] });

    // Nothing left but the passkey: without the flag there is nothing to reset.
    const again = await callAdmin(node.server, support.token, 'DELETE', path);
    assert.equal(again.statusCode, 409);
    assert.equal((await callAdmin(node.server, support.token, 'DELETE', `${path}?passkeys=maybe`)).statusCode, 400);
    const withPasskeys = await callAdmin(node.server, support.token, 'DELETE', `${path}?passkeys=true`);
    assert.equal(withPasskeys.statusCode, 204, withPasskeys.body);
    assert.deepEqual(await kinds(), ['password']);
    const removed = await node.server.mailbox.next(email, 'mfa_reset', kept.id);
    assert.match(removed.text, /your passkeys were removed/);
    const latest = (await entries()).find((entry) => entry.details?.['passkeys'] === 1);
    assert.ok(latest, 'the second reset is audited with the passkey');
    assert.equal(latest.actor.id, support.staffId);
    assert.deepEqual(latest.details?.['methods'], ['passkey']);
  });
});
