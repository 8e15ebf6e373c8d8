// What the purposes module needs from storage: the tenant's purposes, every text ever shown (by its
// hash), the append-only ledger, and the customers' communication preferences.
import type { Purpose } from './purpose.ts';
import type { ConsentRecord, GrantedPurpose } from './consent-record.ts';

export type PurposeTextRecord = { readonly hash: string; readonly purposeId: string; readonly version: number; readonly locale: string; readonly text: string };

export interface PurposeStore {
  /** Throws DomainError `purpose.id_taken` (conflict) when the tenant has a purpose of this id. */
  create(purpose: Purpose): Promise<void>;
  find(tenantId: string, id: string): Promise<Purpose | undefined>;
  /** By id (a tenant has tens of purposes). */
  list(tenantId: string): Promise<Purpose[]>;
  /** Holds the purpose's row until the transaction ends (If-Match checked on what it then is). */
  lock(tenantId: string, id: string): Promise<void>;
  /** Replaces the purpose's fields; false when there is none. */
  update(purpose: Purpose): Promise<boolean>;
  delete(tenantId: string, id: string): Promise<boolean>;
  /** Keeps each text shown of a version, by its hash; a text already kept is left as it is. */
  keepTexts(tenantId: string, texts: readonly PurposeTextRecord[], now: number): Promise<void>;
}

type LedgerPage = { readonly records: ConsentRecord[]; readonly next: string | undefined };

export interface ConsentLedgerStore {
  /** Appends the records (one statement). Nothing ever updates or deletes one, but forgetPersonalData. */
  append(records: readonly ConsentRecord[]): Promise<void>;
  /** The purposes whose latest record of this customer is a grant, among purposes that still exist: one indexed read. */
  granted(tenantId: string, identityId: string): Promise<GrantedPurpose[]>;
  /**
   * The tenant's required purposes this customer has no grant of at their current version: one
   * statement (the tenant's purposes by primary key, each probed in the customer's records by index).
   */
  requiredNotGranted(tenantId: string, identityId: string): Promise<Purpose[]>;
  /** Every record of the customer, oldest first. */
  listForIdentity(tenantId: string, identityId: string): Promise<ConsentRecord[]>;
  /** A page of a purpose's records in ledger order, after the record id `after`. */
  pageForPurpose(tenantId: string, purposeId: string, after: string | undefined, limit: number): Promise<LedgerPage>;
  /** Erasure: the customer's records keep their proof but lose the IP address and user agent. */
  forgetPersonalData(tenantId: string, identityId: string): Promise<number>;
}
