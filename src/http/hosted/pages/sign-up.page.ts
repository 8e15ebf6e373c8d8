import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import type { Translate } from '../../../i18n/translate.ts';
import { alertBox, appLogo, field, hiddenInputs } from './form-fields.ts';
import type { FieldError } from './form-fields.ts';

export type SignUpView = {
  readonly app: string;
  readonly appLogo?: string | undefined;
  readonly action: string;
  readonly signInUrl: string;
  readonly hidden: Record<string, string>;
  readonly askName: boolean;
  readonly minLength: number;
  readonly values: { readonly email?: string | undefined; readonly name?: string | undefined };
  readonly errors: Readonly<Record<string, FieldError>>;
  readonly error?: FieldError | undefined;
};

export function signUpPage(t: Translate, view: SignUpView): SafeHtml {
  return html`${appLogo(view.app, view.appLogo)}<h1>${t('page.signup.heading', { app: view.app })}</h1>
${alertBox(t, view.error)}
<form method="post" action="${view.action}" novalidate>
${hiddenInputs(view.hidden)}
${view.askName ? field(t, { name: 'name', label: t('field.name'), type: 'text', autocomplete: 'name', value: view.values.name, required: true, error: view.errors['name'], autofocus: true }) : ''}
${field(t, { name: 'email', label: t('field.email'), type: 'email', autocomplete: 'email', value: view.values.email, required: true, error: view.errors['email'], autofocus: !view.askName })}
${field(t, { name: 'password', label: t('field.password'), type: 'password', autocomplete: 'new-password', required: true, hint: t('page.signup.password_hint', { min: view.minLength }), error: view.errors['password'] })}
<button type="submit">${t('page.signup.submit')}</button>
</form>
<p class="switch">${t('page.signup.have_account')} <a href="${view.signInUrl}">${t('page.signup.sign_in')}</a></p>`;
}
