// Accessible form pieces shared by the hosted pages: a labelled input whose error is announced and
// tied to it, and the alert at the top of a form.
import { html } from '../html.ts';
import type { SafeHtml } from '../html.ts';
import type { Translate } from '../../../i18n/translate.ts';

export type FieldError = { readonly code: string; readonly params?: Record<string, string | number> };

type FieldOptions = {
  readonly name: string;
  readonly label: string;
  readonly type: 'email' | 'password' | 'text';
  readonly autocomplete: string;
  readonly value?: string | undefined;
  readonly required?: boolean;
  readonly hint?: string | undefined;
  readonly error?: FieldError | undefined;
  readonly autofocus?: boolean;
};

export function field(t: Translate, options: FieldOptions): SafeHtml {
  const id = `field-${options.name}`;
  const described = [options.hint ? `${id}-hint` : '', options.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<label for="${id}">${options.label}</label>
<input id="${id}" name="${options.name}" type="${options.type}" autocomplete="${options.autocomplete}"${options.value ? html` value="${options.value}"` : ''}${options.required ? html` required` : ''}${options.autofocus ? html` autofocus` : ''}${options.error ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}>
${options.hint ? html`<p class="hint" id="${id}-hint">${options.hint}</p>` : ''}${options.error ? html`<p class="field-error" id="${id}-error">${t(options.error.code, options.error.params)}</p>` : ''}`;
}

export function alertBox(t: Translate, error: FieldError | undefined): SafeHtml {
  return error ? html`<div class="alert" role="alert"><p>${t(error.code, error.params)}</p></div>` : html``;
}

export function hiddenInputs(values: Record<string, string>): SafeHtml {
  return html`${Object.entries(values).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}`;
}
