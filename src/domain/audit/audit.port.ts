import type { AuditEvent, AuditQuery } from './audit.ts';

export interface AuditStore {
  append(event: AuditEvent): Promise<void>;
  list(tenantId: string, query: AuditQuery): Promise<AuditEvent[]>;
  /** Events about the identity or done by it (as target or actor), newest first. */
  listForIdentity(tenantId: string, identityId: string, query: { readonly limit: number; readonly before?: number | undefined }): Promise<AuditEvent[]>;
  /**
   * The customer was erased: their events stay (what happened, when, to which id) but lose the
   * personal data they held about them (client address, user agent). Says how many were scrubbed.
   */
  forgetPersonalData(tenantId: string, identityId: string): Promise<number>;
}
