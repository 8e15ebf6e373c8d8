import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSessionTtl } from './session-ttl.ts';

const DAY = 86_400;

test('a session lives 7 days past its last use, but never beyond 30 days after sign-in; one nobody signed in to, an hour', () => {
  const signedIn = 1_790_000_000;
  assert.equal(browserSessionTtl({}, signedIn), 3600, 'before sign-in (a form token only): an hour, as an interaction');
  assert.equal(browserSessionTtl({ loginTs: signedIn }, signedIn), 7 * DAY);
  assert.equal(browserSessionTtl({ loginTs: signedIn }, signedIn + 20 * DAY), 7 * DAY, 'used on day 20: good until day 27');
  assert.equal(browserSessionTtl({ loginTs: signedIn }, signedIn + 27 * DAY), 3 * DAY, 'used on day 27: only until day 30');
  assert.equal(browserSessionTtl({ loginTs: signedIn }, signedIn + 31 * DAY), 1, 'past the lifetime: gone within a second');
});
