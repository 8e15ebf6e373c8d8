// What the applications module (and the OIDC layer, which reads client secrets) needs from storage.
// Every call is scoped to a tenant: an application of one tenant does not exist for another.
import type { Application, ApplicationFields, ApplicationKind } from './application.ts';

export type NewApplicationRecord = ApplicationFields & {
  readonly id: string;
  readonly tenantId: string;
  readonly kind: ApplicationKind;
  /** `hashClientSecret` output for confidential kinds, null for public ones. */
  readonly secretHash: string | null;
  readonly now: number;
};

export interface ApplicationStore {
  /** Throws DomainError `application.client_id_taken` (conflict) when the id is in use. */
  create(application: NewApplicationRecord): Promise<Application>;
  findById(tenantId: string, id: string): Promise<Application | undefined>;
  /**
   * Holds the application's row until the transaction ends: a change that checks the version it
   * read (If-Match) cannot be overtaken by another between that read and its write.
   */
  lock(tenantId: string, id: string): Promise<void>;
  /** For client authentication only; nothing else should ever see the hash. */
  findWithSecret(tenantId: string, id: string): Promise<{ application: Application; secretHash: string | null } | undefined>;
  /** Oldest first (a tenant has tens of applications, not millions). */
  list(tenantId: string): Promise<Application[]>;
  /** Replaces the given fields; undefined when there is no such application in the tenant. */
  update(tenantId: string, id: string, changes: Partial<ApplicationFields>, now: number): Promise<Application | undefined>;
  /** Returns false when there is no such application in the tenant. */
  updateSecretHash(tenantId: string, id: string, secretHash: string, now: number): Promise<boolean>;
  /** Returns false when there is no such application in the tenant. */
  delete(tenantId: string, id: string): Promise<boolean>;
}
