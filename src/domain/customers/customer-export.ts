// A tenant's customers written out (issue 18, docs/import-export.md): one record per customer in
// the shape an import line takes, so an export is also an import file. Read a page at a time by
// keyset (newest first), each page's addresses, last sign-ins and, when asked, password hashes in one
// query each, the next page while this one is written: memory stays flat (two pages) and the caller
// pulls as fast as it writes. Password hashes leave only when asked for, and asking is audited
// before the first one is read.
import type { AuditStore } from '../audit/audit.port.ts';
import { SIGN_IN_AUDIT_ACTION } from '../audit/audit.ts';
import { recordOperatorChange } from '../audit/record-change.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import type { IdentityStore } from '../identity/identity.port.ts';
import type { Identity } from '../identity/identity.ts';
import { normalizeAddress } from '../identity/identity.ts';
import type { TraitSchema } from '../identity/traits.ts';
import { traitSchemaOf, verifiableTraits } from '../identity/traits.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import type { UnitOfWork } from '../unit-of-work.ts';

const PAGE = 1000;

type ExportedCustomer = {
  readonly id: string;
  readonly external_id: string | null;
  readonly status: 'active' | 'blocked';
  readonly traits: Readonly<Record<string, unknown>>;
  /** The address traits whose address is verified. */
  readonly verified: readonly string[];
  readonly created_at: string;
  readonly last_signed_in_at: string | null;
  readonly password_hash?: string;
};

type ExportDeps = {
  readonly stores: { readonly identities: IdentityStore; readonly audit: AuditStore };
  readonly transaction: UnitOfWork<{ audit: AuditStore; outbox: OutboxStore }>;
  readonly now?: () => number;
};

/**
 * Every customer of the tenant, newest first. With `passwordHashes`, each one's password hash as
 * stored (argon2id, or a legacy hash not yet replaced): the export is audited first
 * (`customers.exported`, details `passwordHashes`), whoever asks.
 */
export async function* exportCustomers(deps: ExportDeps, tenant: Tenant, options: { readonly passwordHashes: boolean }, actor: Actor): AsyncGenerator<ExportedCustomer> {
  const now = (deps.now ?? Date.now)();
  await deps.transaction((stores) =>
    recordOperatorChange(stores, now, actor, { tenantId: tenant.id, target: { type: 'tenant', id: tenant.id }, action: 'customers.exported', details: { passwordHashes: options.passwordHashes } }),
  );
  const schema = traitSchemaOf(tenant.settings);
  type Page = { readonly page: Identity[]; readonly signedIn: Map<string, number>; readonly hashes: Map<string, string> };
  const read = async (after: { readonly id: string; readonly createdAt: number } | undefined): Promise<Page> => {
    const page = await deps.stores.identities.list(tenant.id, { limit: PAGE, after: after?.id, afterCreatedAt: after?.createdAt });
    const ids = page.map((identity) => identity.id);
    const [signedIn, hashes] = await Promise.all([
      page.length === 0 ? Promise.resolve(new Map<string, number>()) : deps.stores.audit.lastOccurrences(tenant.id, SIGN_IN_AUDIT_ACTION, ids),
      options.passwordHashes && page.length > 0 ? deps.stores.identities.passwordHashesOf(tenant.id, ids) : Promise.resolve(new Map<string, string>()),
    ]);
    return { page, signedIn, hashes };
  };
  // The next page is read while this one is written out: on PostgreSQL the database works while
  // the process serialises, instead of each waiting for the other (SQLite reads synchronously
  // anyway). Two pages at most are held.
  let next: Promise<Page> | undefined = read(undefined);
  while (next) {
    const { page, signedIn, hashes }: Page = await next;
    const last: Identity | undefined = page.at(-1);
    next = last && page.length === PAGE ? read({ id: last.id, createdAt: last.createdAt }) : undefined;
    // Whoever stops reading early leaves the read ahead unawaited: its failure is then nobody's.
    next?.catch(() => {});
    for (const identity of page) {
      if (identity.status === 'deleted') continue;
      const hash = hashes.get(identity.id);
      const signedInAt = signedIn.get(identity.id);
      yield {
        id: identity.id,
        external_id: identity.externalId,
        status: identity.status,
        traits: identity.traits,
        verified: verifiedTraitsOf(schema, identity),
        created_at: new Date(identity.createdAt).toISOString(),
        last_signed_in_at: signedInAt === undefined ? null : new Date(signedInAt).toISOString(),
        ...(hash === undefined ? {} : { password_hash: hash }),
      };
    }
  }
}

function verifiedTraitsOf(schema: TraitSchema, identity: Identity): string[] {
  return verifiableTraits(schema).flatMap(([name, kind]) => {
    const value = identity.traits[name];
    if (typeof value !== 'string') return [];
    const address = identity.addresses.find((held) => held.kind === kind && held.value === normalizeAddress(kind, value));
    return address && address.verifiedAt !== null ? [name] : [];
  });
}
