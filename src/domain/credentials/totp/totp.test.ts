// Unit tests of the TOTP window: a code is accepted one 30-second step either side of now, and only
// for a step later than the last one used (SECURITY.md 37).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import { matchingStep } from './totp.ts';

const SECRET = new Secret({ size: 20 }).base32;
const NOW = 1_790_000_000_000;
const STEP = Math.floor(NOW / 30_000);
const codeAt = (at: number) => new TOTP({ secret: Secret.fromBase32(SECRET), period: 30, digits: 6, algorithm: 'SHA1' }).generate({ timestamp: at });

test('the current code, and those of the steps either side, match their own step', () => {
  assert.equal(matchingStep(SECRET, codeAt(NOW), NOW, null), STEP);
  assert.equal(matchingStep(SECRET, codeAt(NOW - 30_000), NOW, null), STEP - 1);
  assert.equal(matchingStep(SECRET, codeAt(NOW + 30_000), NOW, null), STEP + 1);
  assert.equal(matchingStep(SECRET, ` ${codeAt(NOW).slice(0, 3)} ${codeAt(NOW).slice(3)} `, NOW, null), STEP, 'spaces as apps show them');
});

test('a code two steps late or early does not match', () => {
  for (const offset of [-90_000, -61_000, 61_000, 90_000]) {
    const code = codeAt(NOW + offset);
    // A code may by chance equal the current one; then it is the current one, not a late one.
    if (code === codeAt(NOW) || code === codeAt(NOW - 30_000) || code === codeAt(NOW + 30_000)) continue;
    assert.equal(matchingStep(SECRET, code, NOW, null), undefined, String(offset));
  }
});

test('a step used before, or an earlier one, is refused; a later one is not', () => {
  assert.equal(matchingStep(SECRET, codeAt(NOW), NOW, STEP), undefined);
  assert.equal(matchingStep(SECRET, codeAt(NOW - 30_000), NOW, STEP), undefined);
  assert.equal(matchingStep(SECRET, codeAt(NOW + 30_000), NOW, STEP), STEP + 1);
});

test('anything but six digits never matches', () => {
  for (const code of ['', '12345', '1234567', 'abcdef', '12345a']) assert.equal(matchingStep(SECRET, code, NOW, null), undefined, code);
});
