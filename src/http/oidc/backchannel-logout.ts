// Back-channel logout (OpenID Connect Back-Channel Logout 1.0) for the browser sessions Foyer
// itself ends: the account portal and the Account API signing a session out, "everywhere else",
// removing an application's access, deleting the account, a password reset; an operator blocking
// or deleting a customer (`foyer users block|delete`). oidc-provider sends these itself only for
// RP-initiated logout; here its Client builds and posts the same logout token (signed with the
// tenant's keys, `sid` as the application's ID tokens carried it). The use case records a
// `browser_sessions.ended` event in its transaction; this is the outbox dispatcher's handler for
// it, so the tokens go out after commit from a server node, never inline and never from the CLI.
import type { EventHandlers } from '../../domain/events/event-handler.port.ts';
import type { TenantStore } from '../../domain/tenants/tenant.port.ts';
import type { ProviderRegistry } from './provider-registry.ts';
import type { TenantDirectory } from '../tenancy/tenant-directory.ts';

/** What oidc-provider's Client offers for this, which its type declarations leave out. */
type LogoutCapableClient = { readonly backchannelLogoutUri?: string | undefined; backchannelLogout(sub: string, sid: string): Promise<void> };

type BackchannelLogoutHandler = NonNullable<EventHandlers['browser_sessions.ended']>;

/**
 * Sends the logout token to every application of the event that asked for back-channel logout,
 * side by side. Rejects, naming the applications, when any delivery failed: the dispatcher tries
 * the event again later, and the applications that got it already get it again (a logout of a
 * session that is gone changes nothing for them).
 */
export function createBackchannelLogoutHandler(registry: ProviderRegistry, tenants: Pick<TenantStore, 'findById'>, directory: Pick<TenantDirectory, 'bySlug'>): BackchannelLogoutHandler {
  return async ({ tenantId, aggregateId: accountId, payload }) => {
    const stored = await tenants.findById(tenantId);
    // The tenant as requests see it (cached): its provider is the one they use.
    const tenant = stored && (await directory.bySlug(stored.slug));
    // A tenant deleted since: nobody is left to tell.
    if (!tenant) return;
    const provider = await registry.providerOf(tenant);
    const outcomes = await Promise.allSettled(
      payload.applications.map(async ({ clientId, sid }) => {
        const client = (await provider.Client.find(clientId)) as unknown as LogoutCapableClient | undefined;
        if (!client?.backchannelLogoutUri) return;
        await client.backchannelLogout(accountId, sid);
      }),
    );
    const failed = payload.applications.filter((_, index) => outcomes[index]?.status === 'rejected');
    if (failed.length > 0) {
      const reasons = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [String((outcome.reason as Error)?.message ?? outcome.reason)] : []));
      throw new Error(`back-channel logout delivery failed (application ${failed.map((application) => application.clientId).join(', ')}): ${reasons.join('; ')}`);
    }
  };
}
