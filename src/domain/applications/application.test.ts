import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApplicationInput } from './application.ts';
import { DEFAULT_TOKEN_LIFETIMES, GRANT_DEVICE_CODE, isConfidentialKind, validateApplication } from './application.ts';
import { ValidationError } from '../errors.ts';

const WEB = { name: 'Shop', redirectUris: ['https://shop.example.com/callback'] };
const NATIVE = { name: 'App', redirectUris: ['com.example.app:/callback'] };

/** The `field code` of every problem, or [] when the input is accepted. */
function problems(input: ApplicationInput, kind: string): string[] {
  try {
    validateApplication(input, kind);
    return [];
  } catch (error) {
    assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
    return error.problems.map((problem) => `${problem.field} ${problem.code}`);
  }
}

const accepts = (input: ApplicationInput, kind: string) => assert.deepEqual(problems(input, kind), [], `${kind} ${JSON.stringify(input)}`);
const refuses = (input: ApplicationInput, kind: string, expected: string) => assert.deepEqual(problems(input, kind), [expected], `${kind} ${JSON.stringify(input)}`);

describe('validateApplication', () => {
  test('fills the defaults of each kind', () => {
    const web = validateApplication(WEB, 'web');
    assert.deepEqual(web, {
      kind: 'web',
      name: 'Shop',
      redirectUris: ['https://shop.example.com/callback'],
      postLogoutRedirectUris: [],
      grantTypes: ['authorization_code', 'refresh_token'],
      firstParty: true,
      tokenLifetimes: { accessToken: 3600, idToken: 3600, refreshToken: 14 * 86_400 },
      backchannelLogoutUri: null,
      logoUri: null,
      idTokenAlgorithm: 'ES256',
      idTokenClaims: 'scopes',
      adminAccess: null,
      mfaPolicy: null,
      passkeysDisabled: false,
    });
    assert.deepEqual(validateApplication({ name: 'SPA', redirectUris: ['https://spa.example.com/'] }, 'spa').grantTypes, ['authorization_code', 'refresh_token']);
    assert.deepEqual(validateApplication(NATIVE, 'native').grantTypes, ['authorization_code', 'refresh_token']);
    const machine = validateApplication({ name: 'Worker' }, 'machine');
    assert.deepEqual(machine.grantTypes, ['client_credentials']);
    assert.deepEqual(machine.redirectUris, []);
    assert.deepEqual(DEFAULT_TOKEN_LIFETIMES, { accessToken: 3600, idToken: 3600, refreshToken: 1_209_600 });
  });

  test('web and machine are confidential; spa and native are public', () => {
    assert.deepEqual(
      (['web', 'spa', 'native', 'machine'] as const).map(isConfidentialKind),
      [true, false, false, true],
    );
  });

  test('keeps redirect URIs exactly as given, trimmed and without duplicates', () => {
    const fields = validateApplication({ ...WEB, redirectUris: [' https://a.example/cb?x=1 ', 'https://a.example/cb?x=1', 'https://a.example/CB'] }, 'web');
    assert.deepEqual(fields.redirectUris, ['https://a.example/cb?x=1', 'https://a.example/CB']);
  });

  test('refuses an unknown kind, and still reports the other fields', () => {
    assert.deepEqual(problems({ name: '' }, 'desktop'), ['name application.name_invalid', 'kind application.kind_invalid']);
  });

  test('name: 1 to 200 characters after trimming', () => {
    accepts({ ...WEB, name: 'x'.repeat(200) }, 'web');
    refuses({ ...WEB, name: 'x'.repeat(201) }, 'web', 'name application.name_invalid');
    refuses({ ...WEB, name: '   ' }, 'web', 'name application.name_invalid');
    assert.equal(validateApplication({ ...WEB, name: '  Shop  ' }, 'web').name, 'Shop');
  });

  test('web and spa redirect URIs: https, or http on localhost, 127.0.0.1 and [::1] only', () => {
    for (const kind of ['web', 'spa']) {
      for (const uri of ['https://shop.example.com/cb', 'http://localhost:3000/cb', 'http://127.0.0.1/cb', 'http://[::1]:8080/cb', 'https://shop.example.com/cb?tab=1']) {
        accepts({ ...WEB, redirectUris: [uri] }, kind);
      }
      for (const uri of ['http://shop.example.com/cb', 'com.example.app:/cb', 'ftp://shop.example.com/cb', 'http://localhost.evil.com/cb']) {
        refuses({ ...WEB, redirectUris: [uri] }, kind, 'redirectUris application.redirect_uri_invalid');
      }
    }
  });

  test('redirect URIs must be absolute, without fragment, credentials or spaces', () => {
    for (const uri of ['/callback', 'shop.example.com/cb', 'https://shop.example.com/cb#top', 'https://user:pw@shop.example.com/cb', 'https://shop.example.com/a b', '']) {
      refuses({ ...WEB, redirectUris: [uri] }, 'web', 'redirectUris application.redirect_uri_invalid');
    }
  });

  test('every bad redirect URI is reported, each by name', () => {
    try {
      validateApplication({ ...WEB, redirectUris: ['http://a.example/cb', 'https://ok.example/cb', 'https://b.example/#x'] }, 'web');
      assert.fail('expected a refusal');
    } catch (error) {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.problems.length, 2);
      assert.match(error.problems[0]!.message, /^"http:\/\/a\.example\/cb": use https/);
      assert.match(error.problems[1]!.message, /^"https:\/\/b\.example\/#x": a fragment/);
    }
  });

  test('native redirect URIs: reverse-domain private-use scheme, http loopback on any port, or https', () => {
    for (const uri of ['com.example.app:/callback', 'com.example.app://oauth/cb', 'http://127.0.0.1:51004/cb', 'http://[::1]/cb', 'http://localhost:8000/cb', 'https://app.example.com/cb']) {
      accepts({ ...NATIVE, redirectUris: [uri] }, 'native');
    }
    for (const uri of ['myapp:/callback', 'http://app.example.com/cb', 'javascript:alert(1)', 'com.example.app:/cb#frag', 'com.:/cb']) {
      refuses({ ...NATIVE, redirectUris: [uri] }, 'native', 'redirectUris application.redirect_uri_invalid');
    }
  });

  test('web, spa and native need at least one redirect URI; machine takes none', () => {
    for (const kind of ['web', 'spa', 'native']) refuses({ name: 'X' }, kind, 'redirectUris application.redirect_uri_required');
    accepts({ name: 'Worker' }, 'machine');
    refuses({ name: 'Worker', redirectUris: ['https://worker.example/cb'] }, 'machine', 'redirectUris application.redirect_uri_invalid');
    refuses({ name: 'Worker', postLogoutRedirectUris: ['https://worker.example/'] }, 'machine', 'postLogoutRedirectUris application.post_logout_redirect_uri_invalid');
  });

  test('post-logout redirect URIs follow the redirect URI rules of the kind', () => {
    accepts({ ...WEB, postLogoutRedirectUris: ['https://shop.example.com/bye', 'http://localhost:3000/'] }, 'web');
    refuses({ ...WEB, postLogoutRedirectUris: ['http://shop.example.com/bye'] }, 'web', 'postLogoutRedirectUris application.post_logout_redirect_uri_invalid');
    accepts({ ...NATIVE, postLogoutRedirectUris: ['com.example.app:/bye'] }, 'native');
    refuses({ ...WEB, postLogoutRedirectUris: ['com.example.app:/bye'] }, 'spa', 'postLogoutRedirectUris application.post_logout_redirect_uri_invalid');
  });

  test('grant types: within what the kind allows, never empty, authorization_code kept by browser kinds', () => {
    accepts({ ...WEB, grantTypes: ['authorization_code', 'refresh_token', GRANT_DEVICE_CODE] }, 'web');
    accepts({ ...NATIVE, grantTypes: ['authorization_code', GRANT_DEVICE_CODE] }, 'native');
    accepts({ ...WEB, grantTypes: ['authorization_code'] }, 'spa');
    refuses({ ...WEB, grantTypes: ['authorization_code', GRANT_DEVICE_CODE] }, 'spa', 'grantTypes application.grant_type_invalid');
    refuses({ ...WEB, grantTypes: ['authorization_code', 'client_credentials'] }, 'web', 'grantTypes application.grant_type_invalid');
    refuses({ ...WEB, grantTypes: ['authorization_code', 'implicit'] }, 'web', 'grantTypes application.grant_type_invalid');
    refuses({ ...WEB, grantTypes: ['refresh_token'] }, 'web', 'grantTypes application.grant_type_invalid');
    refuses({ ...WEB, grantTypes: [] }, 'web', 'grantTypes application.grant_type_invalid');
    accepts({ name: 'Worker', grantTypes: ['client_credentials'] }, 'machine');
    refuses({ name: 'Worker', grantTypes: ['client_credentials', 'refresh_token'] }, 'machine', 'grantTypes application.grant_type_invalid');
  });

  test('token lifetimes: whole seconds within bounds', () => {
    accepts({ ...WEB, tokenLifetimes: { accessToken: 60, idToken: 86_400, refreshToken: 3_600 } }, 'web');
    accepts({ ...WEB, tokenLifetimes: { refreshToken: 365 * 86_400 } }, 'web');
    refuses({ ...WEB, tokenLifetimes: { accessToken: 59 } }, 'web', 'tokenLifetimes.accessToken application.access_token_lifetime_invalid');
    refuses({ ...WEB, tokenLifetimes: { accessToken: 86_401 } }, 'web', 'tokenLifetimes.accessToken application.access_token_lifetime_invalid');
    refuses({ ...WEB, tokenLifetimes: { idToken: 90.5 } }, 'web', 'tokenLifetimes.idToken application.id_token_lifetime_invalid');
    refuses({ ...WEB, tokenLifetimes: { refreshToken: 3_599 } }, 'web', 'tokenLifetimes.refreshToken application.refresh_token_lifetime_invalid');
    refuses({ ...WEB, tokenLifetimes: { refreshToken: 365 * 86_400 + 1 } }, 'web', 'tokenLifetimes.refreshToken application.refresh_token_lifetime_invalid');
    refuses({ ...WEB, tokenLifetimes: { accessToken: Number.NaN } }, 'web', 'tokenLifetimes.accessToken application.access_token_lifetime_invalid');
  });

  test('ID tokens: ES256 unless RS256 is asked for; nothing else (no HS256, no none)', () => {
    assert.equal(validateApplication(WEB, 'web').idTokenAlgorithm, 'ES256');
    assert.equal(validateApplication({ ...WEB, idTokenAlgorithm: 'RS256' }, 'web').idTokenAlgorithm, 'RS256');
    for (const alg of ['HS256', 'none', 'es256', '']) refuses({ ...WEB, idTokenAlgorithm: alg }, 'web', 'idTokenAlgorithm application.id_token_algorithm_invalid');
  });

  test('ID token claims: those of the granted scopes unless minimal is asked for', () => {
    assert.equal(validateApplication(WEB, 'web').idTokenClaims, 'scopes');
    assert.equal(validateApplication({ ...WEB, idTokenClaims: 'minimal' }, 'web').idTokenClaims, 'minimal');
    for (const value of ['all', 'Minimal', '']) refuses({ ...WEB, idTokenClaims: value }, 'web', 'idTokenClaims application.id_token_claims_invalid');
  });

  test('logo URI: https or absent (an empty value is absent)', () => {
    assert.equal(validateApplication({ ...WEB, logoUri: 'https://cdn.example.com/logo.png' }, 'web').logoUri, 'https://cdn.example.com/logo.png');
    assert.equal(validateApplication({ ...WEB, logoUri: '' }, 'web').logoUri, null);
    refuses({ ...WEB, logoUri: 'http://cdn.example.com/logo.png' }, 'web', 'logoUri application.logo_uri_invalid');
    refuses({ ...WEB, logoUri: 'logo.png' }, 'web', 'logoUri application.logo_uri_invalid');
  });

  test('back-channel logout URI: web only, https (http on localhost), no fragment', () => {
    accepts({ ...WEB, backchannelLogoutUri: 'https://shop.example.com/logout' }, 'web');
    accepts({ ...WEB, backchannelLogoutUri: 'http://localhost:3000/logout' }, 'web');
    refuses({ ...WEB, backchannelLogoutUri: 'http://shop.example.com/logout' }, 'web', 'backchannelLogoutUri application.backchannel_logout_uri_invalid');
    refuses({ ...WEB, backchannelLogoutUri: 'https://shop.example.com/logout#x' }, 'web', 'backchannelLogoutUri application.backchannel_logout_uri_invalid');
    refuses({ ...WEB, backchannelLogoutUri: 'https://spa.example.com/logout' }, 'spa', 'backchannelLogoutUri application.backchannel_logout_uri_invalid');
    refuses({ name: 'Worker', backchannelLogoutUri: 'https://worker.example/logout' }, 'machine', 'backchannelLogoutUri application.backchannel_logout_uri_invalid');
  });

  test('admin access: machines only, known scopes, at least one, a tenant slug or *', () => {
    const machine = validateApplication({ name: 'CRM', adminAccess: { scopes: ['apps:read', 'apps:read', 'stats:read'], tenant: 'acme' } }, 'machine');
    assert.deepEqual(machine.adminAccess, { scopes: ['apps:read', 'stats:read'], tenant: 'acme' });
    assert.deepEqual(validateApplication({ name: 'All', adminAccess: { scopes: ['staff:write'], tenant: '*' } }, 'machine').adminAccess, { scopes: ['staff:write'], tenant: '*' });
    const refusedFields = (input: Parameters<typeof validateApplication>[0], kind: string) => {
      try {
        validateApplication(input, kind);
      } catch (error) {
        return (error as ValidationError).problems.map((problem) => problem.field);
      }
      return [];
    };
    assert.deepEqual(refusedFields({ name: 'SPA', redirectUris: ['https://spa.example.com/'], adminAccess: { scopes: ['apps:read'], tenant: '*' } }, 'spa'), ['adminAccess']);
    assert.deepEqual(refusedFields({ name: 'X', adminAccess: { scopes: ['apps:read', 'root'], tenant: '*' } }, 'machine'), ['adminAccess.scopes']);
    assert.deepEqual(refusedFields({ name: 'X', adminAccess: { scopes: [], tenant: '*' } }, 'machine'), ['adminAccess.scopes']);
    assert.deepEqual(refusedFields({ name: 'X', adminAccess: { scopes: ['apps:read'], tenant: 'Not A Slug' } }, 'machine'), ['adminAccess.tenant']);
  });

  test("second-factor policy: one of off, optional, required, adaptive, or null for the tenant's", () => {
    for (const policy of ['off', 'optional', 'required', 'adaptive'] as const) assert.equal(validateApplication({ ...WEB, mfaPolicy: policy }, 'web').mfaPolicy, policy);
    assert.equal(validateApplication({ ...WEB, mfaPolicy: null }, 'web').mfaPolicy, null);
    for (const value of ['always', 'Required', '']) refuses({ ...WEB, mfaPolicy: value }, 'web', 'mfaPolicy application.mfa_policy_invalid');
  });

  test('first-party unless said otherwise', () => {
    assert.equal(validateApplication({ ...WEB, firstParty: false }, 'web').firstParty, false);
  });

  test('reports every bad field at once', () => {
    assert.deepEqual(problems({ name: '', grantTypes: ['password'], tokenLifetimes: { accessToken: 1 }, logoUri: 'http://x.example/' }, 'spa'), [
      'name application.name_invalid',
      'redirectUris application.redirect_uri_required',
      'grantTypes application.grant_type_invalid',
      'grantTypes application.grant_type_invalid',
      'tokenLifetimes.accessToken application.access_token_lifetime_invalid',
      'logoUri application.logo_uri_invalid',
    ]);
  });
});
