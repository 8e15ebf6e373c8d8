// The pages of verification and recovery: the recovery request, the new password, the confirmation
// behind an emailed link, and a short message (the code entry is shared/code-page.ts).
import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import type { Translate } from '../../../i18n/translate.ts';
import { alertBox, field, hiddenInputs } from '../../shared/form-fields.ts';
import type { FieldError } from '../../shared/form-fields.ts';

type RecoveryRequestView = {
  readonly action: string;
  readonly hidden: Record<string, string>;
  readonly email?: string | undefined;
  readonly signInUrl: string;
  readonly error?: FieldError | undefined;
};

export function recoveryRequestPage(t: Translate, view: RecoveryRequestView): SafeHtml {
  const emailError = view.error?.code === 'email.invalid' ? view.error : undefined;
  return html`<h1>${t('page.recovery.heading')}</h1>
${emailError ? '' : alertBox(t, view.error)}
<p>${t('page.recovery.intro')}</p>
<form method="post" action="${view.action}" novalidate>
${hiddenInputs(view.hidden)}
${field(t, { name: 'email', label: t('field.email'), type: 'email', autocomplete: 'username', value: view.email, required: true, autofocus: true, error: emailError })}
<button type="submit">${t('page.recovery.submit')}</button>
</form>
<p class="switch"><a href="${view.signInUrl}">${t('page.recovery.back')}</a></p>`;
}

type NewPasswordView = {
  readonly action: string;
  readonly hidden: Record<string, string>;
  readonly minLength: number;
  readonly email?: string | undefined;
  readonly error?: FieldError | undefined;
};

export function newPasswordPage(t: Translate, view: NewPasswordView): SafeHtml {
  const fieldError = view.error?.code.startsWith('password.') ? view.error : undefined;
  return html`<h1>${t('page.password.heading')}</h1>
${fieldError ? '' : alertBox(t, view.error)}
<form method="post" action="${view.action}" novalidate>
${hiddenInputs(view.hidden)}
${view.email ? html`<input type="email" name="username" autocomplete="username" value="${view.email}" hidden readonly>` : ''}
${field(t, { name: 'password', label: t('field.new_password'), type: 'password', autocomplete: 'new-password', required: true, autofocus: true, hint: t('page.signup.password_hint', { min: view.minLength }), error: fieldError })}
<button type="submit">${t('page.password.submit')}</button>
</form>`;
}

export function confirmLinkPage(t: Translate, view: { action: string; hidden: Record<string, string>; email: string }): SafeHtml {
  return html`<h1>${t('page.verify.heading')}</h1>
<p>${t('page.verify.intro', { email: view.email })}</p>
<form method="post" action="${view.action}">${hiddenInputs(view.hidden)}<button type="submit" autofocus>${t('page.verify.submit')}</button></form>`;
}

export function messagePage(heading: string, body: string): SafeHtml {
  return html`<h1>${heading}</h1><div role="status"><p>${body}</p></div>`;
}
