// Operators' use cases on a tenant's event subscriptions (the admin API calls them): create, change,
// delete, rotate the signing secret (the previous one keeps signing through an overlap), read the
// delivery log, retry dead letters, and replay the retained events of a time range. Each change is
// audited with the operator in its own transaction. Secrets are sealed at rest and shown once.
import { lookup } from 'node:dns/promises';
import type { AuditStore } from '../audit/audit.port.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import type { SecretBox } from '../keys/secret-box.port.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import type { ConsentLedgerStore, PurposeStore } from '../privacy/purpose.port.ts';
import { DomainError, ValidationError } from '../errors.ts';
import { uuidv7 } from '../../lib/ids.ts';
import { randomString } from '../../lib/random.ts';
import type { DeliveryStatus, DeliveryStore, Delivery, SubscriptionStore } from './subscription.port.ts';
import type { SigningSecret, Subscription, SubscriptionInput } from './subscription.ts';
import { validateSubscription } from './subscription.ts';
import { isAllowedAddress } from './url-policy.ts';
import { fanOut } from './fan-out.ts';

type WriteStores = { subscriptions: SubscriptionStore; purposes: PurposeStore; audit: AuditStore };

type SubscriptionDeps = {
  readonly transaction: UnitOfWork<WriteStores>;
  readonly secretBox: SecretBox;
  /** Production: https only, and the URL's host must resolve to public addresses only. */
  readonly production: boolean;
  /** Whether NATS_URL is set (a NATS subscription needs it). */
  readonly natsConfigured: boolean;
  /** After a change: this node's directory reads the subscriptions again. */
  readonly changed?: () => Promise<void>;
  readonly now?: () => number;
};

/** How long a rotated-out secret keeps signing by default, and at most. */
export const DEFAULT_OVERLAP_MS = 24 * 60 * 60_000;
export const MAX_OVERLAP_MS = 7 * 24 * 60 * 60_000;

function subscriptionNotFound(id: string): DomainError {
  return new DomainError('subscription.not_found', 'not_found', `This tenant has no event subscription "${id}".`, { id });
}

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
function newSecret(): string {
  return `whsec_${randomString(32, 'base64')}`;
}

const contextOf = (subscriptionId: string, secretId: string) => `subscription:${subscriptionId}:${secretId}`;

/** The secret in clear (to sign with). */
export function openSecret(secretBox: SecretBox, subscriptionId: string, secret: SigningSecret): string {
  return secretBox.open(secret.sealed, contextOf(subscriptionId, secret.id));
}

function sealSecret(secretBox: SecretBox, subscriptionId: string, now: number): { secret: string; record: SigningSecret } {
  const secret = newSecret();
  const id = uuidv7(now);
  return { secret, record: { id, sealed: secretBox.seal(secret, contextOf(subscriptionId, id)), createdAt: now, expiresAt: null } };
}

async function audit(stores: { audit: AuditStore }, now: number, actor: Actor, tenantId: string, action: string, id: string, details: Record<string, unknown>): Promise<void> {
  await stores.audit.append({ id: uuidv7(now), occurredAt: now, tenantId, action, outcome: 'success', actor: { type: actor.type, id: actor.id }, target: { type: 'subscription', id }, context: actor.context, details });
}

/** In production a webhook's host must resolve, and only to public addresses (checked again at each delivery). */
async function checkResolvedHost(url: string | null, production: boolean): Promise<void> {
  if (!production || url === null) return;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const problem = (message: string) => new ValidationError([{ field: 'url', code: 'subscription.url_invalid', message }]);
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    throw problem('names a host that does not resolve');
  }
  if (addresses.some(({ address }) => !isAllowedAddress(address, true))) throw problem('resolves to a loopback, private, link-local or reserved address');
}

async function checkPurpose(stores: { purposes: PurposeStore }, tenantId: string, purposeId: string | null): Promise<void> {
  if (purposeId === null) return;
  if (!(await stores.purposes.find(tenantId, purposeId))) throw new ValidationError([{ field: 'purpose', code: 'subscription.purpose_unknown', message: `this tenant has no consent purpose "${purposeId}"`, params: { purpose: purposeId } }]);
}

function checkNats(deps: SubscriptionDeps, kind: string): void {
  if (kind === 'nats' && !deps.natsConfigured) throw new ValidationError([{ field: 'kind', code: 'subscription.nats_not_configured', message: 'needs NATS_URL set on the server' }]);
}

