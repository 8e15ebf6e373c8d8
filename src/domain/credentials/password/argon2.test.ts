// Unit tests of password hashing: format, verification of our own and foreign argon2 hashes,
// rehash detection, normalisation, malformed input, the dummy verification and the event loop.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { Argon2Algorithm } from 'node:crypto';
import { CURRENT_ARGON2_PARAMETERS, hashPassword, verifyAgainstDummy, verifyPassword } from './argon2.ts';

const PASSWORD = 'correct horse battery staple';
const SALT = Buffer.from('foyer-test-salt!');
const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

// Known answers for PASSWORD and SALT, computed once with Node's crypto.argon2Sync: a change in how
// Foyer derives or encodes hashes would break them.
const KNOWN = {
  current: '$argon2id$v=19$m=19456,t=2,p=1$Zm95ZXItdGVzdC1zYWx0IQ$w+91Mc2koiXJjm+Y1HXKn5HpFLBb0VWwZA5CQS6fn38',
  older: '$argon2id$v=19$m=4096,t=3,p=1$Zm95ZXItdGVzdC1zYWx0IQ$XA7S00KjliQeNLKHLc38oAXrjsjMzDokDE+QY1uskKQ',
  argon2d: '$argon2d$v=19$m=8192,t=2,p=2$Zm95ZXItdGVzdC1zYWx0IQ$9oJ8rrvgqKgnrTMs1k+rS8UsYXXGibvsQsrQn0Y+GhE',
  withData: '$argon2id$v=19$m=19456,t=2,p=1,data=Zm95ZXItYWQ$Zm95ZXItdGVzdC1zYWx0IQ$RsaLIaKQPKjfbvsDAZKivRNANJREIPHExUSec+ZGD9k',
};
// The example of the argon2 reference implementation's README (phc-winner-argon2): another
// implementation's output, with an 8-byte salt and a 24-byte tag.
const REFERENCE_ARGON2I = '$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG';

function deriveDirectly(algorithm: Argon2Algorithm, memory: number, passes: number, parallelism: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.argon2(algorithm, { message: PASSWORD, nonce: SALT, memory, passes, parallelism, tagLength: 32 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

describe('hashPassword', () => {
  test('writes a PHC string with argon2id, m=19456, t=2, p=1, a 16-byte salt and a 32-byte tag', async () => {
    const phc = await hashPassword(PASSWORD);
    const match = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(phc);
    assert.ok(match, phc);
    assert.equal(Buffer.from(match[1]!, 'base64').length, 16);
    assert.equal(Buffer.from(match[2]!, 'base64').length, 32);
  });

  test('salts every hash: the same password never gives the same string twice', async () => {
    const [first, second] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD)]);
    assert.notEqual(first, second);
    assert.notEqual(first.split('$')[4], second.split('$')[4]);
  });

  test('the hash is argon2id of the password under the salt it names', async () => {
    const phc = await hashPassword(PASSWORD);
    const [, , , , salt, tag] = phc.split('$');
    const expected = crypto.argon2Sync('argon2id', {
      message: PASSWORD,
      nonce: Buffer.from(salt!, 'base64'),
      memory: 19456,
      passes: 2,
      parallelism: 1,
      tagLength: 32,
    });
    assert.equal(tag, b64(expected));
  });
});

