// One line of a customer import (docs/import-export.md), checked on its own: the traits against the
// tenant's schema, the verified flags, the external id, the times, the status, the consents (by
// purpose id) and the password hash (imported-hashes.ts). Every problem of the line is reported at
// once. What passes is a candidate: the identity to create, ready for IdentityStore.createMany.
import type { FieldProblem } from '../../errors.ts';
import type { AddressKind, IdentityStatus, NewIdentity, Traits } from '../../identity/identity.ts';
import { normalizeAddress } from '../../identity/identity.ts';
import { passwordIdentifierOf, trimTraits } from '../../identity/new-identity.ts';
import type { TraitSchema } from '../../identity/traits.ts';
import { validateTraits, verifiableTraits } from '../../identity/traits.ts';
import type { FirebaseParameters, ImportedHash } from '../../credentials/password/imported-hashes.ts';
import { importPasswordHash } from '../../credentials/password/imported-hashes.ts';
import { uuidv7 } from '../../../lib/ids.ts';

/** The members a JSON line may have (an export's lines have these too). */
const MEMBERS = new Set(['external_id', 'traits', 'verified', 'status', 'created_at', 'last_signed_in_at', 'password_hash', 'consents', 'id']);

export type ImportSettings = {
  readonly tenantId: string;
  readonly schema: TraitSchema;
  /** The purposes a line's consents may name. */
  readonly purposeIds: ReadonlySet<string>;
  readonly firebase?: FirebaseParameters | undefined;
  readonly now: number;
};

/** A line that passed: the identity to create, and what goes beside it. */
export type ImportCandidate = {
  readonly identity: NewIdentity;
  readonly email: string | undefined;
  readonly externalId: string | undefined;
  readonly lastSignedInAt: number | undefined;
  /** Purpose id → granted. */
  readonly consents: Readonly<Record<string, boolean>>;
  readonly hash: ImportedHash | undefined;
  /** Which members the line gave (an update changes only those). */
  readonly given: ReadonlySet<string>;
};

type LineCheck = { readonly ok: true; readonly candidate: ImportCandidate } | { readonly ok: false; readonly problems: FieldProblem[] };

const EXTERNAL_ID = /^\S(.*\S)?$/s;

export function checkImportLine(settings: ImportSettings, value: unknown): LineCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, problems: [problem('', 'line.not_object', 'Each line must be a JSON object.')] };
  const line = value as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  for (const name of Object.keys(line)) if (!MEMBERS.has(name)) problems.push(problem(name, 'field.unknown', 'Not a member of an import line.'));

  const rawTraits = line['traits'];
  let traits: Traits = {};
  if (typeof rawTraits !== 'object' || rawTraits === null || Array.isArray(rawTraits)) problems.push(problem('traits', 'field.required', 'An object of the customer’s traits is required.'));
  else {
    traits = trimTraits(rawTraits as Traits);
    problems.push(...validateTraits(settings.schema, traits).map((found) => ({ ...found, field: `traits.${found.field}` })));
  }

  const externalId = line['external_id'];
  if (externalId !== undefined && externalId !== null && (typeof externalId !== 'string' || externalId.length > 255 || !EXTERNAL_ID.test(externalId))) {
    problems.push(problem('external_id', 'field.format', 'Text of 1 to 255 characters without surrounding spaces.'));
  }
  const status = line['status'] ?? 'active';
  if (status !== 'active' && status !== 'blocked') problems.push(problem('status', 'field.enum', 'active or blocked.'));
  const createdAt = timeOf(line, 'created_at', settings.now, problems);
  const lastSignedInAt = timeOf(line, 'last_signed_in_at', settings.now, problems);

  const verifiable = verifiableTraits(settings.schema);
  const verified = line['verified'];
  let verifiedTraits: readonly string[] = [];
  if (verified === true) verifiedTraits = verifiable.map(([name]) => name);
  else if (Array.isArray(verified)) {
    verifiedTraits = verified.filter((name): name is string => typeof name === 'string');
    for (const name of verified) if (typeof name !== 'string' || !verifiable.some(([trait]) => trait === name)) problems.push(problem('verified', 'trait.not_verifiable', `${JSON.stringify(name)} is not an address Foyer can verify.`));
  } else if (verified !== undefined && verified !== false && verified !== null) problems.push(problem('verified', 'field.type', 'true, false, or the names of the verified address traits.'));

  let hash: ImportedHash | undefined;
  if (line['password_hash'] !== undefined && line['password_hash'] !== null) {
    const imported = importPasswordHash(line['password_hash'], { firebase: settings.firebase });
    if ('problem' in imported) problems.push(problem('password_hash', 'password_hash.invalid', imported.problem));
    else hash = imported;
  }
  const email = typeof traits['email'] === 'string' ? traits['email'] : undefined;
  if (hash && !email) problems.push(problem('password_hash', 'email.required', 'A password signs in with the email: a customer with a password hash needs an email trait.'));

  const consents: Record<string, boolean> = {};
  const givenConsents = line['consents'];
  if (givenConsents !== undefined && givenConsents !== null) {
    if (typeof givenConsents !== 'object' || Array.isArray(givenConsents)) problems.push(problem('consents', 'field.type', 'An object of purpose ids, each true (granted) or false.'));
    else {
      for (const [purposeId, granted] of Object.entries(givenConsents)) {
        if (!settings.purposeIds.has(purposeId)) problems.push(problem(`consents.${purposeId}`, 'purpose.not_found', 'The tenant has no consent purpose of this id.'));
        else if (typeof granted !== 'boolean') problems.push(problem(`consents.${purposeId}`, 'field.type', 'true or false.'));
        else consents[purposeId] = granted;
      }
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  const now = createdAt ?? settings.now;
  const addresses = verifiable.flatMap(([name, kind]): { kind: AddressKind; value: string; verifiedAt: number | null }[] => {
    const address = traits[name];
    return typeof address === 'string' ? [{ kind, value: address, verifiedAt: verifiedTraits.includes(name) ? now : null }] : [];
  });
  const credentials = hash ? [{ id: uuidv7(now), type: 'password', config: { hash: hash.hash }, identifiers: [passwordIdentifierOf(traits)] }] : [];
  const identity: NewIdentity = { id: uuidv7(now), tenantId: settings.tenantId, traits, addresses, credentials, externalId: (externalId as string | undefined) ?? null, status: status as IdentityStatus, now };
  return {
    ok: true,
    candidate: {
      identity,
      email: email === undefined ? undefined : normalizeAddress('email', email),
      externalId: (externalId as string | null | undefined) ?? undefined,
      lastSignedInAt,
      consents,
      hash,
      given: new Set(Object.keys(line)),
    },
  };
}

/** An RFC 3339 time or epoch milliseconds, not in the future. */
function timeOf(line: Record<string, unknown>, name: string, now: number, problems: FieldProblem[]): number | undefined {
  const given = line[name];
  if (given === undefined || given === null) return undefined;
  const time = typeof given === 'number' ? given : typeof given === 'string' ? Date.parse(given) : Number.NaN;
  if (!Number.isSafeInteger(time) || time < 0) {
    problems.push(problem(name, 'field.format', 'An RFC 3339 time (2024-05-01T09:30:00Z) or epoch milliseconds.'));
    return undefined;
  }
  if (time > now + 60_000) {
    problems.push(problem(name, 'field.maximum', 'Cannot be in the future.'));
    return undefined;
  }
  return time;
}

function problem(field: string, code: string, message: string): FieldProblem {
  return { field, code, message };
}
