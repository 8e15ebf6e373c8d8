// How a flow looks to a native app: its state, and what to send next (action and fields), so an
// app renders the same steps as the hosted pages without knowing Foyer's internals.
import type { Flow } from '../../domain/flows/flow.ts';

type FieldView = { name: string; type: 'email' | 'password' | 'text' | 'object'; required: boolean; label: string };

const FIELDS: Record<'login' | 'registration', FieldView[]> = {
  login: [
    { name: 'identifier', type: 'email', required: true, label: 'field.email' },
    { name: 'password', type: 'password', required: true, label: 'field.password' },
  ],
  registration: [
    { name: 'traits', type: 'object', required: true, label: 'field.traits' },
    { name: 'password', type: 'password', required: true, label: 'field.password' },
  ],
};

export function flowView(flow: Flow, issuer: string) {
  const type = flow.type === 'registration' ? 'registration' : 'login';
  return {
    id: flow.id,
    type: flow.type,
    kind: flow.kind,
    state: flow.state,
    expires_at: new Date(flow.expiresAt).toISOString(),
    ui: flow.state === 'active' ? { method: 'POST', action: `${issuer}/flows/${type}/${flow.id}`, fields: FIELDS[type] } : null,
  };
}
