// The sign-up page: email and password, and every trait the tenant's schema requires (a text box,
// a choice for an enum, a box to tick for a boolean, a number or a date), labelled in the
// customer's language. Names come first, then the email and the other traits, the password, the
// boxes to tick (such as accepting terms), and the tenant's consent purposes last, next to the button.
import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import type { Translate } from '../../../i18n/translate.ts';
import type { TraitFieldKind } from '../../../domain/identity/trait-fields.ts';
import { alertBox, appLogo, checkboxField, field, hiddenInputs, selectField } from '../../shared/form-fields.ts';
import type { FieldError } from '../../shared/form-fields.ts';

/** A trait the page asks for, labelled for the customer. */
type TraitInput = {
  readonly name: string;
  readonly kind: TraitFieldKind;
  readonly label: string;
  readonly choices: readonly { value: string; label: string }[];
};

type SignUpView = {
  readonly app: string;
  readonly appLogo?: string | undefined;
  readonly action: string;
  readonly signInUrl: string;
  readonly hidden: Record<string, string>;
  /** The tenant's connections as buttons (pages/federation.page.ts), above the form. */
  readonly federation?: SafeHtml | '' | undefined;
  /** The schema's required traits but the email, in the order of `required`. */
  readonly traits: readonly TraitInput[];
  readonly minLength: number;
  /** What the customer typed, by input name, to show again. */
  readonly values: Readonly<Record<string, string | undefined>>;
  readonly errors: Readonly<Record<string, FieldError>>;
  readonly error?: FieldError | undefined;
  /** The tenant's consent purposes (purpose-fields.ts), above the button. */
  readonly purposes: SafeHtml;
};

const NAMES = ['name', 'given_name', 'family_name'];
const AUTOCOMPLETE: Record<string, string> = { name: 'name', given_name: 'given-name', family_name: 'family-name', phone: 'tel', phone_number: 'tel', birthdate: 'bday' };

export function signUpPage(t: Translate, view: SignUpView): SafeHtml {
  const names = view.traits.filter((trait) => NAMES.includes(trait.name) && trait.kind !== 'boolean');
  const others = view.traits.filter((trait) => !NAMES.includes(trait.name) && trait.kind !== 'boolean');
  const boxes = view.traits.filter((trait) => trait.kind === 'boolean');
  const first = [...names, { name: 'email' }][0]!.name;
  return html`${appLogo(view.app, view.appLogo)}<h1>${t('page.signup.heading', { app: view.app })}</h1>
${alertBox(t, view.error)}
${view.federation ?? ''}<form method="post" action="${view.action}" novalidate>
${hiddenInputs(view.hidden)}
${names.map((trait) => traitInput(t, view, trait, trait.name === first))}
${field(t, { name: 'email', label: t('field.email'), type: 'email', autocomplete: 'email', value: view.values['email'], required: true, error: view.errors['email'], autofocus: first === 'email' })}
${others.map((trait) => traitInput(t, view, trait, false))}
${field(t, { name: 'password', label: t('field.password'), type: 'password', autocomplete: 'new-password', required: true, hint: t('page.signup.password_hint', { min: view.minLength }), error: view.errors['password'] })}
${boxes.map((trait) => traitInput(t, view, trait, false))}
${view.purposes}
<button type="submit">${t('page.signup.submit')}</button>
</form>
<p class="switch">${t('page.signup.have_account')} <a href="${view.signInUrl}">${t('page.signup.sign_in')}</a></p>`;
}

function traitInput(t: Translate, view: SignUpView, trait: TraitInput, autofocus: boolean): SafeHtml {
  const common = { name: trait.name, label: trait.label, required: true, error: view.errors[trait.name], autofocus };
  const value = view.values[trait.name];
  switch (trait.kind) {
    case 'enum':
      return selectField(t, { ...common, value, choices: trait.choices });
    case 'boolean':
      return checkboxField(t, { ...common, checked: value === 'true' });
    case 'number':
    case 'integer':
      return field(t, { ...common, type: 'number', step: trait.kind === 'integer' ? '1' : 'any', value });
    case 'date':
      return field(t, { ...common, type: 'date', autocomplete: AUTOCOMPLETE[trait.name], value });
    default:
      return field(t, { ...common, type: trait.kind === 'email' ? 'email' : 'text', autocomplete: AUTOCOMPLETE[trait.name], value });
  }
}
