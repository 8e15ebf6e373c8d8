import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ForbiddenAddressError, isPublicAddress, outboundFetch } from './guarded-fetch.ts';

test('loopback, private, link-local (cloud metadata), CGNAT and mapped addresses are not public; others are', () => {
  for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:169.254.169.254', 'not an ip']) {
    assert.equal(isPublicAddress(address), false, address);
  }
  for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) assert.equal(isPublicAddress(address), true, address);
});

test('in production, a URL naming an internal address, or a name that resolves to one, is refused before any request', async () => {
  const guarded = outboundFetch(true);
  await assert.rejects(guarded('http://169.254.169.254/latest/meta-data/'), ForbiddenAddressError);
  await assert.rejects(guarded('http://[::1]/'), ForbiddenAddressError);
  // `localhost` resolves to loopback: refused at connect time (the DNS-rebinding case).
  await assert.rejects(guarded('http://localhost/.well-known/openid-configuration'), (error: Error) => /outbound requests may not reach/.test(String((error.cause as Error | undefined)?.message ?? error.message)));
});
