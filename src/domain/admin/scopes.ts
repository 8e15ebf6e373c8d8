// What may be done through the admin API, as scopes per resource and action, and what each staff
// role may do. Machines hold the scopes their admin client was given; staff hold their role's
// scopes, read on every request (a demoted staff member loses power at once). The catalogue is the
// contract of docs/admin-api.md: adding a scope is a change there too.

/** Every scope a route can require, one per resource and action. */
export const ADMIN_SCOPES = [
  'tenants:read',
  'tenants:write',
  'apps:read',
  'apps:write',
  'customers:read',
  'customers:write',
  /** Acting on a customer's account without changing their data: block, unblock, recovery email, resend verification, revoke sessions. */
  'customers:support',
  /** Resetting a customer's second factors (authenticator app, recovery codes, remembered browsers) when they lost them. */
  'customers:mfa_reset',
  'customers:erase',
  /** Reading the upstream tokens kept for a customer's connected accounts: with them the caller acts as the customer at the provider (issue 16). */
  'customers:tokens',
  /** Consent purposes and customers' consents and ledger (issue 15). */
  'consents:read',
  'consents:write',
  /** Event subscriptions (webhooks, NATS), their delivery logs, dead letters and replays. */
  'subscriptions:read',
  'subscriptions:write',
  'keys:read',
  'keys:write',
  'audit:read',
  'mail:read',
  'mail:write',
  'stats:read',
  'staff:write',
  /** The tenant's SCIM 2.0 service provider (/scim/v2): customers and groups, as a provisioning client (a CRM) manages them. */
  'scim',
] as const;

export type AdminScope = (typeof ADMIN_SCOPES)[number];

export const STAFF_ROLES = ['owner', 'admin', 'support', 'analyst'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/**
 * The one scope a staff member's token carries: "act as the signed-in staff member". What they may
 * do comes from their role, never from the token, so it cannot outlive a change of role.
 */
export const STAFF_SIGN_IN_SCOPE = 'admin';

const EVERYTHING: readonly AdminScope[] = ADMIN_SCOPES;

export const ROLE_SCOPES: Readonly<Record<StaffRole, readonly AdminScope[]>> = {
  owner: EVERYTHING,
  admin: EVERYTHING.filter((scope) => scope !== 'staff:write'),
  // Support reads customers (and their consents), acts on their accounts and resets their second
  // factors; no settings, no applications, no erasure.
  support: ['tenants:read', 'customers:read', 'customers:support', 'customers:mfa_reset', 'consents:read'],
  // Analysts see statistics and customer lists with the personal data masked (request.admin.masked);
  // consent records without IP address or user agent.
  analyst: ['tenants:read', 'customers:read', 'stats:read', 'consents:read'],
};

export function isAdminScope(value: string): value is AdminScope {
  return (ADMIN_SCOPES as readonly string[]).includes(value);
}

export function isStaffRole(value: unknown): value is StaffRole {
  return typeof value === 'string' && (STAFF_ROLES as readonly string[]).includes(value);
}
