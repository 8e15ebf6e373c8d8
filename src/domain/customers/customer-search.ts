// Finding customers, as operators do from the admin API and the CLI: a page of a tenant's
// customers, newest first, narrowed by any of email or identifier (exact or by prefix), name (by
// prefix), status, whether the email is verified, external id, creation time, last sign-in time and one trait's value; and one customer read
// with their last sign-in. Pages follow opaque cursors (the last customer's creation time and id,
// base64url), never offsets, so a page stays right while customers sign up meanwhile.
import type { AuditStore } from '../audit/audit.port.ts';
import { SIGN_IN_AUDIT_ACTION } from '../audit/audit.ts';
import { ValidationError } from '../errors.ts';
import type { FieldProblem } from '../errors.ts';
import type { IdentityStore, IdentitySearch, TimeRange } from '../identity/identity.port.ts';
import { decodeCursor, encodeCursor, INVALID_CURSOR } from './cursor.ts';
import type { Identity, IdentityStatus } from '../identity/identity.ts';
import { getIdentity } from '../identity/identities.service.ts';
import { foldForSearch, TRAIT_INDEX_MAX_LENGTH } from '../identity/trait-index.ts';
import type { TraitSchema } from '../identity/traits.ts';
import { hasTrait, identifierTraits, verifiableTraits } from '../identity/traits.ts';

/** What the criteria are called where operators give them (query parameters, CLI options). */
type CustomerCriteria = {
  readonly email?: string | undefined;
  readonly email_prefix?: string | undefined;
  /** Any trait the tenant's schema marks as an identifier (the email by default). */
  readonly identifier?: string | undefined;
  readonly identifier_prefix?: string | undefined;
  /** The first letters of the name, given name or family name. */
  readonly name?: string | undefined;
  readonly status?: IdentityStatus | undefined;
  /** true: the email address is verified; false: there is one, not verified yet. */
  readonly verified?: boolean | undefined;
  /** Exactly this external id (the customer's id in the system they came from). */
  readonly external_id?: string | undefined;
  readonly created_after?: number | undefined;
  readonly created_before?: number | undefined;
  readonly last_sign_in_after?: number | undefined;
  readonly last_sign_in_before?: number | undefined;
  /** Exact match (case-insensitive) of one trait's value: both or neither. */
  readonly trait_name?: string | undefined;
  readonly trait_value?: string | undefined;
};

/** A customer as lists show them: the identity, and when they last signed in (null: never, as far as the audit log knows). */
export type CustomerSummary = { readonly identity: Identity; readonly lastSignedInAt: number | null };

type CustomerPage = { readonly items: readonly CustomerSummary[]; readonly nextCursor: string | null };

type SearchDeps = { readonly stores: { readonly identities: IdentityStore; readonly audit: AuditStore } };

const NAME_TRAITS = ['name', 'given_name', 'family_name'];
const MAX_PAGE = 200;

/**
 * A page of the tenant's customers matching every criterion, and the cursor of the next page (null
 * on the last). ValidationError naming each criterion that cannot be used (a trait the schema does
 * not have, a cursor that is not one of ours, both an exact and a prefix email).
 */
export async function searchCustomers(deps: SearchDeps, tenant: { readonly id: string; readonly schema: TraitSchema }, criteria: CustomerCriteria, page: { readonly limit: number; readonly cursor?: string | undefined }): Promise<CustomerPage> {
  const problems: FieldProblem[] = [];
  const search = searchOf(tenant.schema, criteria, problems);
  const key = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  if (page.cursor !== undefined && !key) problems.push({ ...INVALID_CURSOR });
  const after = key && { createdAt: key.at, id: key.id };
  if (!(Number.isInteger(page.limit) && page.limit >= 1 && page.limit <= MAX_PAGE)) problems.push({ field: 'limit', code: 'field.maximum', message: `Between 1 and ${MAX_PAGE}.`, params: { limit: MAX_PAGE } });
  if (problems.length > 0) throw new ValidationError(problems);
  // One more than asked says whether a next page exists without a second query.
  const identities = await deps.stores.identities.search(tenant.id, search, { limit: page.limit + 1, after });
  const shown = identities.slice(0, page.limit);
  const last = shown.at(-1);
  const nextCursor = identities.length > page.limit && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null;
  return { items: await withLastSignIn(deps, tenant.id, shown), nextCursor };
}

