// English texts of codes by email as a second factor and of the tenant switch that turns passkeys
// off (issue 17): the hosted step, the portal's section and the email (part of the reference
// catalogue, see ../en.ts).
export const emailOtp = {
  'page.mfa.use_email': 'Use a code sent by email',
  'page.mfa.email_send': 'Email a code to {address}',
  'page.mfa.email_resend': 'Email me a new code',
  'page.mfa.email_intro': 'We emailed a 6-digit code to {address}. Enter it below.',
  'field.email_otp_code': 'Code from the email',
  'mfa.email_unverified': 'Verify your email address first: codes go only to a verified address.',
  'account.mfa.email': 'Codes by email',
  'account.mfa.email_off': 'Get a code by email when you sign in. It is the least safe second step: an authenticator app, a phone number or a passkey protects you better.',
  'account.mfa.email_on': 'Codes go to {address}.',
  'account.mfa.email_dormant': 'Not asked for while you have an authenticator app, a phone number for codes or a passkey: those are safer.',
  'account.mfa.email_enable': 'Turn on codes by email',
  'account.mfa.email_remove': 'Turn off codes by email',
  'account.mfa.email_needs_verified': 'Verify your email address to use codes by email.',
  'passkey.disabled': 'Passkeys are not offered here. Sign in another way.',
  'mail.mfa_code.subject': 'Your {tenant} verification code',
  'mail.mfa_code.heading': 'Confirm it is you',
  'mail.mfa_code.intro': 'Someone is signing in to your {tenant} account. To finish signing in, enter this code where you were asked for it.',
  'mail.mfa_code.expires': 'The code works once, and only for the next {minutes, plural, one {minute} other {# minutes}}.',
  'mail.mfa_code.not_you': 'If this wasn\'t you, someone may know your password: change it now. Never share this code with anyone, even someone who says they work for {tenant}.',
} as const;
