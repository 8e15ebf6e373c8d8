// What customer groups need from storage. Every call is scoped to a tenant.
import type { ConditionOperator } from '../identity/identity.port.ts';

/** A tenant's named group of customers (SCIM's Group). */
export type CustomerGroup = {
  readonly id: string;
  readonly tenantId: string;
  readonly displayName: string;
  /** The group's id in the system that provisions it; unique in the tenant. */
  readonly externalId: string | null;
  /** The members' identity ids, in the order they joined. */
  readonly members: readonly string[];
  readonly createdAt: number;
  readonly updatedAt: number;
};

/** A condition on a tenant's groups, evaluated in SQL (what a SCIM filter on Groups becomes). */
export type GroupCondition =
  | { readonly all: readonly GroupCondition[] }
  | { readonly any: readonly GroupCondition[] }
  | { readonly not: GroupCondition }
  | { readonly constant: boolean }
  /** `displayName` compares in any case (value already lower case); `id` and `externalId` exactly. */
  | { readonly column: 'id' | 'displayName' | 'externalId'; readonly op: ConditionOperator; readonly value?: string | undefined }
  | { readonly time: 'createdAt' | 'updatedAt'; readonly op: ConditionOperator; readonly value?: number | undefined }
  /** Has this customer as a member (`pr`: has any member). */
  | { readonly member: string | null };

export type GroupOrder = { readonly by: 'id' | 'displayName' | 'externalId' | 'createdAt' | 'updatedAt'; readonly descending: boolean };

export interface GroupStore {
  /** Creates the group with its members. Throws DomainError `group.display_name_taken` or `group.external_id_taken` (conflict). */
  create(group: { readonly id: string; readonly tenantId: string; readonly displayName: string; readonly externalId: string | null; readonly members: readonly string[]; readonly now: number }): Promise<CustomerGroup>;
  findById(tenantId: string, id: string): Promise<CustomerGroup | undefined>;
  /** Locks the group's row until the transaction ends (If-Match, a read-check-write). */
  lock(tenantId: string, id: string): Promise<void>;
  /** Renames it and sets its external id (same conflicts as create); false when there is no such group. */
  update(tenantId: string, id: string, fields: { readonly displayName: string; readonly externalId: string | null }, now: number): Promise<boolean>;
  addMembers(tenantId: string, id: string, identityIds: readonly string[], now: number): Promise<void>;
  removeMembers(tenantId: string, id: string, identityIds: readonly string[], now: number): Promise<void>;
  delete(tenantId: string, id: string): Promise<boolean>;
  /** Which of these ids are customers of the tenant. */
  existingCustomers(tenantId: string, identityIds: readonly string[]): Promise<Set<string>>;
  /** The groups matching the condition, ordered, `limit` after `offset`, and how many match. */
  filter(tenantId: string, condition: GroupCondition | undefined, page: { readonly order: GroupOrder; readonly offset: number; readonly limit: number }): Promise<{ readonly total: number; readonly groups: CustomerGroup[] }>;
  /** The groups each of these customers belongs to (id and display name). */
  groupsOf(tenantId: string, identityIds: readonly string[]): Promise<Map<string, { readonly id: string; readonly displayName: string }[]>>;
}