/** One customer with their last sign-in; DomainError `identity.not_found` for none in this tenant. */
export async function getCustomer(deps: SearchDeps, tenantId: string, identityId: string): Promise<CustomerSummary> {
  const identity = await getIdentity(deps.stores, tenantId, identityId);
  const [summary] = await withLastSignIn(deps, tenantId, [identity]);
  return summary!;
}

async function withLastSignIn(deps: SearchDeps, tenantId: string, identities: readonly Identity[]): Promise<CustomerSummary[]> {
  const last = await deps.stores.audit.lastOccurrences(tenantId, SIGN_IN_AUDIT_ACTION, identities.map((identity) => identity.id));
  return identities.map((identity) => ({ identity, lastSignedInAt: last.get(identity.id) ?? null }));
}

function searchOf(schema: TraitSchema, criteria: CustomerCriteria, problems: FieldProblem[]): IdentitySearch {
  const traits: NonNullable<IdentitySearch['traits']>[number][] = [];
  const text = (field: keyof CustomerCriteria, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const folded = foldForSearch(value);
    if (folded === '' || folded.length > TRAIT_INDEX_MAX_LENGTH) {
      problems.push({ field, code: 'field.length', message: `Between 1 and ${TRAIT_INDEX_MAX_LENGTH} characters.`, params: { limit: TRAIT_INDEX_MAX_LENGTH } });
      return undefined;
    }
    return folded;
  };
  const either = (exact: keyof CustomerCriteria, prefix: keyof CustomerCriteria) => {
    if (criteria[exact] !== undefined && criteria[prefix] !== undefined) problems.push({ field: prefix, code: 'field.exclusive', message: 'Give the exact value or the prefix, not both.' });
  };
  either('email', 'email_prefix');
  either('identifier', 'identifier_prefix');

  // An email trait's searchable text is its normalised address (trait-index.ts).
  const emailExact = text('email', criteria.email);
  const emailPrefix = text('email_prefix', criteria.email_prefix);
  const emailText = emailExact ?? emailPrefix;
  const emailTraits = verifiableTraits(schema).flatMap(([name, kind]) => (kind === 'email' ? [name] : []));
  if (emailText !== undefined) traits.push({ names: emailTraits, match: { value: emailText, prefix: emailExact === undefined } });

  const identifierExact = text('identifier', criteria.identifier);
  const identifierPrefix = text('identifier_prefix', criteria.identifier_prefix);
  const identifierText = identifierExact ?? identifierPrefix;
  if (identifierText !== undefined) traits.push({ names: identifierTraits(schema), match: { value: identifierText, prefix: identifierExact === undefined } });

  const name = text('name', criteria.name);
  if (name !== undefined) traits.push({ names: NAME_TRAITS.filter((trait) => hasTrait(schema, trait)), match: { value: name, prefix: true } });

  if ((criteria.trait_name === undefined) !== (criteria.trait_value === undefined)) {
    problems.push({ field: criteria.trait_name === undefined ? 'trait_name' : 'trait_value', code: 'field.required', message: 'trait_name and trait_value go together.' });
  } else if (criteria.trait_name !== undefined) {
    if (!hasTrait(schema, criteria.trait_name)) problems.push({ field: 'trait_name', code: 'trait.unknown', message: "The tenant's trait schema has no trait of this name." });
    const value = text('trait_value', criteria.trait_value);
    if (value !== undefined) traits.push({ names: [criteria.trait_name], match: { value, prefix: false } });
  }

  const range = (from: keyof CustomerCriteria, to: keyof CustomerCriteria): TimeRange | undefined => {
    const start = criteria[from] as number | undefined;
    const end = criteria[to] as number | undefined;
    for (const [field, time] of [[from, start], [to, end]] as const) {
      if (time !== undefined && !Number.isSafeInteger(time)) problems.push({ field, code: 'field.type', message: 'Must be a time in whole milliseconds.', params: { type: 'integer' } });
    }
    if (start !== undefined && end !== undefined && start >= end) problems.push({ field: to, code: 'range.empty', message: `Must be later than ${from}.` });
    return start === undefined && end === undefined ? undefined : { from: start, to: end };
  };
  return {
    status: criteria.status,
    emailVerified: criteria.verified,
    externalId: criteria.external_id,
    traits,
    createdAt: range('created_after', 'created_before'),
    lastSignedInAt: range('last_sign_in_after', 'last_sign_in_before'),
  };
}
