// oidc-provider's grants, made from the domain's consent decisions (domain/consents/consents.service.ts):
// the Grant is the protocol's object, so it is built and saved here, and only here; what it holds is
// decided there.
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ConsentStore } from '../../domain/consents/consent.port.ts';
import type { GrantDecision } from '../../domain/consents/consents.service.ts';
import { standingGrant } from '../../domain/consents/consents.service.ts';

type Grant = InstanceType<Provider['Grant']>;

/**
 * oidc-provider's loadExistingGrant: the grant of this customer and application. The session may
 * still name a grant that is gone; then the standing consent (or a first-party application's
 * request) makes a fresh one, so that the consent screen only asks for what is new.
 */
export async function loadOrCreateGrant(ctx: KoaContextWithOIDC, consents: ConsentStore, tenantId: string): Promise<Grant | undefined> {
  const { oidc } = ctx;
  const client = oidc.client!;
  const accountId = oidc.session!.accountId!;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(client.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (existing) return existing;
  const decision = await standingGrant(consents, {
    tenantId,
    identityId: accountId,
    applicationId: client.clientId,
    firstParty: Boolean((client as unknown as Record<string, unknown>)['foyer_first_party']),
    scopes: typeof oidc.params!['scope'] === 'string' ? oidc.params!['scope'].split(' ') : ['openid'],
    resourceScopes: Object.entries(oidc.resourceServers ?? {}).map(([resource, server]) => [resource, (server.scope ?? '').split(' ').filter(Boolean)] as const),
  });
  if (!decision) return undefined;
  const grant = new oidc.provider.Grant({ clientId: client.clientId, accountId });
  applyDecision(grant, decision);
  await grant.save();
  return grant;
}

/** The consent screen's grant: the interaction's own, or a new one; the decision applied, saved, its id answered. */
export async function saveConsentGrant(provider: Provider, interaction: { grantId?: string | undefined; accountId: string; clientId: string }, decision: GrantDecision): Promise<string> {
  const grant = interaction.grantId ? (await provider.Grant.find(interaction.grantId))! : new provider.Grant({ accountId: interaction.accountId, clientId: interaction.clientId });
  applyDecision(grant, decision);
  return grant.save();
}

function applyDecision(grant: Grant, decision: GrantDecision): void {
  if (decision.scopes) grant.addOIDCScope(decision.scopes.join(' '));
  if (decision.claims) grant.addOIDCClaims([...decision.claims]);
  for (const [resource, scopes] of decision.resourceScopes) grant.addResourceScope(resource, scopes.join(' '));
}
