// English texts of sign-in without a password (ADR 0031): the emailed code and link on the hosted
// pages, the link's page and the email (part of the reference catalogue, see ../en.ts).
export const passwordless = {
  'page.signin.email_code': 'Email me a sign-in code instead',
  'page.email_signin.title': 'Sign in with a code',
  'page.email_signin.heading': 'Sign in to {app} without a password',
  'page.email_signin.intro': 'Enter your email address. If it belongs to an account, we email you a code and a link that sign you in.',
  'page.email_signin.submit': 'Email me a code',
  'page.email_signin.use_password': 'Sign in with your password',
  'page.code.intro_signin': 'If {email} belongs to an account, we just sent a 6-digit code to it. Enter it below, or open the link in the email in this browser.',
  'page.signin_link.title': 'Sign in',
  'page.signin_link.heading': 'Continue signing in',
  'page.signin_link.intro': 'Continue signing in as {email} in this browser.',
  'page.signin_link.submit': 'Continue',
  'page.signin_link.elsewhere_heading': 'Use the browser where you started',
  'page.signin_link.elsewhere_body': 'For your safety, a sign-in link works only in the browser where you asked for it. Open it there, or type the code from the email on the page that asked for it.',
  'signin.method_unavailable': 'This way of signing in is not offered here. Sign in another way.',
  'mail.sign_in_code.subject': 'Your {tenant} sign-in code',
  'mail.sign_in_code.heading': 'Sign in to {tenant}',
  'mail.sign_in_code.intro': 'To sign in as {email}, enter this code where you were asked for it, or use the button below in the same browser.',
  'mail.sign_in_code.button': 'Sign me in',
  'mail.sign_in_code.not_you': "If this wasn't you, you can ignore this email: nobody signs in without this code. Never share it with anyone, even someone who says they work for {tenant}.",
} as const;
