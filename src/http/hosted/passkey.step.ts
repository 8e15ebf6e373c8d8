// Passkeys on the hosted pages of an interaction (ADR 0030): the pieces of the sign-in page and the
// second-factor step, and "sign in faster next time", offered once a password sign-in is done, in a
// browser whose script said it can make a passkey (the `foyer_passkey=capable` cookie), to a
// customer who has none. The offer holds the finished sign-in in a `passkey_offer` flow; creating a
// passkey or "not now" finishes it. "Not now" is remembered in the browser for 90 days.
import type { KeyObject } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import type { Stores } from '../../domain/unit-of-work.ts';
import type { Strategies } from '../../domain/credentials/strategies.ts';
import type { Flow } from '../../domain/flows/flow.ts';
import { newFlow } from '../../domain/flows/flow.ts';
import type { RequestContext } from '../../domain/audit/audit.ts';
import { allowedPasskeysOf, derivedChallenge, passkeysOf, relyingPartyOf } from '../../domain/credentials/passkey/passkey.ts';
import { submittedFlow } from '../../domain/self-service/browser-flow.ts';
import { mountPathOf } from '../tenancy/mount.ts';
import { brandingOf, errorBody, sendPage } from '../shared/respond.ts';
import { formOf } from '../shared/form.ts';
import type { FieldError } from '../shared/form-fields.ts';
import { refusalFieldError, refusalStatus } from '../refusal.ts';
import type { SafeHtml } from '../../lib/html.ts';
import type { InteractionContext as Context } from './interaction-pages.ts';
import { passkeyScriptPaths } from './passkey-assets.plugin.ts';
import { passkeyOfferPage, passkeySecondFactor, passkeySignIn } from './pages/passkey.page.ts';

type PasskeyStepDeps = {
  readonly stores: Stores;
  readonly strategies: Strategies;
  readonly publicUrl: string;
  readonly challengeKey: KeyObject;
  readonly flowCsrfKey: KeyObject;
  readonly secureCookies: boolean;
  readonly finish: (c: Context, reply: FastifyReply, result: InteractionResults) => Promise<unknown>;
  readonly contextOf: (c: Context, request: FastifyRequest) => RequestContext;
};

const HINT_COOKIE = 'foyer_passkey';
const DECLINED_FOR_SECONDS = 90 * 24 * 3600;

