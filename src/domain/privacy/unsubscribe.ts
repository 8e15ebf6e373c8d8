// One-click unsubscribe (issue 15, RFC 8058): a link that turns off a topic's email for one
// customer without a sign-in. The link carries a signed token (HMAC-SHA256 under a key derived from
// the master secret) naming the customer and the topic (`*`: every topic), so it cannot be forged
// or pointed at someone else; it never expires, since all it can do is stop email. Opening it
// changes nothing (mail scanners fetch links): the page's button, or a mail client's one-click
// POST (`List-Unsubscribe-Post: List-Unsubscribe=One-Click`), does.
import { createHmac, createSecretKey, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { AuditStore } from '../audit/audit.port.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import type { IdentityStore } from '../identity/identity.port.ts';
import type { Tenant } from '../tenants/tenant.ts';
import { issuerOf } from '../tenants/tenant.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import type { PreferenceStore } from './preference.port.ts';
import { changePreferences } from './preferences.ts';

/** Every topic of the tenant. */
export const ALL_TOPICS = '*';

/** The key of unsubscribe tokens, from the master secret. */
export function unsubscribeKeyOf(masterSecret: string): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', masterSecret, 'foyer-unsubscribe', 'unsubscribe-token', 32)));
}

function macOf(key: KeyObject, tenantId: string, subject: string): string {
  return createHmac('sha256', key).update(`${tenantId}\0${subject}`).digest().subarray(0, 16).toString('base64url');
}

/** A token for `identityId` and `topic` (or ALL_TOPICS) in the tenant. */
function unsubscribeToken(key: KeyObject, tenantId: string, identityId: string, topic: string): string {
  const subject = Buffer.from(JSON.stringify([identityId, topic])).toString('base64url');
  return `${subject}.${macOf(key, tenantId, subject)}`;
}

/** The customer and topic a token names, when it is one of this tenant's; undefined otherwise. */
function readToken(key: KeyObject, tenantId: string, token: string): { identityId: string; topic: string } | undefined {
  const [subject = '', mac = '', ...rest] = token.split('.');
  if (rest.length > 0 || subject.length === 0 || subject.length > 400) return undefined;
  const expected = Buffer.from(macOf(key, tenantId, subject));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const [identityId, topic] = JSON.parse(Buffer.from(subject, 'base64url').toString('utf8')) as unknown[];
    return typeof identityId === 'string' && typeof topic === 'string' ? { identityId, topic } : undefined;
  } catch {
    return undefined;
  }
}

/** The link a message about `topic` carries for its recipient: `{issuer}/unsubscribe?token=…`. */
export function unsubscribeLinkOf(key: KeyObject, publicUrl: string, tenant: Tenant, identityId: string, topic: string): string {
  return `${issuerOf(publicUrl, tenant)}/unsubscribe?token=${unsubscribeToken(key, tenant.id, identityId, topic)}`;
}

/** The headers of RFC 2369 and RFC 8058 for a message carrying `link`: mail clients then offer one-click unsubscribe. */
export function listUnsubscribeHeaders(link: string): { 'List-Unsubscribe': string; 'List-Unsubscribe-Post': string } {
  return { 'List-Unsubscribe': `<${link}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

type UnsubscribeDeps = {
  readonly stores: { readonly identities: IdentityStore };
  readonly transaction: UnitOfWork<{ preferences: PreferenceStore; audit: AuditStore; outbox: OutboxStore }>;
  readonly key: KeyObject;
};

/** What a link is about: the topics it turns off (their ids), or invalid (forged, another tenant's, the customer gone). */
type LinkSubject = { readonly ok: true; readonly identityId: string; readonly topics: readonly string[] } | { readonly ok: false };

/** Reads a link's token without changing anything (the page a link opens). */
export async function unsubscribeSubjectOf(deps: Pick<UnsubscribeDeps, 'stores' | 'key'>, tenant: Tenant, token: string): Promise<LinkSubject> {
  const read = readToken(deps.key, tenant.id, token);
  const identity = read && (await deps.stores.identities.findById(tenant.id, read.identityId));
  if (!read || !identity || identity.status === 'deleted') return { ok: false };
  const known = (tenant.settings.communication?.topics ?? []).map((topic) => topic.id);
  const topics = read.topic === ALL_TOPICS ? known : known.filter((id) => id === read.topic);
  return { ok: true, identityId: identity.id, topics };
}

/**
 * The link's one click: the topics' email turned off for its customer (`preferences.changed`, the
 * audit entry naming the customer and the request). A topic the tenant no longer has is nothing
 * to turn off; the answer is the same.
 */
export async function unsubscribeByLink(deps: UnsubscribeDeps, tenant: Tenant, token: string, context: RequestContext): Promise<LinkSubject> {
  const subject = await unsubscribeSubjectOf(deps, tenant, token);
  if (!subject.ok || subject.topics.length === 0) return subject;
  const choices = Object.fromEntries(subject.topics.map((topic) => [`${topic}.email`, false]));
  await changePreferences(deps, tenant, subject.identityId, choices, { type: 'customer', id: subject.identityId, context });
  return subject;
}
