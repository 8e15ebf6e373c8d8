// English texts of product errors (DomainError codes, see domain/errors.ts) that no other area
// already words; part of the reference catalogue, see ../en.ts. Pages show them in the customer's
// language; API problems carry the code and an English detail.
export const errors = {
  'account.not_found': 'This account no longer exists or is blocked.',
  'application.client_id_taken': 'The client ID {clientId} is already in use. Choose another one.',
  'application.not_found': 'There is no application with the client ID {clientId}.',
  'application.public_client_has_no_secret': 'This application is a public client: it has no secret to rotate.',
  'authentication.not_recent': 'For your security, confirm it is you: enter your password or sign in again.',
  'flow.already_complete': 'This step is already complete. Start again if you need to.',
  'flow.code_sent': 'We have already sent a code for this step. Enter it, or start again.',
  'flow.not_found': 'This page has expired or does not exist. Please start again.',
  'flow.wrong_step': 'This does not match the step you are at. Go back to it to continue, or start again.',
  'identity.identifier_taken': 'Another account already signs in with this.',
  'identity.not_found': 'This account does not exist.',
  'mail.not_found': 'There is no email with the ID {id}.',
  'mail.not_retriable': 'This email cannot be sent again: only a failed email without a one-time code can be retried.',
  'request.rate_limited': 'Too many requests from your network. Wait {seconds, plural, one {# second} other {# seconds}}, then try again.',
  'session.invalid': 'Your session has ended. Please sign in again.',
  'tenant.not_found': 'There is nothing at this address. Check the link you followed.',
  'tenant.slug_taken': 'The slug {slug} is already used by another tenant. Choose another one.',
  'tenant.protected': 'The tenant {slug} cannot be deleted.',
  'tenant.not_empty': 'The tenant {slug} still has customers or applications. Remove them first.',
  'token.insufficient_scope': 'This application is not allowed to manage your account.',
  'token.invalid': 'Your sign-in has expired or is not valid. Please sign in again.',
  'token.missing': 'Please sign in to continue.',
  'token.not_first_party': 'Only the applications of this service itself can manage your account.',
  'validation.failed': 'Some fields are not valid. Check the marked fields and try again.',
} as const;
