import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretKey, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type Keygrip from 'keygrip';
import { createCookieSigner } from './cookie-signer.ts';

// keygrip is what Koa's cookies library signs with when given a list of keys (how the provider
// was configured before): every cookie it signed must still verify, and the other way round.
const keygrip = createRequire(import.meta.url)('keygrip') as typeof Keygrip;

test('signatures are the same as keygrip made, so existing cookies stay valid', () => {
  const key = randomBytes(32);
  const signer = createCookieSigner([createSecretKey(key)]);
  const reference = keygrip([key as unknown as string]);
  for (const data of ['foyer_session=abc', 'foyer_interaction=Zx-_9', `foyer_resume=${'é'.repeat(40)}`]) {
    const signature = signer.sign(data);
    assert.equal(signature, reference.sign(data));
    assert.equal(signer.index(data, reference.sign(data)), 0);
    assert.equal(reference.index(data, signature), 0);
  }
});

test('a wrong, truncated or foreign signature does not verify; an older key still does', () => {
  const [current, retired] = [randomBytes(32), randomBytes(32)];
  const signer = createCookieSigner([createSecretKey(current), createSecretKey(retired)]);
  const signature = signer.sign('foyer_session=abc');
  assert.equal(signer.verify('foyer_session=abd', signature), false);
  assert.equal(signer.index('foyer_session=abc', signature.slice(0, -1)), -1);
  assert.equal(signer.index('foyer_session=abc', `${signature.slice(0, -1)}é`), -1);
  assert.equal(signer.index('foyer_session=abc', ''), -1);
  assert.equal(signer.index('foyer_session=abc', createCookieSigner([createSecretKey(randomBytes(32))]).sign('foyer_session=abc')), -1);
  assert.equal(signer.index('foyer_session=abc', keygrip([retired as unknown as string]).sign('foyer_session=abc')), 1);
});
