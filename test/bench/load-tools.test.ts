// The bench's own tools, which its figures rest on: the virtual browser's cookie jar, percentiles,
// the closed load loop's accounting of failures, and the CPU profile summary's attribution.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCookieJar } from '../../bench/http-client.ts';
import { percentile, runLoad } from '../../bench/load-loop.ts';
import { summarizeProfile } from '../../bench/profile-summary.ts';

describe('cookie jar', () => {
  test('keeps the latest value of each cookie and sends them all', () => {
    const jar = createCookieJar();
    jar.store(['foyer_interaction=one; path=/interaction/abc; httponly', 'foyer_interaction.sig=s1; path=/interaction/abc']);
    jar.store(['foyer_interaction=two; path=/interaction/abc']);
    assert.equal(jar.get('foyer_interaction'), 'two');
    assert.equal(jar.header(), 'foyer_interaction=two; foyer_interaction.sig=s1');
  });

  test('forgets a cookie that is expired or emptied', () => {
    const jar = createCookieJar();
    jar.store(['a=1', 'b=2', 'c=3']);
    jar.store(['a=; expires=Thu, 01 Jan 1970 00:00:00 GMT', 'b=2; max-age=0', 'c=']);
    assert.equal(jar.header(), '');
  });

  test('keeps a cookie whose expiry is in the future', () => {
    const jar = createCookieJar();
    jar.store([`foyer_session=s; expires=${new Date(Date.now() + 60_000).toUTCString()}; max-age=60`]);
    assert.equal(jar.get('foyer_session'), 's');
  });
});

describe('percentile', () => {
  test('is the nearest rank of sorted values', () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    assert.equal(percentile(values, 0.5), 50);
    assert.equal(percentile(values, 0.99), 99);
    assert.equal(percentile([7], 0.99), 7);
    assert.equal(percentile([], 0.5), 0);
  });
});

describe('load loop', () => {
  test('counts failures apart from completions, and keeps the first reason', async () => {
    let calls = 0;
    const result = await runLoad({
      users: 2,
      warmupMs: 0,
      durationMs: 30,
      iteration: async () => {
        calls += 1;
        await new Promise((resolve) => setImmediate(resolve));
        throw new Error(`refused ${calls}`);
      },
    });
    assert.equal(result.completed, 0);
    assert.equal(result.perSecond, 0);
    // Every started iteration failed; at most one per user may still be in flight when the window closes.
    assert.ok(result.failed > 0 && result.failed <= calls && result.failed >= calls - 2, `${result.failed} failures of ${calls} calls`);
    assert.match(result.firstFailure ?? '', /^refused [12]$/);
  });

  test('counts no completion during the warm-up', async () => {
    const result = await runLoad({ users: 1, warmupMs: 50, durationMs: 0, iteration: () => new Promise((resolve) => setTimeout(resolve, 5)) });
    assert.equal(result.completed, 0);
  });
});

describe('CPU profile summary', () => {
  test('attributes self time to Foyer, packages, Node and idle, by function', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9 });
    const summary = summarizeProfile({
      nodes: [
        { id: 1, callFrame: frame('(idle)', '') },
        { id: 2, callFrame: frame('run', new URL('../../src/storage/sqlite-dialect.ts', import.meta.url).href) },
        { id: 3, callFrame: frame('sign', 'file:///x/node_modules/jose/dist/sign.js') },
        { id: 4, callFrame: frame('write', 'node:net') },
      ],
      samples: [1, 2, 2, 2, 3, 4],
      timeDeltas: [4_000_000, 1_000_000, 1_000_000, 1_000_000, 500_000, 500_000],
    });
    assert.match(summary, /Profiled 8\.0 s of the server's main thread, 4\.0 s of it busy/);
    assert.match(summary, /\| `foyer: src\/storage` \| 75\.0 % \|/);
    assert.match(summary, /\| `npm: jose` \| 12\.5 % \|/);
    assert.match(summary, /\| `Node\.js internals` \| 12\.5 % \|/);
    assert.match(summary, /\| `run src\/storage\/sqlite-dialect\.ts:10` \| 75\.0 % \|/);
    assert.doesNotMatch(summary, /idle` \|/);
  });
});
