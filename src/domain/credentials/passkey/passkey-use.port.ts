// What a passkey sign-in writes once its assertion checked out (ADR 0037), as one port so that the
// storage can write it together: on PostgreSQL one statement instead of three round trips, on
// SQLite one commit instead of three.
import type { AuditEvent } from '../../audit/audit.ts';

export type PasskeyUse = {
  readonly tenantId: string;
  /** The passkey's credential row. */
  readonly credentialId: string;
  /** Its config after this use: the new signature counter, backup state and last use (passkey.ts). */
  readonly config: Record<string, unknown>;
  readonly now: number;
  /** The sign-in's audit entry (signin.succeeded). */
  readonly audit: AuditEvent;
};

/** The code-entry throttle's part of a success (ThrottleStore.resetAndRelease): the customer's counter reset, the address's attempt given back. */
export type ThrottleRelease = { readonly reset: string; readonly release: string };

export interface PasskeyUseStore {
  /**
   * Whether `record` takes the throttle's part too: only when the throttle counters are in this
   * database. With Redis (several nodes) the caller resets and releases there.
   */
  readonly holdsThrottle: boolean;
  /** Writes the use, and the throttle's part when given (only when `holdsThrottle`). All or nothing. */
  record(use: PasskeyUse, throttle?: ThrottleRelease): Promise<void>;
}
