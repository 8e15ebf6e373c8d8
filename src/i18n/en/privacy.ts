// English texts of consent purposes, the consent ledger and communication preferences (issue 15):
// the errors, the consent step of sign-up and sign-in, the account's consents and preferences, and the
// unsubscribe page; part of the reference catalogue, see ../en.ts.
export const privacy = {
  'purpose.not_found': 'There is no consent purpose {id}.',
  'purpose.id_taken': 'There is already a consent purpose {id}. Choose another ID.',
  'consent.required_purpose': 'This consent is needed to use the service and cannot be withdrawn on its own. To end it, delete your account.',
  'consent.required': 'Please accept {purposes} to continue.',
  'page.purposes.legend': 'What you agree to',
  'page.purposes.title': 'Updated terms',
  'page.purposes.heading': 'Please review what changed',
  'page.purposes.intro': 'Some of what you agreed to has changed since you last signed in. Accept it to continue to {app}.',
  'page.purposes.accept': 'Accept and continue',
  'page.purposes.decline': 'Cancel',
  'page.purposes.required_label': '{name} (required)',
  'page.purposes.gpc_note': 'Your browser asks that your data not be sold or shared (Global Privacy Control): this stays off unless you tick it.',
} as const;
