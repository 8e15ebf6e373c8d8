// Unit tests of a second factor's sent code (SECURITY.md 11): the latest code works, once, until it
// expires; a new code voids the last; the factor's own settings stay beside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IdentityStore } from '../identity/identity.port.ts';
import type { SecretBox } from '../keys/secret-box.port.ts';
import { SENT_CODE_LIFETIME_MS, sameCode, sentCodes } from './sent-code.ts';

/** Seals in the clear, but refuses another context, as the real box does. */
const box: SecretBox = {
  seal: (plaintext, context) => `${context}|${plaintext}`,
  open(sealed, context) {
    if (!sealed.startsWith(`${context}|`)) throw new Error('sealed for another context');
    return sealed.slice(context.length + 1);
  },
};

/** One credential row with the two writes sent codes make, updated_at moving as the store's does. */
function oneCredential(config: Record<string, unknown>) {
  let row = { id: 'cred-1', config, updatedAt: 1 };
  const identities = {
    async updateCredentialConfig(_tenantId: string, _id: string, next: Record<string, unknown>, now: number) {
      row = { ...row, config: next, updatedAt: now };
      return true;
    },
    async updateCredentialConfigIf(_tenantId: string, _id: string, expected: number, next: Record<string, unknown>, now: number) {
      if (row.updatedAt !== expected) return false;
      row = { ...row, config: next, updatedAt: now };
      return true;
    },
  } as unknown as IdentityStore;
  return { identities, read: () => row };
}

const NOW = 1_790_000_000_000;

test('the latest code works once, and the factor’s settings stay', async () => {
  const codes = sentCodes({ secretBox: box }, 'sms');
  const { identities, read } = oneCredential({ phone: '+4915112345678' });
  const first = codes.issue('t1', read(), { phone: '+4915112345678' }, NOW);
  await first.save(identities);
  const second = codes.issue('t1', read(), { phone: '+4915112345678' }, NOW);
  await second.save(identities);
  assert.ok(read().updatedAt > NOW, 'a code issued in the same millisecond still moves updated_at');
  if (first.code !== second.code) assert.equal(await codes.use(identities, 't1', read(), first.code, NOW), false, 'a new code voids the last');
  const stale = read();
  assert.equal(await codes.use(identities, 't1', read(), ` ${second.code.slice(0, 3)}-${second.code.slice(3)} `, NOW + 1), true);
  assert.deepEqual(read().config, { phone: '+4915112345678' });
  assert.equal(await codes.use(identities, 't1', read(), second.code, NOW + 2), false, 'once');
  assert.equal(await codes.use(identities, 't1', stale, second.code, NOW + 2), false, 'a request that read it before it was used loses the compare-and-set');
});

test('an expired code, or none, does not work', async () => {
  const codes = sentCodes({ secretBox: box }, 'email-otp');
  const { identities, read } = oneCredential({});
  assert.equal(await codes.use(identities, 't1', read(), '123456', NOW), false);
  assert.equal(await codes.use(identities, 't1', undefined, '123456', NOW), false);
  const { code, save } = codes.issue('t1', read(), {}, NOW);
  await save(identities);
  assert.equal(await codes.use(identities, 't1', read(), code, NOW + SENT_CODE_LIFETIME_MS), false);
});

test('codes compare digits only, whole', () => {
  assert.ok(sameCode('123456', '123 456'));
  assert.ok(!sameCode('123456', '12345'));
  assert.ok(!sameCode('123456', '1234567'));
});