describe('verifyPassword', () => {
  test('accepts the right password and refuses a wrong one', async () => {
    const phc = await hashPassword(PASSWORD);
    assert.deepEqual(await verifyPassword(phc, PASSWORD), { valid: true, needsRehash: false });
    assert.deepEqual(await verifyPassword(phc, 'correct horse battery stapler'), { valid: false, needsRehash: false });
    assert.deepEqual(await verifyPassword(phc, ''), { valid: false, needsRehash: false });
  });

  test('verifies a hash computed directly with crypto.argon2 and assembled by hand', async () => {
    const tag = await deriveDirectly('argon2id', 19456, 2, 1);
    const phc = `$argon2id$v=19$m=19456,t=2,p=1$${b64(SALT)}$${b64(tag)}`;
    assert.equal(phc, KNOWN.current);
    assert.deepEqual(await verifyPassword(phc, PASSWORD), { valid: true, needsRehash: false });
  });

  test('verifies an argon2i hash computed directly, and asks for a rehash', async () => {
    const tag = await deriveDirectly('argon2i', 8192, 3, 1);
    const phc = `$argon2i$v=19$m=8192,t=3,p=1$${b64(SALT)}$${b64(tag)}`;
    assert.deepEqual(await verifyPassword(phc, PASSWORD), { valid: true, needsRehash: true });
    assert.deepEqual(await verifyPassword(phc, 'wrong password'), { valid: false, needsRehash: false });
  });

  test('verifies the argon2 reference implementation example (argon2i, 64 MiB, 4 lanes, 24-byte tag)', async () => {
    assert.deepEqual(await verifyPassword(REFERENCE_ARGON2I, 'password'), { valid: true, needsRehash: true });
    assert.deepEqual(await verifyPassword(REFERENCE_ARGON2I, 'Password'), { valid: false, needsRehash: false });
  });

  test('known answers: current parameters need no rehash; older parameters, argon2d and associated data do', async () => {
    assert.deepEqual(await verifyPassword(KNOWN.current, PASSWORD), { valid: true, needsRehash: false });
    assert.deepEqual(await verifyPassword(KNOWN.older, PASSWORD), { valid: true, needsRehash: true });
    assert.deepEqual(await verifyPassword(KNOWN.argon2d, PASSWORD), { valid: true, needsRehash: true });
    assert.deepEqual(await verifyPassword(KNOWN.withData, PASSWORD), { valid: true, needsRehash: true });
    assert.deepEqual(await verifyPassword(KNOWN.older, 'nope'), { valid: false, needsRehash: false });
  });

  test('a hash whose parameters were tampered with no longer verifies', async () => {
    assert.equal((await verifyPassword(KNOWN.current.replace('t=2', 't=3'), PASSWORD)).valid, false);
    assert.equal((await verifyPassword(KNOWN.current.replace('argon2id', 'argon2i'), PASSWORD)).valid, false);
    assert.equal((await verifyPassword(KNOWN.withData.replace('data=Zm95ZXItYWQ', 'data=Zm95ZXItYWR'), PASSWORD)).valid, false);
  });

  test('normalises with NFKC on both sides: a ligature or a decomposed accent is the same password', async () => {
    const ligature = await hashPassword('\uFB01sh and chips');
    assert.equal((await verifyPassword(ligature, 'fish and chips')).valid, true);
    const composed = await hashPassword('caf\u00E9 cr\u00E8me');
    assert.equal((await verifyPassword(composed, 'cafe\u0301 cre\u0300me')).valid, true);
    assert.equal((await verifyPassword(composed, 'cafe creme')).valid, false);
  });

  test('hashes and verifies passwords in any script, emoji included', async () => {
    for (const password of ['пароль-надёжный', '密码是秘密的', 'パスワード🔐🗝️', 'كلمة السر']) {
      const phc = await hashPassword(password);
      assert.equal((await verifyPassword(phc, password)).valid, true, password);
      assert.equal((await verifyPassword(phc, password.slice(0, -1))).valid, false, password);
    }
  });

  test('malformed or unsupported hashes are not valid, never throw, and still cost one full hash', async (t) => {
    const malformed = [
      '',
      'plain text',
      '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW',
      KNOWN.current.replace('v=19', 'v=16'),
      KNOWN.current.replace('$v=19', ''),
      KNOWN.current.replace('argon2id', 'argon2x'),
      KNOWN.current.replace('m=19456,t=2,p=1', 't=2,m=19456,p=1'),
      KNOWN.current.replace('p=1', 'p=0'),
      KNOWN.current.replace('t=2', 't=0'),
      KNOWN.current.replace('m=19456', 'm=4294967295'),
      KNOWN.current.replace('m=19456', 'm=4'),
      KNOWN.current.replace('p=1', 'p=1,keyid=Zm9v'),
      KNOWN.current.replace('Zm95ZXItdGVzdC1zYWx0IQ', 'c2FsdA'),
      KNOWN.current.replace('Zm95ZXItdGVzdC1zYWx0IQ', 'Zm95ZXItdGVzdC1zYWx0IQ=='),
      KNOWN.current.replace('Zm95ZXItdGVzdC1zYWx0IQ', 'Zm95ZXItdGVzdC1zYWx0IR'),
      KNOWN.current.replace('w+91', 'w-91'),
      `${KNOWN.current}$`,
      KNOWN.current.slice(0, KNOWN.current.lastIndexOf('$')),
    ];
    const argon2 = t.mock.method(crypto, 'argon2');
    for (const phc of malformed) {
      assert.deepEqual(await verifyPassword(phc, PASSWORD), { valid: false, needsRehash: false }, phc);
    }
    assert.equal(argon2.mock.callCount(), malformed.length);
    for (const call of argon2.mock.calls) assertCurrentParameters(call.arguments);
  });
});

describe('verifyAgainstDummy', () => {
  test('returns false, for any password, after one argon2id computation with the current parameters', async (t) => {
    const argon2 = t.mock.method(crypto, 'argon2');
    assert.equal(await verifyAgainstDummy(PASSWORD), false);
    assert.equal(await verifyAgainstDummy(''), false);
    assert.equal(argon2.mock.callCount(), 2);
    for (const call of argon2.mock.calls) assertCurrentParameters(call.arguments);
  });
});

describe('the event loop', () => {
  test('keeps turning while 4 hashes run', async () => {
    let ticks = 0;
    let running = true;
    const tick = () => {
      if (!running) return;
      ticks += 1;
      setImmediate(tick);
    };
    setImmediate(tick);
    await Promise.all([hashPassword('one'), hashPassword('two'), hashPassword('three'), hashPassword('four')]);
    running = false;
    assert.ok(ticks > 0, 'no turn of the event loop happened while the hashes ran');
  });
});

function assertCurrentParameters(args: readonly unknown[]): void {
  const [algorithm, parameters] = args as [string, crypto.Argon2Parameters];
  assert.equal(algorithm, CURRENT_ARGON2_PARAMETERS.algorithm);
  assert.equal(parameters.memory, CURRENT_ARGON2_PARAMETERS.memory);
  assert.equal(parameters.passes, CURRENT_ARGON2_PARAMETERS.passes);
  assert.equal(parameters.parallelism, CURRENT_ARGON2_PARAMETERS.parallelism);
  assert.equal(parameters.tagLength, CURRENT_ARGON2_PARAMETERS.tagLength);
  assert.equal(Buffer.from(parameters.nonce as Buffer).length, CURRENT_ARGON2_PARAMETERS.saltLength);
}
