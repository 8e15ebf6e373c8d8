// English texts of the mail area (part of the reference catalogue, see ../en.ts).
export const mail = {
  'mail.common.code_label': 'Your code',
  'mail.common.link_intro': 'Or open this link in your browser:',
  'mail.common.expires': 'The code and the link work once, and only for the next {minutes} minutes.',
  'mail.common.footer': 'This email was sent by {tenant} about your account. Please do not reply to it.',
  'mail.common.footer_reply': 'This email was sent by {tenant} about your account.',

  'mail.verify_email.subject': 'Confirm your email address for {tenant}',
  'mail.verify_email.heading': 'Confirm your email address',
  'mail.verify_email.intro': 'To confirm that {email} is your address, enter this code where you were asked for it, or use the button below.',
  'mail.verify_email.button': 'Confirm my email address',
  'mail.verify_email.not_you': "If this wasn't you, you can ignore this email: nothing happens unless the code is used.",

  'mail.recover_password.subject': 'Reset your {tenant} password',
  'mail.recover_password.heading': 'Reset your password',
  'mail.recover_password.intro': 'We received a request to reset the password of your {tenant} account. To choose a new password, enter this code where you were asked for it, or use the button below.',
  'mail.recover_password.button': 'Choose a new password',
  'mail.recover_password.not_you': "If this wasn't you, ignore this email: your password stays as it is. Never share this code with anyone, even someone who says they work for {tenant}.",

  'mail.password_changed.subject': 'Your {tenant} password was changed',
  'mail.password_changed.heading': 'Your password was changed',
  'mail.password_changed.intro': 'The password of your {tenant} account was just changed. You need the new password to sign in from now on.',
  'mail.password_changed.not_you': "If this wasn't you, reset your password right away with the \"Forgot your password?\" link on the sign-in page, and contact {tenant}: someone else may know your password.",

  'mail.email_changed.subject': 'The email address of your {tenant} account was changed',
  'mail.email_changed.heading': 'Your email address was changed',
  'mail.email_changed.intro': 'Your {tenant} account now uses {newEmail}. Emails about your account will go there, and this address will no longer be used to sign in.',
  'mail.email_changed.not_you': "If this wasn't you, contact {tenant} right away: someone else may have taken over your account.",

  'mail.account_deleted.subject': 'Your {tenant} account was deleted',
  'mail.account_deleted.heading': 'Your account was deleted',
  'mail.account_deleted.intro': 'Your {tenant} account and the personal data it held have been deleted. This is the last email you will receive about it.',
  'mail.account_deleted.not_you': "If you didn't ask for this, contact {tenant} right away.",
} as const;
