import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MICROSOFT_CONSUMER_TENANT, PRESET_IDS, presetClaims, presetOf, resolvedConnection } from './presets.ts';

const preset = (id: string) => presetOf(id)!;

test('twelve presets, each OIDC with an issuer or OAuth 2 with its three endpoints, and a subject it can find', () => {
  assert.ok(PRESET_IDS.length >= 12);
  for (const id of PRESET_IDS) {
    const entry = preset(id);
    if (entry.kind === 'oidc') assert.match(entry.issuer!({}), /^https:\/\//, id);
    else {
      for (const url of Object.values(entry.endpoints!)) assert.match(url, /^https:\/\//, id);
      assert.ok(entry.mapping['sub'], `${id} names its subject claim`);
    }
  }
  assert.equal(presetOf('myspace'), undefined);
});

test('a connection’s own issuer, endpoints and mapping win over the preset’s', () => {
  type Endpoints = { authorization: string; token: string; userinfo: string };
  const base = { preset: 'microsoft', presetOptions: { tenant: 'organizations' }, issuer: null as string | null, endpoints: null as Endpoints | null, mapping: { name: 'nickname' } as Record<string, string> };
  const resolved = resolvedConnection(base);
  assert.equal(resolved.issuer, 'https://login.microsoftonline.com/organizations/v2.0');
  assert.equal(resolved.mapping['name'], 'nickname');
  assert.equal(resolvedConnection({ ...base, issuer: 'http://127.0.0.1:1/common/v2.0' }).issuer, 'http://127.0.0.1:1/common/v2.0');
  const github = resolvedConnection({ ...base, preset: 'github', mapping: {} as Record<string, string> });
  assert.equal(github.endpoints?.userinfo, 'https://api.github.com/user');
  assert.equal(github.mapping['sub'], 'id');
});

test('GitHub: only the primary address marked verified counts; the public /user email never does', () => {
  const claims = { id: 1, email: 'someone-else@example.com' };
  const verified = presetClaims(preset('github'), claims, { githubEmails: [{ email: 'other@example.com', primary: false, verified: true }, { email: 'me@example.com', primary: true, verified: true }] });
  assert.equal(verified['email'], 'me@example.com');
  assert.equal(verified['email_verified'], true);
  const unverified = presetClaims(preset('github'), claims, { githubEmails: [{ email: 'me@example.com', primary: true, verified: false }] });
  assert.equal(unverified['email'], 'me@example.com');
  assert.equal(unverified['email_verified'], false);
  assert.equal(presetClaims(preset('github'), claims, { githubEmails: 'not a list' })['email'], undefined);
});

test('Microsoft: a personal account’s address is verified; a work account’s only with xms_edov', () => {
  assert.equal(presetClaims(preset('microsoft'), { tid: MICROSOFT_CONSUMER_TENANT, email: 'a@outlook.com' })['email_verified'], true);
  assert.equal(presetClaims(preset('microsoft'), { tid: '72f988bf-86f1-41af-91ab-2d7cd011db47', email: 'a@contoso.com', email_verified: true })['email_verified'], false);
  assert.equal(presetClaims(preset('microsoft'), { tid: '72f988bf-86f1-41af-91ab-2d7cd011db47', email: 'a@contoso.com', xms_edov: true })['email_verified'], true);
});

test('Apple: "true" verifies; the form_post user field names but never gives the address; a broken one is ignored', () => {
  const claims = presetClaims(preset('apple'), { sub: 's', email: 'a@privaterelay.appleid.com', email_verified: 'true' }, { appleUser: JSON.stringify({ name: { firstName: 'Ann', lastName: 'Lee' }, email: 'victim@example.com' }) });
  assert.deepEqual([claims['email'], claims['email_verified'], claims['given_name'], claims['family_name'], claims['name']], ['a@privaterelay.appleid.com', true, 'Ann', 'Lee', 'Ann Lee']);
  assert.equal(presetClaims(preset('apple'), { sub: 's' }, { appleUser: '{not json' })['name'], undefined);
});

test('Discord by its verified flag, Facebook by the address it gives, Amazon never, X has none', () => {
  assert.equal(presetClaims(preset('discord'), { id: '1', email: 'a@example.com', verified: false })['email_verified'], false);
  assert.equal(presetClaims(preset('discord'), { id: '1', email: 'a@example.com', verified: true })['email_verified'], true);
  assert.equal(presetClaims(preset('facebook'), { id: '1', email: 'a@example.com' })['email_verified'], true);
  assert.equal(presetClaims(preset('facebook'), { id: '1' })['email_verified'], false);
  assert.equal(presetClaims(preset('amazon'), { user_id: 'amzn1', email: 'a@example.com', email_verified: true })['email_verified'], false);
  assert.equal(presetClaims(preset('x'), { data: { id: '9' }, email: 'a@example.com' })['email'], undefined);
});
