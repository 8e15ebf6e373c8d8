// The customer's recent security activity, from the audit log: sign-ins (and failures), changes,
// revocations; what a customer needs to spot a sign-in that was not theirs.
import type { AccountDeps, Customer } from './account.ts';

export type ActivityEntry = {
  readonly id: string;
  readonly at: number;
  /** The audit action, e.g. `signin.succeeded`, `password.changed` (also the i18n key suffix). */
  readonly action: string;
  readonly outcome: 'success' | 'failure';
  readonly ip: string | undefined;
  readonly userAgent: string | undefined;
  /** Set when someone other than the customer did it (an operator, an application). */
  readonly by: 'customer' | 'operator' | 'client' | 'system';
  /** The way of signing in it concerns (`password`, `totp`, `sms`, `email_otp`, `passkey`…), when the entry names one. */
  readonly method: string | undefined;
};

const ACTIVITY_LIMIT = 50;

export async function recentActivity(deps: Pick<AccountDeps, 'stores'>, customer: Customer, options: { limit?: number; before?: number } = {}): Promise<ActivityEntry[]> {
  const limit = Math.min(Math.max(options.limit ?? ACTIVITY_LIMIT, 1), 1000);
  const events = await deps.stores.audit.listForIdentity(customer.tenantId, customer.identityId, { limit, before: options.before });
  return events.map((event) => ({
    id: event.id,
    at: event.occurredAt,
    action: event.action,
    outcome: event.outcome,
    ip: event.context?.ip,
    userAgent: event.context?.userAgent,
    // Staff and admin clients act as the business's operators, which is all a customer needs to know.
    by: event.actor.type === 'staff' || event.actor.type === 'machine' ? 'operator' : event.actor.type,
    method: typeof event.details?.['method'] === 'string' ? event.details['method'] : undefined,
  }));
}
