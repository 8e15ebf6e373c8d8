import type { Flow, FlowState } from './flow.ts';

export interface FlowStore {
  create(flow: Flow): Promise<void>;
  /**
   * Stores the flow unless a flow with its id exists already (whatever that one's state or expiry):
   * true when this call stored it. A flow that is only ever stored once it is over (a hosted
   * sign-in, stored complete) completes once this way, in one statement.
   */
  claim(flow: Flow): Promise<boolean>;
  /** The flow, or undefined when it does not exist in the tenant or has expired. */
  find(tenantId: string, id: string, now: number): Promise<Flow | undefined>;
  /** Marks an active, unexpired flow complete; false otherwise (so it completes once only, and never late). */
  complete(tenantId: string, id: string, identityId: string, now: number): Promise<boolean>;
  /**
   * Moves an unexpired flow from state `from` to `change.state` with a new payload (and identity),
   * atomically: false when it was no longer in `from` (another request got there first), so each
   * step happens once.
   */
  advance(tenantId: string, id: string, from: FlowState, change: { state: FlowState; payload: Readonly<Record<string, unknown>>; identityId?: string | null }, now: number): Promise<boolean>;
  delete(tenantId: string, id: string): Promise<void>;
  removeExpired(now: number, limit: number): Promise<number>;
}
