// The portal's connected accounts (ADR 0032): each upstream account linked to this one, with a button
// to disconnect it unless it is the last way to sign in, and a button per connection not linked yet.
import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import { hiddenInputs } from '../../shared/form-fields.ts';
import type { Translate } from '../../../i18n/translate.ts';
import type { ConnectedAccount } from '../../../domain/account/connected-accounts.ts';
import { formatTime } from './account-frame.ts';

type ConnectionsView = {
  readonly accounts: readonly ConnectedAccount[];
  /** Connections the customer may link (not linked yet). */
  readonly available: readonly { readonly id: string; readonly name: string }[];
  readonly csrfToken: string;
  readonly removeAction: string;
  readonly linkAction: string;
};

export function connectionsPage(t: Translate, view: ConnectionsView): SafeHtml {
  const csrf = { csrf_token: view.csrfToken };
  return html`<h1>${t('account.nav.connections')}</h1>
<p>${t('account.connections.intro')}</p>
${
  view.accounts.length === 0
    ? html`<p>${t('account.connections.none')}</p>`
    : html`<ul class="apps">${view.accounts.map(
        (account) => html`<li><strong>${account.name}</strong>${account.email ? html` (${account.email})` : ''}, ${t('account.connections.linked_at', { date: formatTime(t, account.linkedAt) })}
${
  account.removable
    ? html`<form method="post" action="${view.removeAction}">${hiddenInputs({ ...csrf, connection: account.connection })}<button class="secondary inline" type="submit">${t('account.connections.remove')}</button></form>`
    : html`<p class="hint">${t('account.connections.last')}</p>`
}</li>`,
      )}</ul>`
}
${view.available.length === 0 ? '' : html`<form method="post" action="${view.linkAction}">${hiddenInputs(csrf)}${view.available.map((connection) => html`<button class="secondary" type="submit" name="connection" value="${connection.id}">${t('account.connections.connect', { name: connection.name })}</button>`)}</form>`}`;
}
