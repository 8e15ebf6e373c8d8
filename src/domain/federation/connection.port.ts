// What the federation module needs from storage: a tenant's connections, their sealed secrets.
import type { Connection } from './connection.ts';

export interface ConnectionStore {
  /** Throws DomainError `connection.id_taken` (conflict) when the tenant has a connection of this id. */
  create(connection: Connection, sealedSecret: string | null, sealedSpKey?: string | null): Promise<void>;
  find(tenantId: string, id: string): Promise<Connection | undefined>;
  /** In the tenant's order (position, then id): a tenant has a handful. */
  list(tenantId: string): Promise<Connection[]>;
  /** The sealed client secret, or undefined when there is none. */
  sealedSecret(tenantId: string, id: string): Promise<string | undefined>;
  /** A SAML connection's sealed service-provider private key, or undefined. */
  sealedSpKey(tenantId: string, id: string): Promise<string | undefined>;
  /** Holds the row until the transaction ends (If-Match is checked on what it then is). */
  lock(tenantId: string, id: string): Promise<void>;
  /** Replaces the fields; the secret too unless `sealedSecret` is undefined (kept). False when there is none. */
  update(connection: Connection, sealedSecret: string | null | undefined): Promise<boolean>;
  delete(tenantId: string, id: string): Promise<boolean>;
}
