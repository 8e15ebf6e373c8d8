// The first page: GET / (and /t/{slug}/) says what this server is and links to the account
// portal, the discovery document and the docs, in the visitor's language, with the hosted pages'
// CSP; an unknown tenant is a 404 page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant } from '../helpers/oidc-clients.ts';
import { textOf } from '../helpers/browser-session.ts';

describeEachEngine('first page', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current().engine);
    await createTenant(server, 'acme', { branding: { name: 'Acme Shop' } });
  });
  after(async () => {
    await server.stop();
  });

  test('GET / is a page saying what this server is, with links for customers and developers', async () => {
    const response = await server.app.inject({ url: '/', headers: { accept: 'text/html' } });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] as string, /^text\/html; charset=utf-8/);
    assert.match(response.headers['content-security-policy'] as string, /^default-src 'none'; style-src 'sha256-[^']+'; .*frame-ancestors 'none'/);
    const html = response.body;
    assert.match(html, /<html lang="en" dir="ltr">/);
    assert.match(html, /<h1>The sign-in service of Default<\/h1>/);
    assert.match(html, /<a class="button" href="http:\/\/localhost:3000\/account">Your account<\/a>/);
    assert.match(html, /<a href="http:\/\/localhost:3000\/\.well-known\/openid-configuration">OpenID Connect discovery document<\/a>/);
    assert.match(textOf(html), /issuer http:\/\/localhost:3000: it finds every endpoint here/);
    assert.match(textOf(html), /Documentation: README\.md and the docs folder/);
    assert.match(html, /<a href="\/dev\/mail">Development outbox<\/a>/, 'outside production, the outbox');
    // The links lead somewhere.
    assert.equal((await server.app.inject('/.well-known/openid-configuration')).statusCode, 200);
    assert.equal((await server.app.inject('/account')).statusCode, 303);
  });

  test('in the visitor’s language, and for another tenant under its path, with its name', async () => {
    const german = await server.app.inject({ url: '/', headers: { 'accept-language': 'de-DE,de;q=0.9' } });
    assert.match(german.body, /<html lang="de"/);
    assert.match(german.body, /<h1>Der Anmeldedienst von Default<\/h1>/);
    const arabic = await server.app.inject({ url: '/?lang=ar' });
    assert.match(arabic.body, /<html lang="ar" dir="rtl">/);

    for (const url of ['/t/acme', '/t/acme/']) {
      const acme = await server.app.inject(url);
      assert.equal(acme.statusCode, 200, `${url}: ${acme.body.slice(0, 200)}`);
      assert.match(acme.body, /<h1>The sign-in service of Acme Shop<\/h1>/);
      assert.match(acme.body, /href="http:\/\/localhost:3000\/t\/acme\/account"/);
      assert.match(acme.body, /href="http:\/\/localhost:3000\/t\/acme\/\.well-known\/openid-configuration"/);
      assert.doesNotMatch(acme.body, /\/dev\/mail/);
    }
    const unknown = await server.app.inject('/t/nobody/');
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.headers['content-type'] as string, /^text\/html/);
  });
});

test('in production the first page does not point to the development outbox', async () => {
  const server = await createTestServer('sqlite', { NODE_ENV: 'production', PUBLIC_URL: 'https://id.example.com', SMTP_URL: 'smtp://127.0.0.1:2525' });
  try {
    const response = await server.app.inject('/');
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /href="https:\/\/id\.example\.com\/account"/);
    assert.doesNotMatch(response.body, /dev\/mail|Development outbox/);
  } finally {
    await server.stop();
  }
});
