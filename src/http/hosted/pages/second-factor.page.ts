// The pages of the second-factor step (ADR 0024), without JavaScript: the code from an
// authenticator app (or a recovery code, behind a disclosure), setting up an app (its QR code as an
// image the server drew, and the key to type by hand), and the recovery codes, shown once.
import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import type { Translate } from '../../../i18n/translate.ts';
import { alertBox, checkboxField, field, hiddenInputs } from '../../shared/form-fields.ts';
import type { FieldError } from '../../shared/form-fields.ts';

type Decline = { readonly action: string; readonly label: string } | undefined;

type VerifyView = {
  readonly action: string;
  readonly hidden: Record<string, string>;
  readonly methods: readonly string[];
  readonly decline: Decline;
  readonly error?: FieldError | undefined;
  /** The method whose form the error belongs to. */
  readonly failedMethod?: string | undefined;
  /** A texted code (ADR 0031): where to ask for one, the number's last digits, and whether one was just sent. */
  readonly sms?: { readonly sendAction: string; readonly endsWith: string; readonly sent: boolean } | undefined;
  /** A code by email: where to ask for one, the address (masked), and whether one was just sent. */
  readonly email?: { readonly sendAction: string; readonly address: string; readonly sent: boolean } | undefined;
  /** The passkey form (pages/passkey.page.ts), when the customer has a passkey. */
  readonly passkey?: SafeHtml | undefined;
};

export function secondFactorPage(t: Translate, view: VerifyView): SafeHtml {
  const recoveryOpen = view.failedMethod === 'recovery_code';
  const totp = view.methods.includes('totp');
  return html`<h1>${t('page.mfa.heading')}</h1>
${alertBox(t, view.error, 'form-error')}
${view.passkey ?? ''}
${
  totp
    ? html`<p>${t('page.mfa.intro')}</p>
<form method="post" action="${view.action}" novalidate>
${hiddenInputs({ ...view.hidden, method: 'totp' })}
${field(t, { name: 'code', label: t('field.totp_code'), type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, autofocus: !recoveryOpen, invalidBy: view.error && !recoveryOpen ? 'form-error' : undefined })}
${checkboxField(t, { name: 'remember', label: t('page.mfa.remember'), checked: false })}
<button type="submit">${t('page.mfa.submit')}</button>
</form>`
    : ''
}
${
  view.methods.includes('recovery_code')
    ? html`<details${recoveryOpen || (!totp && !view.passkey) ? html` open` : ''}><summary>${t('page.mfa.use_recovery')}</summary>
<form method="post" action="${view.action}" novalidate>
${hiddenInputs({ ...view.hidden, method: 'recovery_code' })}
${field(t, { name: 'code', id: 'field-recovery-code', label: t('field.recovery_code'), type: 'text', autocomplete: 'off', required: true, autofocus: recoveryOpen, invalidBy: view.error && recoveryOpen ? 'form-error' : undefined })}
${checkboxField(t, { name: 'remember', id: 'field-recovery-remember', label: t('page.mfa.remember'), checked: false })}
<button type="submit">${t('page.mfa.submit')}</button>
</form></details>`
    : ''
}
${view.sms && view.methods.includes('sms') ? smsForms(t, view, view.sms, !totp || view.failedMethod === 'sms' || view.sms.sent) : ''}
${view.email && view.methods.includes('email_otp') ? emailForms(t, view, view.email) : ''}
${declineForm(view.decline, view.hidden)}`;
}

/** A code by text message: a button that sends one, then the code's form (behind a disclosure when an app is set up too). */
function smsForms(t: Translate, view: VerifyView, sms: NonNullable<VerifyView['sms']>, open: boolean): SafeHtml {
  const failed = view.failedMethod === 'sms';
  const send = html`<form method="post" action="${sms.sendAction}">${hiddenInputs({ ...view.hidden, method: 'sms' })}<button class="${sms.sent || failed ? 'secondary' : ''}" type="submit">${t(sms.sent || failed ? 'page.mfa.sms_resend' : 'page.mfa.sms_send', { ending: sms.endsWith })}</button></form>`;
  const code = html`<p>${t('page.mfa.sms_intro', { ending: sms.endsWith })}</p>
<form method="post" action="${view.action}" novalidate>
${hiddenInputs({ ...view.hidden, method: 'sms' })}
${field(t, { name: 'code', id: 'field-sms-code', label: t('field.sms_code'), type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, autofocus: sms.sent || failed, invalidBy: view.error && failed ? 'form-error' : undefined })}
${checkboxField(t, { name: 'remember', id: 'field-sms-remember', label: t('page.mfa.remember'), checked: false })}
<button type="submit">${t('page.mfa.submit')}</button>
</form>`;
  return html`<details${open ? html` open` : ''}><summary>${t('page.mfa.use_sms')}</summary>${sms.sent || failed ? code : ''}${send}</details>`;
}

