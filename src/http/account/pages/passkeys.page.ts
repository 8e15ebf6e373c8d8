// The portal's passkeys section (ADR 0030): each passkey with its name (renamed in place, no script
// needed), when it was added and last used, whether a password manager syncs it, and a remove button.
import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import { field, hiddenInputs } from '../../shared/form-fields.ts';
import type { Translate } from '../../../i18n/translate.ts';
import type { PasskeySummary } from '../../../domain/account/passkeys.ts';
import { formatTime } from './account-frame.ts';

type PasskeysView = {
  readonly passkeys: readonly PasskeySummary[];
  readonly csrfToken: string;
  /** Where to add one; undefined when the tenant turned passkeys off (the list stays, to remove old ones). */
  readonly addUrl: string | undefined;
  readonly renameAction: string;
  readonly removeAction: string;
};

export function passkeysPage(t: Translate, view: PasskeysView): SafeHtml {
  const csrf = { csrf_token: view.csrfToken };
  return html`<h1>${t('account.nav.passkeys')}</h1>
<p>${t('account.passkeys.intro')}</p>
${
  view.passkeys.length === 0
    ? html`<p>${t('account.passkeys.none')}</p>`
    : html`<ul class="passkeys">${view.passkeys.map(
        (passkey, index) => html`<li><h2>${passkey.name}</h2>
<p class="hint">${t('account.passkeys.added_at', { date: formatTime(t, passkey.createdAt) })} · ${passkey.lastUsedAt === null ? t('account.passkeys.never_used') : t('account.passkeys.last_used', { date: formatTime(t, passkey.lastUsedAt) })}${passkey.synced ? html` · ${t('account.passkeys.synced')}` : ''}</p>
<form method="post" action="${view.renameAction}">${hiddenInputs({ ...csrf, id: passkey.id })}
${field(t, { name: 'name', id: `field-passkey-name-${index}`, label: t('field.passkey_name'), type: 'text', value: passkey.name, autocomplete: 'off', required: true })}
<button class="secondary inline" type="submit">${t('account.passkeys.rename')}</button></form>
<form method="post" action="${view.removeAction}">${hiddenInputs({ ...csrf, id: passkey.id })}<button class="secondary inline" type="submit">${t('account.passkeys.remove')}</button></form></li>`,
      )}</ul>`
}
${view.addUrl ? html`<p><a href="${view.addUrl}">${t('account.passkeys.add')}</a></p>` : html`<p class="hint">${t('passkey.disabled')}</p>`}`;
}
