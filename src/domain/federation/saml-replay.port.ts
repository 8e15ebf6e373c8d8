// The replay cache of SAML assertions (ADR 0035): an assertion's ID is spent the first time it signs
// someone in, and stays spent until the assertion expires, on every node (it is in the database).
export interface SamlReplayStore {
  /** Records the assertion's ID; false when it was recorded before (a replay). Forgets expired IDs as it goes. */
  spend(tenantId: string, connectionId: string, assertionId: string, expiresAt: number, now: number): Promise<boolean>;
}
