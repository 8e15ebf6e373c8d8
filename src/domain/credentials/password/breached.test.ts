// Unit tests of the breached-password check against a local fake of the Pwned Passwords range API.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBreachedPasswordCheck } from './breached.ts';

const BREACHED = 'P@ssw0rd';
const PADDING_ONLY = 'horse battery';
const sha1 = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex').toUpperCase();

type Behaviour = 'range' | 'error' | 'hang';
let behaviour: Behaviour = 'range';
let requests: { url: string; headers: IncomingHttpHeaders }[] = [];
let server: Server;
let baseUrl: string;

// A range file as the real service answers: CRLF lines, upper-case suffixes, padding with count 0.
function rangeFile(prefix: string): string {
  const lines = ['0018A45C4D1DEF81644B54AB7F969B88D65:3', '00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2'];
  if (sha1(BREACHED).startsWith(prefix)) lines.push(`${sha1(BREACHED).slice(5)}:52579`);
  if (sha1(PADDING_ONLY).startsWith(prefix)) lines.push(`${sha1(PADDING_ONLY).slice(5)}:0`);
  lines.push('FFFFF0B6A4B0C6E4D9C2B7A85F4F2E6A9D1:0');
  return lines.join('\r\n');
}

before(async () => {
  server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', headers: request.headers });
    if (behaviour === 'hang') return;
    if (behaviour === 'error') {
      response.writeHead(503).end('down for maintenance');
      return;
    }
    const prefix = (request.url ?? '').split('/').pop() ?? '';
    response.writeHead(200, { 'content-type': 'text/plain' }).end(rangeFile(prefix));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  behaviour = 'range';
  requests = [];
});

describe('createBreachedPasswordCheck', () => {
  test('answers breached for a listed suffix, sending only the 5-character prefix', async () => {
    const check = createBreachedPasswordCheck({ rangeUrl: `${baseUrl}/range/` });
    assert.equal(await check(BREACHED), 'breached');
    assert.equal(requests.length, 1);
    assert.equal(requests[0]!.url, `/range/${sha1(BREACHED).slice(0, 5)}`);
    assert.match(requests[0]!.url, /^\/range\/[0-9A-F]{5}$/);
    assert.equal(requests[0]!.headers['add-padding'], 'true');
    const everythingSent = JSON.stringify(requests[0]);
    assert.ok(!everythingSent.includes(BREACHED) && !everythingSent.includes(sha1(BREACHED).slice(5)));
  });

  test('answers not_found when the suffix is absent, or only listed as padding (count 0)', async () => {
    const check = createBreachedPasswordCheck({ rangeUrl: `${baseUrl}/range` });
    assert.equal(await check('violet-tractor-harbour'), 'not_found');
    assert.equal(await check(PADDING_ONLY), 'not_found');
    assert.deepEqual(
      requests.map((request) => request.url),
      [`/range/${sha1('violet-tractor-harbour').slice(0, 5)}`, `/range/${sha1(PADDING_ONLY).slice(0, 5)}`],
    );
  });

  test('hashes the NFKC form of the password', async () => {
    const check = createBreachedPasswordCheck({ rangeUrl: `${baseUrl}/range` });
    assert.equal(await check('Ｐ@ｓｓｗ０ｒｄ'), 'breached');
  });

  test('answers unavailable when the service answers with an error status', async () => {
    behaviour = 'error';
    const reasons: string[] = [];
    const check = createBreachedPasswordCheck({ rangeUrl: `${baseUrl}/range`, onUnavailable: (reason) => reasons.push(reason) });
    assert.equal(await check(BREACHED), 'unavailable');
    assert.deepEqual(reasons, ['answered 503']);
  });

  test('answers unavailable when the service does not answer in time', async () => {
    behaviour = 'hang';
    const reasons: string[] = [];
    const check = createBreachedPasswordCheck({ rangeUrl: `${baseUrl}/range`, timeoutMs: 50, onUnavailable: (reason) => reasons.push(reason) });
    assert.equal(await check(BREACHED), 'unavailable');
    assert.equal(requests.length, 1);
    assert.deepEqual(reasons, ['no answer within 50 ms']);
  });

  test('answers unavailable when nothing listens at the address', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const reasons: string[] = [];
    const check = createBreachedPasswordCheck({ rangeUrl: `http://127.0.0.1:${port}/range`, onUnavailable: (reason) => reasons.push(reason) });
    assert.equal(await check(BREACHED), 'unavailable');
    assert.deepEqual(reasons, ['ECONNREFUSED']);
  });

  test('uses the fetch it is given, and answers unavailable when it throws', async () => {
    const seen: string[] = [];
    const failingFetch: typeof fetch = async (input) => {
      seen.push(String(input));
      throw new TypeError('fetch failed');
    };
    const check = createBreachedPasswordCheck({ rangeUrl: 'https://passwords.example/range', fetch: failingFetch });
    assert.equal(await check(BREACHED), 'unavailable');
    assert.deepEqual(seen, [`https://passwords.example/range/${sha1(BREACHED).slice(0, 5)}`]);
  });
});
