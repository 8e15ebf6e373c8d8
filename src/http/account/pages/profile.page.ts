import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import { alertBox, field, hiddenInputs } from '../../shared/form-fields.ts';
import type { FieldError } from '../../shared/form-fields.ts';
import type { Translate } from '../../../i18n/translate.ts';
import type { ProfileField } from '../../../domain/account/profile.ts';
import { traitLabel } from './account-frame.ts';

type ProfileView = {
  readonly action: string;
  readonly changeEmailUrl: string;
  readonly csrfToken: string;
  readonly fields: readonly (ProfileField & { readonly title?: string | undefined })[];
  readonly values: Readonly<Record<string, string | undefined>>;
  /** Read-only addresses: the trait's value and whether it is verified. */
  readonly addresses: readonly { readonly name: string; readonly value: string; readonly verified: boolean }[];
  readonly errors: Readonly<Record<string, FieldError>>;
  readonly error?: FieldError | undefined;
};

export function profilePage(t: Translate, view: ProfileView): SafeHtml {
  const editable = view.fields.filter((candidate) => !candidate.readOnly);
  return html`<h1>${t('account.profile.heading')}</h1>
<p>${t('account.profile.intro')}</p>
${alertBox(t, view.error)}
<dl class="addresses">${view.addresses.map(
    (address) => html`<dt>${traitLabel(t, address.name, undefined)}</dt><dd><span>${address.value}</span> <span class="hint">(${t(address.verified ? 'account.profile.verified' : 'account.profile.not_verified')})</span>${
      address.name === 'email' ? html` <a href="${view.changeEmailUrl}">${t('account.profile.change_email')}</a>` : ''
    }</dd>`,
  )}</dl>
${
  editable.length === 0
    ? html`<p>${t('account.profile.no_fields')}</p>`
    : html`<form method="post" action="${view.action}" novalidate>
${hiddenInputs({ csrf_token: view.csrfToken })}
${editable.map((trait) =>
  field(t, {
    name: trait.name,
    label: traitLabel(t, trait.name, trait.title),
    type: 'text',
    autocomplete: AUTOCOMPLETE[trait.name] ?? 'off',
    value: view.values[trait.name],
    required: trait.required,
    error: view.errors[trait.name],
  }),
)}
<button type="submit">${t('account.profile.save')}</button>
</form>`
}`;
}

const AUTOCOMPLETE: Record<string, string> = { name: 'name', given_name: 'given-name', family_name: 'family-name', locale: 'language', nickname: 'nickname' };
