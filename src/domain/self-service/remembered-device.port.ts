// Browsers a customer asked to remember after a second factor (ADR 0024): each row makes one signed
// cookie valid until it expires or is removed.
export type RememberedDevice = {
  readonly id: string;
  readonly tenantId: string;
  readonly identityId: string;
  readonly userAgent: string;
  readonly createdAt: number;
  readonly expiresAt: number;
};

export interface RememberedDeviceStore {
  create(device: RememberedDevice): Promise<void>;
  /** The device, when it is this customer's and still live at `now`. */
  findLive(tenantId: string, identityId: string, id: string, now: number): Promise<RememberedDevice | undefined>;
  /** The customer's live devices, newest first. */
  list(tenantId: string, identityId: string, now: number): Promise<RememberedDevice[]>;
  /** Removes one of the customer's devices; false when there was none. */
  remove(tenantId: string, identityId: string, id: string): Promise<boolean>;
  /** Removes every device of the customer; answers how many. */
  removeAll(tenantId: string, identityId: string): Promise<number>;
  removeExpired(now: number, limit: number): Promise<number>;
}
