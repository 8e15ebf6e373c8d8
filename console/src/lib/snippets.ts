// Ready-to-paste integration code for an application, per library, with this tenant's issuer, the
// client id and the first redirect URI filled in. The secret never appears: snippets read it from
// the environment. Tested under node:test (test/console/snippets.test.ts).

export type Library = 'openid-client' | 'authjs' | 'oidc-client-ts';
export type SnippetInput = { readonly issuer: string; readonly clientId: string; readonly kind: 'web' | 'spa' | 'native' | 'machine'; readonly redirectUri: string | undefined };

/** The libraries that fit a kind of application: servers get openid-client and Auth.js, browsers oidc-client-ts. */
export function librariesFor(kind: SnippetInput['kind']): Library[] {
  if (kind === 'spa') return ['oidc-client-ts'];
  if (kind === 'native' || kind === 'machine') return ['openid-client'];
  return ['openid-client', 'authjs'];
}

const json = (value: string) => JSON.stringify(value);

export function snippetOf(library: Library, input: SnippetInput): string {
  const redirect = input.redirectUri ?? 'https://app.example.com/callback';
  switch (library) {
    case 'openid-client':
      if (input.kind === 'machine') {
        return `import * as client from 'openid-client';

const config = await client.discovery(new URL(${json(input.issuer)}), ${json(input.clientId)}, process.env.FOYER_CLIENT_SECRET);
const tokens = await client.clientCredentialsGrant(config, { scope: 'your-api:read', resource: 'https://api.example.com' });
`;
      }
      return `import * as client from 'openid-client';

const config = await client.discovery(new URL(${json(input.issuer)}), ${json(input.clientId)}${input.kind === 'web' ? ', process.env.FOYER_CLIENT_SECRET' : ', undefined, client.None()'});

// Sign in: send the browser to Foyer with PKCE.
const verifier = client.randomPKCECodeVerifier();
const url = client.buildAuthorizationUrl(config, {
  redirect_uri: ${json(redirect)},
  scope: 'openid email profile',
  code_challenge: await client.calculatePKCECodeChallenge(verifier),
  code_challenge_method: 'S256',
});

// Back at ${redirect}: exchange the code.
const tokens = await client.authorizationCodeGrant(config, currentUrl, { pkceCodeVerifier: verifier });
console.log(tokens.claims());
`;
    case 'authjs':
      return `// auth.ts (Auth.js)
import NextAuth from 'next-auth';

export const { handlers, auth, signIn, signOut } = NextAuth({
  providers: [{
    id: 'foyer',
    name: 'Foyer',
    type: 'oidc',
    issuer: ${json(input.issuer)},
    clientId: ${json(input.clientId)},
    clientSecret: process.env.FOYER_CLIENT_SECRET,
  }],
});
// Redirect URI to register: https://<your app>/api/auth/callback/foyer
`;
    case 'oidc-client-ts':
      return `import { UserManager } from 'oidc-client-ts';

const manager = new UserManager({
  authority: ${json(input.issuer)},
  client_id: ${json(input.clientId)},
  redirect_uri: ${json(redirect)},
  scope: 'openid email profile offline_access',
});

await manager.signinRedirect();            // on "Sign in"
const user = await manager.signinCallback(); // at ${redirect}
`;
  }
}
