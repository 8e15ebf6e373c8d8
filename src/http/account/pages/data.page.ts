import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import { field, hiddenInputs } from '../../shared/form-fields.ts';
import type { FieldError } from '../../shared/form-fields.ts';
import type { Translate } from '../../../i18n/translate.ts';

type DataView = {
  readonly exportUrl: string;
  readonly deleteUrl: string;
};

/** Download, and the way to deletion (which asks for a recent sign-in on its own page). */
export function dataPage(t: Translate, view: DataView): SafeHtml {
  return html`<h1>${t('account.data.heading')}</h1>
<p>${t('account.data.download_intro')}</p>
<p><a class="button" href="${view.exportUrl}" download>${t('account.data.download')}</a></p>
<h2>${t('account.delete.heading')}</h2>
<p>${t('account.delete.intro')}</p>
<p><a class="button danger" href="${view.deleteUrl}">${t('account.delete.start')}</a></p>`;
}

type DeleteView = {
  readonly action: string;
  readonly cancelUrl: string;
  readonly csrfToken: string;
  readonly email: string;
  readonly error?: FieldError | undefined;
};

export function deletePage(t: Translate, view: DeleteView): SafeHtml {
  return html`<h1>${t('account.delete.heading')}</h1>
<p>${t('account.delete.intro')}</p>
<form method="post" action="${view.action}" novalidate>
${hiddenInputs({ csrf_token: view.csrfToken })}
${field(t, { name: 'confirm', label: t('account.delete.confirm'), type: 'text', autocomplete: 'off', required: true, hint: t('account.delete.confirm_hint', { email: view.email }), error: view.error, autofocus: true })}
<button class="danger" type="submit">${t('account.delete.submit')}</button>
</form>
<p class="switch"><a href="${view.cancelUrl}">${t('account.delete.cancel')}</a></p>`;
}

export function deletedPage(t: Translate): SafeHtml {
  return html`<h1>${t('account.deleted.heading')}</h1><div role="status"><p>${t('account.deleted.body')}</p></div>`;
}
