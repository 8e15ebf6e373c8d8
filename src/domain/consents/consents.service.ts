// Consent, decided and recorded in one place for both ways a grant comes about: oidc-provider
// resuming an authorization with no live grant (its loadExistingGrant hook: standingGrant), and the
// customer allowing what the consent screen asked (giveConsent). The protocol's Grant object stays
// in http/oidc (grants.ts applies a GrantDecision to it); here is only what may be granted, and the
// record that outlives grants (sign-out, revocations and refresh-token replays revoke grants, never
// consent), so the screen asks only for what is new.
import type { ConsentStore } from './consent.port.ts';
import { widenConsent } from './consent.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { Stores, UnitOfWork } from '../unit-of-work.ts';
import { uuidv7 } from '../../lib/ids.ts';
import { recordEvent } from '../events/record-event.ts';

/**
 * What a grant gains: OIDC scopes and claims (left alone when absent), and scopes of APIs
 * (resource indicators), in the order they were asked for.
 */
export type GrantDecision = {
  readonly scopes?: readonly string[] | undefined;
  readonly claims?: readonly string[] | undefined;
  readonly resourceScopes: readonly (readonly [resource: string, scopes: readonly string[]])[];
};

type ApplicationAsk = {
  readonly tenantId: string;
  readonly identityId: string;
  readonly applicationId: string;
  /** First-party applications never show a consent screen: they get what they ask, on the spot. */
  readonly firstParty: boolean;
  readonly scopes: readonly string[];
  readonly resourceScopes: readonly (readonly [resource: string, scopes: readonly string[]])[];
};

/**
 * The grant to resume an authorization with when the customer has none (or the session names one
 * that is gone): a first-party application gets what it asks; a third-party one what the customer
 * already consented to of it. Undefined when there is nothing to grant: the consent screen asks.
 */
export async function standingGrant(consents: ConsentStore, ask: ApplicationAsk): Promise<GrantDecision | undefined> {
  if (ask.firstParty) return { scopes: ask.scopes, resourceScopes: ask.resourceScopes.filter(([, scopes]) => scopes.length > 0) };
  const consent = await consents.find(ask.tenantId, ask.identityId, ask.applicationId);
  if (!consent) return undefined;
  const scopes = ask.scopes.filter((scope) => consent.scopes.includes(scope));
  if (scopes.length === 0) return undefined;
  const resourceScopes = ask.resourceScopes.map(([resource, asked]) => [resource, asked.filter((scope) => consent.resourceScopes[resource]?.includes(scope))] as const);
  return { scopes, resourceScopes: resourceScopes.filter(([, granted]) => granted.length > 0) };
}

/** What the consent screen asked for: what the application's request is missing (oidc-provider's prompt details). */
type ConsentAsked = {
  readonly scopes?: readonly string[] | undefined;
  readonly claims?: readonly string[] | undefined;
  readonly resourceScopes?: Readonly<Record<string, readonly string[]>> | undefined;
};

type ConsentGiven = {
  readonly tenantId: string;
  readonly identityId: string;
  readonly applicationId: string;
  readonly asked: ConsentAsked;
  readonly context: RequestContext;
};

/**
 * The customer allowed what the screen asked: the grant gains exactly that (`grant` applies the
 * decision to the protocol's grant and answers its id), then the standing consent is widened by
 * its scopes and API scopes, audited, and announced (`consent.granted`), in one transaction.
 */
export async function giveConsent(transaction: UnitOfWork<Pick<Stores, 'consents' | 'audit' | 'outbox'>>, given: ConsentGiven, grant: (decision: GrantDecision) => Promise<string>): Promise<string> {
  const { asked, tenantId, identityId, applicationId } = given;
  const grantId = await grant({ scopes: asked.scopes, claims: asked.claims, resourceScopes: Object.entries(asked.resourceScopes ?? {}) });
  const now = Date.now();
  const allowed = { scopes: asked.scopes ?? [], resourceScopes: asked.resourceScopes ?? {} };
  await transaction(async ({ consents, audit, outbox }) => {
    const existing = await consents.find(tenantId, identityId, applicationId);
    const consent = widenConsent(existing, allowed, { tenantId, identityId, applicationId }, now);
    await consents.save(consent);
    await audit.append({
      id: uuidv7(now),
      occurredAt: now,
      tenantId,
      action: 'consent.granted',
      outcome: 'success',
      actor: { type: 'customer', id: identityId },
      target: { type: 'application', id: applicationId },
      context: given.context,
      details: { scopes: allowed.scopes },
    });
    await recordEvent(outbox, { tenantId, aggregateId: identityId, occurredAt: now }, { type: 'consent.granted', payload: { applicationId, scopes: consent.scopes, resourceScopes: consent.resourceScopes } });
  });
  return grantId;
}
