import type { Flow } from './flow.ts';

export interface FlowStore {
  create(flow: Flow): Promise<void>;
  /** The flow, or undefined when it does not exist in the tenant or has expired. */
  find(tenantId: string, id: string, now: number): Promise<Flow | undefined>;
  /** Marks an active, unexpired flow complete; false otherwise (so it completes once only, and never late). */
  complete(tenantId: string, id: string, identityId: string, now: number): Promise<boolean>;
  removeExpired(now: number, limit: number): Promise<number>;
}
