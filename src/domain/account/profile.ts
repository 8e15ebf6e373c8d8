// The customer's profile: their traits, edited within the tenant's schema. Verifiable traits (the
// email, a phone) are shown but not edited here: changing one goes through its own flow, which
// verifies the new address (the change-of-email page).
import { DomainError, ValidationError } from '../errors.ts';
import type { FieldProblem } from '../errors.ts';
import type { Identity, Traits } from '../identity/identity.ts';
import type { TraitSchema } from '../identity/traits.ts';
import { validateTraits, verifiableTraits } from '../identity/traits.ts';
import { trimTraits } from '../identity/new-identity.ts';
import type { AccountDeps, Customer } from './account.ts';
import { recordChange } from './account.ts';

export type ProfileField = {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  /** Verifiable addresses change through their own flows. */
  readonly readOnly: boolean;
  readonly maxLength?: number | undefined;
};

type Property = { type?: string; maxLength?: number; 'x-foyer'?: { verifiable?: string } };

/** The traits of the schema a customer sees on their profile, in the schema's order (strings only: richer traits are not editable in a form). */
export function profileFields(schema: TraitSchema): ProfileField[] {
  const properties = (schema['properties'] ?? {}) as Record<string, Property>;
  const required = Array.isArray(schema['required']) ? (schema['required'] as string[]) : [];
  const readOnly = new Set(verifiableTraits(schema).map(([name]) => name));
  return Object.entries(properties)
    .filter(([, property]) => property.type === 'string')
    .map(([name, property]) => ({ name, type: property.type ?? 'string', required: required.includes(name), readOnly: readOnly.has(name), maxLength: property.maxLength }));
}

export async function getProfile(deps: Pick<AccountDeps, 'stores'>, customer: Customer): Promise<Identity> {
  const identity = await deps.stores.identities.findById(customer.tenantId, customer.identityId);
  if (!identity || identity.status !== 'active') throw new DomainError('account.not_found', 'unauthenticated', 'This account no longer exists or is blocked.');
  return identity;
}

/**
 * Applies `changes` (trait name → new value; empty or null removes the trait) over the current
 * traits, and checks the result against the schema: ValidationError naming each field. A change to
 * a verifiable trait is refused as `profile.read_only` on that field.
 */
export async function updateProfile(deps: AccountDeps, schema: TraitSchema, customer: Customer, changes: Readonly<Record<string, unknown>>): Promise<Identity> {
  const identity = await getProfile(deps, customer);
  const readOnly = new Set(verifiableTraits(schema).map(([name]) => name));
  const problems: FieldProblem[] = [];
  const merged: Record<string, unknown> = { ...identity.traits };
  for (const [name, value] of Object.entries(changes)) {
    if (readOnly.has(name)) {
      if (value !== undefined && value !== identity.traits[name]) problems.push({ field: name, code: 'profile.read_only', message: 'This field is changed through its own verification flow.' });
      continue;
    }
    if (value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) delete merged[name];
    else merged[name] = value;
  }
  const traits: Traits = trimTraits(merged);
  problems.push(...validateTraits(schema, traits));
  if (problems.length > 0) throw new ValidationError(problems);

  const changed = [...new Set([...Object.keys(traits), ...Object.keys(identity.traits)])].filter((name) => JSON.stringify(traits[name]) !== JSON.stringify(identity.traits[name]));
  if (changed.length === 0) return identity;
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    if (!(await stores.identities.updateTraits(customer.tenantId, customer.identityId, traits, now))) {
      throw new DomainError('account.not_found', 'unauthenticated', 'This account no longer exists.');
    }
    // The audit entry names the fields only; the event carries the new profile for subscribers.
    await recordChange(stores, customer, now, { action: 'identity.updated', details: { changed }, event: { type: 'identity.updated', payload: { changed, traits } } });
    return { ...identity, traits, updatedAt: now };
  });
}
