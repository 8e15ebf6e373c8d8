// Accessible form pieces shared by the hosted pages: a labelled input whose error is announced and
// tied to it, and the alert at the top of a form.
import { html } from '../../lib/html.ts';
import type { SafeHtml } from '../../lib/html.ts';
import type { Translate } from '../../i18n/translate.ts';

export type FieldError = { readonly code: string; readonly params?: Record<string, string | number> };

type FieldOptions = {
  readonly name: string;
  /** The input's id, when two forms of one page have an input of the same name (default `field-<name>`). */
  readonly id?: string | undefined;
  readonly label: string;
  readonly type: 'email' | 'password' | 'text' | 'number' | 'date' | 'tel';
  readonly autocomplete?: string | undefined;
  readonly inputmode?: 'numeric' | undefined;
  /** For type number: `1` for whole numbers, `any` otherwise. */
  readonly step?: string | undefined;
  readonly value?: string | undefined;
  readonly required?: boolean;
  readonly hint?: string | undefined;
  readonly error?: FieldError | undefined;
  /** The id of an alert elsewhere on the page that says why this input is wrong (no message of its own). */
  readonly invalidBy?: string | undefined;
  readonly autofocus?: boolean;
  /** Shown and sent with the form but not editable (an address an invitation fixed). */
  readonly readonly?: boolean;
};

export function field(t: Translate, options: FieldOptions): SafeHtml {
  const id = options.id ?? `field-${options.name}`;
  const { described, invalid } = describedBy(id, options);
  return html`<label for="${id}">${options.label}</label>
<input id="${id}" name="${options.name}" type="${options.type}"${options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ''}${options.inputmode ? html` inputmode="${options.inputmode}"` : ''}${options.step ? html` step="${options.step}"` : ''}${options.value ? html` value="${options.value}"` : ''}${options.required ? html` required` : ''}${options.readonly ? html` readonly` : ''}${options.autofocus ? html` autofocus` : ''}${invalid ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}>
${below(t, id, options)}`;
}

/** A choice of one of a few values; the first option, empty, asks the customer to choose. */
export function selectField(t: Translate, options: Omit<FieldOptions, 'type' | 'autocomplete' | 'inputmode' | 'step'> & { readonly choices: readonly { value: string; label: string }[] }): SafeHtml {
  const id = `field-${options.name}`;
  const { described, invalid } = describedBy(id, options);
  const chosen = options.value ?? '';
  return html`<label for="${id}">${options.label}</label>
<select id="${id}" name="${options.name}"${options.required ? html` required` : ''}${options.autofocus ? html` autofocus` : ''}${invalid ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}>
<option value=""${chosen === '' ? html` selected` : ''}>${t('field.choose')}</option>
${options.choices.map((choice) => html`<option value="${choice.value}"${choice.value === chosen ? html` selected` : ''}>${choice.label}</option>`)}
</select>
${below(t, id, options)}`;
}

/** A yes-or-no trait (such as accepting terms): a box with its label beside it; unticked sends nothing. */
export function checkboxField(t: Translate, options: Omit<FieldOptions, 'type' | 'autocomplete' | 'inputmode' | 'step'> & { readonly checked: boolean }): SafeHtml {
  const id = options.id ?? `field-${options.name}`;
  const { described, invalid } = describedBy(id, options);
  return html`<label class="check" for="${id}"><input id="${id}" name="${options.name}" type="checkbox" value="${options.value ?? 'true'}"${options.checked ? html` checked` : ''}${options.autofocus ? html` autofocus` : ''}${invalid ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}> ${options.label}</label>
${below(t, id, options)}`;
}

function describedBy(id: string, options: Pick<FieldOptions, 'hint' | 'error' | 'invalidBy'>) {
  const described = [options.hint ? `${id}-hint` : '', options.error ? `${id}-error` : '', options.invalidBy ?? ''].filter(Boolean).join(' ');
  return { described, invalid: Boolean(options.error || options.invalidBy) };
}

function below(t: Translate, id: string, options: Pick<FieldOptions, 'hint' | 'error'>): SafeHtml {
  return html`${options.hint ? html`<p class="hint" id="${id}-hint">${options.hint}</p>` : ''}${options.error ? html`<p class="field-error" id="${id}-error" role="alert">${messageOf(t, options.error)}</p>` : ''}`;
}

/** The error's text; a code without a message of its own (an unusual schema keyword) reads as "not valid". */
function messageOf(t: Translate, error: FieldError): string {
  const text = t(error.code, error.params);
  return text === error.code ? t('field.invalid') : text;
}

export function alertBox(t: Translate, error: FieldError | undefined, id?: string): SafeHtml {
  return error ? html`<div class="alert" role="alert"${id ? html` id="${id}"` : ''}><p>${messageOf(t, error)}</p></div>` : html``;
}

/** A status message (something went well), announced politely. */
export function noticeBox(text: string | undefined): SafeHtml {
  return text ? html`<div class="notice" role="status"><p>${text}</p></div>` : html``;
}

/** The application's logo above the heading, so the customer sees whom they sign in to. */
export function appLogo(app: string, logo: string | undefined): SafeHtml {
  return logo ? html`<img class="app-logo" src="${logo}" alt="${app}">` : html``;
}

export function hiddenInputs(values: Record<string, string>): SafeHtml {
  return html`${Object.entries(values).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}`;
}
