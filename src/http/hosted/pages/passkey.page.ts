// The passkey pieces of the hosted pages and the portal (ADR 0030). Each is a form that works once
// the page's script (assets/passkey.js) has run the browser's ceremony and filled in its answer;
// without JavaScript the button stays hidden and the page says passkeys need it. The ceremony's
// parameters travel in data- attributes, read by the script: no inline code, so the CSP stays strict.
import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import type { Translate } from '../../../i18n/translate.ts';
import { alertBox, field, hiddenInputs } from '../../shared/form-fields.ts';
import type { FieldError } from '../../shared/form-fields.ts';

/** The script tags of a page with a passkey form (`paths`: passkeyScriptPaths). */
function passkeyScripts(paths: readonly string[]): SafeHtml {
  return html`${paths.map((path) => html`<script src="${path}" defer></script>`)}`;
}

function failedAlert(t: Translate): SafeHtml {
  return html`<div class="alert" role="alert" data-passkey-error hidden><p>${t('page.passkey.failed')}</p></div>`;
}

/** Said until the page's script runs (a <noscript> is not shown where scripts are merely blocked). */
function needsScript(t: Translate): SafeHtml {
  return html`<p class="hint" data-passkey-needs-script>${t('page.passkey.needs_script')}</p>`;
}

type Ceremony = { readonly action: string; readonly hidden: Record<string, string>; readonly challenge: string; readonly rpId: string; readonly scripts: readonly string[] };

/** "Sign in with a passkey" under the password form; the same challenge serves the email field's passkey autofill. */
export function passkeySignIn(t: Translate, view: Ceremony): SafeHtml {
  return html`<form method="post" action="${view.action}" class="passkey" data-passkey-signin data-challenge="${view.challenge}" data-rp-id="${view.rpId}">
${hiddenInputs({ ...view.hidden, response: '' })}
${failedAlert(t)}<button type="button" class="secondary" data-passkey-js hidden>${t('page.signin.passkey')}</button>
</form>
${needsScript(t)}${passkeyScripts(view.scripts)}`;
}

/** The second-factor step's passkey: one of the customer's own (`allow`), posted as the step's `code`. */
export function passkeySecondFactor(t: Translate, view: Ceremony & { readonly allow: readonly { id: string; transports: readonly string[] }[] }): SafeHtml {
  return html`<p>${t('page.mfa.passkey_intro')}</p>
<form method="post" action="${view.action}" data-passkey-assert data-challenge="${view.challenge}" data-rp-id="${view.rpId}" data-allow="${JSON.stringify(view.allow.map((passkey) => ({ id: passkey.id, type: 'public-key', transports: passkey.transports })))}">
${hiddenInputs({ ...view.hidden, method: 'passkey', code: '' })}
${failedAlert(t)}<button type="button" data-passkey-js hidden>${t('page.mfa.passkey_button')}</button>
</form>
${needsScript(t)}${passkeyScripts(view.scripts)}`;
}

type Registration = { readonly action: string; readonly hidden: Record<string, string>; readonly options: unknown; readonly enrolment: string; readonly label: string; readonly scripts: readonly string[]; readonly nameField?: boolean };

/** Creates a passkey: the browser's answer and the sealed enrolment post back; in the portal, with a name. */
export function passkeyRegistration(t: Translate, view: Registration): SafeHtml {
  return html`<form method="post" action="${view.action}" data-passkey-register data-options="${JSON.stringify(view.options)}">
${hiddenInputs({ ...view.hidden, enrolment: view.enrolment, response: '' })}
${view.nameField ? field(t, { name: 'name', label: t('field.passkey_name'), type: 'text', autocomplete: 'off' }) : ''}
${failedAlert(t)}<button type="button" data-passkey-js hidden>${view.label}</button>
</form>
${needsScript(t)}${passkeyScripts(view.scripts)}`;
}

/** "Sign in faster next time", after a password sign-in: create a passkey, or not now. */
export function passkeyOfferPage(t: Translate, view: Registration & { readonly skip: { readonly action: string; readonly hidden: Record<string, string> }; readonly error?: FieldError | undefined }): SafeHtml {
  return html`<h1>${t('page.passkey_offer.title')}</h1>
${alertBox(t, view.error)}
<p>${t('page.passkey_offer.intro')}</p>
${passkeyRegistration(t, view)}
<form method="post" action="${view.skip.action}">${hiddenInputs(view.skip.hidden)}<button class="secondary" type="submit">${t('page.passkey_offer.skip')}</button></form>`;
}
