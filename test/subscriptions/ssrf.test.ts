// No SSRF at delivery time: the production sender refuses to connect to a host that resolves (now)
// to loopback, and to a literal inner address, before any byte leaves; development posts to loopback.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWebhookSender, DeliveryFailure } from '../../src/infra/subscriptions/webhook-sender.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';
import type { WebhookReceiver } from '../helpers/webhook-receiver.ts';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
let receiver: WebhookReceiver;
before(async () => {
  receiver = await startWebhookReceiver();
});
after(() => receiver.close());

test('production: a host resolving to loopback and a literal private address are refused at delivery, nothing is sent', async () => {
  const sender = createWebhookSender({ production: true, timeoutMs: 2_000 });
  try {
    const port = new URL(receiver.url).port;
    for (const url of [`https://localhost:${port}/hooks`, `https://127.0.0.1:${port}/hooks`, 'https://10.0.0.1/hooks', 'https://[::ffff:169.254.169.254]/latest']) {
      await assert.rejects(sender.send(url, { id: 'msg-1', body: '{}', secrets: [SECRET] }), (error: unknown) => {
        assert.ok(error instanceof DeliveryFailure);
        assert.equal(error.outcome.statusCode, null);
        assert.match(error.message, /may not reach/);
        return true;
      }, url);
    }
    await assert.rejects(sender.send(`http://example.com/hooks`, { id: 'msg-2', body: '{}', secrets: [SECRET] }), /https only/);
    assert.equal(receiver.received.length, 0);
  } finally {
    sender.close();
  }
});

test('development: loopback receives, and the signature verifies', async () => {
  const sender = createWebhookSender({ production: false, timeoutMs: 2_000 });
  receiver.secrets = [SECRET];
  try {
    const outcome = await sender.send(receiver.url.replace('127.0.0.1', 'localhost'), { id: 'msg-3', body: '{"type":"x"}', secrets: [SECRET] });
    assert.equal(outcome.statusCode, 200);
    assert.deepEqual(receiver.received[0]?.verifiedWith, [0]);
  } finally {
    sender.close();
  }
});
