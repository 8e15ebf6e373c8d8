// The subscriptions' delivery queue (ADR 0026): the leased dispatcher (dispatcher.ts) over the
// deliveries the outbox fanned out, posting each to its webhook, signed, or publishing it to NATS
// JetStream. Deliveries go side by side up to a number in flight, and each subscription may hold at
// most a share of them, so a slow or dead receiver holds back neither the others nor, being off the
// request path, any sign-in. A failed attempt is tried again with exponential backoff and jitter
// (5 s, doubling, at most an hour apart) for 24 hours, then becomes a dead letter that an operator
// can retry. Order is kept per customer: the claim skips a delivery while an earlier one to the same
// subscriber about the same customer is still pending.
import type { Delivery, AttemptOutcome, DeliveryStore } from '../../domain/subscriptions/subscription.port.ts';
import type { SubscriptionDirectory } from '../../domain/subscriptions/directory.ts';
import { signingSecrets } from '../../domain/subscriptions/subscription.ts';
import type { SigningSecret } from '../../domain/subscriptions/subscription.ts';
import { openSecret } from '../../domain/subscriptions/subscriptions.service.ts';
import { envelopeOf } from '../../domain/subscriptions/scrub.ts';
import type { SecretBox } from '../../domain/keys/secret-box.port.ts';
import { retryAt } from '../../lib/backoff.ts';
import { coalesced } from '../../lib/coalesce.ts';
import type { RetryPolicy } from '../../lib/backoff.ts';
import { startDispatcher } from './dispatcher.ts';
import type { Dispatcher, DispatcherDeps } from './dispatcher.ts';
import { DeliveryFailure } from '../subscriptions/webhook-sender.ts';
import type { WebhookSender } from '../subscriptions/webhook-sender.ts';
import type { NatsPublisher } from '../subscriptions/nats-publisher.ts';
import { subjectOf } from '../subscriptions/nats-publisher.ts';

/** 5 s after the first failure, doubling, at most an hour apart, for 24 hours; then a dead letter. */
const SUBSCRIPTION_RETRY: RetryPolicy = { firstDelayMs: 5_000, maxDelayMs: 60 * 60_000, giveUpAfterMs: 24 * 60 * 60_000 };

/** Each retry comes up to a quarter earlier or later than the backoff says, so failed deliveries don't return in step. */
const JITTER = 0.25;

type SubscriptionDispatcherDeps = Omit<DispatcherDeps<Delivery>, 'name' | 'queue'> & {
  readonly store: DeliveryStore;
  readonly directory: SubscriptionDirectory;
  readonly secretBox: SecretBox;
  readonly webhooks: WebhookSender;
  /** Undefined: NATS_URL is not set (a NATS delivery fails, and is retried). */
  readonly nats: NatsPublisher | undefined;
  /** How many of the deliveries in flight one subscription may hold. */
  readonly perSubscriptionInFlight: number;
  readonly retry?: RetryPolicy;
  readonly random?: () => number;
};

function outcomeOf(error: unknown): AttemptOutcome {
  if (error instanceof DeliveryFailure) return error.outcome;
  return { statusCode: null, latencyMs: 0, error: error instanceof Error ? error.message : String(error) };
}

