// Connected accounts in the account portal, at {issuer}/account/connections (ADR 0032): the
// upstream accounts linked to this one, disconnecting one (never the last way to sign in), and
// connecting another: the customer signs in upstream and comes back here, where only the same
// signed-in customer completes it. Changes need a recent sign-in (SECURITY.md 16).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Stores, Transaction } from '../../domain/unit-of-work.ts';
import type { Strategies } from '../../domain/credentials/strategies.ts';
import { connectedAccounts, removeConnectedAccount } from '../../domain/account/connected-accounts.ts';
import { DomainError } from '../../domain/errors.ts';
import { formOf, parseForm } from '../shared/form.ts';
import { allowFormTargets, brandingOf, errorBody, sendPage } from '../shared/respond.ts';
import { registerPageErrors } from '../shared/page-errors.ts';
import type { Portal } from './portal-session.ts';
import { hasValidCsrf, portalBase, portalOf } from './portal-session.ts';
import { redirectAfterChange, sendPortalPage } from './portal-page.ts';
import { connectionsPage } from './pages/connections.page.ts';
import type { FederationDeps } from '../federation/upstream-sign-in.ts';
import { answeredProfile, beginUpstreamSignIn, federationFlowId } from '../federation/upstream-sign-in.ts';

type ConnectionsPortalDeps = {
  readonly stores: Stores;
  readonly transaction: Transaction;
  readonly strategies: Strategies;
  readonly federation: FederationDeps;
  readonly publicUrl: string;
  readonly masterSecret: string;
};

export async function connectionsPortalPlugin(app: FastifyInstance, deps: ConnectionsPortalDeps): Promise<void> {
  registerPageErrors(app);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, parseForm);
  const sessionDeps = { identities: deps.stores.identities, artifacts: deps.stores.oidcArtifacts, publicUrl: deps.publicUrl, masterSecret: deps.masterSecret };

  app.get('/account/connections', async (request, reply) => {
    const portal = await portalOf(sessionDeps, request, reply);
    return portal ? show(portal, reply) : reply;
  });
  app.post('/account/connections/remove', (request, reply) =>
    change(request, reply, async (portal, form) => {
      try {
        await removeConnectedAccount(deps, portal.customer, form['connection'] ?? '');
      } catch (error) {
        if (error instanceof DomainError && error.code === 'federation.last_method') return show(portal, reply, 409);
        if (!(error instanceof DomainError && error.kind === 'not_found')) throw error;
      }
      return redirectAfterChange(reply, portal, 'connections', 'unlinked');
    }),
  );
  app.post('/account/connections/link', (request, reply) =>
    change(request, reply, async (portal, form) => {
      const connection = await deps.stores.connections.find(portal.tenant.id, form['connection'] ?? '');
      if (!connection || !connection.enabled) return show(portal, reply, 400);
      const { url } = await beginUpstreamSignIn(deps.federation, portal.tenant, connection, { kind: 'portal', identityId: portal.identity.id });
      return reply.code(303).header('location', url.href).header('cache-control', 'no-store').send();
    }),
  );
  // Back from the upstream (through the callback): only the customer who started it completes it.
  app.get('/account/connections/return', async (request, reply) => {
    const portal = await portalOf(sessionDeps, request, reply, { recent: true, returnTo: `${request.tenant ? portalBase(request.tenant) : ''}/connections` });
    if (!portal) return reply;
    const id = String((request.query as { flow?: string }).flow ?? '');
    const flow = id.startsWith(federationFlowId('')) ? await deps.stores.flows.find(portal.tenant.id, id, Date.now()) : undefined;
    const answered = flow && flow.payload['portalIdentity'] === portal.identity.id ? await answeredProfile(deps.stores, portal.tenant, flow) : undefined;
    if (!flow || !answered) return failed(portal, reply, 'federation.upstream_failed');
    const proven = { identityId: portal.identity.id, method: 'federated', amr: [], acr: '', aal: 1 } as const;
    const linked = await deps.strategies.federated.link(portal.tenant, proven, answered, portal.customer.context);
    if (!linked.ok) return failed(portal, reply, linked.code === 'federation.already_linked' ? linked.code : 'federation.upstream_failed');
    await deps.stores.flows.advance(portal.tenant.id, flow.id, 'verified', { state: 'complete', payload: { connection: answered.connection.id }, identityId: portal.identity.id }, Date.now());
    // Started by an app through the Account API: back to the app, saying what happened.
    const returnTo = flow.payload['portalReturnTo'];
    if (typeof returnTo === 'string') {
      const back = new URL(returnTo);
      back.searchParams.set('connection', answered.connection.id);
      back.searchParams.set('result', 'linked');
      return reply.code(303).header('location', back.href).header('cache-control', 'no-store').send();
    }
    return redirectAfterChange(reply, portal, 'connections', 'linked');
  });

  /** A POST: signed in recently, the CSRF token right. */
  async function change(request: FastifyRequest, reply: FastifyReply, handle: (portal: Portal, form: Record<string, string>) => Promise<unknown>) {
    const returnTo = request.tenant ? `${portalBase(request.tenant)}/connections` : undefined;
    const portal = await portalOf(sessionDeps, request, reply, { recent: true, returnTo });
    if (!portal) return reply;
    const form = formOf(request.body);
    if (!hasValidCsrf(portal, form)) return failed(portal, reply, 'account.csrf', 403);
    return handle(portal, form);
  }

  async function show(portal: Portal, reply: FastifyReply, status = 200) {
    const accounts = await connectedAccounts(deps, portal.customer);
    const linked = new Set(accounts.map((account) => account.connection));
    const connectable = (await deps.stores.connections.list(portal.tenant.id)).filter((connection) => connection.enabled && !linked.has(connection.id));
    const available = connectable.map((connection) => ({ id: connection.id, name: connection.displayName }));
    // A "Connect" form leads on to the provider (Chromium applies form-action to the redirect).
    allowFormTargets(reply.request, connectable.flatMap((connection) => deps.federation.upstream.authorizationTargets(connection)));
    const base = `${portal.base}/connections`;
    const body = connectionsPage(portal.t, { accounts, available, csrfToken: portal.csrfToken, removeAction: `${base}/remove`, linkAction: `${base}/link` });
    return sendPortalPage(reply, portal, 'connections', body, { status });
  }

  function failed(portal: Portal, reply: FastifyReply, code: string, status = 400) {
    return sendPage(reply, { status, t: portal.t, branding: brandingOf(portal.tenant), title: portal.t('page.error.title'), body: errorBody(portal.t, code), here: portal.base, wide: true });
  }
}