export async function listSubscriptions(stores: { subscriptions: SubscriptionStore }, tenantId: string): Promise<Subscription[]> {
  return stores.subscriptions.list(tenantId);
}

export async function getSubscription(stores: { subscriptions: SubscriptionStore }, tenantId: string, id: string): Promise<Subscription> {
  const subscription = await stores.subscriptions.find(tenantId, id);
  if (!subscription) throw subscriptionNotFound(id);
  return subscription;
}

/** Creates the subscription with its first signing secret, which the answer shows this once. */
export async function createSubscription(deps: SubscriptionDeps, tenant: Tenant, input: SubscriptionInput, actor: Actor): Promise<{ subscription: Subscription; secret: string }> {
  const now = (deps.now ?? Date.now)();
  const fields = validateSubscription(
    { kind: input.kind ?? 'webhook', url: input.url ?? null, description: input.description ?? '', eventTypes: input.eventTypes ?? [], fields: input.fields ?? [], purposeId: input.purposeId ?? null, enabled: input.enabled ?? true },
    deps.production,
  );
  checkNats(deps, fields.kind);
  await checkResolvedHost(fields.url, deps.production);
  const id = uuidv7(now);
  const { secret, record } = sealSecret(deps.secretBox, id, now);
  const subscription: Subscription = { ...fields, id, tenantId: tenant.id, secrets: [record], createdAt: now, updatedAt: now };
  await deps.transaction(async (stores) => {
    await checkPurpose(stores, tenant.id, subscription.purposeId);
    await stores.subscriptions.create(subscription);
    await audit(stores, now, actor, tenant.id, 'subscription.created', id, { kind: subscription.kind, eventTypes: subscription.eventTypes, fields: subscription.fields, purpose: subscription.purposeId });
  });
  await deps.changed?.();
  return { subscription, secret };
}

/** Applies the changes (null clears the URL or the purpose) on the subscription as it is in the transaction. */
export async function updateSubscription(deps: SubscriptionDeps, tenant: Tenant, id: string, changes: SubscriptionInput, actor: Actor, precondition?: (current: Subscription) => void): Promise<Subscription> {
  const now = (deps.now ?? Date.now)();
  const updated = await deps.transaction(async (stores) => {
    await stores.subscriptions.lock(tenant.id, id);
    const current = await getSubscription(stores, tenant.id, id);
    precondition?.(current);
    const pick = <K extends keyof SubscriptionInput>(key: K, fallback: Exclude<SubscriptionInput[K], undefined>) => (changes[key] === undefined ? fallback : (changes[key] as Exclude<SubscriptionInput[K], undefined>));
    const fields = validateSubscription(
      {
        kind: current.kind,
        url: pick('url', current.url),
        description: pick('description', current.description),
        eventTypes: pick('eventTypes', current.eventTypes),
        fields: pick('fields', current.fields),
        purposeId: pick('purposeId', current.purposeId),
        enabled: pick('enabled', current.enabled),
      },
      deps.production,
    );
    if (fields.url !== current.url) await checkResolvedHost(fields.url, deps.production);
    await checkPurpose(stores, tenant.id, fields.purposeId);
    const subscription: Subscription = { ...current, ...fields, updatedAt: now };
    if (!(await stores.subscriptions.update(subscription))) throw subscriptionNotFound(id);
    const changed = (['url', 'description', 'eventTypes', 'fields', 'purposeId', 'enabled'] as const).filter((key) => JSON.stringify(subscription[key]) !== JSON.stringify(current[key]));
    await audit(stores, now, actor, tenant.id, 'subscription.updated', id, { changed });
    return subscription;
  });
  await deps.changed?.();
  return updated;
}

/** Deletes the subscription and its deliveries (pending ones never go). */
export async function deleteSubscription(deps: SubscriptionDeps, tenant: Tenant, id: string, actor: Actor, precondition?: (current: Subscription) => void): Promise<void> {
  const now = (deps.now ?? Date.now)();
  await deps.transaction(async (stores) => {
    await stores.subscriptions.lock(tenant.id, id);
    const current = await getSubscription(stores, tenant.id, id);
    precondition?.(current);
    if (!(await stores.subscriptions.delete(tenant.id, id))) throw subscriptionNotFound(id);
    await audit(stores, now, actor, tenant.id, 'subscription.deleted', id, {});
  });
  await deps.changed?.();
}

