// The page where a customer enters the code an email sent them: shared by every flow that sends
// one, the hosted sign-in, sign-up and recovery and the account portal's change of email address.
import { html } from '../../lib/html.ts';
import type { SafeHtml } from '../../lib/html.ts';
import type { Translate } from '../../i18n/translate.ts';
import { alertBox, field, hiddenInputs, noticeBox } from './form-fields.ts';
import type { FieldError } from './form-fields.ts';

type CodeView = {
  readonly intro: string;
  readonly action: string;
  readonly resendAction: string;
  readonly hidden: Record<string, string>;
  readonly startOverUrl?: string | undefined;
  readonly error?: FieldError | undefined;
  readonly notice?: string | undefined;
};

export function codePage(t: Translate, view: CodeView): SafeHtml {
  return html`<h1>${t('page.code.heading')}</h1>
${noticeBox(view.notice)}${alertBox(t, view.error, 'form-error')}
<p>${view.intro}</p>
<form method="post" action="${view.action}" novalidate>
${hiddenInputs(view.hidden)}
${field(t, { name: 'code', label: t('field.code'), type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, autofocus: true, invalidBy: view.error?.code === 'code.invalid' ? 'form-error' : undefined })}
<button type="submit">${t('page.code.submit')}</button>
</form>
<form method="post" action="${view.resendAction}">${hiddenInputs(view.hidden)}<button class="secondary" type="submit">${t('page.code.resend')}</button></form>
${view.startOverUrl ? html`<p class="switch"><a href="${view.startOverUrl}">${t('page.code.start_over')}</a></p>` : ''}`;
}
