// Sign-up, verification first (SECURITY.md 1, ADR 0010): every acceptable sign-up answers "we sent
// you a code", whether the email is new or already has an account. A new email gets its account
// (unverified) and a code and link; a taken one gets no account and no code, and its owner an email
// saying someone tried to sign up with it. Only the code (or the link, in the same browser) signs
// the customer in, so a stranger learns nothing about who has an account.
//
//   stateDiagram-v2
//     active --> active: form submitted (code sent) · code resent · wrong code
//     active --> complete: right code (signed in)
//     active --> verified: link opened in another browser (address verified, nobody signed in)
//     active --> verified: link opened in the same browser; the interaction then completes
import type { FieldProblem } from '../errors.ts';
import { DomainError } from '../errors.ts';
import type { Flow } from '../flows/flow.ts';
import type { Identity, Traits } from '../identity/identity.ts';
import type { TraitSchema } from '../identity/traits.ts';
import { hasTrait, traitSchemaOf } from '../identity/traits.ts';
import { checkNewIdentity, identityCreatedPayload, passwordIdentifierOf, prepareNewIdentity, trimTraits } from '../identity/new-identity.ts';
import type { Tenant } from '../tenants/tenant.ts';
import { recordEvent } from '../events/record-event.ts';
import { issuerOf, signUpAllowed } from '../tenants/tenant.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { Locale } from '../../i18n/locales.ts';
import { queueMail } from '../mail/mail.ts';
import type { ConsentMethod } from '../privacy/consent-record.ts';
import { appendConsents } from '../privacy/ledger.ts';
import type { Acceptance } from '../privacy/collection.ts';
import { signUpConsents } from '../privacy/collection.ts';
import type { Refusal, SelfServiceDeps } from './code-steps.ts';
import { auditOf, checkCode, clock, composeCode, reserveSend, spent } from './code-steps.ts';

type RegistrationSubmitted = { readonly ok: true; readonly payload: Record<string, unknown> } | { readonly ok: false; readonly code: 'invalid'; readonly problems: readonly FieldProblem[] } | Refusal;

/**
 * The customer's answers to the tenant's consent purposes, and how they reached Foyer (the ledger's
 * `method`, and whether the request carried `Sec-GPC: 1`): every required purpose must be accepted.
 */
type SignUpConsents = { readonly acceptance: Acceptance; readonly method: ConsentMethod; readonly gpc: boolean };

type SignUpInput = { traits: Traits; password: string; consents?: SignUpConsents | undefined };

/**
 * A sign-up as every surface submits it (the hosted page's form, the JSON API's traits): the
 * tenant's schema decides what is asked, and the language the customer signed up in (`locale`) is
 * theirs, for emails and pages, until they change it: it becomes the `locale` trait when the
 * schema has one.
 */
export async function startSignUp(deps: SelfServiceDeps, tenant: Tenant, flow: Flow, input: SignUpInput, context: RequestContext, locale: Locale): Promise<RegistrationSubmitted> {
  if (!signUpAllowed(tenant)) throw signUpDisabled();
  const schema = traitSchemaOf(tenant.settings);
  const traits = hasTrait(schema, 'locale') ? { ...input.traits, locale } : input.traits;
  return submitRegistration(deps, tenant, schema, flow, { ...input, traits }, context, locale);
}

/** Nobody signs up where the tenant's owners add the accounts (the admin tenant). */
export function signUpDisabled(): DomainError {
  return new DomainError('signup.disabled', 'forbidden', 'Accounts here are created by the administrators; sign-up is not offered.');
}

export async function submitRegistration(
  deps: SelfServiceDeps,
  tenant: Tenant,
  schema: TraitSchema,
  flow: Flow,
  input: SignUpInput,
  context: RequestContext,
  locale: Locale,
): Promise<RegistrationSubmitted> {
  const traits = trimTraits(input.traits);
  // Checked before anything else, and the same whether or not the email is taken (SECURITY.md 1).
  const consents = signUpConsents(tenant, await deps.stores.purposes.list(tenant.id), input.consents?.acceptance ?? {}, locale, input.consents?.gpc ?? false);
  const problems = [...(await checkNewIdentity(schema, traits, input.password, deps.breachedCheck)), ...consents.problems];
  if (problems.length > 0) return { ok: false, code: 'invalid', problems };
  const address = passwordIdentifierOf(traits);
  const refused = await reserveSend(deps, tenant.id, address, context);
  if (refused) return refused;

  const now = clock(deps);
  // Hashed whether or not the email is free: both answers cost the same argon2id work.
  const record = await prepareNewIdentity({ tenantId: tenant.id, schema, traits, password: input.password, now });
  const mail = { tenant, flow, locale, linkPath: 'verify', kind: 'verify_email', context } as const;
  // The flow keeps the application the sign-up came from: its verification, perhaps by a link
  // opened elsewhere, counts in that application's funnel (ADR 0022).
  const application = context.applicationId ?? '';
  deps.stats?.count(tenant.id, 'signup.submitted', { application });
  try {
    const sent = await deps.transaction(async (stores) => {
      const created = await stores.identities.create(record);
      await stores.audit.append(auditOf(tenant.id, 'signup.succeeded', created.id, context, { method: 'password' }));
      await recordEvent(stores.outbox, { tenantId: tenant.id, aggregateId: created.id, occurredAt: now }, { type: 'identity.created', payload: identityCreatedPayload(created) });
      // The purposes accepted on the form, proved with the account's creation (GDPR Art. 7(1)).
      const how = { clientId: context.applicationId || undefined, ip: context.ip, userAgent: context.userAgent, method: input.consents?.method ?? 'signup_page', gpc: input.consents?.gpc ?? false } as const;
      await appendConsents(stores, tenant, created.id, consents.decisions, how, now);
      const sent = await composeCode(deps, stores, mail, { address, subjectId: created.id, sentCount: 0 }, { application });
      await advanceOrFail(stores.flows.advance(tenant.id, flow.id, 'active', { state: 'active', payload: sent.payload }, now));
      return sent;
    });
    deps.stats?.count(tenant.id, 'signup.created', { application });
    deps.stats?.signedUp(tenant.id, record.id, application);
    return sent;
  } catch (error) {
    if (!(error instanceof DomainError) || error.kind !== 'conflict') throw error;
  }
  // The email has an account. Its owner hears about the attempt; the form answers as above.
  return deps.transaction(async (stores) => {
    const signIn = `${issuerOf(deps.publicUrl, tenant)}/account`;
    await queueMail(stores.mail, tenant, { tenantId: tenant.id, to: address, kind: 'account_exists', locale, params: { link: signIn } }, now);
    await stores.audit.append(auditOf(tenant.id, 'signup.failed', undefined, context, { method: 'password', reason: 'address_taken' }, 'failure'));
    const sent = await composeCode(deps, stores, mail, { address, sentCount: 0 }, { application });
    await advanceOrFail(stores.flows.advance(tenant.id, flow.id, 'active', { state: 'active', payload: sent.payload }, now));
    return sent;
  });
}

