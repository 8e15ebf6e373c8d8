// The password strategy's sign-up step: traits checked against the tenant's schema, the password
// against the policy (both as in new-identity.ts, shared with operators), then the identity, its
// email address, its password credential, an audit entry and an `identity.created` event are
// written in one transaction.
import type { FieldProblem } from '../errors.ts';
import { DomainError } from '../errors.ts';
import type { Identity, Traits } from '../identity/identity.ts';
import type { TraitSchema } from '../identity/traits.ts';
import { checkNewIdentity, identityCreatedPayload, passwordIdentifierOf, prepareNewIdentity, trimTraits } from '../identity/new-identity.ts';
import type { IdentityStore } from '../identity/identity.port.ts';
import type { AuditStore } from '../audit/audit.port.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import { verifyAgainstDummy, verifyPassword } from '../credentials/password/argon2.ts';
import type { BreachedPasswordCheck } from '../credentials/password/breached.ts';
import { uuidv7 } from '../../lib/ids.ts';

type WriteStores = { identities: IdentityStore; audit: AuditStore; outbox: OutboxStore };

export type SignUpDeps = {
  readonly transaction: <T>(work: (stores: WriteStores) => Promise<T>) => Promise<T>;
  readonly identities: IdentityStore;
  readonly breachedCheck?: BreachedPasswordCheck | undefined;
  readonly now?: () => number;
};

export type SignUpOutcome =
  | { readonly ok: true; readonly identity: Identity; readonly created: boolean }
  | { readonly ok: false; readonly problems: readonly FieldProblem[] };

export async function signUpWithPassword(
  deps: SignUpDeps,
  tenantId: string,
  schema: TraitSchema,
  input: { traits: Traits; password: string },
  context: RequestContext,
): Promise<SignUpOutcome> {
  const now = (deps.now ?? Date.now)();
  const traits = trimTraits(input.traits);
  const problems = await checkNewIdentity(schema, traits, input.password, deps.breachedCheck);
  if (problems.length > 0) return { ok: false, problems };

  const record = await prepareNewIdentity({ tenantId, schema, traits, password: input.password, now });
  const { id } = record;
  try {
    const identity = await deps.transaction(async ({ identities, audit, outbox }) => {
      const created = await identities.create(record);
      await audit.append({ id: uuidv7(now), occurredAt: now, tenantId, action: 'signup.succeeded', outcome: 'success', actor: { type: 'customer', id }, target: { type: 'identity', id }, context, details: { method: 'password' } });
      await outbox.enqueue({ id: uuidv7(now), occurredAt: now, tenantId, type: 'identity.created', aggregate: { type: 'identity', id }, payload: identityCreatedPayload(created) });
      return created;
    });
    return { ok: true, identity, created: true };
  } catch (error) {
    if (!(error instanceof DomainError) || error.kind !== 'conflict') throw error;
    return signUpOfExistingCustomer(deps, tenantId, passwordIdentifierOf(traits), input.password);
  }
}

/**
 * The email is taken. Its owner, who typed their own password, is simply signed in; anyone else
 * gets the answer any unusable email would get, after the same argon2id work.
 */
async function signUpOfExistingCustomer(deps: SignUpDeps, tenantId: string, identifier: string, password: string): Promise<SignUpOutcome> {
  const credential = await deps.identities.findCredential(tenantId, 'password', identifier);
  const hash = credential?.config['hash'];
  // A customer without a password (created by an operator, say) costs the same verification.
  const valid = typeof hash === 'string' ? (await verifyPassword(hash, password)).valid : await verifyAgainstDummy(password);
  if (credential && valid) {
    const identity = await deps.identities.findById(tenantId, credential.identityId);
    if (identity?.status === 'active') return { ok: true, identity, created: false };
  }
  return { ok: false, problems: [{ field: 'email', code: 'signup.email_unavailable', message: 'We could not create an account with this email. If you already have one, sign in instead.' }] };
}
