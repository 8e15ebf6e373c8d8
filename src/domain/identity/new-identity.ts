// How a new customer identity is prepared, whoever creates it (the customer at sign-up, an operator
// from the CLI): traits trimmed and checked against the tenant's schema, the password against the
// policy, then the record the store writes, with the verifiable addresses the traits name and, when
// there is a password, its argon2id credential found by the normalised email.
import type { FieldProblem } from '../errors.ts';
import type { EventPayload } from '../events/catalogue.ts';
import type { Identity, NewIdentity, Traits } from './identity.ts';
import { normalizeAddress } from './identity.ts';
import type { TraitSchema } from './traits.ts';
import { validateTraits, verifiableTraits } from './traits.ts';
import { hashPassword } from '../credentials/password/argon2.ts';
import { checkPasswordPolicy } from '../credentials/password/policy.ts';
import type { BreachedPasswordCheck } from '../credentials/password/breached.ts';
import { uuidv7 } from '../../lib/ids.ts';

type NewIdentityInput = {
  readonly tenantId: string;
  readonly schema: TraitSchema;
  /** Already trimmed (trimTraits) and checked (checkNewIdentity). */
  readonly traits: Traits;
  readonly password?: string | undefined;
  /** When the addresses were verified; null or omitted when they still have to be. */
  readonly verifiedAt?: number | null | undefined;
  /** Only the addresses of these traits were verified (at verifiedAt); omitted: all of them. */
  readonly verifiedTraits?: readonly string[] | undefined;
  readonly now: number;
};

/** Trims strings and drops empty ones, null and undefined: an empty form field is an absent trait. */
export function trimTraits(traits: Traits): Traits {
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

/** The identifier a password credential is found by: the normalised email ('' when there is none). */
export function passwordIdentifierOf(traits: Traits): string {
  return normalizeAddress('email', emailOf(traits));
}

/**
 * Every problem with the traits and the password (when there is one), all at once so a form can
 * mark every field. The breached-password lookup is a network call, so it runs only for input that
 * is otherwise acceptable.
 */
export async function checkNewIdentity(
  schema: TraitSchema,
  traits: Traits,
  password: string | undefined,
  breachedCheck?: BreachedPasswordCheck,
): Promise<FieldProblem[]> {
  const email = emailOf(traits);
  const problems = validateTraits(schema, traits);
  if (password !== undefined) problems.push(...checkPasswordPolicy(password, { identifiers: email ? [email] : [] }));
  if (password !== undefined && problems.length === 0 && breachedCheck && (await breachedCheck(password)) === 'breached') {
    problems.push({ field: 'password', code: 'password.breached', message: 'This password has appeared in a data breach. Choose another one.' });
  }
  return problems;
}

/**
 * The record to hand to IdentityStore.create. Hashing the password costs tens of milliseconds of
 * argon2id: call this before opening a transaction, not inside one.
 */
export async function prepareNewIdentity(input: NewIdentityInput): Promise<NewIdentity> {
  const { tenantId, schema, traits, password, now } = input;
  const verifiedAt = input.verifiedAt ?? null;
  const addresses = verifiableTraits(schema).flatMap(([name, kind]) => {
    const value = traits[name];
    const verified = input.verifiedTraits === undefined || input.verifiedTraits.includes(name);
    return typeof value === 'string' ? [{ kind, value, verifiedAt: verified ? verifiedAt : null }] : [];
  });
  const credentials =
    password === undefined ? [] : [{ id: uuidv7(now), type: 'password', config: { hash: await hashPassword(password) }, identifiers: [passwordIdentifierOf(traits)] }];
  return { id: uuidv7(now), tenantId, traits, addresses, credentials, now };
}

/** The payload of `identity.created`, the same whoever created the identity. */
export function identityCreatedPayload(identity: Identity): EventPayload<'identity.created'> {
  return { traits: identity.traits, addresses: identity.addresses, ...(identity.externalId === null ? {} : { externalId: identity.externalId }) };
}

function emailOf(traits: Traits): string {
  return typeof traits['email'] === 'string' ? traits['email'] : '';
}
