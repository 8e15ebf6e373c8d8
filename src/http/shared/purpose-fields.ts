// The tenant's consent purposes as boxes to tick (sign-up, the sign-in's consent step, the account
// portal): the purpose's name beside its box, "required" said in words, the description as the
// box's hint. A box posts the version it showed (`consents.<id>=<version>`), so a purpose changed
// while the page was open is not accepted unseen. Nothing is ticked unless the customer ticked it.
import { html } from '../../lib/html.ts';
import type { SafeHtml } from '../../lib/html.ts';
import type { Translate } from '../../i18n/translate.ts';
import type { Acceptance, PurposeOffer } from '../../domain/privacy/collection.ts';
import type { FieldError } from './form-fields.ts';
import { checkboxField } from './form-fields.ts';

type PurposeFieldsView = {
  readonly offers: readonly PurposeOffer[];
  /** What the customer ticked (a form shown again keeps it), by purpose id. */
  readonly checked: Acceptance;
  readonly errors: Readonly<Record<string, FieldError>>;
  /** The request carried `Sec-GPC: 1`: a purpose that sells or shares data says it stays off unless ticked. */
  readonly gpc: boolean;
  readonly legend: string;
};

export function purposeFields(t: Translate, view: PurposeFieldsView): SafeHtml {
  if (view.offers.length === 0) return html``;
  return html`<fieldset class="purposes"><legend>${view.legend}</legend>
${view.offers.map((offer) => {
  const label = offer.required ? t('page.purposes.required_label', { name: offer.name }) : offer.name;
  const hint = offer.saleOrSharing && view.gpc ? `${offer.description} ${t('page.purposes.gpc_note')}` : offer.description;
  return checkboxField(t, { name: `consents.${offer.id}`, label, value: String(offer.version), checked: Boolean(view.checked[offer.id]), hint, error: view.errors[`consents.${offer.id}`] });
})}
</fieldset>`;
}

/** The answers a posted form carries: `consents.<id>=<version>` for each ticked box. */
export function acceptanceOf(form: Readonly<Record<string, string>>): Record<string, number> {
  const acceptance: Record<string, number> = {};
  for (const [name, value] of Object.entries(form)) {
    if (!name.startsWith('consents.')) continue;
    const version = Number(value);
    if (Number.isSafeInteger(version) && version > 0) acceptance[name.slice('consents.'.length)] = version;
  }
  return acceptance;
}
