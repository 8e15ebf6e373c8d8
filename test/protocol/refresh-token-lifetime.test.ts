// Refresh token families end (SECURITY.md 21): however often an application refreshes, the family
// stops at its absolute lifetime counted from the first token; a public browser application without
// DPoP is not extended by rotation at all. Time is moved by a fake clock (node:test's mock timers,
// Date only), which server and client in this process share: the days pass without waiting.
import { after, afterEach, before, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, createTenant, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';

const WEB_CALLBACK = 'https://web.example.test/callback';
const SPA_CALLBACK = 'https://spa.example.test/callback';
const DAY_MS = 86_400_000;
const OFFLINE = { scope: 'openid offline_access', parameters: { prompt: 'consent' } };

describeEachEngine('refresh token lifetime', (current) => {
  let node: ListeningServer;
  before(async () => {
    node = await startListeningServer(current().engine);
  });
  afterEach(() => {
    mock.timers.reset();
  });
  after(async () => {
    await node?.stop();
  });

  /** A refresh token for a new customer of `issuer`'s application, then a clock that moves only when told. */
  async function firstRefreshToken(rp: client.Configuration, redirectUri: string): Promise<string> {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const { tokens } = await authorizationCodeFlow(rp, { redirectUri, ...OFFLINE }, (url) => browser.signUpAndAuthorize(url, { email: uniqueEmail('family'), password: PASSWORD }));
    assert.ok(tokens.refresh_token);
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    return tokens.refresh_token;
  }

  const refused = (error: client.ResponseBodyError) => error.error === 'invalid_grant';

  test('a family that keeps rotating stops 90 days after its first token (the default)', async () => {
    const web = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Web', kind: 'web', redirectUris: [WEB_CALLBACK] });
    const rp = await relyingParty(node.url, web);
    let token = await firstRefreshToken(rp, WEB_CALLBACK);
    // Every 13 days, within the 14-day lifetime of each token: each rotation works.
    for (let day = 13; day < 90; day += 13) {
      mock.timers.tick(13 * DAY_MS);
      const rotated = await client.refreshTokenGrant(rp, token);
      assert.ok(rotated.refresh_token, `day ${day}`);
      token = rotated.refresh_token;
    }
    // Day 78's token would live to day 92, but the family ends at day 90.
    mock.timers.tick(11 * DAY_MS);
    token = (await client.refreshTokenGrant(rp, token)).refresh_token!;
    mock.timers.tick(DAY_MS + 60_000);
    await assert.rejects(client.refreshTokenGrant(rp, token), refused, 'day 90 and a minute: the customer signs in again');
  });

  test('a tenant may set a shorter absolute lifetime', async () => {
    const tenant = await createTenant(node.server, `short-${process.pid}-${current().engine}`, { refreshTokens: { absoluteLifetime: 20 * 86_400 } });
    const web = await registerApplication(node.server, tenant.id, { name: 'Web', kind: 'web', redirectUris: [WEB_CALLBACK] });
    const rp = await relyingParty(`${node.url}/t/${tenant.slug}`, web);
    let token = await firstRefreshToken(rp, WEB_CALLBACK);
    mock.timers.tick(13 * DAY_MS);
    token = (await client.refreshTokenGrant(rp, token)).refresh_token!;
    mock.timers.tick(7 * DAY_MS + 60_000);
    await assert.rejects(client.refreshTokenGrant(rp, token), refused, 'day 20 and a minute');
  });

  test('a single-page application without DPoP: rotation never extends the first token\'s 14 days', async () => {
    const spa = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'SPA', kind: 'spa', redirectUris: [SPA_CALLBACK] });
    const rp = await relyingParty(node.url, spa);
    let token = await firstRefreshToken(rp, SPA_CALLBACK);
    mock.timers.tick(13 * DAY_MS);
    const rotated = await client.refreshTokenGrant(rp, token);
    assert.ok(rotated.refresh_token);
    assert.notEqual(rotated.refresh_token, token, 'public clients rotate');
    token = rotated.refresh_token;
    mock.timers.tick(DAY_MS + 60_000);
    await assert.rejects(client.refreshTokenGrant(rp, token), refused, 'day 14 and a minute');
  });
});
