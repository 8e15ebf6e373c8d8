// One oidc-provider per tenant, created on first use and cached. A provider holds its signing keys,
// so it is rebuilt when the tenant's published key set changes (a rotation by `foyer keys rotate`
// on any machine is noticed within KEY_CHECK_INTERVAL_MS), and its settings, so it is rebuilt when
// the tenant it is asked for has changed. Which tenant a request is for is the tenancy plugin's
// business (http/tenancy): the tenants given here come from its directory, cached there.
import type Provider from 'oidc-provider';
import type { FastifyBaseLogger } from 'fastify';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import type { Stores, Transaction } from '../../domain/unit-of-work.ts';
import type { SecretBox } from '../../domain/keys/secret-box.port.ts';
import { ensureSigningKeys, loadSigningJwks } from '../../domain/keys/keys.service.ts';
import { createProvider } from './provider.ts';
import type { EventInterest } from '../../domain/events/event-interest.port.ts';

const KEY_CHECK_INTERVAL_MS = 30_000;

type ProviderRegistryDeps = {
  readonly stores: Stores;
  readonly transaction: Transaction;
  readonly secretBox: SecretBox;
  readonly publicUrl: string;
  readonly masterSecret: string;
  readonly logger: FastifyBaseLogger;
  /** Which events outside subscribers take (a sign-out's `session.ended`). */
  readonly events?: EventInterest | undefined;
  /** ADMIN_API_TOKEN_TTL_SECONDS: the admin API's tokens (600 by default). */
  readonly adminTokenTtlSeconds?: number | undefined;
  readonly now?: () => number;
};

export type ProviderRegistry = {
  /**
   * The tenant's provider. Pass the tenant as the tenant directory has it (`request.tenant`): a
   * tenant whose `updatedAt` differs from the one the provider was built for gets a new provider.
   */
  providerOf(tenant: Tenant): Promise<Provider>;
  /**
   * Makes the tenant's next request re-read its published keys instead of waiting for the periodic
   * check: a rotation made on this node (admin API, tests) takes effect at once.
   */
  checkKeysNow(tenantId: string): void;
};

/** A built provider, and what it was built from: the tenant's version and its published keys. */
type Entry = { provider: Promise<Provider>; tenantVersion: number; fingerprint: string; checkedAt: number };

export function createProviderRegistry(deps: ProviderRegistryDeps): ProviderRegistry {
  const now = deps.now ?? Date.now;
  const providers = new Map<string, Entry>();
  const keysDeps = { transaction: deps.transaction, keys: deps.stores.signingKeys, secretBox: deps.secretBox, now };

  async function fingerprintOf(tenantId: string): Promise<string> {
    const keys = await deps.stores.signingKeys.listPublished(tenantId, now());
    return keys.map((key) => `${key.kid}:${key.status}`).join(',');
  }

  async function build(tenant: Tenant): Promise<Provider> {
    await ensureSigningKeys(keysDeps, tenant.id);
    const jwks = await loadSigningJwks(keysDeps, tenant.id, now());
    return createProvider(
      {
        publicUrl: deps.publicUrl,
        masterSecret: deps.masterSecret,
        secureCookies: deps.publicUrl.startsWith('https:'),
        identities: deps.stores.identities,
        artifacts: deps.stores.oidcArtifacts,
        applications: deps.stores.applications,
        audit: deps.stores.audit,
        consents: deps.stores.consents,
        consentLedger: deps.stores.consentLedger,
        outbox: deps.stores.outbox,
        events: deps.events,
        adminTokenTtlSeconds: deps.adminTokenTtlSeconds,
        logger: deps.logger,
        jwks: jwks as unknown as { keys: Record<string, unknown>[] },
      },
      tenant,
    );
  }

  async function providerOf(tenant: Tenant): Promise<Provider> {
    const entry = providers.get(tenant.id);
    // The provider holds the tenant's settings (its APIs, for resource indicators): a tenant that
    // changed (seen through the tenant directory's cache) gets a new provider.
    const current = entry?.tenantVersion === tenant.updatedAt ? entry : undefined;
    if (current && now() - current.checkedAt < KEY_CHECK_INTERVAL_MS) return current.provider;
    if (current) {
      current.checkedAt = now();
      const fingerprint = await fingerprintOf(tenant.id);
      if (fingerprint === current.fingerprint) return current.provider;
    }
    // Cache the promise, not the result: concurrent first requests share one build.
    const provider = build(tenant);
    const fresh: Entry = { provider, tenantVersion: tenant.updatedAt, fingerprint: '', checkedAt: now() };
    providers.set(tenant.id, fresh);
    try {
      await provider;
      fresh.fingerprint = await fingerprintOf(tenant.id);
    } catch (error) {
      providers.delete(tenant.id);
      throw error;
    }
    return provider;
  }

  return {
    providerOf,
    checkKeysNow(tenantId) {
      const entry = providers.get(tenantId);
      if (entry) entry.checkedAt = Number.NEGATIVE_INFINITY;
    },
  };
}
