// Whatever a browser (or a script posing as one) posts to the hosted forms, the answer is a page,
// never a server error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm } from '../helpers/browser-session.ts';
import { pkcePair, registerApplication } from '../helpers/oidc-clients.ts';
import { formOf } from '../../src/http/hosted/form.ts';

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
});
