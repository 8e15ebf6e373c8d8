// How a flow looks to a native app: its state, and what to send next (action and fields), so an
// app renders the same steps as the hosted pages without knowing Foyer's internals.
import type { Flow } from '../../domain/flows/flow.ts';

type FieldView = { name: string; type: 'email' | 'password' | 'text' | 'object'; required: boolean; label: string };
type Step = { path: string; fields: FieldView[]; resend?: boolean };

const field = (name: string, type: FieldView['type'], label: string): FieldView => ({ name, type, required: true, label });
const CODE: FieldView[] = [field('code', 'text', 'field.code')];

/** The next step of the flow, or null when there is none. */
function stepOf(flow: Flow, verification: Flow | undefined): Step | null {
  const sent = typeof flow.payload['address'] === 'string';
  if (flow.state === 'complete') return null;
  switch (flow.type) {
    case 'login':
      // The password was right, but the tenant wants the email verified first: the emailed code.
      if (verification) return { path: '/code', fields: CODE, resend: true };
      return { path: '', fields: [field('identifier', 'email', 'field.email'), field('password', 'password', 'field.password')] };
    case 'registration':
      return sent ? { path: '/code', fields: CODE, resend: true } : { path: '', fields: [field('traits', 'object', 'field.traits'), field('password', 'password', 'field.password')] };
    case 'recovery':
      if (flow.state === 'verified') return { path: '/password', fields: [field('password', 'password', 'field.new_password')] };
      return sent ? { path: '/code', fields: CODE, resend: true } : { path: '', fields: [field('email', 'email', 'field.email')] };
    default:
      return null;
  }
}

/** `verification`: a login flow's open verification (the code step of a tenant that verifies first). */
export function flowView(flow: Flow, issuer: string, verification?: Flow) {
  const step = flow.state === 'verified' && flow.type !== 'recovery' ? null : stepOf(flow, verification);
  const address = (verification ?? flow).payload['address'];
  const base = `${issuer}/flows/${flow.type}/${flow.id}`;
  return {
    id: flow.id,
    type: flow.type,
    kind: flow.kind,
    state: flow.state,
    expires_at: new Date(flow.expiresAt).toISOString(),
    ...(typeof address === 'string' ? { sent_to: address } : {}),
    ui: step ? { method: 'POST', action: `${base}${step.path}`, fields: step.fields, ...(step.resend ? { resend: `${base}/resend` } : {}) } : null,
  };
}
