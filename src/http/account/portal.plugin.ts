// The hosted account portal at {issuer}/account: the customer's profile, password, sessions and
// devices, connected applications, security activity, data download and account deletion, as
// server-rendered pages without JavaScript. Who the customer is comes from the tenant's SSO
// session (portal-session.ts); what each page does is the account domain's (src/domain/account).
import type { KeyObject } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { mountPathOf } from '../tenancy/mount.ts';
import { ACCOUNT_CALLBACK_PATH, ACCOUNT_CLIENT_ID } from '../oidc/account-client.ts';
import type { Stores, Transaction } from '../../domain/unit-of-work.ts';
import type { SignInThrottle } from '../../domain/flows/throttle.ts';
import type { BreachedPasswordCheck } from '../../domain/credentials/password/breached.ts';
import { issuerOf } from '../../domain/tenants/tenant.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import type { Identity } from '../../domain/identity/identity.ts';
import type { AccountDeps } from '../../domain/account/account.ts';
import { profileFields, updateProfile } from '../../domain/account/profile.ts';
import { changePassword } from '../../domain/account/password.ts';
import { listSessions, revokeOtherSessions, revokeSession } from '../../domain/account/sessions.ts';
import { listApplications, revokeApplication } from '../../domain/account/applications.ts';
import { recentActivity } from '../../domain/account/activity.ts';
import { exportAccountData } from '../../domain/account/export.ts';
import { deleteAccount } from '../../domain/account/delete.ts';
import { DomainError, ValidationError } from '../../domain/errors.ts';
import { traitSchemaOf, verifiableTraits } from '../../domain/identity/traits.ts';
import { normalizeAddress } from '../../domain/identity/identity.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../domain/credentials/password/policy.ts';
import { html } from '../../lib/html.ts';
import type { SafeHtml } from '../../lib/html.ts';
import type { Translate } from '../../i18n/translate.ts';
import { brandingOf, errorBody, sendPage } from '../shared/respond.ts';
import { formOf, parseForm } from '../shared/form.ts';
import type { FieldError } from '../shared/form-fields.ts';
import { pageTranslator } from '../shared/locale.ts';
import type { Portal } from './portal-session.ts';
import { authorizationCookie, hasValidCsrf, pendingAuthorization, portalOf, safeReturnTo, portalBase } from './portal-session.ts';
import { redirectAfterChange, sendPortalPage } from './portal-page.ts';
import { profilePage } from './pages/profile.page.ts';
import { passwordPage } from './pages/password.page.ts';
import { sessionsPage } from './pages/sessions.page.ts';
import { applicationsPage } from './pages/applications.page.ts';
import { activityPage } from './pages/activity.page.ts';
import { dataPage, deletedPage, deletePage } from './pages/data.page.ts';
import { registerPageErrors } from '../shared/page-errors.ts';
import { readDeviceCookie } from '../device-cookie.ts';

type PortalDeps = {
  readonly stores: Stores;
  readonly transaction: Transaction;
  readonly throttle: SignInThrottle;
  readonly publicUrl: string;
  readonly masterSecret: string;
  readonly breachedCheck?: BreachedPasswordCheck | undefined;
  /** deviceTokenKeyOf(master secret): the password confirmation reads the browser's device cookie. */
  readonly deviceKey?: KeyObject | undefined;
  /** Whether a customer has a second factor: changing the password then needs a sign-in that used it (ADR 0024). */
  readonly hasSecondFactor: (tenant: Tenant, identityId: string) => Promise<boolean>;
};

