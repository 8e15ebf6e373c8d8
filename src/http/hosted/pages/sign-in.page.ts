import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import type { Translate } from '../../../i18n/translate.ts';
import { alertBox, appLogo, field, hiddenInputs, noticeBox } from '../../shared/form-fields.ts';
import type { FieldError } from '../../shared/form-fields.ts';

type SignInView = {
  readonly app: string;
  readonly appLogo?: string | undefined;
  readonly action: string;
  /** Absent where nobody signs up (the admin tenant). */
  readonly signUpUrl?: string | undefined;
  readonly recoveryUrl: string;
  /** Sign-in by an emailed code instead (ADR 0031), where the tenant offers it. */
  readonly emailCodeUrl?: string | undefined;
  /** Sign-in by a texted code instead, where the tenant offers it. */
  readonly smsCodeUrl?: string | undefined;
  /** Something that went well just before (a verified email, a changed password). */
  readonly notice?: string | undefined;
  readonly hidden: Record<string, string>;
  readonly email?: string | undefined;
  readonly error?: FieldError | undefined;
  /** The tenant's connections as buttons (pages/federation.page.ts), above the password form. */
  readonly federation?: SafeHtml | '' | undefined;
  /** "Sign in with a passkey" (pages/passkey.page.ts); the email field then offers passkeys in its autofill too. */
  readonly passkey?: SafeHtml | undefined;
};

const FORM_ERROR_ID = 'form-error';

export function signInPage(t: Translate, view: SignInView): SafeHtml {
  // Wrong credentials make the password (focused on this page) invalid and tie it to the alert, so a
  // screen reader hears why on arrival. Which of the two was wrong is never said (no enumeration).
  const wrongCredentials = view.error?.code === 'signin.invalid_credentials' ? FORM_ERROR_ID : undefined;
  return html`${appLogo(view.app, view.appLogo)}<h1>${t('page.signin.heading', { app: view.app })}</h1>
${noticeBox(view.notice)}${alertBox(t, view.error, FORM_ERROR_ID)}
${view.federation ?? ''}<form method="post" action="${view.action}" novalidate>
${hiddenInputs(view.hidden)}
${field(t, { name: 'email', label: t('field.email'), type: 'email', autocomplete: view.passkey ? 'username webauthn' : 'username', value: view.email, required: true, autofocus: !view.email })}
${field(t, { name: 'password', label: t('field.password'), type: 'password', autocomplete: 'current-password', required: true, invalidBy: wrongCredentials, autofocus: Boolean(view.email) })}
<button type="submit">${t('page.signin.submit')}</button>
</form>
${view.passkey ?? ''}
<p class="switch"><a href="${view.recoveryUrl}">${t('page.signin.forgot')}</a></p>
${view.emailCodeUrl === undefined ? '' : html`<p class="switch"><a href="${view.emailCodeUrl}">${t('page.signin.email_code')}</a></p>`}
${view.smsCodeUrl === undefined ? '' : html`<p class="switch"><a href="${view.smsCodeUrl}">${t('page.signin.sms_code')}</a></p>`}
${view.signUpUrl === undefined ? '' : html`<p class="switch">${t('page.signin.no_account')} <a href="${view.signUpUrl}">${t('page.signin.create_account')}</a></p>`}`;
}
