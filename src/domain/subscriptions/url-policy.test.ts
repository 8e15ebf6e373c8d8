import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkUrlSyntax, isAllowedAddress } from './url-policy.ts';

test('addresses inside the network are refused; loopback only outside production', () => {
  const inside = ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::', 'fe80::1', 'fd00:ec2::254', 'fc00::1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '64:ff9b::a9fe:a9fe'];
  for (const address of inside) {
    assert.equal(isAllowedAddress(address, true), false, `${address} in production`);
    assert.equal(isAllowedAddress(address, false), false, `${address} in development`);
  }
  for (const loopback of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) {
    assert.equal(isAllowedAddress(loopback, true), false, `${loopback} in production`);
    assert.equal(isAllowedAddress(loopback, false), true, `${loopback} in development`);
  }
  for (const outside of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111']) assert.equal(isAllowedAddress(outside, true), true, outside);
  assert.equal(isAllowedAddress('not-an-address', false), false);
});

test('webhook URLs: https only in production, no credentials, no literal inner address, a public host name', () => {
  assert.equal(checkUrlSyntax('https://hooks.example.com/foyer', true), undefined);
  assert.equal(checkUrlSyntax('http://127.0.0.1:8080/hooks', false), undefined);
  assert.match(checkUrlSyntax('http://hooks.example.com/foyer', true)!, /https/);
  assert.match(checkUrlSyntax('https://user:pw@hooks.example.com/', true)!, /credentials/);
  assert.match(checkUrlSyntax('https://169.254.169.254/latest', true)!, /link-local/);
  assert.match(checkUrlSyntax('http://[::ffff:10.0.0.1]/', false)!, /private/);
  assert.match(checkUrlSyntax('https://127.0.0.1/', true)!, /loopback/);
  assert.match(checkUrlSyntax('https://localhost/', true)!, /public host/);
  assert.match(checkUrlSyntax('https://metadata.google.internal/', true)!, /public host/);
  assert.match(checkUrlSyntax('ftp://example.com/', false)!, /http/);
  assert.match(checkUrlSyntax('not a url', false)!, /not a URL/);
});
