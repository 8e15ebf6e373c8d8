// The sign-in's consent step: a required purpose the customer agreed to has a new version (or is
// new), and must be accepted before the application is reached. The boxes are the sign-up's
// (purpose-fields.ts), unticked; "Cancel" goes back to the application without signing in to it.
import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import type { Translate } from '../../../i18n/translate.ts';
import { alertBox, appLogo, hiddenInputs } from '../../shared/form-fields.ts';
import type { FieldError } from '../../shared/form-fields.ts';

type PurposesView = {
  readonly app: string;
  readonly appLogo?: string | undefined;
  readonly action: string;
  readonly declineAction: string;
  readonly hidden: Record<string, string>;
  /** The boxes (purpose-fields.ts). */
  readonly purposes: SafeHtml;
  readonly error?: FieldError | undefined;
};

export function purposesPage(t: Translate, view: PurposesView): SafeHtml {
  return html`${appLogo(view.app, view.appLogo)}<h1>${t('page.purposes.heading')}</h1>
${alertBox(t, view.error)}
<p>${t('page.purposes.intro', { app: view.app })}</p>
<form method="post" action="${view.action}" novalidate>
${hiddenInputs(view.hidden)}
${view.purposes}
<button type="submit">${t('page.purposes.accept')}</button>
</form>
<form method="post" action="${view.declineAction}">${hiddenInputs(view.hidden)}<button class="secondary" type="submit">${t('page.purposes.decline')}</button></form>`;
}