export function createPasskeyStep(deps: PasskeyStepDeps) {
  function ceremonyOf(c: Context) {
    return { rpId: relyingPartyOf(deps.publicUrl, c.tenant).id, scripts: passkeyScriptPaths(mountPathOf(c.tenant)) };
  }

  /** The sign-in page's passkey form. */
  function signIn(c: Context, view: { action: string; hidden: Record<string, string>; challenge: string }): SafeHtml {
    return passkeySignIn(c.t, { ...view, ...ceremonyOf(c) });
  }

  function challengeOf(tenantId: string, binding: string): string {
    return derivedChallenge(deps.challengeKey, tenantId, binding);
  }

  /** The second-factor step's passkey form, for the step's flow (`binding`: passkeyBindingOf). */
  async function secondFactor(c: Context, view: { action: string; hidden: Record<string, string>; identityId: string; binding: string }): Promise<SafeHtml> {
    const allow = await allowedPasskeysOf(deps.stores, c.tenant.id, view.identityId);
    return passkeySecondFactor(c.t, { action: view.action, hidden: view.hidden, challenge: challengeOf(c.tenant.id, view.binding), allow, ...ceremonyOf(c) });
  }

  /**
   * Finishes a sign-in, first offering a passkey when it was a password sign-in (sign-up's emailed
   * code included), the browser can make one and the customer has none.
   */
  async function finishSignIn(c: Context, reply: FastifyReply, result: InteractionResults): Promise<unknown> {
    const login = result['login'] as { accountId?: string; amr?: string[] } | undefined;
    if (!c.passkeys || !login?.accountId || !login.amr?.includes('pwd') || hintOf(reply.request) !== 'capable') return deps.finish(c, reply, result);
    if ((await passkeysOf(deps.stores, c.tenant.id, login.accountId)).length > 0) return deps.finish(c, reply, result);
    const identity = await deps.stores.identities.findById(c.tenant.id, login.accountId);
    if (!identity) return deps.finish(c, reply, result);
    const now = Date.now();
    const id = `${c.uid}.passkey_offer`;
    await deps.stores.flows.delete(c.tenant.id, id);
    const flow = { ...newFlow({ id, tenantId: c.tenant.id, type: 'passkey_offer', kind: 'browser', interactionUid: c.uid, payload: { result }, now }), identityId: identity.id };
    await deps.stores.flows.create(flow);
    return renderOffer(c, reply, flow);
  }

  async function renderOffer(c: Context, reply: FastifyReply, flow: Flow, error?: FieldError, status = 200): Promise<unknown> {
    const identity = flow.identityId ? await deps.stores.identities.findById(c.tenant.id, flow.identityId) : undefined;
    if (!identity) return expired(c, reply);
    const offer = await deps.strategies.enrolments.passkey.begin(c.tenant, identity, Date.now());
    const hidden = { flow: flow.id, csrf_token: flow.csrfToken };
    const body = passkeyOfferPage(c.t, {
      action: `${c.base}/passkey/offer`,
      hidden,
      options: offer.options,
      enrolment: offer.enrolment,
      label: c.t('page.passkey_offer.create'),
      skip: { action: `${c.base}/passkey/skip`, hidden },
      error,
      ...ceremonyOf(c),
    });
    return sendPage(reply, { status, t: c.t, branding: brandingOf(c.tenant), title: c.t('page.passkey_offer.title'), body, scripts: true });
  }

  /** The browser created a passkey: kept, and the sign-in finishes as it was. */
  async function acceptOffer(c: Context, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const form = formOf(request.body);
    const flow = await offerFlow(c, form);
    if (!flow || !flow.identityId) return expired(c, reply);
    const added = await deps.strategies.enrolments.passkey.complete(c.tenant, flow.identityId, { response: form['response'] ?? '', enrolment: form['enrolment'] ?? '' }, deps.contextOf(c, request));
    if (!added.ok && added.code !== 'passkey.already_enrolled') return renderOffer(c, reply, flow, refusalFieldError(added, reply), refusalStatus(added));
    return finishOffer(c, reply, flow);
  }

  /** "Not now": finishes the sign-in, and this browser is not asked again for a while. */
  async function skipOffer(c: Context, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const flow = await offerFlow(c, formOf(request.body));
    if (!flow) return expired(c, reply);
    reply.header('set-cookie', `${HINT_COOKIE}=declined; Path=/; Max-Age=${DECLINED_FOR_SECONDS}; SameSite=Lax${deps.secureCookies ? '; Secure' : ''}`);
    return finishOffer(c, reply, flow);
  }

  async function finishOffer(c: Context, reply: FastifyReply, flow: Flow): Promise<unknown> {
    if (!(await deps.stores.flows.complete(c.tenant.id, flow.id, flow.identityId ?? '', Date.now()))) return expired(c, reply);
    return deps.finish(c, reply, flow.payload['result'] as InteractionResults);
  }

  function offerFlow(c: Context, form: Record<string, string>): Promise<Flow | undefined> {
    return submittedFlow({ flows: deps.stores.flows, csrfKey: deps.flowCsrfKey }, c.tenant.id, c.uid, { flow: form['flow'], csrfToken: form['csrf_token'] }, 'passkey_offer', ['active']);
  }

  function expired(c: Context, reply: FastifyReply) {
    return sendPage(reply, { status: 400, t: c.t, branding: brandingOf(c.tenant), title: c.t('page.error.title'), body: errorBody(c.t, 'flow.expired') });
  }

  return { signIn, challengeOf, secondFactor, finishSignIn, acceptOffer, skipOffer };
}

function hintOf(request: FastifyRequest): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === HINT_COOKIE) return part.slice(separator + 1).trim();
  }
  return undefined;
}