export function startSubscriptionDispatcher(deps: SubscriptionDispatcherDeps): Dispatcher {
  const { store, directory, secretBox, webhooks, nats, perSubscriptionInFlight } = deps;
  const policy = deps.retry ?? SUBSCRIPTION_RETRY;
  const random = deps.random ?? Math.random;
  // Deliveries that arrive together are logged together: one UPDATE, not one each (ADR 38). Each
  // still waits for its row, so its slot and its customer's next delivery free up only once marked.
  const markDelivered = coalesced<{ id: string; outcome: AttemptOutcome; now: number }, void>(async (delivered) => {
    await store.markDelivered(delivered, Math.max(...delivered.map((entry) => entry.now)));
    return delivered.map(() => undefined);
  });
  // Secrets opened once, not at every delivery (an AES-GCM decryption each): kept by their sealed
  // form, which a rotation replaces. The sender keeps the same secrets as HMAC keys anyway.
  const opened = new Map<string, string>();
  const openedSecret = (subscriptionId: string, secret: SigningSecret): string => {
    let clear = opened.get(secret.sealed);
    if (clear === undefined) {
      clear = openSecret(secretBox, subscriptionId, secret);
      if (opened.size > 1000) opened.clear();
      opened.set(secret.sealed, clear);
    }
    return clear;
  };
  const held = new Map<string, number>();
  // Whether the last claim left out a subscription at its share (its deliveries wait for room).
  let heldBack = false;
  const outcomes = new Map<string, AttemptOutcome>();
  const release = (delivery: Delivery) => {
    const count = (held.get(delivery.subscriptionId) ?? 1) - 1;
    if (count <= 0) held.delete(delivery.subscriptionId);
    else held.set(delivery.subscriptionId, count);
  };

  async function deliver(delivery: Delivery): Promise<void> {
    let subscription = directory.byId(delivery.subscriptionId);
    if (!subscription) {
      await directory.reload();
      subscription = directory.byId(delivery.subscriptionId);
    }
    if (!subscription) throw new Error('the subscription is disabled or gone');
    const body = JSON.stringify(envelopeOf(delivery, subscription.tenantSlug));
    if (subscription.kind === 'nats') {
      if (!nats) throw new Error('NATS_URL is not set');
      const started = performance.now();
      try {
        await nats.publish(subjectOf(subscription.tenantSlug, delivery.eventType), body, delivery.id);
      } catch (error) {
        throw new DeliveryFailure({ statusCode: null, latencyMs: Math.round(performance.now() - started), error: error instanceof Error ? error.message : String(error) });
      }
      outcomes.set(delivery.id, { statusCode: null, latencyMs: Math.round(performance.now() - started), error: null });
      return;
    }
    const secrets = signingSecrets(subscription, Date.now()).map((secret) => openedSecret(subscription.id, secret));
    outcomes.set(delivery.id, await webhooks.send(subscription.url!, { id: delivery.id, body, secrets }));
  }

  return startDispatcher<Delivery>({
    ...deps,
    name: 'subscription',
    queue: {
      async claimDue(now, limit, leaseMs) {
        // Enabled subscriptions with room: none (no subscriptions at all) costs no query.
        const enabled = directory.enabledIds();
        const open = enabled.filter((id) => (held.get(id) ?? 0) < perSubscriptionInFlight);
        heldBack = open.length < enabled.length;
        const claimed = await store.claimDue(now, limit, leaseMs, open);
        for (const delivery of claimed) held.set(delivery.subscriptionId, (held.get(delivery.subscriptionId) ?? 0) + 1);
        return claimed;
      },
      deliver,
      heldBack: () => heldBack,
      async markDone(delivery, now) {
        release(delivery);
        const outcome = outcomes.get(delivery.id) ?? { statusCode: null, latencyMs: 0, error: null };
        outcomes.delete(delivery.id);
        await markDelivered({ id: delivery.id, outcome, now });
      },
      async markFailed(delivery, error, at, now) {
        release(delivery);
        outcomes.delete(delivery.id);
        await store.markFailed(delivery.id, outcomeOf(error), at, now);
      },
      retryAt(delivery, _error, now) {
        const at = retryAt(delivery.attempts, delivery.startedAt, now, policy);
        if (at === undefined) return undefined;
        return now + Math.round((at - now) * (1 - JITTER + 2 * JITTER * random()));
      },
      // A first-time success is routine (thousands a second); a late success is worth a line.
      logFields: (delivery) => (delivery.attempts > 1 ? { deliveryId: delivery.id, subscriptionId: delivery.subscriptionId, eventType: delivery.eventType, attempts: delivery.attempts } : undefined),
      failureFields: (error, delivery) => ({ deliveryId: delivery.id, subscriptionId: delivery.subscriptionId, eventType: delivery.eventType, attempts: delivery.attempts, ...outcomeOf(error) }),
    },
  });
}
