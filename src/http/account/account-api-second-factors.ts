// The Account API's second factors (issue 17): what the customer has set up, and codes by email
// turned on or off. Turning them on or off needs a token from a sign-in within the last five
// minutes, and from one that used a second factor when the customer has one (SECURITY.md 16), as
// in the portal; the rest of each factor's setup (an authenticator app's QR code, a phone number's
// texted code, a passkey's ceremony) is on the portal's pages, and passkeys have their own routes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { Stores } from '../../domain/unit-of-work.ts';
import type { Strategies } from '../../domain/credentials/strategies.ts';
import { MFA_ACR } from '../../domain/credentials/authentication.ts';
import type { Identity } from '../../domain/identity/identity.ts';
import type { Customer } from '../../domain/account/account.ts';
import { isRecentSignIn } from '../../domain/account/account.ts';
import { secondFactorStatus } from '../../domain/account/second-factors.ts';
import { smsFactorStatus } from '../../domain/account/sms-factor.ts';
import { listPasskeys } from '../../domain/account/passkeys.ts';
import { emailOtpStatus, enableEmailOtp, removeEmailOtp } from '../../domain/account/email-otp-factor.ts';
import { DomainError } from '../../domain/errors.ts';

type Authenticated = { readonly provider: Provider; readonly identity: Identity; readonly customer: Customer; readonly sessionUid: string | undefined };

type SecondFactorRoutesDeps = {
  readonly stores: Stores;
  readonly strategies: Strategies;
  readonly authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<Authenticated>;
};

export function registerSecondFactorRoutes(app: FastifyInstance, base: string, deps: SecondFactorRoutesDeps): void {
  const account = { stores: deps.stores, strategies: deps.strategies };

  app.get(`${base}/second-factors`, async (request, reply) => {
    const { customer } = await deps.authenticate(request, reply);
    const status = await secondFactorStatus(account, customer);
    const sms = await smsFactorStatus(account, customer);
    const email = await emailOtpStatus(account, customer);
    return {
      totp: { enrolled: status.totp !== undefined, enrolled_at: status.totp ? new Date(status.totp.enrolledAt).toISOString() : null },
      recovery_codes_left: status.recoveryCodesLeft ?? null,
      sms: { enrolled: sms.endsWith !== undefined, number_ends_with: sms.endsWith ?? null, available: sms.available },
      passkeys: { count: (await listPasskeys(account, customer)).length },
      email: { enabled: email.enabled, address: email.address ?? null, superseded_by_stronger_factor: email.supersededByStrongerFactor, available: email.available },
      remembered_devices: status.rememberedDevices.length,
    };
  });
  app.put(`${base}/second-factors/email`, async (request, reply) => {
    const signedIn = await deps.authenticate(request, reply);
    await requireAssurance(deps, signedIn, 'Turning codes by email on');
    await enableEmailOtp(account, signedIn.customer);
    return reply.code(204).send();
  });
  app.delete(`${base}/second-factors/email`, async (request, reply) => {
    const signedIn = await deps.authenticate(request, reply);
    await requireAssurance(deps, signedIn, 'Turning codes by email off');
    await removeEmailOtp(account, signedIn.customer);
    return reply.code(204).send();
  });
}

/** A sign-in of the last five minutes, that used a second factor when the customer has one. */
async function requireAssurance(deps: SecondFactorRoutesDeps, signedIn: Authenticated, what: string): Promise<void> {
  const session = signedIn.sessionUid ? await signedIn.provider.Session.findByUid(signedIn.sessionUid) : undefined;
  if (!session || session.accountId !== signedIn.identity.id || !isRecentSignIn(session.loginTs, Date.now())) {
    throw new DomainError('authentication.not_recent', 'forbidden', `${what} needs a token from a sign-in within the last 5 minutes.`);
  }
  if (session.acr !== MFA_ACR && (await deps.strategies.hasSecondFactor(signedIn.customer.tenant, signedIn.identity.id))) {
    throw new DomainError('authentication.not_recent', 'forbidden', `${what} needs a token from a sign-in that used the account's second factor (acr_values=${MFA_ACR}).`);
  }
}
