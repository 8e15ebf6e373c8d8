// The password strategy's sign-up step: traits checked against the tenant's schema, the password
// against the policy, then the identity, its email address, its password credential, an audit
// entry and an `identity.created` event are written in one transaction.
import type { FieldProblem } from '../errors.ts';
import { DomainError } from '../errors.ts';
import type { Identity, Traits } from '../identity/identity.ts';
import { normalizeAddress } from '../identity/identity.ts';
import type { TraitSchema } from '../identity/traits.ts';
import { validateTraits, verifiableTraits } from '../identity/traits.ts';
import type { IdentityStore } from '../identity/identity.port.ts';
import type { AuditStore } from '../audit/audit.port.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import { hashPassword, verifyPassword } from '../credentials/password/argon2.ts';
import { checkPasswordPolicy } from '../credentials/password/policy.ts';
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
  const traits = trimStrings(input.traits);
  const email = typeof traits['email'] === 'string' ? traits['email'] : '';
  const problems = [...validateTraits(schema, traits), ...checkPasswordPolicy(input.password, { identifiers: email ? [email] : [] })];
  if (problems.length === 0 && deps.breachedCheck && (await deps.breachedCheck(input.password)) === 'breached') {
    problems.push({ field: 'password', code: 'password.breached', message: 'This password has appeared in a data breach. Choose another one.' });
  }
  if (problems.length > 0) return { ok: false, problems };

  const hash = await hashPassword(input.password);
  const identifier = normalizeAddress('email', email);
  const id = uuidv7(now);
  try {
    const identity = await deps.transaction(async ({ identities, audit, outbox }) => {
      const created = await identities.create({
        id,
        tenantId,
        traits,
        addresses: verifiableTraits(schema).flatMap(([name, kind]) => (typeof traits[name] === 'string' ? [{ kind, value: traits[name] as string }] : [])),
        credentials: [{ id: uuidv7(now), type: 'password', config: { hash }, identifiers: [identifier] }],
        now,
      });
      await audit.append({ id: uuidv7(now), occurredAt: now, tenantId, action: 'signup.succeeded', outcome: 'success', actor: { type: 'customer', id }, target: { type: 'identity', id }, context, details: { method: 'password' } });
      await outbox.enqueue({ id: uuidv7(now), occurredAt: now, tenantId, type: 'identity.created', aggregate: { type: 'identity', id }, payload: { traits: created.traits, addresses: created.addresses } });
      return created;
    });
    return { ok: true, identity, created: true };
  } catch (error) {
    if (!(error instanceof DomainError) || error.kind !== 'conflict') throw error;
    return signUpOfExistingCustomer(deps, tenantId, identifier, input.password);
  }
}

/**
 * The email is taken. Its owner, who typed their own password, is simply signed in; anyone else
 * gets the answer any unusable email would get, after the same argon2id work.
 */
async function signUpOfExistingCustomer(deps: SignUpDeps, tenantId: string, identifier: string, password: string): Promise<SignUpOutcome> {
  const credential = await deps.identities.findCredential(tenantId, 'password', identifier);
  const hash = credential?.config['hash'];
  if (credential && typeof hash === 'string' && (await verifyPassword(hash, password)).valid) {
    const identity = await deps.identities.findById(tenantId, credential.identityId);
    if (identity?.status === 'active') return { ok: true, identity, created: false };
  }
  return { ok: false, problems: [{ field: 'email', code: 'signup.email_unavailable', message: 'We could not create an account with this email. If you already have one, sign in instead.' }] };
}

function trimStrings(traits: Traits): Traits {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(traits)) {
    if (typeof value === 'string') {
      if (value.trim() !== '') out[key] = value.trim();
    } else if (value !== undefined && value !== null) {
      out[key] = value;
    }
  }
  return out;
}
