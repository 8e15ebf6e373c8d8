import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';
import { reuseClientInstances } from './provider.ts';

test('Client.find reuses the instance built for the same metadata object, and builds anew for new metadata', async () => {
  const metadata = new Map<string, object>();
  let loads = 0;
  const clients = {
    async find(id: string) {
      loads++;
      return metadata.get(id);
    },
  };
  const provider = new Provider('http://localhost/t/client-instances', {
    adapter: ((name: string) => (name === 'Client' ? clients : undefined)) as never,
    jwks: { keys: [generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })] },
    features: { devInteractions: { enabled: false } },
  });
  reuseClientInstances(provider, clients);
  const client = (uri: string) => ({ client_id: 'rp', client_secret: 'rp-secret-rp-secret-rp-secret-00', redirect_uris: [uri], id_token_signed_response_alg: 'ES256' });

  metadata.set('rp', client('https://rp.example/one'));
  const first = await provider.Client.find('rp');
  assert.deepEqual(first?.redirectUris, ['https://rp.example/one']);
  assert.equal(await provider.Client.find('rp'), first, 'the same metadata object: the same instance');
  // Reloaded metadata (a changed application): a new instance with the change.
  metadata.set('rp', client('https://rp.example/two'));
  const changed = await provider.Client.find('rp');
  assert.notEqual(changed, first);
  assert.deepEqual(changed?.redirectUris, ['https://rp.example/two']);
  // Gone, or no id at all: nothing.
  metadata.delete('rp');
  assert.equal(await provider.Client.find('rp'), undefined);
  assert.equal(await provider.Client.find(''), undefined);
  assert.ok(loads > 0);
});
