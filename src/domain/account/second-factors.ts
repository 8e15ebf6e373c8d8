// The customer's own second factors (ADR 0024), as the account portal and the Account API both
// manage them: what is set up, setting up an authenticator app (with ten recovery codes, shown
// once), new recovery codes, turning it all off, and the browsers remembered after a second
// factor. Every change is in the audit log, and so in the customer's security activity.
import type { Identity } from '../identity/identity.ts';
import type { IdentityStore } from '../identity/identity.port.ts';
import type { AuditStore } from '../audit/audit.port.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import type { RememberedDevice, RememberedDeviceStore } from '../self-service/remembered-device.port.ts';
import type { SecondFactorStrategies } from '../credentials/strategies.ts';
import { DomainError } from '../errors.ts';
import type { Customer } from './account.ts';
import { recordChange } from './account.ts';

type SecondFactorAccountDeps = {
  readonly stores: { readonly identities: IdentityStore; readonly rememberedDevices: RememberedDeviceStore; readonly audit: AuditStore; readonly outbox: OutboxStore };
  readonly strategies: SecondFactorStrategies;
  readonly now?: () => number;
};

export type SecondFactorStatus = {
  readonly totp: { readonly enrolledAt: number } | undefined;
  /** Unused recovery codes left (undefined: none were made). */
  readonly recoveryCodesLeft: number | undefined;
  readonly rememberedDevices: readonly RememberedDevice[];
};

export async function secondFactorStatus(deps: SecondFactorAccountDeps, customer: Customer): Promise<SecondFactorStatus> {
  const credentials = await deps.stores.identities.listCredentials(customer.tenantId, customer.identityId);
  const totp = credentials.find((credential) => credential.type === 'totp');
  const recovery = credentials.find((credential) => credential.type === 'recovery_codes');
  const codes = recovery?.config['codes'];
  const now = (deps.now ?? Date.now)();
  return {
    totp: totp ? { enrolledAt: totp.createdAt } : undefined,
    recoveryCodesLeft: Array.isArray(codes) ? codes.filter((code: { usedAt?: unknown }) => code.usedAt === null).length : undefined,
    rememberedDevices: await deps.stores.rememberedDevices.list(customer.tenantId, customer.identityId, now),
  };
}

/** Whether the customer has an authenticator app set up (recovery codes come with it). */
export async function hasAuthenticatorApp(deps: Pick<SecondFactorAccountDeps, 'strategies'>, customer: Customer): Promise<boolean> {
  return deps.strategies.secondFactors.totp.enrolled(customer.tenant, customer.identityId);
}

/** What the customer needs to set up an app: a fresh secret, its otpauth:// URI and the sealed enrolment to send back. */
export async function beginTotpEnrolment(deps: Pick<SecondFactorAccountDeps, 'strategies' | 'now'>, customer: Customer, identity: Identity, resume?: string) {
  if (await hasAuthenticatorApp(deps, customer)) throw new DomainError('mfa.already_enrolled', 'conflict', 'An authenticator app is set up already; turn it off first to set up another.');
  return deps.strategies.enrolments.totp.begin(customer.tenant, identity, (deps.now ?? Date.now)(), resume);
}

/**
 * The first code from the app: right, the app is the customer's second factor and ten new
 * recovery codes are made (answered once, in clear). A refusal is answered as the step's code.
 */
export async function completeTotpEnrolment(deps: Pick<SecondFactorAccountDeps, 'strategies'>, customer: Customer, input: { readonly enrolment: string; readonly code: string }) {
  const enrolled = await deps.strategies.enrolments.totp.complete(customer.tenant, customer.identityId, input, customer.context);
  if (!enrolled.ok) return enrolled;
  const recoveryCodes = await deps.strategies.generateRecoveryCodes(customer.tenantId, customer.identityId, customer.context);
  return { ok: true as const, recoveryCodes };
}

/** Ten new recovery codes, the old ones void; only for a customer with an app set up. */
export async function regenerateRecoveryCodes(deps: Pick<SecondFactorAccountDeps, 'strategies'>, customer: Customer): Promise<string[]> {
  if (!(await hasAuthenticatorApp(deps, customer))) throw new DomainError('mfa.not_enrolled', 'conflict', 'Set up an authenticator app first; recovery codes come with it.');
  return deps.strategies.generateRecoveryCodes(customer.tenantId, customer.identityId, customer.context);
}

/** Turns two-step verification off: the app, the recovery codes and every remembered browser. */
export async function removeSecondFactors(deps: SecondFactorAccountDeps, customer: Customer): Promise<void> {
  const removed = await deps.stores.identities.removeCredentials(customer.tenantId, customer.identityId, ['totp', 'recovery_codes']);
  if (removed === 0) throw new DomainError('mfa.not_enrolled', 'conflict', 'No authenticator app is set up for this account.');
  await deps.stores.rememberedDevices.removeAll(customer.tenantId, customer.identityId);
  await recordChange(deps.stores, customer, (deps.now ?? Date.now)(), { action: 'mfa.removed', details: { method: 'totp' } });
}

/** Forgets one remembered browser: it is asked for the second factor again. */
export async function forgetRememberedDevice(deps: SecondFactorAccountDeps, customer: Customer, deviceId: string): Promise<void> {
  if (!(await deps.stores.rememberedDevices.remove(customer.tenantId, customer.identityId, deviceId))) {
    throw new DomainError('session.not_found', 'not_found', 'There is no such remembered device.');
  }
  await recordChange(deps.stores, customer, (deps.now ?? Date.now)(), { action: 'mfa.device_forgotten', details: { device: deviceId } });
}
