// Sign-in through a connection on the hosted pages (ADR 0032). A button posts the chosen connection
// with the sign-in form's CSRF token (`start`): the customer is sent upstream. The upstream's answer
// arrives at the tenant's /federation/callback (http/federation/federation.plugin.ts), which checks
// it and sends the browser back here (`upstreamReturned`), where the interaction's own cookie proves
// it is the browser that started. The federated strategy then signs in, creates, or asks the
// customer to prove an existing account (`link`) before the upstream account is linked to it.
import type { KeyObject } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Stores } from '../../domain/unit-of-work.ts';
import type { Strategies } from '../../domain/credentials/strategies.ts';
import type { AuthenticationResult } from '../../domain/credentials/authentication.ts';
import type { RequestContext } from '../../domain/audit/audit.ts';
import type { Flow } from '../../domain/flows/flow.ts';
import type { SelfServiceDeps } from '../../domain/self-service/code-steps.ts';
import { recordSignIn, signInVerifyingFirst } from '../../domain/self-service/sign-in.ts';
import { completeOnce, signInFlowOf, submittedFlow } from '../../domain/self-service/browser-flow.ts';
import { showsFor } from '../../domain/federation/connection.ts';
import { mountPathOf } from '../tenancy/mount.ts';
import { brandingOf, errorBody, sendPage } from '../shared/respond.ts';
import { formOf } from '../shared/form.ts';
import type { FieldError } from '../shared/form-fields.ts';
import { readDeviceCookie, setDeviceCookie } from '../device-cookie.ts';
import { refusalFieldError, refusalStatus } from '../refusal.ts';
import type { ConnectionDirectory, FederationDeps } from '../federation/upstream-sign-in.ts';
import { answeredProfile, beginUpstreamSignIn, federationFlowId } from '../federation/upstream-sign-in.ts';
import type { InteractionContext as Context } from './interaction-pages.ts';
import { federationLinkPage } from './pages/federation.page.ts';

type StepDeps = {
  readonly stores: Stores;
  readonly strategies: Strategies;
  readonly selfService: SelfServiceDeps;
  readonly federation: FederationDeps & { readonly directory: ConnectionDirectory };
  readonly flowCsrfKey: KeyObject;
  readonly secureCookies: boolean;
  /** Ends every sign-in: the second factor when one is due, else the interaction's result. */
  readonly signedIn: (c: Context, request: FastifyRequest, reply: FastifyReply, result: AuthenticationResult) => Promise<unknown>;
  readonly renderSignIn: (c: Context, reply: FastifyReply, email?: string, error?: FieldError, status?: number) => unknown;
  readonly renderCode: (c: Context, reply: FastifyReply, flow: Flow, view: { intro: string; bind?: boolean }) => unknown;
  readonly contextOf: (c: Context, request: FastifyRequest) => RequestContext;
};

