// Whatever a browser (or a script posing as one) posts to the hosted forms, the answer is a page,
// never a server error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm } from '../helpers/browser-session.ts';
import { PASSWORD, pkcePair, registerApplication, uniqueEmail } from '../helpers/oidc-clients.ts';
import { formOf } from '../../src/http/shared/form.ts';

test('formOf keeps string fields only', () => {
  assert.deepEqual(formOf(undefined), {});
  assert.deepEqual(formOf('email=a'), {});
  assert.deepEqual(formOf({ email: { nested: 1 }, password: ['x'], flow: 'f', n: 3 }), { flow: 'f' });
});

describeEachEngine('hosted form input', (current) => {
  let node: ListeningServer;
  let clientId: string;
  before(async () => {
    node = await startListeningServer(current().engine);
    clientId = (await registerApplication(node.server, node.server.defaultTenant.id, { name: 'W', kind: 'web', redirectUris: ['https://w.example.test/cb'] })).application.id;
  });
  after(async () => {
    await node?.stop();
  });

  test('an empty post to the sign-in, sign-up and consent forms gets a page, not a 500', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const { challenge } = await pkcePair();
    const query = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: 'https://w.example.test/cb', code_challenge: challenge, code_challenge_method: 'S256' });
    const signIn = requireForm(await browser.open(`${node.url}/auth?${query}`), isAction('/signin'));
    for (const action of ['/signin', '/signup']) {
      const page = await browser.open(new URL(signIn.action.href.replace(/\/signin$/, action)), { method: 'POST' });
      assert.equal(page.status, 400, action);
      assert.match(page.html, /^<!doctype html>/);
    }
    // Consent posted while the interaction still wants a sign-in: the sign-in form again.
    const consent = await browser.open(new URL(signIn.action.href.replace(/\/signin$/, '/consent')), { method: 'POST' });
    assert.equal(consent.status, 200);
    requireForm(consent, isAction('/signin'));
  });

  test('the sign-in form: its page stores no flow, a forged or another interaction\'s CSRF token is refused, and it completes once', async () => {
    const credentials = { email: uniqueEmail('csrf'), password: PASSWORD };
    const authorizationUrl = async () => {
      const { challenge } = await pkcePair();
      return `${node.url}/auth?${new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: 'https://w.example.test/cb', code_challenge: challenge, code_challenge_method: 'S256' })}`;
    };
    await createBrowserSession({ mailbox: node.server.mailbox }).signUpAndAuthorize(await authorizationUrl(), credentials);
    const flowCount = async () => Number((await node.server.database.db.selectFrom('flows').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

    const browser = createBrowserSession();
    const before = await flowCount();
    const signIn = requireForm(await browser.open(await authorizationUrl()), isAction('/signin'));
    assert.equal(await flowCount(), before, 'showing the sign-in page stores no flow');
    assert.match(signIn.fields['csrf_token'] ?? '', /^[A-Za-z0-9_-]{32}$/);

    const forged = await browser.submit(signIn, { ...credentials, csrf_token: 'A'.repeat(32) });
    assert.equal(forged.status, 400);
    assert.match(forged.html, /role="alert"/);
    // The token of another browser's interaction does not work here either.
    const other = requireForm(await createBrowserSession().open(await authorizationUrl()), isAction('/signin'));
    assert.notEqual(other.fields['csrf_token'], signIn.fields['csrf_token']);
    assert.equal((await browser.submit(signIn, { ...credentials, csrf_token: other.fields['csrf_token']! })).status, 400);
    assert.equal(await flowCount(), before, 'a refused form stores nothing');

    // The right token signs in, and the flow is stored complete; the same form posted again
    // (a replay, a double click) cannot finish the interaction a second time.
    const retry = requireForm(await browser.open(signIn.action.href.replace(/\/signin$/, '')), isAction('/signin'));
    assert.equal(retry.fields['csrf_token'], signIn.fields['csrf_token'], 'one token per interaction, on every view');
    const done = await browser.submit(retry, credentials);
    assert.equal(done.redirectedTo?.origin, 'https://w.example.test');
    assert.equal(await flowCount(), before + 1);
    const stored = await node.server.stores.flows.find(node.server.defaultTenant.id, signIn.fields['flow']!, Date.now());
    assert.equal(stored?.state, 'complete');
    const again = await browser.submit(retry, credentials);
    assert.equal(again.status, 400);
    assert.equal(again.redirectedTo, undefined);
  });
});
