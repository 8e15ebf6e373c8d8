import type { AuditEvent, AuditQuery } from './audit.ts';

export interface AuditStore {
  append(event: AuditEvent): Promise<void>;
  list(tenantId: string, query: AuditQuery): Promise<AuditEvent[]>;
}