/**
 * A new signing secret, shown this once. The secrets signing until now keep signing for `overlapMs`
 * (each delivery carries a signature per secret), so receivers switch without losing one.
 */
export async function rotateSecret(deps: SubscriptionDeps, tenant: Tenant, id: string, overlapMs: number, actor: Actor): Promise<{ subscription: Subscription; secret: string }> {
  const now = (deps.now ?? Date.now)();
  const result = await deps.transaction(async (stores) => {
    await stores.subscriptions.lock(tenant.id, id);
    const current = await getSubscription(stores, tenant.id, id);
    const { secret, record } = sealSecret(deps.secretBox, id, now);
    const ends = now + overlapMs;
    // Expired secrets are dropped; live ones end with the overlap (or earlier, if they already would).
    const kept = current.secrets.filter((old) => old.expiresAt === null || old.expiresAt > now).map((old) => ({ ...old, expiresAt: old.expiresAt === null ? ends : Math.min(old.expiresAt, ends) }));
    const subscription: Subscription = { ...current, secrets: [...kept.filter((old) => old.expiresAt > now), record], updatedAt: now };
    await stores.subscriptions.update(subscription);
    await audit(stores, now, actor, tenant.id, 'subscription.secret_rotated', id, { overlapMs });
    return { subscription, secret };
  });
  await deps.changed?.();
  return result;
}

export async function listDeliveries(stores: { subscriptions: SubscriptionStore; deliveries: DeliveryStore }, tenantId: string, subscriptionId: string, query: { status?: DeliveryStatus | undefined; before?: string | undefined; limit: number }): Promise<Delivery[]> {
  await getSubscription(stores, tenantId, subscriptionId);
  return stores.deliveries.list(tenantId, subscriptionId, query);
}

/** Dead letters (all, or those named) are tried again, now, for another 24 hours. */
export async function retryDeadLetters(deps: { transaction: UnitOfWork<WriteStores & { deliveries: DeliveryStore }>; now?: () => number }, tenant: Tenant, subscriptionId: string, ids: readonly string[] | undefined, actor: Actor): Promise<number> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    await getSubscription(stores, tenant.id, subscriptionId);
    const retried = await stores.deliveries.retryDead(tenant.id, subscriptionId, ids, now);
    await audit(stores, now, actor, tenant.id, 'subscription.dead_letters_retried', subscriptionId, { retried });
    return retried;
  });
}

const REPLAY_PAGE = 500;

/**
 * Delivers again the tenant's retained events of `[from, to)` that the subscription takes, with its
 * filters as they are now (allow-list, purpose): the retention (EVENT_RETENTION_DAYS) bounds how far
 * back. Each replay is a delivery of its own, in order per customer after what is pending.
 */
export async function replayEvents(
  deps: { stores: { subscriptions: SubscriptionStore; outbox: OutboxStore; deliveries: DeliveryStore; consentLedger: ConsentLedgerStore; audit: AuditStore }; now?: () => number },
  tenant: Tenant,
  subscriptionId: string,
  range: { readonly from: number; readonly to: number },
  actor: Actor,
): Promise<{ replayId: string; queued: number }> {
  const now = (deps.now ?? Date.now)();
  const { stores } = deps;
  if (!(range.from < range.to)) throw new ValidationError([{ field: 'to', code: 'subscription.range_invalid', message: 'must be after from' }]);
  const subscription = await getSubscription(stores, tenant.id, subscriptionId);
  const replayId = `replay:${uuidv7(now)}`;
  let queued = 0;
  let after: { occurredAt: number; id: string } | undefined;
  for (;;) {
    const events = await stores.outbox.listOfTenant(tenant.id, { from: range.from, to: range.to, after, limit: REPLAY_PAGE });
    for (const event of events) queued += await fanOut(stores, event, [{ ...subscription, enabled: true }], { origin: replayId, now });
    if (events.length < REPLAY_PAGE) break;
    const last = events.at(-1)!;
    after = { occurredAt: last.occurredAt, id: last.id };
  }
  await audit(stores, now, actor, tenant.id, 'subscription.replayed', subscriptionId, { from: range.from, to: range.to, queued });
  return { replayId, queued };
}
