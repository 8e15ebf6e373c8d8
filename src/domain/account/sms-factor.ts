// The customer's phone number for codes by text message (ADR 0031), as the account portal manages
// it: add one (a code texted to it proves it), see its last digits, remove it. Audited like every
// change to second factors (mfa.enrolled / mfa.removed with method sms), so it is in the
// customer's security activity.
import type { IdentityStore } from '../identity/identity.port.ts';
import type { AuditStore } from '../audit/audit.port.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import type { SecondFactorStrategies } from '../credentials/strategies.ts';
import type { Customer } from './account.ts';
import { recordChange } from './account.ts';

type SmsFactorDeps = {
  readonly stores: { readonly identities: IdentityStore; readonly audit: AuditStore; readonly outbox: OutboxStore };
  readonly strategies: SecondFactorStrategies;
  readonly now?: () => number;
};

/** Whether text codes can be offered here, and the last digits of the customer's number when they have one. */
export async function smsFactorStatus(deps: SmsFactorDeps, customer: Customer): Promise<{ readonly available: boolean; readonly endsWith: string | undefined }> {
  return { available: deps.strategies.enrolments.sms.available, endsWith: await deps.strategies.secondFactors.sms.phoneEnding(customer.tenant, customer.identityId) };
}

/** Texts a code to `phone` (within the SMS limits): the sealed enrolment to send back with it. */
export function beginSmsEnrolment(deps: SmsFactorDeps, customer: Customer, phone: string) {
  return deps.strategies.enrolments.sms.begin(customer.tenant, customer.identityId, phone, customer.context, customer.locale);
}

export function completeSmsEnrolment(deps: SmsFactorDeps, customer: Customer, input: { readonly enrolment: string; readonly code: string }) {
  return deps.strategies.enrolments.sms.complete(customer.tenant, customer.identityId, input, customer.context);
}

/** Removes the number: no more codes by text. False when there was none. */
export async function removeSmsFactor(deps: SmsFactorDeps, customer: Customer): Promise<boolean> {
  const removed = await deps.stores.identities.removeCredentials(customer.tenantId, customer.identityId, ['sms']);
  if (removed === 0) return false;
  await recordChange(deps.stores, customer, (deps.now ?? Date.now)(), { action: 'mfa.removed', details: { method: 'sms' } });
  return true;
}
