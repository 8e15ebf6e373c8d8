// The consent step of a sign-in on the hosted pages (issue 15): oidc-provider's login prompt asks
// for it (oidc/purposes-check.ts) when a signed-in customer has a required purpose to accept again,
// after a fresh sign-in or through single sign-on. The page lists those purposes unticked; accepted,
// they are recorded (`signin_page`, with the application) and the authorization request goes on,
// with the sign-in that preceded it (the interaction's last submission), so the customer never signs
// in twice. Declined, the application gets access_denied.
import type { KeyObject } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import type { Stores, Transaction } from '../../domain/unit-of-work.ts';
import type { Flow } from '../../domain/flows/flow.ts';
import type { Purpose } from '../../domain/privacy/purpose.ts';
import { browserFlow, submittedFlow } from '../../domain/self-service/browser-flow.ts';
import { offersOf, purposesToRenew, renewConsents } from '../../domain/privacy/collection.ts';
import type { Acceptance } from '../../domain/privacy/collection.ts';
import { consentContextOf } from '../request-context.ts';
import { brandingOf, sendPage } from '../shared/respond.ts';
import { formOf } from '../shared/form.ts';
import type { FieldError } from '../shared/form-fields.ts';
import { acceptanceOf, purposeFields } from '../shared/purpose-fields.ts';
import { problemMessageOf } from '../trait-form.ts';
import type { InteractionContext as Context } from './interaction-pages.ts';
import { purposesPage } from './pages/purposes.page.ts';

type StepDeps = {
  readonly stores: Stores;
  readonly transaction: Transaction;
  readonly flowCsrfKey: KeyObject;
  readonly finish: (c: Context, reply: FastifyReply, result: InteractionResults) => Promise<unknown>;
};

export function createPurposesStep(deps: StepDeps) {
  /** The interaction asks for it: the purposes due, or on to the application when none is (accepted meanwhile). */
  async function show(c: Context, reply: FastifyReply): Promise<unknown> {
    const due = await purposesToRenew(deps.stores, c.tenant.id, c.details.session!.accountId);
    if (due.length === 0) return deps.finish(c, reply, resultAfter(c));
    return render(c, reply, await browserFlow(deps.stores.flows, c.tenant.id, c.uid, 'purposes'), due);
  }

  async function accept(c: Context, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const form = formOf(request.body);
    const flow = await stepFlow(c, form);
    if (!flow) return show(c, reply);
    const accountId = c.details.session!.accountId;
    const context = consentContextOf(request, 'signin_page', String(c.details.params['client_id'] ?? '') || undefined);
    const renewed = await renewConsents(deps, c.tenant, accountId, acceptanceOf(form), { locale: c.t.locale, context });
    if (!renewed.ok) {
      const errors: Record<string, FieldError> = {};
      for (const problem of renewed.problems) errors[problem.field] = problemMessageOf(problem);
      return render(c, reply, flow, renewed.purposes, errors, acceptanceOf(form), 400);
    }
    await deps.stores.flows.complete(c.tenant.id, flow.id, accountId, Date.now());
    return deps.finish(c, reply, resultAfter(c));
  }

  async function decline(c: Context, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const flow = await stepFlow(c, formOf(request.body));
    if (!flow) return show(c, reply);
    await deps.stores.flows.delete(c.tenant.id, flow.id);
    return deps.finish(c, reply, { error: 'access_denied', error_description: 'The customer did not accept the terms the application requires.' });
  }

  function render(c: Context, reply: FastifyReply, flow: Flow, due: readonly Purpose[], errors: Record<string, FieldError> = {}, checked: Acceptance = {}, status = 200) {
    const purposes = purposeFields(c.t, { offers: offersOf(c.tenant, due, c.t.locale), checked, errors, gpc: c.gpc, legend: c.t('page.purposes.legend') });
    const hidden = { flow: flow.id, csrf_token: flow.csrfToken };
    const body = purposesPage(c.t, { app: c.app, appLogo: c.appLogo, action: `${c.base}/purposes`, declineAction: `${c.base}/purposes/decline`, hidden, purposes });
    return sendPage(reply, { status, t: c.t, branding: brandingOf(c.tenant), title: c.t('page.purposes.title'), body, here: c.base });
  }

  function stepFlow(c: Context, form: Record<string, string>): Promise<Flow | undefined> {
    return submittedFlow({ flows: deps.stores.flows, csrfKey: deps.flowCsrfKey }, c.tenant.id, c.uid, { flow: form['flow'], csrfToken: form['csrf_token'] }, 'purposes');
  }

  return { show, accept, decline };
}

/**
 * What the interaction resumes with: the sign-in this step followed, if it followed one (so a
 * request with prompt=login or max_age does not ask for the password again), else nothing new.
 */
function resultAfter(c: Context): InteractionResults {
  const last = c.details.lastSubmission;
  return last?.login ? { login: last.login } : {};
}

/** The interaction is at this step: signed in, and the login prompt asks only for purposes (and perhaps a step-up after them). */
export function asksForPurposes(c: Context, reason: string, stepUpReason: string): boolean {
  const { prompt, session } = c.details;
  return Boolean(session?.accountId) && prompt.name === 'login' && prompt.reasons.includes(reason) && prompt.reasons.every((r) => r === reason || r === stepUpReason);
}
