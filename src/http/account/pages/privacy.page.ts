// The portal's consents and communication section (issue 15): what the customer agreed to (a
// required purpose is stated, it cannot be withdrawn on its own; an optional one is a box, ticked
// while granted) and how they want to be contacted (a group of boxes per topic, one per channel). Two forms, each
// saved on its own, no JavaScript.
import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import type { Translate } from '../../../i18n/translate.ts';
import { checkboxField, hiddenInputs } from '../../shared/form-fields.ts';
import type { PurposeOffer } from '../../../domain/privacy/collection.ts';

type Channels = Readonly<Record<'email' | 'sms' | 'push', boolean>>;

type PrivacyView = {
  readonly csrfToken: string;
  readonly consentsAction: string;
  readonly preferencesAction: string;
  /** The optional purposes' boxes (purpose-fields.ts). */
  readonly optional: SafeHtml;
  /** Required purposes, with the version the customer accepted (null: not yet, asked at the next sign-in). */
  readonly required: readonly (PurposeOffer & { readonly acceptedVersion: number | null })[];
  readonly hasOptional: boolean;
  /** The request carried `Sec-GPC: 1` and an optional purpose sells or shares data: the page says the signal is honoured. */
  readonly gpcHonoured: boolean;
  readonly topics: readonly { readonly id: string; readonly name: string; readonly channels: Channels }[];
};

const CHANNELS = ['email', 'sms', 'push'] as const;

export function privacyPage(t: Translate, view: PrivacyView): SafeHtml {
  const csrf = { csrf_token: view.csrfToken };
  return html`<h1>${t('account.nav.privacy')}</h1>
<h2>${t('account.privacy.consents')}</h2>
${view.required.length === 0 && !view.hasOptional ? html`<p>${t('account.privacy.no_purposes')}</p>` : ''}
${
  view.required.length > 0
    ? html`<ul>${view.required.map(
        (purpose) =>
          html`<li><strong>${purpose.name}</strong> <span class="tag">${t('account.privacy.required')}</span><br>${purpose.description}<br><span class="hint">${
            purpose.acceptedVersion === purpose.version ? t('account.privacy.accepted') : t('account.privacy.to_accept')
          }</span></li>`,
      )}</ul><p class="hint">${t('account.privacy.required_hint')}</p>`
    : ''
}
${view.gpcHonoured ? html`<p class="notice" role="status">${t('account.privacy.gpc_honoured')}</p>` : ''}
${view.hasOptional ? html`<form method="post" action="${view.consentsAction}">${hiddenInputs(csrf)}${view.optional}<button type="submit">${t('account.privacy.save_consents')}</button></form>` : ''}
<h2>${t('account.privacy.preferences')}</h2>
${
  view.topics.length === 0
    ? html`<p>${t('account.privacy.no_topics')}</p>`
    : html`<form method="post" action="${view.preferencesAction}">${hiddenInputs(csrf)}
${view.topics.map(
        (topic) =>
          html`<fieldset class="purposes"><legend>${topic.name}</legend>${CHANNELS.map((channel) =>
            checkboxField(t, { id: `pref-${topic.id}-${channel}`, name: `pref.${topic.id}.${channel}`, label: t(`account.privacy.channel.${channel}`), checked: topic.channels[channel] }),
          )}</fieldset>`,
      )}
<button type="submit">${t('account.privacy.save_preferences')}</button></form>`
}`;
}
