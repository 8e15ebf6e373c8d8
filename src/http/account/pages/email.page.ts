import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import { alertBox, field, hiddenInputs } from '../../shared/form-fields.ts';
import type { FieldError } from '../../shared/form-fields.ts';
import type { Translate } from '../../../i18n/translate.ts';

type EmailChangeView = {
  readonly action: string;
  readonly csrfToken: string;
  readonly current: string;
  readonly value?: string | undefined;
  readonly error?: FieldError | undefined;
};

/** The new address, to which a code is sent; the old one keeps working until the code is entered. */
export function emailChangePage(t: Translate, view: EmailChangeView): SafeHtml {
  const fieldError = view.error?.code.startsWith('email.') || view.error?.code.startsWith('field.') ? view.error : undefined;
  return html`<h1>${t('account.email.heading')}</h1>
<p>${t('account.email.intro', { email: view.current })}</p>
${fieldError ? '' : alertBox(t, view.error)}
<form method="post" action="${view.action}" novalidate>
${hiddenInputs({ csrf_token: view.csrfToken })}
${field(t, { name: 'email', label: t('account.email.new'), type: 'email', autocomplete: 'email', value: view.value, required: true, autofocus: true, error: fieldError })}
<button type="submit">${t('account.email.submit')}</button>
</form>`;
}
