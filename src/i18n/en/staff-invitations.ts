// English texts of staff invitations (domain/admin/staff-invitations.ts): the admin API's errors,
// the invitation email and the page of the admin tenant where the invitee accepts; part of the
// reference catalogue, see ../en.ts.
export const staffInvitations = {
  'staff.already_invited': 'This address is invited already. Resend that invitation, or withdraw it first.',
  'staff.invitation_invalid': 'This invitation link is not valid: it has expired, was withdrawn or was used already. Ask an owner to send you a new one.',
  'staff.invitation_not_found': 'There is no open invitation with this ID.',
  'mail.staff_invitation.subject': 'You are invited to administer {tenant}',
  'mail.staff_invitation.heading': 'You are invited to join the team',
  'mail.staff_invitation.intro': 'An owner invited {email} to administer {tenant} as {role, select, owner {an owner} admin {an administrator} support {a support member} other {an analyst}}. Open the link within a week to choose your password.',
  'mail.staff_invitation.button': 'Accept the invitation',
  'mail.staff_invitation.not_you': 'If you did not expect this invitation, ignore this email: nothing happens unless the link is opened.',
  'admin.invitation.title': 'Join the team',
  'admin.invitation.heading': 'Accept your invitation',
  'admin.invitation.intro': 'You are invited as {role, select, owner {an owner} admin {an administrator} support {a support member} other {an analyst}} with the address {email}. Choose the password you will sign in with.',
  'admin.invitation.submit': 'Accept and create my account',
  'admin.invitation.done_heading': 'Welcome to the team',
  'admin.invitation.done': 'Your account {email} is ready and this link no longer works. Sign in to the console with your new password.',
  'admin.invitation.open_console': 'Open the console',
  'admin.invitation.or_connection': 'Or skip the password: sign in to the console with {name} as {email}, and the invitation is yours.',
} as const;
