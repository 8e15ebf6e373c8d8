// Node's HMAC signs exactly as the Standard Webhooks scheme says: the reference package verifies it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { sign, signingKey } from './webhook-sender.ts';

test('a signature verifies with the standardwebhooks package, and equals its own', () => {
  for (let round = 0; round < 20; round += 1) {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const at = new Date(Date.now() - round * 1_000);
    const body = JSON.stringify({ type: 'identity.updated', data: { traits: { given_name: `Zoë ${round} ✓` } } });
    const signature = sign(signingKey(secret), `msg_${round}`, at, body);
    const reference = new Webhook(secret);
    assert.equal(signature, reference.sign(`msg_${round}`, at, body));
    reference.verify(body, { 'webhook-id': `msg_${round}`, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': `v1,bm9wZQ== ${signature}` });
  }
});
