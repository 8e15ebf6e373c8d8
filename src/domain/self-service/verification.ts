// Verifying an address outside sign-up: when a tenant requires a verified email before sign-in,
// and when a customer changes their email (the new address must prove itself before it replaces
// the old one, which is then told). Confirmation is confirmAddress in registration.ts.
import type { Flow, FlowKind } from '../flows/flow.ts';
import { newFlow } from '../flows/flow.ts';
import type { Identity } from '../identity/identity.ts';
import { normalizeAddress } from '../identity/identity.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { ActorType, RequestContext } from '../audit/audit.ts';
import type { Locale } from '../../i18n/locales.ts';
import { uuidv7 } from '../../lib/ids.ts';
import { ValidationError } from '../errors.ts';
import { traitSchemaOf, validateTraits } from '../identity/traits.ts';
import type { Refusal, SelfServiceDeps } from './code-steps.ts';
import { auditOf, clock, composeCode, reserveSend } from './code-steps.ts';

type VerificationPurpose = 'signin' | 'verify' | 'change_email';

type VerificationStart = {
  readonly identity: Identity;
  readonly address: string;
  readonly purpose: VerificationPurpose;
  readonly kind: FlowKind;
  /** Browser flows of an OIDC interaction: the flow is `<uid>.verification`, and completing it signs in. */
  readonly interactionUid?: string | undefined;
  /** An api login flow waiting for this code: the flow is `<login flow id>.verification`. */
  readonly parentFlowId?: string | undefined;
};

export async function startVerification(
  deps: SelfServiceDeps,
  tenant: Tenant,
  start: VerificationStart,
  context: RequestContext,
  locale: Locale,
  /** Someone else sent it on the customer's behalf (an operator): the audit entry names them. */
  by?: { readonly type: ActorType; readonly id?: string | undefined },
): Promise<{ readonly ok: true; readonly flow: Flow } | Refusal> {
  const address = normalizeAddress('email', start.address);
  const refused = await reserveSend(deps, tenant.id, address, context);
  if (refused) return refused;
  const now = clock(deps);
  const parent = start.interactionUid ?? start.parentFlowId;
  const id = parent ? `${parent}.verification` : uuidv7(now);
  const draft = newFlow({ id, tenantId: tenant.id, type: 'verification', kind: start.kind, interactionUid: start.interactionUid ?? null, payload: { purpose: start.purpose, locale }, now });
  return deps.transaction(async (stores) => {
    const sent = await composeCode(deps, stores, { tenant, flow: draft, locale, linkPath: 'verify', kind: 'verify_email', context }, { address, subjectId: start.identity.id, sentCount: 0 });
    const flow: Flow = { ...draft, payload: sent.payload };
    // A second sign-in of the same interaction (or login flow) starts its verification again.
    if (parent) await stores.flows.delete(tenant.id, id);
    await stores.flows.create(flow);
    const entry = auditOf(tenant.id, 'address.verification_sent', start.identity.id, context, { purpose: start.purpose });
    await stores.audit.append(by ? { ...entry, actor: { type: by.type, id: by.id } } : entry);
    return { ok: true, flow } as const;
  });
}

/**
 * A change of email, started by a customer who signed in recently (SECURITY.md 16): the new address
 * must be valid for the tenant's schema, and proves itself by a code before it replaces the old one
 * (which is then told). Whether another account holds it is only said to whoever controls its inbox,
 * at confirmation. Throws ValidationError (field `email`) for an invalid or unchanged address.
 */
export async function startEmailChange(deps: SelfServiceDeps, tenant: Tenant, identity: Identity, newEmail: string, kind: FlowKind, context: RequestContext, locale: Locale) {
  const address = normalizeAddress('email', newEmail);
  const current = typeof identity.traits['email'] === 'string' ? normalizeAddress('email', identity.traits['email']) : '';
  const problems = validateTraits(traitSchemaOf(tenant.settings), { ...identity.traits, email: newEmail.trim() }).filter((problem) => problem.field === 'email');
  if (problems.length > 0) throw new ValidationError(problems);
  if (address === current) throw new ValidationError([{ field: 'email', code: 'email.unchanged', message: 'This is already your email address.' }]);
  return startVerification(deps, tenant, { identity, address, purpose: 'change_email', kind }, context, locale);
}

/** The customer's own change-of-email flow, if `id` is one and still open. */
export async function emailChangeOf(deps: SelfServiceDeps, tenantId: string, identityId: string, id: string): Promise<Flow | undefined> {
  const flow = id && id.length <= 100 ? await deps.stores.flows.find(tenantId, id, clock(deps)) : undefined;
  const mine = flow?.type === 'verification' && flow.payload['purpose'] === 'change_email' && flow.payload['subjectId'] === identityId;
  return mine ? flow : undefined;
}
