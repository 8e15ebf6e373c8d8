// A customer's standing consent to one application: which scopes (and which scopes of which APIs)
// it may have without asking again.

export type Consent = {
  readonly tenantId: string;
  readonly identityId: string;
  readonly applicationId: string;
  readonly scopes: readonly string[];
  readonly resourceScopes: Readonly<Record<string, readonly string[]>>;
  readonly grantedAt: number;
  readonly updatedAt: number;
};

/** The consent widened by what the customer just allowed (consent only ever grows here). */
export function widenConsent(existing: Consent | undefined, allowed: { scopes: readonly string[]; resourceScopes: Readonly<Record<string, readonly string[]>> }, base: Omit<Consent, 'scopes' | 'resourceScopes' | 'grantedAt' | 'updatedAt'>, now: number): Consent {
  const resourceScopes: Record<string, string[]> = {};
  for (const source of [existing?.resourceScopes ?? {}, allowed.resourceScopes]) {
    for (const [resource, scopes] of Object.entries(source)) resourceScopes[resource] = union(resourceScopes[resource] ?? [], scopes);
  }
  return {
    ...base,
    scopes: union(existing?.scopes ?? [], allowed.scopes),
    resourceScopes,
    grantedAt: existing?.grantedAt ?? now,
    updatedAt: now,
  };
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}
