import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uuidv7 } from './ids.ts';

test('uuidv7 has the version and variant of RFC 9562 and the time in its first 48 bits', () => {
  const at = 1_790_000_000_123;
  const id = uuidv7(at);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(parseInt(id.replaceAll('-', '').slice(0, 12), 16), at);
});

test('ids made in the same millisecond sort in the order they were made', () => {
  const at = Date.now() + 10_000;
  const ids = Array.from({ length: 2_048 }, () => uuidv7(at));
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
});

test('an explicitly given time keeps its own time, even just behind the last one', () => {
  const at = Date.now() + 20_000;
  uuidv7(at);
  for (const time of [at - 1, at - 2, 1_600_000_000_000]) {
    assert.equal(parseInt(uuidv7(time).replaceAll('-', '').slice(0, 12), 16), time);
  }
});