type Verified = { readonly ok: true; readonly identity: Identity } | Refusal;

/**
 * The code (or link) of a registration or address-verification flow: marks the address verified
 * and moves the flow to `to` (complete: the caller signs the customer in; verified: it does not),
 * once. `change` runs in the same transaction for flows that do more (a change of email).
 */
export async function confirmAddress(
  deps: SelfServiceDeps,
  tenant: Tenant,
  flow: Flow,
  given: { code?: string; token?: string },
  context: RequestContext,
  to: 'complete' | 'verified',
  extraPayload: Record<string, unknown> = {},
): Promise<Verified> {
  if (flow.state !== 'active') return { ok: false, code: given.token !== undefined ? 'link.invalid' : 'code.invalid' };
  const checked = await checkCode(deps, flow, given, context);
  if (!checked.ok) return checked;
  const now = clock(deps);
  const address = String(flow.payload['address']);
  const verified = await deps.transaction(async (stores) => {
    const moved = await stores.flows.advance(tenant.id, flow.id, 'active', { state: to, payload: { ...spent(flow.payload), ...extraPayload }, identityId: checked.subjectId }, now);
    const identity = moved ? await stores.identities.findById(tenant.id, checked.subjectId) : undefined;
    if (!identity || identity.status !== 'active') return { ok: false, code: given.token !== undefined ? 'link.invalid' : 'code.invalid' } as const;
    const purpose = flow.payload['purpose'];
    if (purpose === 'change_email') {
      await changeEmail(stores, tenant, identity, address, flow, context, now);
    } else {
      await stores.identities.markAddressVerified(tenant.id, identity.id, 'email', address, now);
      await stores.audit.append(auditOf(tenant.id, 'address.verified', identity.id, context, { kind: 'email', via: given.token !== undefined ? 'link' : 'code' }));
      await recordEvent(stores.outbox, { tenantId: tenant.id, aggregateId: identity.id, occurredAt: now }, { type: 'identity.address_verified', payload: { kind: 'email' } });
    }
    return { ok: true, identity: (await stores.identities.findById(tenant.id, identity.id))! } as const;
  });
  // A sign-up's address verified: the funnel's third step, in the application it came from.
  if (verified.ok && flow.type === 'registration') deps.stats?.count(tenant.id, 'signup.verified', { application: String(flow.payload['application'] ?? '') });
  return verified;
}

/** The verified new address replaces the old one everywhere; the old address is told. */
async function changeEmail(stores: SelfServiceStores, tenant: Tenant, identity: Identity, address: string, flow: Flow, context: RequestContext, now: number): Promise<void> {
  const previous = typeof identity.traits['email'] === 'string' ? identity.traits['email'] : '';
  await stores.identities.replaceEmail(tenant.id, identity.id, { from: previous, to: address, traits: { ...identity.traits, email: address }, verifiedAt: now }, now);
  await stores.audit.append(auditOf(tenant.id, 'email.changed', identity.id, context));
  await recordEvent(stores.outbox, { tenantId: tenant.id, aggregateId: identity.id, occurredAt: now }, { type: 'identity.updated', payload: { changed: ['email'] } });
  if (previous) {
    const locale = String(flow.payload['locale'] ?? 'en') as Locale;
    await queueMail(stores.mail, tenant, { tenantId: tenant.id, to: previous, kind: 'email_changed', locale, params: { newEmail: address } }, now);
  }
}

type SelfServiceStores = Parameters<Parameters<SelfServiceDeps['transaction']>[0]>[0];

async function advanceOrFail(advanced: Promise<boolean>): Promise<void> {
  if (!(await advanced)) throw new DomainError('flow.expired', 'conflict', 'This flow has expired or moved on; start again.');
}
