// Tenant settings are typed by their zod schema (z.output): each section is read with its own type,
// defaults filled in, and a section the schema does not know is a type error (`npm test` runs tsc).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateTenantSettings } from '../../src/domain/tenants/tenant-settings.ts';
import type { TenantSettings } from '../../src/domain/tenants/tenant.ts';
import type { Locale } from '../../src/i18n/locales.ts';

test('validated settings are read through their schema type, defaults filled in', () => {
  const settings: TenantSettings = validateTenantSettings({
    verification: { allowSignInUnverified: false },
    apis: [{ identifier: 'https://api.example.com' }],
    defaultLocale: 'fr',
  });
  const allowSignInUnverified: boolean | undefined = settings.verification?.allowSignInUnverified;
  const scopes: readonly string[] | undefined = settings.apis?.[0]?.scopes;
  const locale: Locale | undefined = settings.defaultLocale;
  assert.equal(allowSignInUnverified, false);
  assert.deepEqual(scopes, []);
  assert.equal(locale, 'fr');
  // @ts-expect-error: the schema has no section of this name
  assert.equal(settings.verfication, undefined);
});
