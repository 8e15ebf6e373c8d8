// The portal's pages to add a phone number for codes by text message (ADR 0031): the number, then
// the code texted to it.
import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import type { Translate } from '../../../i18n/translate.ts';
import { alertBox, field, hiddenInputs } from '../../shared/form-fields.ts';
import type { FieldError } from '../../shared/form-fields.ts';

export function smsPhonePage(t: Translate, view: { readonly action: string; readonly hidden: Record<string, string>; readonly phone?: string | undefined; readonly error?: FieldError | undefined }): SafeHtml {
  const phoneError = view.error?.code === 'phone.invalid' ? view.error : undefined;
  return html`<h1>${t('account.mfa.sms_enrol')}</h1>
${phoneError ? '' : alertBox(t, view.error)}
<p>${t('account.mfa.sms_enrol_intro')}</p>
<form method="post" action="${view.action}" novalidate>
${hiddenInputs(view.hidden)}
${field(t, { name: 'phone', label: t('field.phone'), type: 'tel', autocomplete: 'tel', value: view.phone, required: true, autofocus: true, error: phoneError })}
<button type="submit">${t('account.mfa.sms_send')}</button>
</form>`;
}

export function smsCodePage(t: Translate, view: { readonly action: string; readonly hidden: Record<string, string>; readonly endsWith: string; readonly error?: FieldError | undefined }): SafeHtml {
  return html`<h1>${t('account.mfa.sms_enrol')}</h1>
${alertBox(t, view.error, 'form-error')}
<p>${t('account.mfa.sms_confirm_intro', { ending: view.endsWith })}</p>
<form method="post" action="${view.action}" novalidate>
${hiddenInputs(view.hidden)}
${field(t, { name: 'code', label: t('field.sms_code'), type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, autofocus: true, invalidBy: view.error ? 'form-error' : undefined })}
<button type="submit">${t('account.mfa.sms_confirm')}</button>
</form>`;
}