export async function portalPlugin(app: FastifyInstance, deps: PortalDeps): Promise<void> {
  registerPageErrors(app);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, parseForm);
  const sessionDeps = { identities: deps.stores.identities, artifacts: deps.stores.oidcArtifacts, publicUrl: deps.publicUrl, masterSecret: deps.masterSecret };
  const account: AccountDeps = { stores: deps.stores, transaction: deps.transaction, throttle: deps.throttle, deviceKey: deps.deviceKey, breachedCheck: deps.breachedCheck };

  app.get('/account', (request, reply) => page(request, reply, {}, (portal) => showProfile(portal, reply)));
  app.post('/account/profile', (request, reply) => change(request, reply, {}, (portal, form) => saveProfile(portal, form, reply)));
  app.get('/account/password', (request, reply) => page(request, reply, { recent: true, secondFactor: true }, (portal) => showPassword(portal, reply, {})));
  app.post('/account/password', (request, reply) => change(request, reply, { recent: true, secondFactor: true, returnTo: 'password' }, (portal, form) => savePassword(portal, form, request, reply)));
  app.get('/account/sessions', (request, reply) => page(request, reply, {}, (portal) => showSessions(portal, reply)));
  app.post('/account/sessions/revoke', (request, reply) =>
    change(request, reply, {}, async (portal, form) => {
      await revokeSession(account, portal.customer, form['id'] ?? '').catch(ignoreNotFound);
      return redirectAfterChange(reply, portal, 'sessions', 'revoked');
    }),
  );
  app.post('/account/sessions/revoke-others', (request, reply) =>
    change(request, reply, {}, async (portal) => {
      await revokeOtherSessions(account, portal.customer);
      return redirectAfterChange(reply, portal, 'sessions', 'others');
    }),
  );
  app.get('/account/applications', (request, reply) => page(request, reply, {}, (portal) => showApplications(portal, reply)));
  app.post('/account/applications/revoke', (request, reply) =>
    change(request, reply, {}, async (portal, form) => {
      await revokeApplication(account, portal.customer, form['client_id'] ?? '').catch(ignoreNotFound);
      return redirectAfterChange(reply, portal, 'applications', 'app');
    }),
  );
  app.get('/account/activity', (request, reply) => page(request, reply, {}, async (portal) => sendPortalPage(reply, portal, 'activity', activityPage(portal.t, await recentActivity(account, portal.customer)))));
  app.get('/account/data', (request, reply) =>
    page(request, reply, {}, (portal) => sendPortalPage(reply, portal, 'data', dataPage(portal.t, { exportUrl: `${portal.base}/export`, deleteUrl: `${portal.base}/delete` }))),
  );
  app.get('/account/export', (request, reply) =>
    page(request, reply, {}, async (portal) => {
      const data = await exportAccountData(account, portal.customer);
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', 'attachment; filename="account-data.json"')
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(data, null, 2));
    }),
  );
  app.get('/account/delete', (request, reply) => page(request, reply, { recent: true }, (portal) => showDelete(portal, reply)));
  app.post('/account/delete', (request, reply) => change(request, reply, { recent: true, returnTo: 'delete' }, (portal, form) => confirmDelete(portal, form, reply)));
  app.get(ACCOUNT_CALLBACK_PATH, (request, reply) => callback(request, reply));

  /** A GET page of the portal: the customer must be signed in (recently, for sensitive pages). */
  async function page(request: FastifyRequest, reply: FastifyReply, options: { recent?: boolean; secondFactor?: boolean }, handle: (portal: Portal) => unknown) {
    const portal = await portalOf(sessionDeps, request, reply, { recent: options.recent, ...secondFactorOf(request, options) });
    if (!portal) return reply;
    return handle(portal);
  }

  /** A POST of the portal: signed in, the CSRF token right, then the change. */
  async function change(request: FastifyRequest, reply: FastifyReply, options: { recent?: boolean; secondFactor?: boolean; returnTo?: string }, handle: (portal: Portal, form: Record<string, string>) => unknown) {
    // A POST returns to the portal's home after signing in, unless it names its page.
    const returnTo = options.returnTo && request.tenant ? `${portalBase(request.tenant)}/${options.returnTo}` : undefined;
    const portal = await portalOf(sessionDeps, request, reply, { recent: options.recent, returnTo, ...secondFactorOf(request, options) });
    if (!portal) return reply;
    const form = formOf(request.body);
    if (!hasValidCsrf(portal, form)) {
      return sendPage(reply, { status: 403, t: portal.t, branding: brandingOf(portal.tenant), title: portal.t('page.error.title'), body: errorBody(portal.t, 'account.csrf'), here: portal.base, wide: true });
    }
    return handle(portal, form);
  }

  /** The password is a credential: a customer with a second factor changes it from a session that used it. */
  function secondFactorOf(request: FastifyRequest, options: { secondFactor?: boolean }) {
    const tenant = request.tenant;
    if (!options.secondFactor || !tenant) return {};
    return { secondFactor: (identity: Identity) => deps.hasSecondFactor(tenant, identity.id) };
  }

  function showProfile(portal: Portal, reply: FastifyReply, submitted?: Record<string, string>, errors: Record<string, FieldError> = {}, status = 200) {
    const schema = traitSchemaOf(portal.tenant.settings);
    const properties = (schema['properties'] ?? {}) as Record<string, { title?: string }>;
    const fields = profileFields(schema).map((candidate) => ({ ...candidate, title: properties[candidate.name]?.title }));
    const traits = portal.identity.traits;
    const values: Record<string, string | undefined> = {};
    for (const candidate of fields) values[candidate.name] = submitted ? submitted[candidate.name] : typeof traits[candidate.name] === 'string' ? (traits[candidate.name] as string) : undefined;
    const addresses = verifiableTraits(schema).flatMap(([name, kind]) => {
      const value = traits[name];
      if (typeof value !== 'string') return [];
      const verified = portal.identity.addresses.some((address) => address.kind === kind && address.value === normalizeAddress(kind, value) && address.verifiedAt !== null);
      return [{ name, value, verified }];
    });
    const body = profilePage(portal.t, { action: `${portal.base}/profile`, changeEmailUrl: `${portal.base}/email`, csrfToken: portal.csrfToken, fields, values, addresses, errors });
    return sendPortalPage(reply, portal, 'profile', body, { status });
  }

  async function saveProfile(portal: Portal, form: Record<string, string>, reply: FastifyReply) {
    const schema = traitSchemaOf(portal.tenant.settings);
    const editable = profileFields(schema).filter((candidate) => !candidate.readOnly);
    const changes: Record<string, unknown> = {};
    for (const candidate of editable) if (candidate.name in form) changes[candidate.name] = form[candidate.name];
    try {
      await updateProfile(account, schema, portal.customer, changes);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const maxLengths = Object.fromEntries(editable.map((candidate) => [candidate.name, candidate.maxLength ?? 0]));
      return showProfile(portal, reply, form, fieldErrors(error, (name) => ({ max: maxLengths[name] ?? 0 })), 400);
    }
    return redirectAfterChange(reply, portal, 'profile', 'saved');
  }

  function showPassword(portal: Portal, reply: FastifyReply, errors: Record<string, FieldError>, error?: FieldError, status = 200) {
    const body = passwordPage(portal.t, { action: `${portal.base}/password`, csrfToken: portal.csrfToken, email: String(portal.identity.traits['email'] ?? ''), minLength: PASSWORD_MIN_LENGTH, errors, error });
    return sendPortalPage(reply, portal, 'password', body, { status });
  }

  async function savePassword(portal: Portal, form: Record<string, string>, request: FastifyRequest, reply: FastifyReply) {
    try {
      // A browser that signed in to this account before confirms the password on its own key, as it signs in.
      const deviceTokens = readDeviceCookie(request, portal.tenant);
      await changePassword(account, portal.customer, { current: form['current_password'] ?? '', next: form['new_password'] ?? '', deviceTokens });
    } catch (error) {
      if (error instanceof ValidationError) return showPassword(portal, reply, fieldErrors(error, () => ({ min: PASSWORD_MIN_LENGTH, max: PASSWORD_MAX_LENGTH })), undefined, 400);
      if (error instanceof DomainError && (error.code === 'signin.throttled' || error.code === 'password.none')) {
        if (error.code === 'signin.throttled') reply.header('retry-after', String(error.params['seconds'] ?? 60));
        return showPassword(portal, reply, {}, { code: error.code, params: error.params }, error.code === 'signin.throttled' ? 429 : 409);
      }
      throw error;
    }
    return redirectAfterChange(reply, portal, 'password', 'password');
  }

  async function showSessions(portal: Portal, reply: FastifyReply) {
    const sessions = await listSessions(account, portal.customer);
    const body = sessionsPage(portal.t, { revokeAction: `${portal.base}/sessions/revoke`, revokeOthersAction: `${portal.base}/sessions/revoke-others`, csrfToken: portal.csrfToken, sessions });
    return sendPortalPage(reply, portal, 'sessions', body);
  }

  async function showApplications(portal: Portal, reply: FastifyReply) {
    const applications = await listApplications(account, portal.customer);
    return sendPortalPage(reply, portal, 'applications', applicationsPage(portal.t, { revokeAction: `${portal.base}/applications/revoke`, csrfToken: portal.csrfToken, applications }));
  }

  function showDelete(portal: Portal, reply: FastifyReply, error?: FieldError, status = 200) {
    const body = deletePage(portal.t, { action: `${portal.base}/delete`, cancelUrl: `${portal.base}/data`, csrfToken: portal.csrfToken, email: String(portal.identity.traits['email'] ?? ''), error });
    return sendPortalPage(reply, portal, 'data', body, { status });
  }

  async function confirmDelete(portal: Portal, form: Record<string, string>, reply: FastifyReply) {
    const email = String(portal.identity.traits['email'] ?? '');
    if (normalizeAddress('email', form['confirm'] ?? '') !== normalizeAddress('email', email) || email === '') {
      return showDelete(portal, reply, { code: 'account.delete.confirm_mismatch' }, 400);
    }
    await deleteAccount(account, portal.customer);
    const t = portal.t;
    return sendPage(reply, { t, branding: brandingOf(portal.tenant), title: t('account.deleted.title'), body: deletedPage(t), here: portal.base, wide: true });
  }

  /**
   * The end of the portal's authorization request: the state must be this browser's, and the code
   * is redeemed in-process at the tenant's token endpoint (with the PKCE verifier), which proves the
   * sign-in completed for the portal's client. The portal then reads the SSO session it created.
   */
  async function callback(request: FastifyRequest, reply: FastifyReply) {
    const tenant = request.tenant ?? undefined;
    const t = pageTranslator(request, { tenant });
    if (!tenant) return sendPage(reply, { status: 404, t, branding: { name: 'Foyer' }, title: t('page.error.title'), body: errorBody(t, 'request.invalid') });
    const base = portalBase(tenant);
    const failed = (status: number) =>
      sendPage(reply, { status, t, branding: brandingOf(tenant), title: t('page.error.title'), body: signInFailedBody(t, base), here: base, wide: true });
    const query = request.query as Record<string, unknown>;
    const pending = pendingAuthorization(request);
    reply.header('set-cookie', authorizationCookie(deps, tenant, '', 0));
    if (!pending || typeof query['state'] !== 'string' || query['state'] !== pending.state || typeof query['code'] !== 'string') return failed(400);
    const issuer = issuerOf(deps.publicUrl, tenant);
    const redeemed = await app.inject({
      method: 'POST',
      url: `${mountPathOf(tenant)}/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': request.headers['user-agent'] ?? '' },
      payload: new URLSearchParams({ grant_type: 'authorization_code', code: query['code'], redirect_uri: `${issuer}${ACCOUNT_CALLBACK_PATH}`, client_id: ACCOUNT_CLIENT_ID, code_verifier: pending.verifier }).toString(),
    });
    if (redeemed.statusCode !== 200) {
      request.log.warn({ status: redeemed.statusCode, body: redeemed.body.slice(0, 200) }, 'the account portal could not redeem its code');
      return failed(400);
    }
    return reply.code(303).header('location', safeReturnTo(base, pending.returnTo)).header('cache-control', 'no-store').send();
  }
}

function signInFailedBody(t: Translate, base: string): SafeHtml {
  return html`<h1>${t('page.error.heading')}</h1><div class="alert" role="alert"><p>${t('account.signin_failed')}</p></div><p><a href="${base}">${t('account.try_again')}</a></p>`;
}

/** The first problem of each field, as the form shows it. */
function fieldErrors(error: ValidationError, paramsOf: (field: string) => Record<string, string | number>): Record<string, FieldError> {
  const errors: Record<string, FieldError> = {};
  for (const problem of error.problems) errors[problem.field] ??= { code: problem.code, params: paramsOf(problem.field) };
  return errors;
}

function ignoreNotFound(error: unknown): void {
  // Already gone (a double submit, another tab): the page shows the list as it is now.
  if (!(error instanceof DomainError && error.kind === 'not_found')) throw error;
}
