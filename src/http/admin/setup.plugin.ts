// The first-run setup page (/admin/setup?token=…): while nobody owns the installation, the one-time
// link the server logs at start (or `foyer admin setup` prints) opens a form that creates the first
// owner with an email and a password (the usual password policy). Server-rendered, localized, no
// script; the form is protected against CSRF by a double submit: a random cookie set with the form
// (SameSite=Strict, HttpOnly) and, in the form, an HMAC of it and the link, both checked on POST.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { html } from '../../lib/html.ts';
import { createLinkFormGuard } from './link-form-guard.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import type { Stores, Transaction } from '../../domain/unit-of-work.ts';
import type { BreachedPasswordCheck } from '../../domain/credentials/password/breached.ts';
import { PASSWORD_MIN_LENGTH } from '../../domain/credentials/password/policy.ts';
import { DomainError, ValidationError } from '../../domain/errors.ts';
import { SETUP_PATH, createFirstOwner, setupLinkUsable } from '../../domain/admin/setup.ts';
import type { Translate } from '../../i18n/translate.ts';
import { parseForm, formOf } from '../shared/form.ts';
import { alertBox, field, hiddenInputs } from '../shared/form-fields.ts';
import type { FieldError } from '../shared/form-fields.ts';
import { pageTranslator } from '../shared/locale.ts';
import { errorBody, sendPage } from '../shared/respond.ts';
import { registerPageErrors } from '../shared/page-errors.ts';
import { requestContextOf } from '../request-context.ts';

type SetupDeps = {
  readonly adminTenant: Tenant;
  readonly stores: Stores;
  readonly transaction: Transaction;
  readonly masterSecret: string;
  readonly secureCookies: boolean;
  readonly breachedCheck?: BreachedPasswordCheck | undefined;
};

const COOKIE = 'foyer_setup';
const BRANDING = { name: 'Foyer' } as const;
const TOKEN = { type: 'string', minLength: 1, maxLength: 100 } as const;

export async function setupPagePlugin(app: FastifyInstance, deps: SetupDeps): Promise<void> {
  registerPageErrors(app);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, parseForm);
  const guard = createLinkFormGuard({ masterSecret: deps.masterSecret, cookie: COOKIE, path: SETUP_PATH, salt: 'foyer-admin-setup', info: 'setup-csrf', secure: deps.secureCookies });
  const adminTenantId = deps.adminTenant.id;

  app.get(SETUP_PATH, { schema: { querystring: { type: 'object', properties: { token: TOKEN } } } }, async (request, reply) => {
    const t = pageTranslator(request);
    const token = (request.query as { token?: string }).token ?? '';
    if (!token || !(await setupLinkUsable(deps.stores, adminTenantId, token))) return invalidLink(reply, t);
    return sendForm(reply, t, { token, csrf: guard.issue(reply, token) });
  });

  app.post(SETUP_PATH, async (request, reply) => {
    const t = pageTranslator(request);
    const form = formOf(request.body);
    const token = form['token'] ?? '';
    const csrf = guard.check(request, token, form['csrf_token']);
    if (!csrf) {
      return sendPage(reply, { status: 403, t, branding: BRANDING, title: t('page.error.title'), body: errorBody(t, 'flow.csrf') });
    }
    const email = form['email'] ?? '';
    try {
      const owner = await createFirstOwner({ transaction: deps.transaction, breachedCheck: deps.breachedCheck }, adminTenantId, token, { email, password: form['password'] ?? '' }, requestContextOf(request));
      guard.clear(reply);
      return sendPage(reply, { t, branding: BRANDING, title: t('admin.setup.title'), here: SETUP_PATH, body: html`<h1>${t('admin.setup.done_heading')}</h1><p>${t('admin.setup.done', { email: owner.email })}</p>` });
    } catch (error) {
      if (error instanceof ValidationError) {
        const errors = Object.fromEntries(error.problems.map((problem) => [problem.field === 'traits.email' ? 'email' : problem.field, { code: problem.code, params: problem.params }]));
        return sendForm(reply, t, { token, csrf, email, errors, status: 400 });
      }
      if (error instanceof DomainError && error.code === 'identity.address_taken') {
        return sendForm(reply, t, { token, csrf, email, errors: { email: { code: error.code } }, status: 409 });
      }
      if (error instanceof DomainError && error.code === 'setup.link_invalid') return invalidLink(reply, t);
      throw error;
    }
  });
}

type FormView = { token: string; csrf: string; email?: string; errors?: Record<string, FieldError>; status?: number };

function sendForm(reply: FastifyReply, t: Translate, view: FormView): FastifyReply {
  const errors = view.errors ?? {};
  const body = html`<h1>${t('admin.setup.heading')}</h1>
<p>${t('admin.setup.intro')}</p>
${alertBox(t, Object.keys(errors).length > 0 ? { code: 'validation.failed' } : undefined)}
<form method="post" action="${SETUP_PATH}" novalidate>
${hiddenInputs({ token: view.token, csrf_token: view.csrf })}
${field(t, { name: 'email', label: t('field.email'), type: 'email', autocomplete: 'username', value: view.email, required: true, autofocus: true, error: errors['email'] })}
${field(t, { name: 'password', label: t('field.password'), type: 'password', autocomplete: 'new-password', required: true, hint: t('page.signup.password_hint', { min: PASSWORD_MIN_LENGTH }), error: errors['password'] })}
<button type="submit">${t('admin.setup.submit')}</button>
</form>`;
  // The language switcher leads back to the form with the link (the page itself, by GET).
  return sendPage(reply, { status: view.status ?? 200, t, branding: BRANDING, title: t('admin.setup.title'), body, here: `${SETUP_PATH}?token=${encodeURIComponent(view.token)}` });
}

function invalidLink(reply: FastifyReply, t: Translate): FastifyReply {
  return sendPage(reply, { status: 404, t, branding: BRANDING, title: t('admin.setup.title'), here: SETUP_PATH, body: errorBody(t, 'setup.link_invalid') });
}
