// One-time codes cannot be guessed across flows (SECURITY.md 8, 11): wrong codes are capped per
// address over every flow and client address, the same for an address nobody owns (SECURITY.md 1),
// and a new code voids the ones sent to the address before.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { codeIn, linkIn } from '../helpers/mailbox.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import { ENTRY_ADDRESS_POLICY, ENTRY_FLOW_POLICY } from '../../src/domain/self-service/code-steps.ts';

const PASSWORD = 'a long passphrase for tests';
let clients = 0;
/** A client address of its own for each request: the attacker's, spread over many. */
const anyAddress = () => `192.0.2.${(clients++ % 250) + 1}`;

describeEachEngine('one-time codes across flows', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current().engine);
  });
  after(async () => {
    await server.stop();
  });

  const post = (url: string, payload?: unknown, remoteAddress = anyAddress()) => server.app.inject({ method: 'POST', url, payload: payload as object, remoteAddress });
  const unique = (label: string) => `${label}-${current().engine}-${process.pid}-${Date.now()}@example.com`;

  async function customer(email: string) {
    const { tenants } = server.stores;
    await createIdentityByOperator({ transaction: server.transaction, tenants }, server.defaultTenant.id, { traits: { email }, password: PASSWORD, verified: true }, { type: 'operator', id: 'test' });
  }

  /** A recovery flow for `email`, its code sent (or, for an address nobody owns, not). */
  async function recovery(email: string) {
    const created = await post('/flows/recovery');
    assert.equal(created.statusCode, 201, created.body);
    const id = (created.json() as { id: string }).id;
    const requested = await post(`/flows/recovery/${id}`, { email });
    assert.equal(requested.statusCode, 200, requested.body);
    return id;
  }

  async function guessAcrossFlows(email: string) {
    // Three parallel flows hold three times the per-flow allowance; together they get the address's.
    const flows = [await recovery(email), await recovery(email), await recovery(email)];
    const statuses: number[] = [];
    for (const id of flows) {
      for (let i = 0; i < ENTRY_FLOW_POLICY.freeAttempts; i += 1) statuses.push((await post(`/flows/recovery/${id}/code`, { code: '000000' })).statusCode);
    }
    return { flows, statuses };
  }

  test('wrong codes are capped per address across parallel flows and client addresses, alike for an address nobody owns', async () => {
    const owned = unique('capped');
    await customer(owned);
    const forOwner = await guessAcrossFlows(owned);
    const capped = ENTRY_ADDRESS_POLICY.freeAttempts;
    const expected = Array.from({ length: 3 * ENTRY_FLOW_POLICY.freeAttempts }, (_, i) => (i < capped ? 400 : 429));
    assert.deepEqual(forOwner.statuses, expected);
    const refused = await post(`/flows/recovery/${forOwner.flows[2]}/code`, { code: '000000' });
    assert.equal(refused.json().code, 'code.throttled');
    assert.ok(Number(refused.headers['retry-after']) >= 1);

    // Nobody learns from the cap whether the address has an account.
    const forNobody = await guessAcrossFlows(unique('nobody'));
    assert.deepEqual(forNobody.statuses, forOwner.statuses);

    // The emailed link is not a guessable code: the owner still recovers with it.
    await server.mailDispatcher.runOnce();
    const sent = await server.mailbox.to(owned, 'recover_password');
    assert.equal(sent.length, 3);
    const link = linkIn(sent.at(-1)!);
    const page = await server.app.inject({ method: 'GET', url: `${link.pathname}${link.search}` });
    assert.equal(page.statusCode, 200);
    const reset = await server.app.inject({
      method: 'POST',
      url: link.pathname,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ flow: link.searchParams.get('flow')!, token: link.searchParams.get('token')!, password: 'a brand new passphrase' }).toString(),
    });
    assert.equal(reset.statusCode, 200, reset.body);
    assert.match(reset.body, /Your password is changed/);
  });

  test('a new code voids the one sent before, in another flow too, and its link', async () => {
    const email = unique('voided');
    await customer(email);
    const first = await recovery(email);
    const firstMail = await server.mailbox.next(email, 'recover_password');
    const second = await recovery(email);
    const secondMail = await server.mailbox.next(email, 'recover_password', firstMail.id);

    const old = await post(`/flows/recovery/${first}/code`, { code: codeIn(firstMail) });
    assert.equal(old.statusCode, 400);
    assert.equal(old.json().code, 'code.invalid');
    const oldLink = linkIn(firstMail);
    assert.equal((await server.app.inject({ method: 'GET', url: `${oldLink.pathname}${oldLink.search}` })).statusCode, 400);

    const latest = await post(`/flows/recovery/${second}/code`, { code: codeIn(secondMail) });
    assert.equal(latest.statusCode, 200, latest.body);
    assert.equal(latest.json().state, 'verified');
  });
});
