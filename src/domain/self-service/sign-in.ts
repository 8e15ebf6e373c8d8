// Password sign-in as every surface runs it (the hosted pages and the JSON flows API alike): the
// password strategy, then, when the tenant requires a verified email before sign-in
// (`verification.allowSignInUnverified: false`) and this customer's is not, an emailed code before
// anyone is signed in. Only the right password for an active account reaches the code step, so it
// tells a stranger nothing that a wrong password does not (SECURITY.md 1); and an address someone
// pre-registered in another person's name never signs in until its inbox proves itself.
import type { SignInDeps, SignInOutcome } from '../flows/password-sign-in.ts';
import { signInWithPassword } from '../flows/password-sign-in.ts';
import type { Flow, FlowKind } from '../flows/flow.ts';
import type { Identity } from '../identity/identity.ts';
import { normalizeAddress } from '../identity/identity.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { Locale } from '../../i18n/locales.ts';
import type { Refusal, SelfServiceDeps } from './code-steps.ts';
import { clock } from './code-steps.ts';
import { startVerification } from './verification.ts';
import { rememberDevice } from '../flows/device-token.ts';

type SignInStep =
  | { readonly ok: true; readonly step: 'signed_in'; readonly identity: Identity; readonly methods: readonly ['pwd']; readonly deviceToken?: string | undefined }
  /** The password was right; `flow` (a verification flow) holds the code just emailed to `identity`. */
  | { readonly ok: true; readonly step: 'verify_address'; readonly identity: Identity; readonly flow: Flow }
  | Exclude<SignInOutcome, { ok: true }>
  | Refusal;

/** Where the verification flow belongs: a browser interaction (`<uid>.verification`) or an api login flow (`<id>.verification`). */
type VerificationOwner = { readonly kind: 'browser'; readonly interactionUid: string } | { readonly kind: 'api'; readonly loginFlowId: string };

export async function signInVerifyingFirst(
  deps: { readonly signIn: SignInDeps; readonly selfService: SelfServiceDeps },
  tenant: Tenant,
  input: { identifier: string; password: string; deviceToken?: string | undefined },
  context: RequestContext,
  verification: VerificationOwner & { readonly locale: Locale },
): Promise<SignInStep> {
  const outcome = await signInWithPassword(deps.signIn, tenant.id, input, context);
  if (!outcome.ok) return outcome;
  const { identity } = outcome;
  if (!mustVerifyFirst(tenant, identity)) return { ok: true, step: 'signed_in', identity, methods: outcome.methods, ...(outcome.deviceToken ? { deviceToken: outcome.deviceToken } : {}) };
  const kind: FlowKind = verification.kind;
  const owner = verification.kind === 'browser' ? { interactionUid: verification.interactionUid } : { parentFlowId: verification.loginFlowId };
  const started = await startVerification(deps.selfService, tenant, { identity, address: emailOf(identity), purpose: 'signin', kind, ...owner }, context, verification.locale);
  if (!started.ok) return started;
  return { ok: true, step: 'verify_address', identity, flow: started.flow };
}

/** Whether this customer must prove their email before signing in to this tenant. */
function mustVerifyFirst(tenant: Tenant, identity: Identity): boolean {
  if (tenant.settings.verification?.allowSignInUnverified !== false) return false;
  const email = emailOf(identity);
  if (email === '') return false;
  const address = normalizeAddress('email', email);
  return !identity.addresses.some((candidate) => candidate.kind === 'email' && candidate.value === address && candidate.verifiedAt !== null);
}

export function emailOf(identity: Identity): string {
  return typeof identity.traits['email'] === 'string' ? identity.traits['email'] : '';
}

/**
 * What a browser or app keeps after an emailed code or link signed the customer in instead of a
 * password (a sign-up, a sign-in that verified its address first): a device token, as a password
 * sign-in hands out, so that someone guessing the password afterwards cannot keep this customer out
 * (SECURITY.md 7). `address` is the code flow's, which is the account's sign-in identifier; `held`
 * are the tokens the browser or app has already.
 */
export function deviceTokenAfterCode(deps: SelfServiceDeps, tenantId: string, address: unknown, held: string | undefined): string | undefined {
  if (!deps.deviceKey || typeof address !== 'string' || address === '') return undefined;
  return rememberDevice(deps.deviceKey, tenantId, address, held, clock(deps));
}
