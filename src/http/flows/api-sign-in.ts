// How an api flow ends: every first factor of the JSON flows API (and of the federation surface's
// api flows) hands its result to `signedIn`, which runs the second-factor step when one is due
// (second-factor.step.ts, ADR 0036) and otherwise `complete`: the consent step when purposes are
// due, else the session. Nothing else in http/ issues a session for an api flow.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KeyObject } from 'node:crypto';
import type { Stores } from '../../domain/unit-of-work.ts';
import type { Strategies } from '../../domain/credentials/strategies.ts';
import type { AuthenticationResult } from '../../domain/credentials/authentication.ts';
import type { Flow } from '../../domain/flows/flow.ts';
import type { ThrottleStore } from '../../domain/flows/throttle.port.ts';
import type { Identity } from '../../domain/identity/identity.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { issuerOf } from '../../domain/tenants/tenant.ts';
import { offersOf, purposesToRenew } from '../../domain/privacy/collection.ts';
import { completeApiFlow, startPurposesStep } from '../../domain/self-service/api-flow.ts';
import type { CountryOf } from '../../domain/self-service/sign-in-countries.ts';
import { recordSignInCountry } from '../../domain/self-service/sign-in-countries.ts';
import { negotiateLocale } from '../../i18n/locales.ts';
import { flowView, purposeFieldView } from './flow-view.ts';
import { createApiSecondFactorStep } from './second-factor.step.ts';

type ApiSignInDeps = {
  readonly stores: Stores;
  readonly strategies: Strategies;
  readonly throttle: ThrottleStore;
  readonly publicUrl: string;
  /** deviceTokenKeyOf(master secret): adaptive MFA reads the device token the app sent. */
  readonly deviceKey?: KeyObject | undefined;
  /** rememberedDeviceKeyOf(master secret): devices remembered after a second factor (`mfa_device_token`). */
  readonly rememberKey: KeyObject;
  /** passkeyChallengeKeyOf(master secret): the second-factor step's passkey challenge. */
  readonly challengeKey: KeyObject;
  /** The GEOIP_DATABASE lookup: adaptive MFA's new-country signal, and each completed sign-in's country recorded. */
  readonly countryOf?: CountryOf | undefined;
};

export type ApiSignIn = ReturnType<typeof createApiSignIn>;

export function createApiSignIn(deps: ApiSignInDeps) {
  /**
   * Signs the customer in: a session token, and a device token when there is one (docs/self-service.md).
   * A customer with required purposes to accept again (a new version) gets the consent step first:
   * a `purposes` flow holding the sign-in, whose answer issues the session (acceptPurposes).
   * `extra`: more the answer carries (an `mfa_device_token`, the recovery codes made at enrolment).
   */
  async function complete(reply: FastifyReply, tenant: Tenant, flow: Flow, identity: Identity, result: AuthenticationResult, request: FastifyRequest, options: { alreadyComplete: boolean; deviceToken?: string | undefined; extra?: Record<string, unknown> }) {
    const deviceToken = { ...(options.deviceToken ? { device_token: options.deviceToken } : {}), ...options.extra };
    if (flow.type !== 'purposes') {
      const due = await purposesToRenew(deps.stores, tenant.id, identity.id);
      if (due.length > 0) {
        const step = await startPurposesStep(deps.stores.flows, flow, result, { alreadyComplete: options.alreadyComplete });
        const consents = offersOf(tenant, due, localeOf(request, tenant, identity.traits['locale'])).map(purposeFieldView);
        return reply.header('cache-control', 'no-store').send({ flow: flowView(step, issuerOf(deps.publicUrl, tenant), undefined, { consents }), ...deviceToken });
      }
    }
    const device = { userAgent: request.headers['user-agent'], ip: request.ip };
    const { flow: completed, session, token } = await completeApiFlow(deps.stores, flow, result, device, { alreadyComplete: options.alreadyComplete });
    if (deps.countryOf) await recordSignInCountry({ store: deps.stores.signInCountries, countryOf: deps.countryOf }, tenant.id, identity.id, request.ip, Date.now());
    const view = flowView(completed, issuerOf(deps.publicUrl, tenant));
    return reply.header('cache-control', 'no-store').send({ flow: view, session: { ...sessionView(session), token }, identity: identityView(identity), ...deviceToken });
  }

  const secondFactor = createApiSecondFactorStep({ ...deps, complete });
  return { complete, signedIn: secondFactor.signedIn, stepView: secondFactor.viewOf, registerSecondFactorRoutes: secondFactor.register };
}

export function sessionView(session: { id: string; authenticatedAt: number; expiresAt: number; methods: readonly string[]; acr?: string | undefined }) {
  return { id: session.id, authenticated_at: new Date(session.authenticatedAt).toISOString(), expires_at: new Date(session.expiresAt).toISOString(), amr: session.methods, ...(session.acr === undefined ? {} : { acr: session.acr }) };
}

export function identityView(identity: Identity) {
  return { id: identity.id, traits: identity.traits, addresses: identity.addresses.map((a) => ({ kind: a.kind, value: a.value, verified: a.verifiedAt !== null })) };
}

/** The language of emails a native app's flow sends: the customer's locale trait, else the app's Accept-Language. */
export function localeOf(request: FastifyRequest, tenant: Tenant, trait?: unknown) {
  return negotiateLocale({ trait, acceptLanguage: request.headers['accept-language'], tenantDefault: tenant.settings.defaultLocale });
}
