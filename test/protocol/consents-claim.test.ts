// The `consents` scope (issue 15): its claim lists the purposes the customer has granted now, each
// with the version granted, in the ID token and at userinfo, read from the ledger when the scope is
// granted; a withdrawn purpose leaves it at the next request, a purpose not granted is never in it,
// and without the scope there is no claim. Discovery lists the scope and the claim. Both engines.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, registerApplication, relyingParty, SYSTEM_ACTOR, uniqueEmail } from '../helpers/oidc-clients.ts';
import { createCustomer } from '../helpers/client-library-app.ts';
import { createPurpose, updatePurpose } from '../../src/domain/privacy/purposes.service.ts';
import { changeConsents } from '../../src/domain/privacy/ledger.ts';

const CALLBACK = 'https://crm.example.test/callback';

describeEachEngine('the consents scope and claim', (current) => {
  let node: ListeningServer;
  let rp: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    const tenant = node.server.defaultTenant;
    rp = await relyingParty(node.url, await registerApplication(node.server, tenant.id, { name: 'CRM', kind: 'web', redirectUris: [CALLBACK] }));
    const deps = { transaction: node.server.transaction };
    await createPurpose(deps, tenant, { id: 'terms', kind: 'required', legalBasis: 'contract', texts: { en: { name: 'Terms', description: 'The rules.' } } }, SYSTEM_ACTOR);
    await createPurpose(deps, tenant, { id: 'marketing', kind: 'optional', legalBasis: 'consent', texts: { en: { name: 'Marketing', description: 'Offers.' } } }, SYSTEM_ACTOR);
    await createPurpose(deps, tenant, { id: 'analytics', kind: 'optional', legalBasis: 'consent', texts: { en: { name: 'Analytics', description: 'Usage.' } } }, SYSTEM_ACTOR);
    await updatePurpose(deps, tenant, 'marketing', { version: 3 }, SYSTEM_ACTOR);
  });
  after(() => node?.stop());

  async function customer(label: string): Promise<{ email: string; id: string }> {
    const email = uniqueEmail(label);
    await createCustomer(node.server, { email, password: PASSWORD, name: label });
    const identity = (await node.server.stores.identities.findByAddress(node.server.defaultTenant.id, 'email', email))!;
    const choices = [{ purposeId: 'terms', granted: true }, { purposeId: 'marketing', granted: true }];
    await changeConsents({ transaction: node.server.transaction }, node.server.defaultTenant, identity.id, choices, { locale: 'en', context: { method: 'import', gpc: false } });
    return { email, id: identity.id };
  }

  test('discovery lists the scope and its claim', async () => {
    const metadata = (await (await fetch(`${node.url}/.well-known/openid-configuration`)).json()) as { scopes_supported: string[]; claims_supported: string[] };
    assert.ok(metadata.scopes_supported.includes('consents'));
    assert.ok(metadata.claims_supported.includes('consents'));
  });

  test('with the scope: the granted purposes and their versions, in the ID token and at userinfo; a withdrawal leaves the claim', async () => {
    const { email, id } = await customer('claim');
    const browser = createBrowserSession();
    const { tokens, claims } = await authorizationCodeFlow(rp, { redirectUri: CALLBACK, scope: 'openid consents' }, (url) => browser.signInAndAuthorize(url, { email, password: PASSWORD }));
    assert.deepEqual(claims['consents'], { marketing: 3, terms: 1 });
    const userinfo = await client.fetchUserInfo(rp, tokens.access_token, id);
    assert.deepEqual(userinfo['consents'], { marketing: 3, terms: 1 });

    await changeConsents({ transaction: node.server.transaction }, node.server.defaultTenant, id, [{ purposeId: 'marketing', granted: false }], { locale: 'en', context: { method: 'account_api', gpc: false } });
    const after = await client.fetchUserInfo(rp, tokens.access_token, id);
    assert.deepEqual(after['consents'], { terms: 1 });
  });

  test('without the scope there is no claim', async () => {
    const { email, id } = await customer('no-claim');
    const browser = createBrowserSession();
    const { tokens, claims } = await authorizationCodeFlow(rp, { redirectUri: CALLBACK, scope: 'openid email' }, (url) => browser.signInAndAuthorize(url, { email, password: PASSWORD }));
    assert.equal(claims['consents'], undefined);
    assert.equal((await client.fetchUserInfo(rp, tokens.access_token, id))['consents'], undefined);
  });
});
