// Staff sign-in through the company's workforce IdP, for tests: the IdP (a real upstream
// oidc-provider, test/helpers/upstream-idp.ts, whose client is the admin tenant), and a staff
// member's sign-in on the admin tenant's page through a connection's button, from the console to
// the admin API's token. The caller plays the upstream's part (OpenID Connect or SAML) and makes
// the connection as its test needs (the admin API, or the use case the CLI calls).
import type { UpstreamIdp } from './upstream-idp.ts';
import { startUpstreamIdp } from './upstream-idp.ts';
import type { ListeningServer } from './listening-server.ts';
import type { BrowserSession, Page } from './browser-session.ts';
import { createBrowserSession, isAction, requireForm } from './browser-session.ts';
import { consoleAuthorization, consoleRelyingParty } from './admin.ts';

/** The admin tenant as the workforce IdP's client: what a connection to it is made with. */
export const WORKFORCE_CLIENT = { clientId: 'foyer-admin', clientSecret: 'workforce-client-secret-0123456789' } as const;

/** The workforce OpenID Connect IdP, answering to the admin tenant's callback. */
export function startWorkforceIdp(node: ListeningServer): Promise<UpstreamIdp> {
  return startUpstreamIdp({ ...WORKFORCE_CLIENT, redirectUris: [`${node.url}/t/admin/federation/callback`] });
}

/** The upstream's part: from the URL the connection's button sent the browser to, the page it lands on back at Foyer. */
export type UpstreamLeg = (upstreamUrl: URL, browser: BrowserSession) => Promise<Page>;

/** An OpenID Connect IdP's part: `subject` signs in there and the browser follows the redirect back. */
export function signedInUpstreamAs(upstream: UpstreamIdp, subject: string): UpstreamLeg {
  return async (upstreamUrl, browser) => browser.open(await upstream.signIn(upstreamUrl, subject));
}

/**
 * The console (an application of the admin tenant), whose `signIn` takes a staff member through
 * `connection`'s button and `leg` to the admin API's tokens: `flow` rejects with `refused: <status>`
 * when Foyer does not send the browser back, and `ended` is the page the browser ended on.
 */
export async function startStaffConsole(node: ListeningServer) {
  const rp = await consoleRelyingParty(node);
  return {
    signIn(connection: string, leg: UpstreamLeg) {
      const browser = createBrowserSession();
      let ended: Page | undefined;
      const flow = consoleAuthorization(node, rp, async (url) => {
        const out = await browser.submit(requireForm(await browser.open(url), isAction('/federation')), { connection });
        ended = await browser.drive(await leg(out.redirectedTo!, browser), { consent: true });
        if (!ended.redirectedTo) throw new Error(`refused: ${ended.status}`);
        return ended.redirectedTo;
      });
      return { flow, ended: () => ended };
    },
  };
}

export type StaffConsole = Awaited<ReturnType<typeof startStaffConsole>>;
