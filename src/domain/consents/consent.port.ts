import type { Consent } from './consent.ts';

export interface ConsentStore {
  /** Creates or replaces the consent of (tenant, identity, application). */
  save(consent: Consent): Promise<void>;
  find(tenantId: string, identityId: string, applicationId: string): Promise<Consent | undefined>;
  /** Most recently changed first. */
  listForIdentity(tenantId: string, identityId: string): Promise<Consent[]>;
  delete(tenantId: string, identityId: string, applicationId: string): Promise<boolean>;
}
