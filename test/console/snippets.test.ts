// Integration snippets (console/src/lib/snippets.ts): the right libraries per kind, this tenant's
// issuer and client id filled in, and never a secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { librariesFor, snippetOf } from '../../console/src/lib/snippets.ts';

const input = { issuer: 'https://id.example.com/t/shop', clientId: 'abc123', kind: 'web' as const, redirectUri: 'https://shop.example.com/cb' };

test('each kind gets the libraries made for it', () => {
  assert.deepEqual(librariesFor('web'), ['openid-client', 'authjs']);
  assert.deepEqual(librariesFor('spa'), ['oidc-client-ts']);
  assert.deepEqual(librariesFor('native'), ['openid-client']);
  assert.deepEqual(librariesFor('machine'), ['openid-client']);
});

test('snippets name the issuer, the client id and the redirect URI, and read the secret from the environment', () => {
  for (const library of ['openid-client', 'authjs'] as const) {
    const code = snippetOf(library, input);
    assert.match(code, /"https:\/\/id\.example\.com\/t\/shop"/);
    assert.match(code, /"abc123"/);
    assert.match(code, /process\.env\.FOYER_CLIENT_SECRET/);
  }
  assert.match(snippetOf('openid-client', input), /"https:\/\/shop\.example\.com\/cb"/);
  const spa = snippetOf('oidc-client-ts', { ...input, kind: 'spa' });
  assert.match(spa, /authority: "https:\/\/id\.example\.com\/t\/shop"/);
  assert.doesNotMatch(spa, /secret/i, 'a browser app has no secret');
  assert.match(snippetOf('openid-client', { ...input, kind: 'machine' }), /clientCredentialsGrant/);
  assert.match(snippetOf('openid-client', { ...input, kind: 'native' }), /client\.None\(\)/);
});
