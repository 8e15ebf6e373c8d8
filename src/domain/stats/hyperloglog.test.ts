// The sketch counts distinct elements within its stated error, ignores repeats, and merges into
// the sketch of the union.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { addHash, emptySketch, estimate, mergeInto, RELATIVE_STANDARD_ERROR } from './hyperloglog.ts';

const hashOf = (value: string) => createHash('sha256').update(value).digest();

function sketchOf(from: number, to: number): Uint8Array {
  const sketch = emptySketch();
  for (let i = from; i < to; i += 1) addHash(sketch, hashOf(`customer-${i}`));
  return sketch;
}

test('small sets are counted exactly, and repeats are not counted again', () => {
  assert.equal(estimate(emptySketch()), 0);
  const sketch = sketchOf(0, 50);
  for (let i = 0; i < 50; i += 1) addHash(sketch, hashOf(`customer-${i}`));
  assert.equal(estimate(sketch), 50);
});

test('large sets are estimated within three standard errors', () => {
  for (const size of [5_000, 20_000, 200_000]) {
    const counted = estimate(sketchOf(0, size));
    assert.ok(Math.abs(counted - size) / size < 3 * RELATIVE_STANDARD_ERROR, `${size} estimated as ${counted}`);
  }
});

test('merged sketches estimate the union, counting the overlap once', () => {
  const monday = sketchOf(0, 30_000);
  const tuesday = sketchOf(20_000, 50_000);
  mergeInto(monday, tuesday);
  const counted = estimate(monday);
  assert.ok(Math.abs(counted - 50_000) / 50_000 < 3 * RELATIVE_STANDARD_ERROR, `union estimated as ${counted}`);
});
