// The protocol bodies' text check: a form in UTF-8 is judged on its bytes, without decoding; that
// judgement must be the one decoding gives, for any bytes and any escapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasMalformedText } from '../../src/http/text-guard.ts';
import { protocolBodyIsMalformed } from '../../src/http/oidc/protocol-body.ts';

/** What the check said before its shortcut: decode as the provider does, then look at every value. */
function byDecoding(body: Buffer): boolean {
  return hasMalformedText([...new URLSearchParams(new TextDecoder('utf-8').decode(body))].flat());
}

test('a UTF-8 form is malformed exactly when decoding it gives NUL or a lone surrogate', () => {
  const pieces = ['a', '=', '&', '+', '%', '%00', '%0', '0', '%ED%A0%80', '%ED', '%A0', '%80', '%F0%9F%98%80', '%C3%A9', 'é', '😀', '\u0000', '%zz', '%2', 'client_id', 'x', '%25', '%2500'];
  const bytes = [Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0x00]), Buffer.from([0x80])];
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  let malformed = 0;
  for (let round = 0; round < 5_000; round++) {
    const parts: Buffer[] = [];
    for (let i = next(8); i >= 0; i--) parts.push(next(5) === 0 ? bytes[next(bytes.length)]! : Buffer.from(pieces[next(pieces.length)]!, 'utf8'));
    const body = Buffer.concat(parts);
    const expected = byDecoding(body);
    if (expected) malformed += 1;
    for (const type of ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=UTF-8', 'application/x-www-form-urlencoded;charset="utf8"']) {
      assert.equal(protocolBodyIsMalformed(type, body), expected, `${type}: ${JSON.stringify(body.toString('latin1'))}`);
    }
  }
  // The generator makes both kinds, or the comparison above proves little.
  assert.ok(malformed > 500 && malformed < 4_500, `${malformed} of 5,000 malformed`);
});

test('JSON and other charsets are still decoded first', () => {
  assert.equal(protocolBodyIsMalformed('application/json', Buffer.from('{"a":"\\ud800"}')), true);
  assert.equal(protocolBodyIsMalformed('application/json', Buffer.from('{"a":"\\ud83d\\ude00"}')), false);
  assert.equal(protocolBodyIsMalformed('application/x-www-form-urlencoded; charset=utf-16le', Buffer.from('a=\u0000', 'utf16le')), true);
  assert.equal(protocolBodyIsMalformed('application/x-www-form-urlencoded; charset=utf-16le', Buffer.from('a=b', 'utf16le')), false);
});
