// What the console shows of a customer (console/src/lib/customer-view.ts): an analyst's masked
// answers stay masked in every row; search as you type becomes the API's queries; answers merge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMasked, mergeResults, rowOf, searchQueriesOf } from '../../console/src/lib/customer-view.ts';

const FULL = { id: 'c1', external_id: null, status: 'active' as const, traits: { email: 'ada@example.com', given_name: 'Ada', family_name: 'Lovelace' }, addresses: [{ kind: 'email' as const, value: 'ada@example.com', verified: true, verified_at: '2026-01-01T00:00:00Z' }], created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', last_signed_in_at: null };
const MASKED = { id: 'c1', status: 'blocked' as const, masked_email: 'a•••@example.com', email_verified: false, created_at: '2026-01-01T00:00:00Z', last_signed_in_at: '2026-02-01T00:00:00Z' };

test('a full customer shows their email, name and whether the email is verified', () => {
  assert.equal(isMasked(FULL), false);
  assert.deepEqual(rowOf(FULL), { id: 'c1', email: 'ada@example.com', name: 'Ada Lovelace', verified: true, status: 'active', createdAt: FULL.created_at, lastSignIn: null, masked: false });
});

test('an analyst’s masked customer shows the masked email and no name, never an empty trait', () => {
  assert.equal(isMasked(MASKED), true);
  const row = rowOf(MASKED);
  assert.equal(row.email, 'a•••@example.com');
  assert.equal(row.name, undefined);
  assert.equal(row.masked, true);
  assert.equal(rowOf({ ...MASKED, masked_email: null }).email, '—');
});

test('search as you type: an address searches emails; other text names, emails and identifiers; masked callers only filter', () => {
  assert.deepEqual(searchQueriesOf(' ada@ex ', false), [{ email_prefix: 'ada@ex' }]);
  assert.deepEqual(searchQueriesOf('ada', false), [{ email_prefix: 'ada' }, { name: 'ada' }, { identifier_prefix: 'ada' }]);
  assert.deepEqual(searchQueriesOf('', false), [{}]);
  assert.deepEqual(searchQueriesOf('ada', true), [{}]);
});

test('answers of several queries merge: each customer once, newest first', () => {
  const a = { id: 'a', created_at: '2026-01-01T00:00:00Z' };
  const b = { id: 'b', created_at: '2026-03-01T00:00:00Z' };
  const c = { id: 'c', created_at: '2026-02-01T00:00:00Z' };
  assert.deepEqual(mergeResults([[b, a], [c, a], []]).map((item) => item.id), ['b', 'c', 'a']);
});
