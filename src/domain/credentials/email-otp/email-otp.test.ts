// The rule that keeps an emailed code from standing in for a stronger second factor (SECURITY.md 11).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskEmail, offeredSecondFactors } from './email-otp.ts';

const afterPassword = { method: 'password', acr: 'urn:foyer:acr:password' };

test('an emailed code is offered to a customer with nothing stronger', () => {
  assert.deepEqual(offeredSecondFactors(['email_otp'], afterPassword), ['email_otp']);
});

test('an emailed code is not offered beside an authenticator app, a phone or a passkey', () => {
  assert.deepEqual(offeredSecondFactors(['totp', 'recovery_code', 'email_otp'], afterPassword), ['totp', 'recovery_code']);
  assert.deepEqual(offeredSecondFactors(['sms', 'email_otp'], afterPassword), ['sms']);
  assert.deepEqual(offeredSecondFactors(['passkey', 'email_otp'], afterPassword), ['passkey']);
});

test('an emailed code never completes a sign-in the inbox itself started', () => {
  assert.deepEqual(offeredSecondFactors(['email_otp'], { method: 'email_code', acr: 'urn:foyer:acr:email' }), []);
  assert.deepEqual(offeredSecondFactors(['email_otp'], { method: 'email_link', acr: 'urn:foyer:acr:email' }), []);
  assert.deepEqual(offeredSecondFactors(['email_otp'], { method: 'sms_code', acr: 'urn:foyer:acr:sms' }), ['email_otp']);
});

test('a texted code never completes a sign-in a texted code started: the same phone twice is one factor', () => {
  assert.deepEqual(offeredSecondFactors(['sms', 'totp'], { method: 'sms_code', acr: 'urn:foyer:acr:sms' }), ['totp']);
  assert.deepEqual(offeredSecondFactors(['sms'], afterPassword), ['sms']);
});

test('the address shown is masked', () => {
  assert.equal(maskEmail('jane.doe@example.com'), 'j•••@example.com');
  assert.equal(maskEmail('nobody'), '•••');
});

test('the email carries the code and no link', async () => {
  const { renderMail } = await import('../../mail/templates.ts');
  const { translator } = await import('../../../i18n/translate.ts');
  for (const locale of ['en', 'de', 'ar'] as const) {
    const mail = renderMail({ kind: 'mfa_code', to: 'jane@example.com', params: { code: '123456', expiresInMinutes: '10' }, t: translator(locale), branding: { name: 'Acme' }, replies: false });
    assert.match(mail.text, /123456/);
    assert.doesNotMatch(mail.html, /<a href=/);
    assert.doesNotMatch(mail.text, /mail\.mfa_code|http/);
  }
});
