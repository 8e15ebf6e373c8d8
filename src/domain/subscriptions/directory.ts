// The node's view of the enabled subscriptions of every tenant, read whole (tenants have a handful)
// and kept in memory: the outbox's fan-out and the delivery queue look subscriptions up without a
// query per event. It reloads after a change made on this node (the admin API awaits it) and on
// its own every few seconds, so a change made on another node applies here within that time.
import type { SubscriptionStore } from './subscription.port.ts';
import type { Subscription } from './subscription.ts';

type DirectoryEntry = Subscription & { readonly tenantSlug: string };

export type SubscriptionDirectory = {
  /** The tenant's enabled subscriptions. */
  of(tenantId: string): readonly DirectoryEntry[];
  byId(id: string): DirectoryEntry | undefined;
  /** The ids of every enabled subscription. */
  enabledIds(): string[];
  /** Whether some enabled subscription (of any tenant) takes events of this type: worth waking the outbox for. */
  wants(type: string): boolean;
  /** Whether some enabled subscription of this tenant takes events of this type: worth recording one nobody else reads (EventInterest). */
  wantedBy(tenantId: string, type: string): boolean;
  /** Reads the subscriptions again (a reload in progress is joined). */
  reload(): Promise<void>;
  stop(): void;
};

export function createSubscriptionDirectory(deps: { readonly subscriptions: Pick<SubscriptionStore, 'listEnabled'>; readonly reloadEveryMs: number; readonly onError?: (error: unknown) => void }): SubscriptionDirectory {
  let byTenant = new Map<string, DirectoryEntry[]>();
  let byId = new Map<string, DirectoryEntry>();
  let loading: Promise<void> | undefined;
  let again = false;

  async function load(): Promise<void> {
    const all = await deps.subscriptions.listEnabled();
    const tenants = new Map<string, DirectoryEntry[]>();
    for (const entry of all) tenants.set(entry.tenantId, [...(tenants.get(entry.tenantId) ?? []), entry]);
    byTenant = tenants;
    byId = new Map(all.map((entry) => [entry.id, entry]));
  }

  // A reload asked for while one runs starts again after it: the running one may have read before the change.
  function reload(): Promise<void> {
    if (loading) {
      again = true;
      return loading;
    }
    loading = load().finally(() => {
      loading = undefined;
      if (again) {
        again = false;
        void reload().catch((error: unknown) => deps.onError?.(error));
      }
    });
    return loading;
  }

  const timer = setInterval(() => void reload().catch((error: unknown) => deps.onError?.(error)), deps.reloadEveryMs);
  timer.unref();

  return {
    of: (tenantId) => byTenant.get(tenantId) ?? [],
    byId: (id) => byId.get(id),
    enabledIds: () => [...byId.keys()],
    wants: (type) => [...byId.values()].some((entry) => (entry.eventTypes as readonly string[]).includes(type)),
    wantedBy: (tenantId, type) => (byTenant.get(tenantId) ?? []).some((entry) => (entry.eventTypes as readonly string[]).includes(type)),
    reload,
    stop: () => clearInterval(timer),
  };
}
