// How a flow looks to a native app: its state, and what to send next (action and fields), so an
// app renders the same steps as the hosted pages without knowing Foyer's internals.
import type { Flow } from '../../domain/flows/flow.ts';
import type { EnumValue, TraitField } from '../../domain/identity/trait-fields.ts';
import type { Translate } from '../../i18n/translate.ts';
import { traitChoicesOf, traitLabelOf } from '../trait-form.ts';
import type { PurposeOffer } from '../../domain/privacy/collection.ts';

/**
 * A field to send. Foyer's own fields are labelled with a message key (`field.password`); the
 * tenant's traits (`traits.<name>`) with their title in the request's language, with their
 * choices (an enum's `options`) and bounds as the schema gives them.
 */
type FieldView = {
  name: string;
  type: 'email' | 'password' | 'text' | 'object' | 'enum' | 'boolean' | 'number' | 'integer' | 'date';
  required: boolean;
  label: string;
  options?: { value: EnumValue; label: string }[];
  min_length?: number;
  max_length?: number;
  minimum?: number;
  maximum?: number;
  /** A consent purpose (`consents.<id>`): what the customer agrees to, and the version shown. */
  description?: string;
  version?: number;
  /** The purpose sells or shares data: under Sec-GPC: 1 only its version (the customer's own tick) accepts it. */
  sale_or_sharing?: boolean;
};
/** Another way in than the step's own fields; a passkey's carries its WebAuthn request options. */
type Alternative = { method: string; path: string; fields: FieldView[]; options?: Readonly<Record<string, unknown>> };
type Step = { path: string; fields: FieldView[]; resend?: boolean; decline?: boolean; alternatives?: Alternative[] };

const field = (name: string, type: FieldView['type'], label: string): FieldView => ({ name, type, required: true, label });
const CODE: FieldView[] = [field('code', 'text', 'field.code')];

/** How a trait of the sign-up form is described to a native app, in the language of `t`. */
export function traitFieldView(t: Translate, field: TraitField): FieldView {
  const choices = traitChoicesOf(t, field);
  const bounds = { min_length: field.minLength, max_length: field.maxLength, minimum: field.minimum, maximum: field.maximum };
  return {
    name: `traits.${field.name}`,
    type: field.kind,
    required: field.required,
    label: traitLabelOf(t, field),
    ...(field.kind === 'enum' ? { options: field.options.map((value, index) => ({ value, label: choices[index]!.label })) } : {}),
    ...Object.fromEntries(Object.entries(bounds).filter(([, value]) => value !== undefined)),
  };
}

/**
 * A consent purpose as a box to tick (`consents.<id>`, true or its version to accept): its name and description in
 * the request's language, whether it is required, and the version shown.
 */
export function purposeFieldView(offer: PurposeOffer): FieldView {
  return { name: `consents.${offer.id}`, type: 'boolean', required: offer.required, label: offer.name, description: offer.description, version: offer.version, ...(offer.saleOrSharing ? { sale_or_sharing: true } : {}) };
}

/** What a sign-up form or the consent step asks for: the tenant's traits, and its consent purposes. */
type FormFields = { traits?: readonly FieldView[]; consents?: readonly FieldView[]; emailCode?: boolean; smsCode?: boolean; passkey?: Readonly<Record<string, unknown>> | undefined };

/** The next step of the flow, or null when there is none. `form`: what a registration or a consent step asks for. */
function stepOf(flow: Flow, verification: Flow | undefined, form: FormFields): Step | null {
  const sent = typeof flow.payload['address'] === 'string';
  if (flow.state === 'complete') return null;
  switch (flow.type) {
    case 'login':
      // The password was right, but the tenant wants the email verified first: the emailed code.
      if (verification) return { path: '/code', fields: CODE, resend: true };
      return {
        path: '',
        fields: [field('identifier', 'email', 'field.email'), field('password', 'password', 'field.password')],
        // Instead of the password: an emailed or texted code (ADR 0031), which then comes to /code,
        // or a passkey (ADR 0030), whose answer to these options comes to /passkey.
        ...(form.emailCode || form.smsCode || form.passkey
          ? {
              alternatives: [
                ...(form.emailCode ? [{ method: 'email_code', path: '/email', fields: [field('identifier', 'email', 'field.email')] }] : []),
                ...(form.smsCode ? [{ method: 'sms_code', path: '/sms', fields: [field('phone', 'text', 'field.phone')] }] : []),
                ...(form.passkey ? [{ method: 'passkey', path: '/passkey', fields: [field('response', 'object', 'page.signin.passkey')], options: form.passkey }] : []),
              ],
            }
          : {}),
      };
    case 'registration':
      if (sent) return { path: '/code', fields: CODE, resend: true };
      return { path: '', fields: [...(form.traits ?? [field('traits', 'object', 'field.traits')]), field('password', 'password', 'field.password'), ...(form.consents ?? [])] };
    case 'purposes':
      // A sign-in waiting for the customer to accept purposes whose version went up; or to decline them.
      return { path: '', fields: [...(form.consents ?? [])], decline: true };
    case 'recovery':
      if (flow.state === 'verified') return { path: '/password', fields: [field('password', 'password', 'field.new_password')] };
      return sent ? { path: '/code', fields: CODE, resend: true } : { path: '', fields: [field('email', 'email', 'field.email')] };
    default:
      return null;
  }
}

/**
 * `verification`: a login flow's open code step (the verification of a tenant that verifies first,
 * or a sign-in by email). `form.emailCode`: the tenant offers sign-in by an emailed code (ADR 0031).
 * `form.traits`: the sign-up's trait fields (traitFieldView), for a registration flow not yet submitted;
 * `form.consents`: the purposes it (or a consent step) asks about (purposeFieldView).
 */
export function flowView(flow: Flow, issuer: string, verification?: Flow, form: FormFields = {}) {
  const step = flow.state === 'verified' && flow.type !== 'recovery' ? null : stepOf(flow, verification, form);
  const address = (verification ?? flow).payload['address'];
  const base = `${issuer}/flows/${flow.type}/${flow.id}`;
  return {
    id: flow.id,
    type: flow.type,
    kind: flow.kind,
    state: flow.state,
    expires_at: new Date(flow.expiresAt).toISOString(),
    ...(typeof address === 'string' ? { sent_to: address } : {}),
    ui: step
      ? {
          method: 'POST',
          action: `${base}${step.path}`,
          fields: step.fields,
          ...(step.resend ? { resend: `${base}/resend` } : {}),
          ...(step.decline ? { decline: `${base}/decline` } : {}),
          ...(step.alternatives ? { alternatives: step.alternatives.map((alternative) => ({ method: alternative.method, action: `${base}${alternative.path}`, fields: alternative.fields, ...(alternative.options ? { options: alternative.options } : {}) })) } : {}),
        }
      : null,
  };
}
