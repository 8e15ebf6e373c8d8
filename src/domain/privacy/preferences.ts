// Communication preferences (issue 15): per customer, for each topic of the tenant (its settings'
// `communication.topics`) and each channel, whether they want to be contacted. Nothing is on until
// the customer turns it on. A change records `preferences.changed` with the `topic.channel` names
// that changed (no values, no personal data) and an audit entry, in one transaction.
import type { AuditStore } from '../audit/audit.port.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import { recordEvent } from '../events/record-event.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import { ValidationError } from '../errors.ts';
import { DEFAULT_LOCALE } from '../../i18n/locales.ts';
import type { Locale } from '../../i18n/locales.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { PreferenceStore, StoredPreference } from './preference.port.ts';

const CHANNELS = ['email', 'sms', 'push'] as const;
type Channel = (typeof CHANNELS)[number];

type Topic = { readonly id: string; readonly name: string };

/** The tenant's topics, each named in `locale` (else the tenant's default language, else its id). */
export function topicsOf(tenant: Tenant, locale: Locale): Topic[] {
  const fallback = tenant.settings.defaultLocale ?? DEFAULT_LOCALE;
  return (tenant.settings.communication?.topics ?? []).map((topic) => ({ id: topic.id, name: topic.names[locale] ?? topic.names[fallback] ?? topic.id }));
}

type Preferences = { readonly topics: readonly (Topic & { readonly channels: Readonly<Record<Channel, boolean>> })[] };

/** The customer's choices for every topic of the tenant (choices about removed topics are left out). */
export async function preferencesOf(stores: { preferences: PreferenceStore }, tenant: Tenant, identityId: string, locale: Locale): Promise<Preferences> {
  const stored = await stores.preferences.list(tenant.id, identityId);
  const on = new Set(stored.filter((choice) => choice.subscribed).map((choice) => `${choice.topic}.${choice.channel}`));
  return {
    topics: topicsOf(tenant, locale).map((topic) => ({
      ...topic,
      channels: Object.fromEntries(CHANNELS.map((channel) => [channel, on.has(`${topic.id}.${channel}`)])) as Record<Channel, boolean>,
    })),
  };
}

type PreferenceWriteStores = { preferences: PreferenceStore; audit: AuditStore; outbox: OutboxStore };

/**
 * Sets the choices named `topic.channel` (true: contact me). An unknown topic or channel is a
 * ValidationError naming it. Returns the names whose choice changed (none: nothing is written).
 */
export async function changePreferences(
  deps: { readonly transaction: UnitOfWork<PreferenceWriteStores>; readonly now?: () => number },
  tenant: Tenant,
  identityId: string,
  choices: Readonly<Record<string, boolean>>,
  actor: Actor,
): Promise<string[]> {
  const topics = new Set((tenant.settings.communication?.topics ?? []).map((topic) => topic.id));
  const wanted: StoredPreference[] = [];
  const problems = [];
  for (const [name, subscribed] of Object.entries(choices)) {
    const [topic = '', channel = '', ...rest] = name.split('.');
    if (rest.length > 0 || !topics.has(topic) || !(CHANNELS as readonly string[]).includes(channel)) {
      problems.push({ field: name, code: 'preferences.unknown', message: 'is not a topic.channel of this tenant' });
      continue;
    }
    wanted.push({ topic, channel, subscribed });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    const current = new Set((await stores.preferences.list(tenant.id, identityId)).filter((choice) => choice.subscribed).map((choice) => `${choice.topic}.${choice.channel}`));
    const changes = wanted.filter((choice) => current.has(`${choice.topic}.${choice.channel}`) !== choice.subscribed);
    if (changes.length === 0) return [];
    const changed = changes.map((choice) => `${choice.topic}.${choice.channel}`);
    await stores.preferences.set(tenant.id, identityId, changes, now);
    await stores.audit.append({
      id: uuidv7(now),
      occurredAt: now,
      tenantId: tenant.id,
      action: 'preferences.changed',
      outcome: 'success',
      actor: { type: actor.type, id: actor.id },
      target: { type: 'identity', id: identityId },
      context: actor.context,
      details: { changed, subscribed: changes.filter((choice) => choice.subscribed).map((choice) => `${choice.topic}.${choice.channel}`) },
    });
    await recordEvent(stores.outbox, { tenantId: tenant.id, aggregateId: identityId, occurredAt: now }, { type: 'preferences.changed', payload: { changed } });
    return changed;
  });
}
