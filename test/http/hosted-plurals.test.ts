// Counts on the hosted pages read as the customer's language counts: a throttled sign-in says
// "Wait 1 second" in English, "1 seconde" in French and uses Arabic's singular and dual forms,
// rather than one template for every number.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { Page } from '../helpers/browser-session.ts';
import { registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';

const CALLBACK = 'https://shop.example.test/callback';
const PKCE = { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };

/** How each language says "wait N seconds" (written out here, not taken from the catalogues). */
const WAIT: Record<string, (seconds: number) => string> = {
  en: (n) => (n === 1 ? 'Wait 1 second, then try again.' : `Wait ${n} seconds, then try again.`),
  fr: (n) => (n <= 1 ? `Patientez ${n} seconde, puis réessayez.` : `Patientez ${n} secondes, puis réessayez.`),
  ar: (n) => `انتظر ${n === 1 ? 'ثانية واحدة' : n === 2 ? 'ثانيتين' : n <= 10 ? `${n} ثوانٍ` : `${n} ثانية`}، ثم حاول مرة أخرى.`,
};

describeEachEngine('counts on hosted pages', (current) => {
  let node: ListeningServer;
  let rp: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    const app = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Shop', kind: 'web', firstParty: true, redirectUris: [CALLBACK] });
    rp = await relyingParty(node.url, app);
  });
  after(async () => {
    await node?.stop();
  });

  for (const language of Object.keys(WAIT)) {
    test(`${language}: a throttled sign-in says how long to wait in the language's plural form`, async () => {
      const session = createBrowserSession({ acceptLanguage: language });
      let page: Page = await session.open(client.buildAuthorizationUrl(rp, { redirect_uri: CALLBACK, scope: 'openid', ...PKCE }));
      const email = uniqueEmail(`plural-${language}`);
      // Wrong passwords until the throttle answers (the first waits are a second or two).
      for (let attempt = 0; attempt < 12 && page.status !== 429; attempt += 1) {
        page = await session.submit(requireForm(page, isAction('/signin')), { email, password: 'not the password at all' });
      }
      assert.equal(page.status, 429);
      const seconds = Number(page.headers?.get('retry-after'));
      assert.ok(Number.isInteger(seconds) && seconds > 0, `Retry-After: ${seconds}`);
      assert.ok(textOf(page.html).includes(WAIT[language]!(seconds)), `${language}, ${seconds} s: ${textOf(page.html)}`);
    });
  }
});
