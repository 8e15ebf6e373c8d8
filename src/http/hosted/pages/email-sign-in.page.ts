// The pages of sign-in by an emailed code (ADR 0031): the one asking for the address (the code is
// then typed on the shared code page, shared/code-page.ts), and the one behind the emailed link.
import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import type { Translate } from '../../../i18n/translate.ts';
import { alertBox, appLogo, field, hiddenInputs } from '../../shared/form-fields.ts';
import type { FieldError } from '../../shared/form-fields.ts';

type EmailSignInView = {
  readonly app: string;
  readonly appLogo?: string | undefined;
  readonly action: string;
  readonly hidden: Record<string, string>;
  readonly email?: string | undefined;
  readonly passwordUrl: string;
  readonly error?: FieldError | undefined;
};

export function emailSignInPage(t: Translate, view: EmailSignInView): SafeHtml {
  const emailError = view.error?.code === 'email.invalid' ? view.error : undefined;
  return html`${appLogo(view.app, view.appLogo)}<h1>${t('page.email_signin.heading', { app: view.app })}</h1>
${emailError ? '' : alertBox(t, view.error)}
<p>${t('page.email_signin.intro')}</p>
<form method="post" action="${view.action}" novalidate>
${hiddenInputs(view.hidden)}
${field(t, { name: 'email', label: t('field.email'), type: 'email', autocomplete: 'username', value: view.email, required: true, autofocus: true, error: emailError })}
<button type="submit">${t('page.email_signin.submit')}</button>
</form>
<p class="switch"><a href="${view.passwordUrl}">${t('page.email_signin.use_password')}</a></p>`;
}

/** Behind the emailed link, in the browser that asked for it: a button continues the sign-in (opening the link alone changes nothing). */
export function signInLinkPage(t: Translate, view: { readonly action: string; readonly hidden: Record<string, string>; readonly email: string }): SafeHtml {
  return html`<h1>${t('page.signin_link.heading')}</h1>
<p>${t('page.signin_link.intro', { email: view.email })}</p>
<form method="post" action="${view.action}">${hiddenInputs(view.hidden)}<button type="submit" autofocus>${t('page.signin_link.submit')}</button></form>`;
}

/** The page asking for a phone number to text a sign-in code to (ADR 0031). */
export function smsSignInPage(t: Translate, view: Omit<EmailSignInView, 'email'> & { readonly phone?: string | undefined }): SafeHtml {
  const phoneError = view.error?.code.startsWith('phone.') ? view.error : undefined;
  return html`${appLogo(view.app, view.appLogo)}<h1>${t('page.email_signin.heading', { app: view.app })}</h1>
${phoneError ? '' : alertBox(t, view.error)}
<p>${t('page.sms_signin.intro')}</p>
<form method="post" action="${view.action}" novalidate>
${hiddenInputs(view.hidden)}
${field(t, { name: 'phone', label: t('field.phone'), type: 'tel', autocomplete: 'tel', value: view.phone, required: true, autofocus: true, error: phoneError })}
<button type="submit">${t('page.sms_signin.submit')}</button>
</form>
<p class="switch"><a href="${view.passwordUrl}">${t('page.email_signin.use_password')}</a></p>`;
}
