import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cachedLookup, CLIENT_CACHE_MS } from './client-cache.ts';

test('a client is loaded once per CLIENT_CACHE_MS; unknown ids are asked every time', async () => {
  let clock = 1_000;
  const loads: string[] = [];
  const lookup = cachedLookup(async (id) => {
    loads.push(id);
    return id === 'known' ? { client_id: id } : undefined;
  }, () => clock);
  await lookup.find('known');
  await lookup.find('known');
  clock += CLIENT_CACHE_MS - 1;
  assert.deepEqual(await lookup.find('known'), { client_id: 'known' });
  assert.deepEqual(loads, ['known']);
  clock += 1;
  await lookup.find('known');
  assert.deepEqual(loads, ['known', 'known'], 'reloaded once stale');
  assert.equal(await lookup.find('ghost'), undefined);
  assert.equal(await lookup.find('ghost'), undefined);
  assert.deepEqual(loads.filter((id) => id === 'ghost').length, 2);
});
