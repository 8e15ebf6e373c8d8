import type { AuditEvent, AuditQuery } from './audit.ts';

export interface AuditStore {
  append(event: AuditEvent): Promise<void>;
  list(tenantId: string, query: AuditQuery): Promise<AuditEvent[]>;
  /** Events about the identity or done by it (as target or actor), newest first. */
  listForIdentity(tenantId: string, identityId: string, query: { readonly limit: number; readonly before?: number | undefined }): Promise<AuditEvent[]>;
}
