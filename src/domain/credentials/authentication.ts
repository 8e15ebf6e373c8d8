// What a way to sign in is, as the flows see it (DESIGN.md "Authentication methods", ADR 0019): a
// method (password now; passkeys, TOTP, emailed codes, social and enterprise connections next)
// takes part in flow steps through one small interface per step, and every completed step answers
// the same typed AuthenticationResult. Flows, pages, the JSON API and the protocol's claims read
// `amr` and `acr` from that result only, so none of them knows which methods exist.
import type { RequestContext } from '../audit/audit.ts';
import type { Identity } from '../identity/identity.ts';
import type { Tenant } from '../tenants/tenant.ts';

/**
 * Authentication method reference values (RFC 8176 section 2, the IANA registry): what the customer
 * did, as the ID token's `amr` and the session's methods say it.
 */
type AuthenticationMethodReference =
  /** Not in RFC 8176's list, but what federating providers (Microsoft, among others) send: signed in through an upstream identity provider. */
  | 'fed'
  | 'face' | 'fpt' | 'geo' | 'hwk' | 'iris' | 'kba' | 'mca' | 'mfa' | 'otp' | 'pin' | 'pop' | 'pwd' | 'rba' | 'retina' | 'sc' | 'sms' | 'swk' | 'tel' | 'user' | 'vbm' | 'wia';

/** NIST SP 800-63B authenticator assurance level a completed sign-in reached. */
type AssuranceLevel = 1 | 2 | 3;

/** What a method proves when it completes a sign-in on its own: the same for every customer it signs in. */
export type AuthenticationMethod = {
  /** Stable id (the folder under domain/credentials/, and the audit log's `method`). */
  readonly id: string;
  readonly amr: readonly AuthenticationMethodReference[];
  /** The authentication context class reference (OIDC Core 2) a sign-in by this method reaches. */
  readonly acr: string;
  readonly aal: AssuranceLevel;
};

/** Who signed in, and how: everything the session, the interaction result and the ID token say about it. */
export type AuthenticationResult = {
  readonly identityId: string;
  /** The id of the method that completed the sign-in. */
  readonly method: string;
  readonly amr: readonly AuthenticationMethodReference[];
  readonly acr: string;
  readonly aal: AssuranceLevel;
};

/** The result of a sign-in `method` completed for `identityId`. */
export function authenticatedBy(method: AuthenticationMethod, identityId: string): AuthenticationResult {
  return { identityId, method: method.id, amr: method.amr, acr: method.acr, aal: method.aal };
}

/**
 * The first step of a sign-in: tells who the customer is from what they present (an identifier and
 * a password today). `Input` is what the method's routes parse; `Refusal` its own reasons to say no,
 * which its routes render. A refusal never tells a stranger more than a wrong guess would (SECURITY.md 1).
 */
export interface FirstFactor<Input, Refusal extends { readonly ok: false }> {
  readonly method: AuthenticationMethod;
  authenticate(tenant: Tenant, input: Input, context: RequestContext): Promise<FirstFactorOutcome<Refusal>>;
}

/**
 * A first factor that succeeded: the result, and the identity it found (the flow may need more of
 * it, e.g. whether its email is verified). `deviceToken` is what the browser or app keeps so that
 * its next sign-ins are throttled on their own key (flows/device-token.ts).
 */
export type FirstFactorOutcome<Refusal> =
  | { readonly ok: true; readonly identity: Identity; readonly result: AuthenticationResult; readonly deviceToken?: string | undefined }
  | Refusal;

/** The class a sign-in reaches with a second factor (TOTP, a recovery code): what `acr_values` asks for to step up. */
export const MFA_ACR = 'urn:foyer:acr:mfa';

/**
 * A first factor's result completed by a second factor `method`: `amr` says both, and `mfa`
 * (RFC 8176), the class and level are the second factor's, and `method` names it.
 */
export function withSecondFactor(first: AuthenticationResult, method: AuthenticationMethod): AuthenticationResult {
  const amr = [...new Set([...first.amr, ...method.amr, 'mfa' as const])];
  return { identityId: first.identityId, method: method.id, amr, acr: method.acr, aal: method.aal };
}

/**
 * The step after a first factor, when the policy or the application asks for more (ADR 0024):
 * proves the customer holds something enrolled before (an authenticator app, a recovery code).
 * `enrolled` says whether the customer has it to offer; `verify` checks what they present, counted
 * by the code-entry throttle, and answers the combined result (withSecondFactor) or its refusal.
 */
export interface SecondFactor<Input, Refusal extends { readonly ok: false }> {
  readonly method: AuthenticationMethod;
  enrolled(tenant: Tenant, identityId: string): Promise<boolean>;
  verify(tenant: Tenant, first: AuthenticationResult, input: Input, context: RequestContext): Promise<{ readonly ok: true; readonly result: AuthenticationResult } | Refusal>;
}

/**
 * Adding a method to an account (the portal, the Account API, or a sign-in that asks the customer
 * to enrol first): `begin` makes what the customer needs to set it up (a TOTP secret and its QR
 * code), or shows the one `resume` names again after a mistyped code; `complete` checks the customer
 * really set it up and writes the credential.
 */
export interface Enrolment<Offer, Input, Refusal extends { readonly ok: false }> {
  readonly method: AuthenticationMethod;
  begin(tenant: Tenant, identity: Identity, now: number, resume?: string): Promise<Offer>;
  complete(tenant: Tenant, identityId: string, input: Input, context: RequestContext): Promise<{ readonly ok: true } | Refusal>;
}
