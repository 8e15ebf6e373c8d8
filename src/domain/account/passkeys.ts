// The customer's own passkeys (ADR 0030), as the account portal and the Account API both manage
// them: list, add (the browser's ceremony, checked by the passkey enrolment), rename and remove.
// Every change is in the audit log, and so in the customer's security activity.
import type { Identity } from '../identity/identity.ts';
import type { IdentityStore } from '../identity/identity.port.ts';
import type { AuditStore } from '../audit/audit.port.ts';
import type { SecondFactorStrategies } from '../credentials/strategies.ts';
import type { PasskeyConfig } from '../credentials/passkey/passkey.ts';
import { auditPasskeyChange, cleanPasskeyName, passkeysOf } from '../credentials/passkey/passkey.ts';
import { DomainError } from '../errors.ts';
import type { Customer } from './account.ts';

type PasskeyAccountDeps = {
  readonly stores: { readonly identities: IdentityStore; readonly audit: AuditStore };
  readonly strategies: Pick<SecondFactorStrategies, 'enrolments'>;
  readonly now?: () => number;
};

/** A passkey as the customer sees it: never its key. */
export type PasskeySummary = {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  /** Backup eligible: a password manager syncs it across the customer's devices. */
  readonly synced: boolean;
};

export async function listPasskeys(deps: Pick<PasskeyAccountDeps, 'stores'>, customer: Customer): Promise<PasskeySummary[]> {
  return (await passkeysOf(deps.stores, customer.tenantId, customer.identityId)).map((credential) => {
    const config = credential.config as PasskeyConfig;
    return { id: credential.id, name: config.name, createdAt: credential.createdAt, lastUsedAt: config.lastUsedAt, synced: config.deviceType === 'multiDevice' };
  });
}

/** What the browser needs to create a passkey for this account, and the sealed enrolment to post back. */
export function beginPasskeyEnrolment(deps: Pick<PasskeyAccountDeps, 'strategies' | 'now'>, customer: Customer, identity: Identity) {
  return deps.strategies.enrolments.passkey.begin(customer.tenant, identity, (deps.now ?? Date.now)());
}

/** The browser's answer: a new passkey on the account, or the refusal (answered as the step's code). */
export function completePasskeyEnrolment(deps: Pick<PasskeyAccountDeps, 'strategies'>, customer: Customer, input: { readonly response: string; readonly enrolment: string; readonly name?: string | undefined }) {
  return deps.strategies.enrolments.passkey.complete(customer.tenant, customer.identityId, input, customer.context);
}

async function ownPasskey(deps: Pick<PasskeyAccountDeps, 'stores'>, customer: Customer, passkeyId: string) {
  const credential = (await passkeysOf(deps.stores, customer.tenantId, customer.identityId)).find((candidate) => candidate.id === passkeyId);
  if (!credential) throw new DomainError('passkey.not_found', 'not_found', 'There is no such passkey on this account.');
  return credential;
}

export async function renamePasskey(deps: PasskeyAccountDeps, customer: Customer, passkeyId: string, name: string): Promise<PasskeySummary> {
  const credential = await ownPasskey(deps, customer, passkeyId);
  const config = credential.config as PasskeyConfig;
  const now = (deps.now ?? Date.now)();
  const renamed: PasskeyConfig = { ...config, name: cleanPasskeyName(name, config.name) };
  await deps.stores.identities.updateCredentialConfig(customer.tenantId, credential.id, renamed, now);
  await auditPasskeyChange(deps.stores, customer.tenantId, customer.identityId, customer.context, 'passkey.renamed', credential.id);
  return { id: credential.id, name: renamed.name, createdAt: credential.createdAt, lastUsedAt: renamed.lastUsedAt, synced: renamed.deviceType === 'multiDevice' };
}

export async function removePasskey(deps: PasskeyAccountDeps, customer: Customer, passkeyId: string): Promise<void> {
  const credential = await ownPasskey(deps, customer, passkeyId);
  if (!(await deps.stores.identities.removeCredential(customer.tenantId, customer.identityId, credential.id))) {
    throw new DomainError('passkey.not_found', 'not_found', 'There is no such passkey on this account.');
  }
  await auditPasskeyChange(deps.stores, customer.tenantId, customer.identityId, customer.context, 'passkey.removed', credential.id);
}
