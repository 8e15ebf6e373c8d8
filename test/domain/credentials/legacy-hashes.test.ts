// Imported password hashes: each format, produced by its real algorithm (fixtures), is accepted
// by the import's normaliser, stored in one self-describing form, verified by the one function
// sign-in calls (right password: valid and to be rehashed; wrong: not valid), and the weak salted
// digests are marked so. Malformed and out-of-bounds hashes are refused at import and never valid.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { importPasswordHash } from '../../../src/domain/credentials/password/imported-hashes.ts';
import type { ImportedHash } from '../../../src/domain/credentials/password/imported-hashes.ts';
import { verifyPasswordHash } from '../../../src/domain/credentials/password/password-hash.ts';
import { hashPassword } from '../../../src/domain/credentials/password/argon2.ts';
import { FIREBASE_PROJECT, legacyFixtures } from '../../fixtures/legacy-password-hashes.ts';

describe('imported password hashes', () => {
  for (const fixture of legacyFixtures()) {
    test(`${fixture.name}: stored as ${fixture.algorithm}, the original password verifies and asks for a rehash; a wrong one does not`, async () => {
      const imported = importPasswordHash(fixture.input, { firebase: FIREBASE_PROJECT });
      assert.ok(!('problem' in imported), JSON.stringify(imported));
      const { hash, algorithm, weak } = imported as ImportedHash;
      assert.equal(algorithm, fixture.algorithm);
      assert.equal(weak, fixture.weak === true);
      const right = await verifyPasswordHash(hash, fixture.password);
      assert.equal(right.valid, true, hash);
      assert.equal(right.needsRehash, true);
      assert.deepEqual(await verifyPasswordHash(hash, `${fixture.password}!`), { valid: false, needsRehash: false, ...(right.legacy ? { legacy: right.legacy } : {}) });
      // What the import stored is accepted again as it is (an export re-imported).
      assert.deepEqual(importPasswordHash(hash), imported);
    });
  }

  test('a bcrypt comparison runs off the main thread: the event loop stays idle while a cost-12 hash is checked', async () => {
    const bcrypt = (await import('bcryptjs')).default;
    const hash = bcrypt.hashSync('correct horse', 12);
    // Event-loop utilisation is the main thread's busy share of the time: near 1 when bcryptjs
    // computes on it (a quarter of a second at cost 12), near 0 while it only waits for a worker.
    const before = performance.eventLoopUtilization();
    const checks = await Promise.all([verifyPasswordHash(hash, 'correct horse'), verifyPasswordHash(hash, 'wrong horse')]);
    const busy = performance.eventLoopUtilization(before);
    assert.deepEqual(checks.map((check) => check.valid), [true, false]);
    assert.ok(busy.utilization < 0.5, `the main thread was busy ${(busy.utilization * 100).toFixed(0)} % of ${busy.idle + busy.active} ms`);
  });

  test('a current argon2id hash verifies without a rehash', async () => {
    const hash = await hashPassword('current password 1');
    assert.deepEqual(importPasswordHash(hash), { hash, algorithm: 'argon2id', weak: false });
    assert.deepEqual(await verifyPasswordHash(hash, 'current password 1'), { valid: true, needsRehash: false });
  });

  test('refused at import: unknown, malformed, argon2d, out-of-bounds parameters, Firebase without its project, unsupported Keycloak algorithms', () => {
    const refused = [
      'plaintext',
      '',
      '$2b$03$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234',
      '$2b$10$tooshort',
      '$argon2d$v=19$m=8192,t=2,p=2$Zm95ZXItdGVzdC1zYWx0IQ$9oJ8rrvgqKgnrTMs1k+rS8UsYXXGibvsQsrQn0Y+GhE',
      '$scrypt$ln=30,r=8,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo',
      '$pbkdf2-sha256$i=99999999999$c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo',
      '$pbkdf2-md4$i=1000$c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo',
      { algorithm: 'firebase-scrypt', salt: '42xEC+ixf3L2lw==', hash: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==' },
      { secretData: '{"value":"aGFzaA==","salt":"c2FsdA=="}', credentialData: '{"hashIterations":1,"algorithm":"bcrypt"}' },
      { algorithm: 'md5', hash: 'zz', salt: 'x' },
      { algorithm: 'rot13', hash: 'x' },
      42,
    ];
    for (const input of refused) assert.ok('problem' in importPasswordHash(input), JSON.stringify(input));
  });

  test('a stored string that is no hash never verifies, and costs a full verification', async () => {
    for (const stored of ['', 'plaintext', '$weak-md5$salt-first$$AAAA', '$2b$10$']) {
      const started = performance.now();
      assert.equal((await verifyPasswordHash(stored, 'plaintext')).valid, false);
      assert.ok(performance.now() - started > 5, stored);
    }
  });
});
