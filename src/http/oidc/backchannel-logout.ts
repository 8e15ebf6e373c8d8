// Back-channel logout (OpenID Connect Back-Channel Logout 1.0) for the browser sessions Foyer
// itself ends: the account portal and the Account API signing a session out, "everywhere else",
// removing an application's access, deleting the account; an operator blocking or deleting a
// customer (`foyer users block|delete`). oidc-provider sends these itself only
// for RP-initiated logout; here its Client builds and posts the same logout token (signed with the
// tenant's keys, `sid` as the application's ID tokens carried it), after the change is committed.
import type { FastifyBaseLogger } from 'fastify';
import type { LogoutNotifier } from '../../domain/oauth/logout.ts';
import type { TenantStore } from '../../domain/tenants/tenant.port.ts';
import type { ProviderRegistry } from './provider-registry.ts';
import type { TenantDirectory } from '../tenancy/tenant-directory.ts';

/** What oidc-provider's Client offers for this, which its type declarations leave out. */
type LogoutCapableClient = { readonly backchannelLogoutUri?: string | undefined; backchannelLogout(sub: string, sid: string): Promise<void> };

export function createLogoutNotifier(registry: ProviderRegistry, tenants: TenantStore, directory: Pick<TenantDirectory, 'bySlug'>, logger: Pick<FastifyBaseLogger, 'warn'>): LogoutNotifier {
  return async (tenantId, sessions) => {
    const stored = await tenants.findById(tenantId);
    // The tenant as requests see it (cached): its provider is the one they use.
    const tenant = stored && (await directory.bySlug(stored.slug));
    if (!tenant) return;
    const provider = await registry.providerOf(tenant);
    const deliveries: Promise<void>[] = [];
    for (const session of sessions) {
      for (const { clientId, sid } of session.applications) {
        deliveries.push(
          (async () => {
            const client = (await provider.Client.find(clientId)) as unknown as LogoutCapableClient | undefined;
            if (!client?.backchannelLogoutUri) return;
            await client.backchannelLogout(session.accountId, sid);
          })().catch((error: unknown) => {
            // As for RP-initiated logout: the application missed it, the session is gone anyway.
            logger.warn({ err: error, clientId, tenantId }, 'back-channel logout delivery failed');
          }),
        );
      }
    }
    await Promise.all(deliveries);
  };
}
