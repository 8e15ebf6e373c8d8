import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import type { Translate } from '../../../i18n/translate.ts';
import { appLogo, hiddenInputs } from '../../shared/form-fields.ts';

type ConsentView = {
  readonly app: string;
  readonly appLogo?: string | undefined;
  readonly email: string;
  readonly scopes: readonly string[];
  readonly action: string;
  readonly abortAction: string;
  readonly hidden: Record<string, string>;
};

export function consentPage(t: Translate, view: ConsentView): SafeHtml {
  return html`${appLogo(view.app, view.appLogo)}<h1>${t('page.consent.heading', { app: view.app })}</h1>
<p>${t('page.consent.intro', { app: view.app, email: view.email })}</p>
<ul class="scopes">${view.scopes.map((scope) => html`<li>${t(`scope.${scope}`)}</li>`)}</ul>
<p class="hint">${t('page.consent.note')}</p>
<form method="post" action="${view.action}">${hiddenInputs(view.hidden)}<button type="submit">${t('page.consent.allow')}</button></form>
<form method="post" action="${view.abortAction}">${hiddenInputs(view.hidden)}<button class="secondary" type="submit">${t('page.consent.deny')}</button></form>`;
}
