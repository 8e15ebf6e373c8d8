import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeReturnTo } from './portal-session.ts';

test('the portal returns only to its own pages after sign-in', () => {
  for (const path of ['/account', '/account/password', '/account/sessions?lang=de', '/account?done=saved']) assert.equal(safeReturnTo('/account', path), path);
  for (const path of ['https://evil.example/account', '//evil.example/account', '/accountant', '/t/other/account', '/account/callback?code=x', '/account/..\\evil', '/other']) {
    assert.equal(safeReturnTo('/account', path), '/account', path);
  }
  assert.equal(safeReturnTo('/t/shop/account', '/t/shop/account/data'), '/t/shop/account/data');
  assert.equal(safeReturnTo('/t/shop/account', '/account/data'), '/t/shop/account');
});
