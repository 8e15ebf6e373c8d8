// What happens inside oidc-provider that the audit log must show: sign-outs, token revocations and
// grants revoked (a replayed code or refresh token revokes its whole grant). A sign-out is also the
// `session.ended` event for subscribers. Provider errors and failed back-channel deliveries go to
// the log.
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { FastifyBaseLogger } from 'fastify';
import type { AuditStore } from '../../domain/audit/audit.port.ts';
import type { AuditEntry } from '../../domain/audit/audit.ts';
import type { OutboxStore } from '../../domain/events/outbox.port.ts';
import type { EventInterest } from '../../domain/events/event-interest.port.ts';
import { recordEvent } from '../../domain/events/record-event.ts';
import { uuidv7 } from '../../lib/ids.ts';

type AuditDeps = {
  readonly tenantId: string;
  readonly audit: AuditStore;
  readonly logger: FastifyBaseLogger;
  /** Where a sign-out's `session.ended` is recorded, when a subscription of the tenant takes it. */
  readonly outbox?: Pick<OutboxStore, 'enqueue'> | undefined;
  readonly events?: EventInterest | undefined;
};

export function auditProviderEvents(provider: Provider, { tenantId, audit, logger, outbox, events }: AuditDeps): void {
  // A sign-out seen by the event below, recorded by the middleware before the answer leaves.
  const signedOut = new WeakMap<object, { readonly accountId: string; readonly clientId: string | undefined }>();
  const record = (ctx: KoaContextWithOIDC, entry: Omit<AuditEntry, 'tenantId' | 'context' | 'outcome'>) => {
    const now = Date.now();
    const context = { ip: ctx.ip, userAgent: ctx.get('user-agent') || undefined, requestId: ctx.get('x-request-id') || undefined };
    // The response must not wait for, nor fail with, the audit write; a failure is logged loudly.
    audit.append({ ...entry, id: uuidv7(now), occurredAt: now, tenantId, outcome: 'success', context }).catch((error: unknown) => {
      logger.error({ err: error, action: entry.action }, 'writing an audit event failed');
    });
  };

  provider.use(async (koaContext, next) => {
    await next();
    const ctx = koaContext as unknown as KoaContextWithOIDC;
    const ended = signedOut.get(koaContext);
    if (ended && outbox && (events?.wants(tenantId, 'session.ended') ?? true)) {
      // The session is gone either way: a failed write is logged, the customer still signed out.
      const now = Date.now();
      const payload = { reason: 'signed_out', kind: 'browser', ...(ended.clientId ? { applicationId: ended.clientId } : {}) } as const;
      await recordEvent(outbox, { tenantId, aggregateId: ended.accountId, occurredAt: now }, { type: 'session.ended', payload }).catch((error: unknown) => {
        logger.error({ err: error }, 'recording a sign-out event failed');
      });
    }
    if (ctx.oidc?.route === 'revocation' && ctx.status === 200) {
      const clientId = ctx.oidc.client?.clientId;
      // The endpoint answers 200 for any token (RFC 7009 2.2), also to anyone who knows a public
      // client's id: only a token of this client, which it revoked, is recorded, so such requests
      // write no row (SECURITY.md 36).
      const { AccessToken, RefreshToken, ClientCredentials } = ctx.oidc.entities;
      const token = AccessToken ?? RefreshToken ?? ClientCredentials;
      if (!token || token.clientId !== clientId) return;
      record(ctx, { action: 'token.revoked', actor: { type: 'client', id: clientId }, target: clientId ? { type: 'application', id: clientId } : undefined });
    }
  });
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    const accountId = ctx.oidc.session?.accountId;
    if (accountId) signedOut.set(ctx, { accountId, clientId: ctx.oidc.client?.clientId });
    record(ctx, { action: 'signout.succeeded', actor: { type: 'customer', id: accountId }, target: accountId ? { type: 'identity', id: accountId } : undefined, details: { client: ctx.oidc.client?.clientId } });
  });
  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
    record(ctx, { action: 'grant.revoked', actor: { type: ctx.oidc.client ? 'client' : 'system', id: ctx.oidc.client?.clientId }, details: { grantId, route: ctx.oidc.route } });
  });
  provider.on('server_error', (ctx: KoaContextWithOIDC, error: Error) => {
    logger.error({ err: error, route: ctx.oidc?.route, tenantId }, 'oidc-provider failed');
  });
  provider.on('backchannel.error', (_ctx: KoaContextWithOIDC, error: Error, client: { clientId: string }) => {
    logger.warn({ err: error, clientId: client.clientId, tenantId }, 'back-channel logout delivery failed');
  });
}