export function createFederationStep(deps: StepDeps) {
  const flowDeps = { flows: deps.stores.flows, csrfKey: deps.flowCsrfKey };

  function applicationOf(c: Context): string {
    return String(c.details.params['client_id'] ?? '');
  }

  /** A button: the sign-in form's flow and token, and the connection chosen. */
  async function start(c: Context, request: FastifyRequest, reply: FastifyReply) {
    const form = formOf(request.body);
    const flow = await submittedFlow(flowDeps, c.tenant.id, c.uid, { flow: form['flow'], csrfToken: form['csrf_token'] }, 'login');
    if (!flow) return deps.renderSignIn(c, reply, undefined, { code: 'flow.csrf' }, 400);
    const connection = await deps.stores.connections.find(c.tenant.id, form['connection'] ?? '');
    if (!connection || !showsFor(connection, applicationOf(c))) return deps.renderSignIn(c, reply, undefined, { code: 'federation.upstream_failed' }, 400);
    try {
      const { url } = await beginUpstreamSignIn(deps.federation, c.tenant, connection, { kind: 'browser', interactionUid: c.uid });
      return reply.code(303).header('location', url.href).header('cache-control', 'no-store').send();
    } catch (error) {
      // The upstream's discovery failed (down, or refused by the outbound guard).
      request.log.warn({ connection: connection.id, reason: (error as Error).message }, 'upstream sign-in could not start');
      return deps.renderSignIn(c, reply, undefined, { code: 'federation.upstream_failed' }, 502);
    }
  }

  /**
   * Home-realm discovery: an email whose domain a connection owns (`domains`) goes to that provider
   * instead of the password, with the address as its login hint. True when the browser was sent there.
   */
  async function homeRealm(c: Context, request: FastifyRequest, reply: FastifyReply, email: string): Promise<boolean> {
    const connection = await deps.federation.directory.homeRealmOf(c.tenant.id, applicationOf(c), email);
    if (!connection) return false;
    try {
      const { url } = await beginUpstreamSignIn(deps.federation, c.tenant, connection, { kind: 'browser', interactionUid: c.uid }, { login_hint: email.trim() });
      await reply.code(303).header('location', url.href).header('cache-control', 'no-store').send();
      return true;
    } catch (error) {
      request.log.warn({ connection: connection.id, reason: (error as Error).message }, 'upstream sign-in could not start');
      await deps.renderSignIn(c, reply, email, { code: 'federation.upstream_failed' }, 502);
      return true;
    }
  }

  /** The interaction's federation flow named by the request, verified by the callback. */
  async function answeredFlow(c: Context, id: string | undefined): Promise<Flow | undefined> {
    if (!id?.startsWith(federationFlowId(''))) return undefined;
    const flow = await deps.stores.flows.find(c.tenant.id, id, Date.now());
    return flow && flow.kind === 'browser' && flow.interactionUid === c.uid && flow.state === 'verified' ? flow : undefined;
  }

  /** Back from the upstream (through the callback): sign in, or ask for proof of an existing account. */
  async function upstreamReturned(c: Context, request: FastifyRequest, reply: FastifyReply) {
    const flow = await answeredFlow(c, (request.query as { flow?: string }).flow);
    const answered = flow && (await answeredProfile(deps.stores, c.tenant, flow));
    if (!flow || !answered) return deps.renderSignIn(c, reply, undefined, { code: 'federation.upstream_failed' }, 400);
    const outcome = await deps.strategies.federated.authenticate(c.tenant, answered, deps.contextOf(c, request));
    if (outcome.ok) {
      if (!(await finishFlow(c, flow, outcome.identity.id, reply))) return reply;
      // Recorded as every sign-in is (the event, the dashboards), once the flow completed once.
      await recordSignIn(deps.selfService, c.tenant.id, outcome.result, deps.contextOf(c, request), { signedUpAt: outcome.identity.createdAt, completesSignUp: outcome.signedUp });
      return deps.signedIn(c, request, reply, outcome.result);
    }
    if (outcome.code === 'federation.link_required') return renderLink(c, reply, flow, answered.connection.displayName);
    const status = outcome.code === 'signup.disabled' ? 403 : 400;
    return deps.renderSignIn(c, reply, undefined, { code: outcome.code === 'signin.account_blocked' ? 'signin.invalid_credentials' : outcome.code }, status);
  }

  /** The customer proves an existing account with its password; the upstream account is linked to it. */
  async function link(c: Context, request: FastifyRequest, reply: FastifyReply) {
    const form = formOf(request.body);
    const flow = await answeredFlow(c, form['flow']);
    const answered = flow && flow.csrfToken === form['csrf_token'] ? await answeredProfile(deps.stores, c.tenant, flow) : undefined;
    if (!flow || !answered) return deps.renderSignIn(c, reply, undefined, { code: 'flow.expired' }, 400);
    const name = answered.connection.displayName;
    const input = { identifier: form['email'] ?? '', password: form['password'] ?? '', deviceToken: readDeviceCookie(request, c.tenant) };
    const verification = { kind: 'browser', interactionUid: c.uid, locale: c.t.locale } as const;
    const context = deps.contextOf(c, request);
    const outcome = await signInVerifyingFirst(deps.selfService, deps.strategies.password, c.tenant, input, context, verification);
    if (outcome.ok && outcome.step === 'verify_address') {
      // The account's address must be verified before any sign-in: that comes first; connecting can wait.
      return deps.renderCode(c, reply, outcome.flow, { intro: c.t('page.code.verify_first', { email: form['email'] ?? '' }), bind: true });
    }
    if (!outcome.ok) {
      if (outcome.code === 'signin.throttled') reply.header('retry-after', String(outcome.retryAfterSeconds));
      const error = outcome.code === 'signin.throttled' ? { code: outcome.code, params: { seconds: outcome.retryAfterSeconds } } : outcome.code === 'signin.invalid_credentials' || outcome.code === 'signin.account_blocked' ? { code: 'signin.invalid_credentials' } : refusalFieldError(outcome, reply);
      const status = outcome.code === 'signin.throttled' ? 429 : outcome.code === 'signin.invalid_credentials' || outcome.code === 'signin.account_blocked' ? 401 : refusalStatus(outcome);
      return renderLink(c, reply, flow, name, form['email'], error, status);
    }
    const linked = await deps.strategies.federated.link(c.tenant, outcome.result, answered, context);
    if (!linked.ok) return renderLink(c, reply, flow, name, form['email'], { code: linked.code === 'federation.already_linked' ? linked.code : 'signin.invalid_credentials' }, 409);
    if (!(await finishFlow(c, flow, linked.identity.id, reply))) return reply;
    setDeviceCookie(reply, c.tenant, outcome.deviceToken, deps.secureCookies);
    return deps.signedIn(c, request, reply, linked.result);
  }

  /** The federation flow and the interaction's sign-in flow complete once: a replayed return signs nobody in again. */
  async function finishFlow(c: Context, flow: Flow, identityId: string, reply: FastifyReply): Promise<boolean> {
    const now = Date.now();
    const done = (await deps.stores.flows.advance(c.tenant.id, flow.id, 'verified', { state: 'complete', payload: { connection: flow.payload['connection'] }, identityId }, now)) && (await completeOnce(deps.stores.flows, c.tenant.id, signInFlowOf(deps.flowCsrfKey, c.tenant.id, c.uid), identityId));
    if (done) return true;
    await sendPage(reply, { status: 409, t: c.t, branding: brandingOf(c.tenant), title: c.t('page.error.title'), body: errorBody(c.t, 'flow.expired') });
    return false;
  }

  function renderLink(c: Context, reply: FastifyReply, flow: Flow, connection: string, email?: string, error?: FieldError, status = 200) {
    const base = `${mountPathOf(c.tenant)}/interaction/${c.uid}`;
    const body = federationLinkPage(c.t, { connection, action: `${base}/federation/link`, signInUrl: base, hidden: { flow: flow.id, csrf_token: flow.csrfToken }, email, error });
    return sendPage(reply, { status, t: c.t, branding: brandingOf(c.tenant), title: c.t('page.federation.link_title'), body, here: base });
  }

  return { start, upstreamReturned, link, homeRealm };
}
