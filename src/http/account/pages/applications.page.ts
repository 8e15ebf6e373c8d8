import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import { hiddenInputs } from '../../shared/form-fields.ts';
import type { Translate } from '../../../i18n/translate.ts';
import type { ConnectedApplication } from '../../../domain/account/applications.ts';

type ApplicationsView = {
  readonly revokeAction: string;
  readonly csrfToken: string;
  readonly applications: readonly ConnectedApplication[];
};

export function applicationsPage(t: Translate, view: ApplicationsView): SafeHtml {
  return html`<h1>${t('account.applications.heading')}</h1>
<p>${t('account.applications.intro')}</p>
${
  view.applications.length === 0
    ? html`<p>${t('account.applications.none')}</p>`
    : html`<ul class="apps">${view.applications.map(
        (application) => html`<li>
<h2>${application.logoUri ? html`<img class="app-icon" src="${application.logoUri}" alt="">` : ''}${application.name}</h2>
<p>${t('account.applications.allowed', { date: application.grantedAt })}</p>
<ul class="scopes">${application.scopes.map((scope) => html`<li>${scopeText(t, scope)}</li>`)}</ul>
<form method="post" action="${view.revokeAction}">${hiddenInputs({ csrf_token: view.csrfToken, client_id: application.clientId })}<button class="secondary" type="submit" aria-label="${t('account.applications.revoke_label', { app: application.name })}">${t('account.applications.revoke')}</button></form>
</li>`,
      )}</ul>`
}`;
}

function scopeText(t: Translate, scope: string): string {
  const key = `scope.${scope}`;
  const text = t(key);
  return text === key ? scope : text;
}
