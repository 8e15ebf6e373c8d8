// Accessible form pieces shared by the hosted pages: a labelled input whose error is announced and
// tied to it, and the alert at the top of a form.
import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import type { Translate } from '../../../i18n/translate.ts';

export type FieldError = { readonly code: string; readonly params?: Record<string, string | number> };

type FieldOptions = {
  readonly name: string;
  readonly label: string;
  readonly type: 'email' | 'password' | 'text';
  readonly autocomplete: string;
  readonly inputmode?: 'numeric' | undefined;
  readonly value?: string | undefined;
  readonly required?: boolean;
  readonly hint?: string | undefined;
  readonly error?: FieldError | undefined;
  /** The id of an alert elsewhere on the page that says why this input is wrong (no message of its own). */
  readonly invalidBy?: string | undefined;
  readonly autofocus?: boolean;
};

export function field(t: Translate, options: FieldOptions): SafeHtml {
  const id = `field-${options.name}`;
  const described = [options.hint ? `${id}-hint` : '', options.error ? `${id}-error` : '', options.invalidBy ?? ''].filter(Boolean).join(' ');
  const invalid = Boolean(options.error || options.invalidBy);
  return html`<label for="${id}">${options.label}</label>
<input id="${id}" name="${options.name}" type="${options.type}" autocomplete="${options.autocomplete}"${options.inputmode ? html` inputmode="${options.inputmode}"` : ''}${options.value ? html` value="${options.value}"` : ''}${options.required ? html` required` : ''}${options.autofocus ? html` autofocus` : ''}${invalid ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}>
${options.hint ? html`<p class="hint" id="${id}-hint">${options.hint}</p>` : ''}${options.error ? html`<p class="field-error" id="${id}-error" role="alert">${t(options.error.code, options.error.params)}</p>` : ''}`;
}

export function alertBox(t: Translate, error: FieldError | undefined, id?: string): SafeHtml {
  return error ? html`<div class="alert" role="alert"${id ? html` id="${id}"` : ''}><p>${t(error.code, error.params)}</p></div>` : html``;
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
