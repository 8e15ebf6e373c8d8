import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import { alertBox, field, hiddenInputs } from '../../shared/form-fields.ts';
import type { FieldError } from '../../shared/form-fields.ts';
import type { Translate } from '../../../i18n/translate.ts';

type PasswordView = {
  readonly action: string;
  readonly csrfToken: string;
  /** The account's email, for password managers (a hidden username field). */
  readonly email: string;
  readonly minLength: number;
  readonly errors: Readonly<Record<string, FieldError>>;
  readonly error?: FieldError | undefined;
};

export function passwordPage(t: Translate, view: PasswordView): SafeHtml {
  return html`<h1>${t('account.password.heading')}</h1>
<p>${t('account.password.intro')}</p>
${alertBox(t, view.error)}
<form method="post" action="${view.action}" novalidate>
${hiddenInputs({ csrf_token: view.csrfToken })}
<input type="hidden" name="username" autocomplete="username" value="${view.email}">
${field(t, { name: 'current_password', label: t('account.password.current'), type: 'password', autocomplete: 'current-password', required: true, error: view.errors['current_password'], autofocus: true })}
${field(t, { name: 'new_password', label: t('account.password.new'), type: 'password', autocomplete: 'new-password', required: true, hint: t('account.password.hint', { min: view.minLength }), error: view.errors['new_password'] })}
<button type="submit">${t('account.password.submit')}</button>
</form>`;
}
