// The staff invitation page (/t/admin/staff-invitation?token=…), among the admin tenant's pages:
// the link of an invitation email opens a form where the invitee chooses a password and becomes
// staff with the invitation's role (domain/admin/staff-invitations.ts). Server-rendered, localized,
// no script; protected against CSRF like the setup page (a SameSite=Strict cookie and, in the form,
// an HMAC of it and the link). Every link that cannot be used (unknown, expired, withdrawn, used)
// gets the same answer, so the page tells nothing about invitations to whoever guesses.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { html } from '../../lib/html.ts';
import { createLinkFormGuard } from './link-form-guard.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import type { Stores, Transaction } from '../../domain/unit-of-work.ts';
import type { BreachedPasswordCheck } from '../../domain/credentials/password/breached.ts';
import { PASSWORD_MIN_LENGTH } from '../../domain/credentials/password/policy.ts';
import { DomainError, ValidationError } from '../../domain/errors.ts';
import { INVITATION_PATH, acceptInvitation, openInvitation } from '../../domain/admin/staff-invitations.ts';
import type { StaffRole } from '../../domain/admin/scopes.ts';
import type { Translate } from '../../i18n/translate.ts';
import { parseForm, formOf } from '../shared/form.ts';
import { alertBox, field, hiddenInputs } from '../shared/form-fields.ts';
import type { FieldError } from '../shared/form-fields.ts';
import { pageTranslator } from '../shared/locale.ts';
import { errorBody, sendPage } from '../shared/respond.ts';
import { registerPageErrors } from '../shared/page-errors.ts';
import { requestContextOf } from '../request-context.ts';

type InvitationPageDeps = {
  readonly adminTenant: Tenant;
  readonly stores: Stores;
  readonly transaction: Transaction;
  readonly masterSecret: string;
  readonly secureCookies: boolean;
  readonly breachedCheck?: BreachedPasswordCheck | undefined;
};

const COOKIE = 'foyer_invitation';
const BRANDING = { name: 'Foyer' } as const;
const TOKEN = { type: 'string', minLength: 1, maxLength: 100 } as const;
const CONSOLE_PATH = '/console';

export async function staffInvitationPagePlugin(app: FastifyInstance, deps: InvitationPageDeps): Promise<void> {
  registerPageErrors(app);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, parseForm);
  const guard = createLinkFormGuard({ masterSecret: deps.masterSecret, cookie: COOKIE, path: INVITATION_PATH, salt: 'foyer-staff-invitation', info: 'invitation-csrf', secure: deps.secureCookies });
  // A connection without a role mapping takes invitations (federated.ts): the invitee may sign in with it instead.
  const workforceConnections = async () => (await deps.stores.connections.list(deps.adminTenant.id)).filter((connection) => connection.enabled && connection.roleMapping === null && connection.trustEmailVerified).map((connection) => connection.displayName);

  app.get(INVITATION_PATH, { schema: { querystring: { type: 'object', properties: { token: TOKEN } } } }, async (request, reply) => {
    const t = pageTranslator(request);
    const token = (request.query as { token?: string }).token ?? '';
    const invitation = await openInvitation(deps.stores, token);
    if (!invitation) return invalidLink(reply, t);
    return sendForm(reply, t, { token, csrf: guard.issue(reply, token), email: invitation.email, role: invitation.role, connections: await workforceConnections() });
  });

  app.post(INVITATION_PATH, async (request, reply) => {
    const t = pageTranslator(request);
    const form = formOf(request.body);
    const token = form['token'] ?? '';
    const csrf = guard.check(request, token, form['csrf_token']);
    if (!csrf) {
      return sendPage(reply, { status: 403, t, branding: BRANDING, title: t('page.error.title'), body: errorBody(t, 'flow.csrf') });
    }
    const invitation = await openInvitation(deps.stores, token);
    if (!invitation) return invalidLink(reply, t);
    const view = { token, csrf, email: invitation.email, role: invitation.role, connections: await workforceConnections() };
    try {
      const member = await acceptInvitation({ transaction: deps.transaction, breachedCheck: deps.breachedCheck, staffInvitations: deps.stores.staffInvitations }, deps.adminTenant.id, token, form['password'] ?? '', requestContextOf(request));
      guard.clear(reply);
      const body = html`<h1>${t('admin.invitation.done_heading')}</h1><p>${t('admin.invitation.done', { email: member.email })}</p><p><a class="button" href="${CONSOLE_PATH}">${t('admin.invitation.open_console')}</a></p>`;
      return sendPage(reply, { t, branding: BRANDING, title: t('admin.invitation.title'), here: INVITATION_PATH, body });
    } catch (error) {
      if (error instanceof ValidationError) {
        const errors = Object.fromEntries(error.problems.map((problem) => [problem.field === 'traits.email' ? 'email' : problem.field, { code: problem.code, params: problem.params }]));
        return sendForm(reply, t, { ...view, errors, status: 400 });
      }
      if (error instanceof DomainError && error.code === 'identity.address_taken') {
        return sendForm(reply, t, { ...view, errors: { email: { code: error.code } }, status: 409 });
      }
      if (error instanceof DomainError && error.code === 'staff.invitation_invalid') return invalidLink(reply, t);
      throw error;
    }
  });
}

type FormView = { token: string; csrf: string; email: string; role: StaffRole; connections: readonly string[]; errors?: Record<string, FieldError>; status?: number };

function sendForm(reply: FastifyReply, t: Translate, view: FormView): FastifyReply {
  const errors = view.errors ?? {};
  // The address is the invitation's; it is shown (and given to password managers) but not sent back.
  const body = html`<h1>${t('admin.invitation.heading')}</h1>
<p>${t('admin.invitation.intro', { role: view.role, email: view.email })}</p>
${alertBox(t, Object.keys(errors).length > 0 ? { code: errors['email'] ? String(errors['email'].code) : 'validation.failed' } : undefined)}
<form method="post" action="${INVITATION_PATH}" novalidate>
${hiddenInputs({ token: view.token, csrf_token: view.csrf })}
${field(t, { name: 'email', label: t('field.email'), type: 'email', autocomplete: 'username', value: view.email, readonly: true })}
${field(t, { name: 'password', label: t('field.password'), type: 'password', autocomplete: 'new-password', required: true, autofocus: true, hint: t('page.signup.password_hint', { min: PASSWORD_MIN_LENGTH }), error: errors['password'] })}
<button type="submit">${t('admin.invitation.submit')}</button>
</form>
${view.connections.map((name) => html`<p>${t('admin.invitation.or_connection', { name, email: view.email })} <a href="${CONSOLE_PATH}">${t('admin.invitation.open_console')}</a></p>`)}`;
  return sendPage(reply, { status: view.status ?? 200, t, branding: BRANDING, title: t('admin.invitation.title'), body, here: `${INVITATION_PATH}?token=${encodeURIComponent(view.token)}` });
}

function invalidLink(reply: FastifyReply, t: Translate): FastifyReply {
  return sendPage(reply, { status: 404, t, branding: BRANDING, title: t('admin.invitation.title'), here: INVITATION_PATH, body: errorBody(t, 'staff.invitation_invalid') });
}
