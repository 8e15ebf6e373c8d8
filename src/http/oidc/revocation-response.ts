// The revocation endpoint's success answer (RFC 7009 2.2: 200, and the body is not defined).
// oidc-provider sends an empty string, which Koa labels `text/plain`; browser clients that accept
// JSON only (oidc-client-ts's revokeTokens()) refuse that label before reading the body, so the
// empty answer goes out without a content type at all.
import type Provider from 'oidc-provider';

type Middleware = Parameters<Provider['use']>[0];

export function revocationWithoutContentType(revocationPath: string): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.path === revocationPath && ctx.status === 200 && ctx.body === '') ctx.remove('Content-Type');
  };
}
