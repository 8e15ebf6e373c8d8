// A real upstream OpenID Connect provider for federation tests: an oidc-provider instance on a
// loopback port, whose accounts the test defines (subject, email, whether it is verified). Its own
// development login form signs anyone in as the account named in `login`; a separate browser
// session drives it, since it uses the same cookie names as Foyer.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { Page } from './browser-session.ts';
import { createBrowserSession, formsOf, textOf } from './browser-session.ts';

export type UpstreamAccount = { readonly email?: string; readonly email_verified?: boolean; readonly name?: string; readonly [claim: string]: unknown };

export type UpstreamIdp = {
  readonly issuer: string;
  readonly accounts: Map<string, UpstreamAccount>;
  /** Signs in upstream as `subject` from the authorization URL Foyer sent the browser to: the redirect back to Foyer. */
  signIn(authorizationUrl: URL, subject: string): Promise<URL>;
  stop(): Promise<void>;
};

export async function startUpstreamIdp(client: { clientId: string; clientSecret: string; redirectUris: readonly string[] }): Promise<UpstreamIdp> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map<string, UpstreamAccount>();
  const provider = new Provider(issuer, {
    clients: [{ client_id: client.clientId, client_secret: client.clientSecret, redirect_uris: [...client.redirectUris], token_endpoint_auth_method: 'client_secret_post' }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name', 'groups'] },
    findAccount: (_ctx, id) => {
      const account = accounts.get(id);
      return account ? { accountId: id, claims: () => ({ sub: id, ...account }) } : undefined;
    },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
  });
  provider.on('server_error', (_ctx, error) => console.error('upstream server_error', error));
  server.on('request', provider.callback());

  async function signIn(authorizationUrl: URL, subject: string): Promise<URL> {
    const browser = createBrowserSession();
    let page: Page = await browser.open(authorizationUrl);
    for (let step = 0; step < 6 && !page.redirectedTo; step += 1) {
      const form = formsOf(page).find((candidate) => candidate.method === 'POST');
      if (!form) throw new Error(`the upstream showed no form at ${page.url.pathname}: ${textOf(page.html).slice(0, 400)}`);
      page = await browser.submit(form, form.fields['prompt'] === 'login' ? { login: subject, password: 'any' } : {});
    }
    if (!page.redirectedTo) throw new Error('the upstream did not send the browser back');
    return page.redirectedTo;
  }

  return { issuer, accounts, signIn, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
