// English texts of the administration: the admin API's error codes that no other area words, and
// the first-run setup page where the first owner is created; part of the reference catalogue, see
// ../en.ts.
export const admin = {
  'idempotency.in_progress': 'A request with this Idempotency-Key is still being processed. Retry it in a moment.',
  'idempotency.key_reused': 'This Idempotency-Key was used for a different request. Use a new key for a new request.',
  'request.precondition_failed': 'This was changed since you read it. Read it again, then apply your change.',
  'setup.link_invalid': 'This setup link is not valid: it has expired, was used already, or an owner exists. Ask for a new one with “foyer admin setup”.',
  'signup.disabled': 'Accounts here are created by the administrators. Ask one of them for an account.',
  'staff.last_owner': 'This is the last owner. Make someone else an owner first.',
  'staff.not_found': 'There is no staff member with this ID.',
  'admin.setup.title': 'Set up Foyer',
  'admin.setup.heading': 'Create the first owner',
  'admin.setup.intro': 'The owner manages Foyer and its staff. Choose the email address and password you will sign in with.',
  'admin.setup.submit': 'Create the owner',
  'admin.setup.done_heading': 'The owner is created',
  'admin.setup.done': 'Sign in as {email} to administer Foyer. This setup link no longer works.',
} as const;
