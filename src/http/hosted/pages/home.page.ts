// The first page a newcomer sees at the issuer's root: what this server is (the tenant's sign-in
// service, run by Foyer) and where to go from here: the account portal for customers, the
// discovery document for developers, the documentation, and in development the mail outbox.
import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import type { Translate } from '../../../i18n/translate.ts';

type HomeView = {
  /** Whose sign-in service this is (the tenant's brand name). */
  readonly name: string;
  readonly issuer: string;
  readonly accountUrl: string;
  readonly discoveryUrl: string;
  /** The development outbox, outside production only. */
  readonly devMailUrl?: string | undefined;
};

export function homePage(t: Translate, view: HomeView): SafeHtml {
  return html`<h1>${t('page.home.heading', { name: view.name })}</h1>
<p>${t('page.home.intro', { name: view.name })}</p>
<p><a class="button" href="${view.accountUrl}">${t('page.home.account')}</a></p>
<p class="hint">${t('page.home.account_hint')}</p>
<h2>${t('page.home.developers')}</h2>
<ul>
<li><a href="${view.discoveryUrl}">${t('page.home.discovery')}</a><p class="hint">${t('page.home.discovery_hint', { issuer: view.issuer })}</p></li>
<li>${t('page.home.docs')}</li>
${view.devMailUrl ? html`<li><a href="${view.devMailUrl}">${t('page.home.dev_mail')}</a><p class="hint">${t('page.home.dev_mail_hint')}</p></li>` : ''}
</ul>
<p class="hint">${t('page.home.powered_by')}</p>`;
}
