// What the admin API plugin is built from (server.ts), and what each resource's route file gets
// from it (`src/http/admin/<resource>.routes.ts`, registered in admin.plugin.ts).
import type { KeyObject } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import type { Stores, Transaction } from '../../domain/unit-of-work.ts';
import type { SecretBox } from '../../domain/keys/secret-box.port.ts';
import type { SamlSetup } from '../../domain/federation/connection.ts';
import type { SelfServiceDeps } from '../../domain/self-service/code-steps.ts';
import type { BreachedPasswordCheck } from '../../domain/credentials/password/breached.ts';
import type { TenantDirectory } from '../tenancy/tenant-directory.ts';
import type { ProviderRegistry } from '../oidc/provider-registry.ts';
import type { AdminAuthenticator } from './credentials.ts';

export type AdminApiDeps = {
  readonly publicUrl: string;
  readonly adminTenant: Tenant;
  readonly tenants: TenantDirectory;
  /** Each tenant's oidc-provider: a key rotation made here takes effect on this node at once. */
  readonly providers: Pick<ProviderRegistry, 'checkKeysNow'>;
  readonly stores: Stores;
  readonly transaction: Transaction;
  readonly secretBox: SecretBox;
  readonly redis?: Redis | undefined;
  /** Requests per minute per credential (ADMIN_API_RATE_LIMIT). */
  readonly rateLimitPerMinute: number;
  /** New staff passwords are checked like customers' (SECURITY.md 3). */
  readonly breachedCheck?: BreachedPasswordCheck | undefined;
  /** Tests: hold every answer to its declared schema (response-check.ts). */
  readonly checkResponses?: boolean | undefined;
  /** Event subscriptions: production rules for webhook URLs, whether NATS is set up, and the node's directory to reload after a change. */
  readonly subscriptions: { readonly production: boolean; readonly natsConfigured: boolean; readonly changed: () => Promise<void> };
  /** What the emails sent for a customer need (codes, links from the public URL, the send limits): the self-service flows' own. */
  readonly selfService: SelfServiceDeps;
  /** unsubscribeKeyOf(master secret): the one-click unsubscribe links handed to the tenant's mail systems. */
  readonly unsubscribeKey: KeyObject;
  /** NODE_ENV=production: connections must use https upstreams. */
  readonly production: boolean;
  /** SAML connections: reads IdP metadata (through the outbound guard) and makes service-provider key pairs. */
  readonly samlSetup?: SamlSetup | undefined;
  /** A tenant's connections changed on this node: the hosted pages' cache of them forgets it. */
  readonly onConnectionsChanged?: ((tenantId: string) => void) | undefined;
};

/** What each resource's route file gets: the shared dependencies, and the authenticator to forget a changed principal. */
export type AdminRouteDeps = AdminApiDeps & { readonly baseUrl: string; readonly authenticator: AdminAuthenticator };
