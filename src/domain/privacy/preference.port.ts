// What communication preferences need from storage: a customer's choices per topic and channel.
export type StoredPreference = { readonly topic: string; readonly channel: string; readonly subscribed: boolean };

export interface PreferenceStore {
  list(tenantId: string, identityId: string): Promise<StoredPreference[]>;
  /** Sets each choice (insert or replace). */
  set(tenantId: string, identityId: string, choices: readonly StoredPreference[], now: number): Promise<void>;
}
