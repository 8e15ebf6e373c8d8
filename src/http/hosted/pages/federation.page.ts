// What the hosted pages show of the tenant's connections (ADR 0032): a button per connection, in
// the tenant's order, whose accessible name is "Continue with {name}"; and the page that connects
// an upstream account to an existing one once the customer signs in to it.
import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import type { Translate } from '../../../i18n/translate.ts';
import { alertBox, field, hiddenInputs } from '../../shared/form-fields.ts';
import type { FieldError } from '../../shared/form-fields.ts';

export type ConnectionButton = { readonly id: string; readonly name: string; readonly iconUrl: string | null };

/** The buttons, one form posting the chosen connection; nothing when the tenant has none for this application. */
export function federationButtons(t: Translate, view: { readonly action: string; readonly hidden: Record<string, string>; readonly buttons: readonly ConnectionButton[] }): SafeHtml | '' {
  if (view.buttons.length === 0) return '';
  return html`<form method="post" action="${view.action}" class="federation">
${hiddenInputs(view.hidden)}
${view.buttons.map((button) => html`<button type="submit" name="connection" value="${button.id}" class="secondary">${button.iconUrl ? html`<img src="${button.iconUrl}" alt="" width="18" height="18"> ` : ''}${t('page.federation.continue_with', { name: button.name })}</button>`)}
</form>
<p class="switch">${t('page.federation.or')}</p>`;
}

type LinkView = {
  readonly connection: string;
  readonly action: string;
  readonly signInUrl: string;
  readonly hidden: Record<string, string>;
  readonly email?: string | undefined;
  readonly error?: FieldError | undefined;
};

export function federationLinkPage(t: Translate, view: LinkView): SafeHtml {
  const wrongCredentials = view.error?.code === 'signin.invalid_credentials' ? 'form-error' : undefined;
  return html`<h1>${t('page.federation.link_heading', { name: view.connection })}</h1>
${alertBox(t, view.error, 'form-error')}
<p>${t('page.federation.link_intro', { name: view.connection })}</p>
<form method="post" action="${view.action}" novalidate>
${hiddenInputs(view.hidden)}
${field(t, { name: 'email', label: t('field.email'), type: 'email', autocomplete: 'username', value: view.email, required: true, autofocus: !view.email })}
${field(t, { name: 'password', label: t('field.password'), type: 'password', autocomplete: 'current-password', required: true, invalidBy: wrongCredentials, autofocus: Boolean(view.email) })}
<button type="submit">${t('page.federation.link_submit')}</button>
</form>
<p class="switch"><a href="${view.signInUrl}">${t('page.federation.back')}</a></p>`;
}