/**
 * A code by email: a button that sends one, then the code's form. Offered only to customers with
 * no stronger factor (domain/credentials/email-otp/), so it is open whenever it is shown.
 */
function emailForms(t: Translate, view: VerifyView, email: NonNullable<VerifyView['email']>): SafeHtml {
  const failed = view.failedMethod === 'email_otp';
  const send = html`<form method="post" action="${email.sendAction}">${hiddenInputs({ ...view.hidden, method: 'email_otp' })}<button class="${email.sent || failed ? 'secondary' : ''}" type="submit">${email.sent || failed ? t('page.mfa.email_resend') : t('page.mfa.email_send', { address: email.address })}</button></form>`;
  const code = html`<p>${t('page.mfa.email_intro', { address: email.address })}</p>
<form method="post" action="${view.action}" novalidate>
${hiddenInputs({ ...view.hidden, method: 'email_otp' })}
${field(t, { name: 'code', id: 'field-email-code', label: t('field.email_otp_code'), type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, autofocus: true, invalidBy: view.error && failed ? 'form-error' : undefined })}
${checkboxField(t, { name: 'remember', id: 'field-email-remember', label: t('page.mfa.remember'), checked: false })}
<button type="submit">${t('page.mfa.submit')}</button>
</form>`;
  return html`<details open><summary>${t('page.mfa.use_email')}</summary>${email.sent || failed ? code : ''}${send}</details>`;
}

type EnrolView = {
  readonly action: string;
  readonly hidden: Record<string, string>;
  /** The otpauth:// URI as an image (a data: URL of an SVG drawn on the server). */
  readonly qrImage: string;
  readonly secret: string;
  readonly decline: Decline;
  readonly error?: FieldError | undefined;
  /** When the enrolment is in the account portal rather than a sign-in. */
  readonly intro?: string | undefined;
  readonly heading?: string | undefined;
};

export function enrolTotpPage(t: Translate, view: EnrolView): SafeHtml {
  return html`<h1>${view.heading ?? t('page.mfa.enrol_heading')}</h1>
${alertBox(t, view.error, 'form-error')}
<p>${view.intro ?? t('page.mfa.enrol_intro')}</p>
<ol>
<li>${t('page.mfa.enrol_step_app')}</li>
<li>${t('page.mfa.enrol_step_scan')}<br><img class="qr" src="${view.qrImage}" alt="${t('page.mfa.qr_alt')}" width="200" height="200"></li>
<li>${t('page.mfa.manual_key')} <code class="key">${groupedKey(view.secret)}</code></li>
<li>${t('page.mfa.enrol_step_code')}</li>
</ol>
<form method="post" action="${view.action}" novalidate>
${hiddenInputs(view.hidden)}
${field(t, { name: 'code', label: t('field.totp_code'), type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, autofocus: true, invalidBy: view.error ? 'form-error' : undefined })}
<button type="submit">${t('page.mfa.enrol_submit')}</button>
</form>
${declineForm(view.decline, { flow: view.hidden['flow'] ?? '', csrf_token: view.hidden['csrf_token'] ?? '' })}`;
}

/** Ten recovery codes, shown once, and the way on (`action`: where the continue form posts, or a link). */
export function recoveryCodesPage(t: Translate, view: { readonly codes: readonly string[]; readonly next: { readonly action: string; readonly hidden: Record<string, string> } | { readonly href: string } }): SafeHtml {
  return html`<h1>${t('page.mfa.codes_heading')}</h1>
<p>${t('page.mfa.codes_intro')}</p>
<ul class="codes">${view.codes.map((code) => html`<li><code>${code}</code></li>`)}</ul>
${
  'action' in view.next
    ? html`<form method="post" action="${view.next.action}">${hiddenInputs(view.next.hidden)}<button type="submit">${t('page.mfa.codes_continue')}</button></form>`
    : html`<p><a href="${view.next.href}">${t('page.mfa.codes_continue')}</a></p>`
}`;
}

function declineForm(decline: Decline, hidden: Record<string, string>): SafeHtml {
  if (!decline) return html``;
  return html`<form method="post" action="${decline.action}">${hiddenInputs({ flow: hidden['flow'] ?? '', csrf_token: hidden['csrf_token'] ?? '' })}<button class="secondary" type="submit">${decline.label}</button></form>`;
}

/** The key in groups of four, as authenticator apps show it: easier to copy by eye. */
function groupedKey(secret: string): string {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}
