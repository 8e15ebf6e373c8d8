// Which flow holds the live one-time code of an address: a new code voids every older one sent to
// the same address (SECURITY.md 11), so guesses spread over parallel flows aim at one code only.
export interface LatestCodeStore {
  /** `flowId` now holds the address's only live code, until `expiresAt`. */
  record(tenantId: string, address: string, flowId: string, expiresAt: number): Promise<void>;
  /** The flow whose code is the address's live one, or undefined when none is live. */
  flowOf(tenantId: string, address: string, now: number): Promise<string | undefined>;
  removeExpired(now: number, limit: number): Promise<number>;
}
