// English texts of social and enterprise sign-in (ADR 0032): the buttons on the hosted pages, the
// page that connects an upstream account to an existing one, and their errors (part of the
// reference catalogue, see ../en.ts).
export const federation = {
  'page.federation.continue_with': 'Continue with {name}',
  'page.federation.or': 'or',
  'page.federation.link_title': 'Connect your account',
  'page.federation.link_heading': 'Connect {name} to your account',
  'page.federation.link_intro': 'To use {name} here, sign in to your account once with your email and password. New here? Create an account first, then connect {name} from your account page.',
  'page.federation.link_submit': 'Sign in and connect',
  'page.federation.back': 'Back to sign-in',
  'federation.link_required': 'Sign in to your account first to connect this way of signing in.',
  'federation.profile_incomplete': 'That sign-in did not give us what an account here needs. Sign up with your email instead.',
  'federation.upstream_failed': 'Signing in that way did not work. Try again, or choose another way to sign in.',
  'federation.already_linked': 'That account is already connected to another account here.',
  'federation.saml_unsolicited': 'This sign-in did not start here, or it took too long to come back. Go back to the application and sign in again.',
  'connection.not_found': 'There is no connection with the ID {id}.',
  'connection.id_taken': 'The connection ID {id} is already in use. Choose another one.',
  'federation.last_method': 'This is the only way to sign in to your account. Set a password or connect another account first.',
  'account.nav.connections': 'Connected accounts',
  'account.connections.intro': 'Accounts at other services that you can sign in with here.',
  'account.connections.none': 'No accounts are connected.',
  'account.connections.linked_at': 'connected {date}',
  'account.connections.remove': 'Disconnect',
  'account.connections.last': 'This is your only way to sign in, so it cannot be disconnected.',
  'account.connections.connect': 'Connect {name}',
  'account.connections.linked': 'The account is connected. You can sign in with it from now on.',
  'account.connections.unlinked': 'The account is disconnected.',
} as const;
