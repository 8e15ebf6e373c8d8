// The pages of an unsubscribe link: the question (opening the link changes nothing; the button
// does), and the answer, with the way to the customer's other choices in the account portal.
import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import type { Translate } from '../../../i18n/translate.ts';
import { hiddenInputs } from '../../shared/form-fields.ts';

type UnsubscribeView = { readonly action: string; readonly token: string; readonly topics: readonly string[] };

export function unsubscribeQuestionPage(t: Translate, view: UnsubscribeView): SafeHtml {
  return html`<h1>${t('page.unsubscribe.heading')}</h1>
<p>${view.topics.length > 0 ? t('page.unsubscribe.intro', { topics: view.topics.join(', ') }) : t('page.unsubscribe.nothing')}</p>
<form method="post" action="${view.action}">${hiddenInputs({ token: view.token })}<button type="submit">${t('page.unsubscribe.submit')}</button></form>`;
}

export function unsubscribedPage(t: Translate, view: { readonly topics: readonly string[]; readonly accountUrl: string }): SafeHtml {
  return html`<h1>${t('page.unsubscribe.done_heading')}</h1>
<div class="notice" role="status"><p>${view.topics.length > 0 ? t('page.unsubscribe.done', { topics: view.topics.join(', ') }) : t('page.unsubscribe.nothing')}</p></div>
<p><a href="${view.accountUrl}">${t('page.unsubscribe.manage')}</a></p>`;
}
