// Passkeys (WebAuthn, through @simplewebauthn/server; ADR 0030): a key pair the customer's device
// or password manager holds for this tenant's host, proved by a signature over a challenge. One
// credential row per passkey (type `passkey`), found by its credential id (the row's identifier),
// holding the public key, the signature counter, the backup flags, a name the customer chose and
// when it was last used (SECURITY.md 37). A passkey signs in on its own (first factor, with user
// verification: the device's PIN or biometric makes it multi-factor, AAL2) or completes a password
// sign-in as a second factor. RFC 8176: `hwk` for a key that never leaves its hardware, `swk` for
// one a password manager syncs (backup eligible); with the password, `mfa` too.
//
// Challenges are never stored: a sign-in's is an HMAC of the interaction's login flow id (the flow
// completes once, so an assertion signs in once), a second factor's of its step's flow, and an
// enrolment's is random, sealed with its expiry into the form that posts the answer back.
import { createHmac, createSecretKey, hkdfSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { AuthenticationMethod, AuthenticationResult, Enrolment, FirstFactor, SecondFactor } from '../authentication.ts';
import { authenticatedBy, MFA_ACR, withSecondFactor } from '../authentication.ts';
import type { AttemptRelease, SecondFactorDeps, ThrottledRefusal } from '../second-factor-deps.ts';
import { auditSecondFactor, countedAttempt } from '../second-factor-deps.ts';
import { SIGN_IN_AUDIT_ACTION } from '../../audit/audit.ts';
import type { AuditEvent, RequestContext } from '../../audit/audit.ts';
import type { PasskeyUse, PasskeyUseStore } from './passkey-use.port.ts';
import type { Identity, StoredCredential } from '../../identity/identity.ts';
import type { Tenant } from '../../tenants/tenant.ts';
import { issuerOf } from '../../tenants/tenant.ts';
import { uuidv7 } from '../../../lib/ids.ts';

/** A passkey with user verification: something the customer has, unlocked by something they know or are. */
export const PASSKEY_METHOD: AuthenticationMethod = { id: 'passkey', amr: ['hwk'], acr: MFA_ACR, aal: 2 };

const PASSKEY_CREDENTIAL = 'passkey';
const CEREMONY_TIMEOUT_MS = 5 * 60_000;
const ENROLMENT_LIFETIME_MS = 10 * 60_000;
const NAME_MAX = 64;
/**
 * EdDSA, ES256 and RS256 (COSE), what authenticators use. Named, not the library's default: that
 * asks the runtime about post-quantum keys first, which Node 24 answers with an experimental-feature
 * warning on stderr.
 */
const ALGORITHMS = [-8, -7, -257];

export type PasskeyDeps = SecondFactorDeps & {
  /** The server's public URL: the relying party is the tenant's issuer host, the origin its origin. */
  readonly publicUrl: string;
  /** passkeyChallengeKeyOf(master secret): derives the challenges of sign-ins and second-factor steps. */
  readonly challengeKey: KeyObject;
  /**
   * Writes a passkey sign-in's success together (ADR 0037). Without it, the identity, audit and
   * throttle stores are called one after another.
   */
  readonly passkeyUses?: PasskeyUseStore | undefined;
};

/** What is kept of a passkey (the credential row's config). */
export type PasskeyConfig = {
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: readonly string[];
  /** `multiDevice`: backup eligible (a synced passkey); `singleDevice`: bound to its authenticator. */
  readonly deviceType: 'singleDevice' | 'multiDevice';
  readonly backedUp: boolean;
  readonly aaguid: string;
  readonly name: string;
  readonly lastUsedAt: number | null;
};

type RelyingParty = { readonly id: string; readonly origin: string; readonly name: string };

/**
 * Whether the tenant offers passkeys (settings.passkeys.enabled, default on). Off, no passkey signs
 * in, completes a second factor or is added, whatever the surface; an application may turn them off
 * for its own sign-ins too (`passkeysDisabled`), never on.
 */
export function passkeysAllowed(tenant: Tenant, application?: { readonly passkeysDisabled: boolean } | undefined): boolean {
  return tenant.settings.passkeys?.enabled !== false && application?.passkeysDisabled !== true;
}

/** The relying party of a tenant: its issuer's host (never the request's Host header), and that origin. */
export function relyingPartyOf(publicUrl: string, tenant: Tenant): RelyingParty {
  const issuer = new URL(issuerOf(publicUrl, tenant));
  return { id: issuer.hostname, origin: issuer.origin, name: tenant.settings.branding?.name ?? tenant.name };
}

/** The key of derived challenges, from the master secret (imported once: an HMAC under a Buffer key imports it on every call). */
export function passkeyChallengeKeyOf(masterSecret: string): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', masterSecret, 'foyer-passkey-challenge', 'passkey-challenge', 32)));
}

/** The challenge of a ceremony bound to `binding` (a flow's id): the same on every node, unguessable without the master secret. */
export function derivedChallenge(key: KeyObject, tenantId: string, binding: string): string {
  return createHmac('sha256', key).update(`${tenantId}\0${binding}`).digest('base64url');
}

/** RFC 8176: a key a password manager syncs is software-secured; one that stays in its authenticator, hardware-secured. */
function keyKindOf(config: PasskeyConfig): 'hwk' | 'swk' {
  return config.deviceType === 'multiDevice' ? 'swk' : 'hwk';
}

function methodOf(config: PasskeyConfig): AuthenticationMethod {
  return { ...PASSKEY_METHOD, amr: [keyKindOf(config)] };
}

type PasskeyRefusal = { readonly ok: false; readonly code: 'passkey.invalid' } | ThrottledRefusal;
export type PasskeyFirstFactor = FirstFactor<{ readonly response: string; readonly binding: string }, PasskeyRefusal>;
export type PasskeySecondFactor = SecondFactor<{ readonly code: string; readonly binding: string }, PasskeyRefusal>;

type PasskeyOffer = { readonly options: PublicKeyCredentialCreationOptionsJSON; readonly enrolment: string };
type EnrolmentInput = { readonly response: string; readonly enrolment: string; readonly name?: string | undefined };
type EnrolmentRefusal = { readonly ok: false; readonly code: 'passkey.invalid' | 'passkey.enrolment_expired' | 'passkey.already_enrolled' | 'passkey.disabled' } | ThrottledRefusal;
export type PasskeyEnrolment = Enrolment<PasskeyOffer, EnrolmentInput, EnrolmentRefusal>;

function parseJson<T>(text: string): T | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

/** The customer's passkeys, oldest first. */
export async function passkeysOf(deps: Pick<SecondFactorDeps, 'identities'>, tenantId: string, identityId: string) {
  return (await deps.identities.listCredentials(tenantId, identityId)).filter((credential) => credential.type === PASSKEY_CREDENTIAL);
}

/**
 * Checks an assertion against the stored passkey: signature, challenge, origin, relying party, user
 * verification and counter. Right, it returns the passkey as it is after this use (new counter,
 * backup state, when it was used), for the caller to store.
 */
async function checkAssertion(deps: PasskeyDeps, tenant: Tenant, credential: StoredCredential, response: AuthenticationResponseJSON, challenge: string): Promise<PasskeyConfig | undefined> {
  const config = credential.config as PasskeyConfig;
  const party = relyingPartyOf(deps.publicUrl, tenant);
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: party.origin,
      expectedRPID: party.id,
      credential: { id: response.id, publicKey: Buffer.from(config.publicKey, 'base64url'), counter: config.counter, transports: [...config.transports] as never },
      requireUserVerification: true,
    });
  } catch {
    return undefined;
  }
  if (!verified.verified) return undefined;
  const info = verified.authenticationInfo;
  return { ...config, counter: info.newCounter, backedUp: info.credentialBackedUp, lastUsedAt: (deps.now ?? Date.now)() };
}

/** Checks an assertion (checkAssertion) and, right, stores the passkey's new counter and last use. */
async function verifyAssertion(deps: PasskeyDeps, tenant: Tenant, credential: StoredCredential, response: AuthenticationResponseJSON, challenge: string): Promise<PasskeyConfig | undefined> {
  const updated = await checkAssertion(deps, tenant, credential, response, challenge);
  if (updated) await deps.identities.updateCredentialConfig(tenant.id, credential.id, updated, updated.lastUsedAt ?? (deps.now ?? Date.now)());
  return updated;
}

/**
 * A passkey sign-in's writes once its assertion checked out: the passkey's new counter, the audit
 * entry and the throttle's reset and release. Through the passkey use store when there is one, in
 * one statement (or one commit) with the throttle's part when its counters are in the database too.
 */
async function recordPasskeySignIn(deps: PasskeyDeps, use: PasskeyUse, release: AttemptRelease): Promise<void> {
  const store = deps.passkeyUses;
  if (store?.holdsThrottle) return store.record(use, release);
  if (store) await store.record(use);
  else {
    await deps.identities.updateCredentialConfig(use.tenantId, use.credentialId, use.config, use.now);
    await deps.audit.append(use.audit);
  }
  await deps.throttle.resetAndRelease(release.reset, release.release);
}

/** The passkey as the first and only factor: a discoverable credential names the account itself. */
export function createPasskeyFirstFactor(deps: PasskeyDeps): PasskeyFirstFactor {
  const clock = deps.now ?? Date.now;
  const entryOf = (tenantId: string, context: RequestContext, outcome: 'success' | 'failure', identityId: string | undefined, details: Record<string, unknown>, now = clock()): AuditEvent => ({
    id: uuidv7(now),
    occurredAt: now,
    tenantId,
    action: outcome === 'success' ? SIGN_IN_AUDIT_ACTION : 'signin.failed',
    outcome,
    actor: identityId ? { type: 'customer', id: identityId } : { type: 'customer' },
    target: identityId ? { type: 'identity', id: identityId } : undefined,
    context,
    details: { method: PASSKEY_METHOD.id, ...details },
  });
  const audit = (tenantId: string, context: RequestContext, outcome: 'success' | 'failure', identityId: string | undefined, details: Record<string, unknown>) => deps.audit.append(entryOf(tenantId, context, outcome, identityId, details));
  return {
    method: PASSKEY_METHOD,
    async authenticate(tenant, input, context) {
      if (!passkeysAllowed(tenant)) return { ok: false, code: 'passkey.invalid' };
      const response = parseJson<AuthenticationResponseJSON>(input.response);
      const credentialId = typeof response?.id === 'string' && response.id.length <= 1024 ? response.id : undefined;
      const found = credentialId ? await deps.identities.findCredentialWithIdentity(tenant.id, PASSKEY_CREDENTIAL, credentialId) : undefined;
      if (!response || !found) {
        // Counted on the client address (and one shared key) before anything is written: a flood of made-up keys cannot fill the audit log.
        const refused = await countedAttempt(deps, tenant.id, 'unknown-passkey', context, async () => ({ ok: false, code: 'passkey.invalid' }) as const);
        if (refused.code === 'passkey.invalid') await audit(tenant.id, context, 'failure', undefined, { reason: 'unknown_passkey' });
        return refused;
      }
      const identityId = found.identity.id;
      // The customer's own throttle, as for a code: a stolen key cannot be hammered, the owner's success resets it.
      const outcome = await countedAttempt(
        deps,
        tenant.id,
        identityId,
        context,
        async () => {
          if (found.identity.status !== 'active') return { ok: false, code: 'passkey.invalid' } as const;
          const config = await checkAssertion(deps, tenant, found.credential, response, derivedChallenge(deps.challengeKey, tenant.id, input.binding));
          return config ? ({ ok: true, config } as const) : ({ ok: false, code: 'passkey.invalid' } as const);
        },
        // Right: the new counter, the audit entry and the throttle's release, written together (ADR 0037).
        async (checked, release) => {
          if (!checked.ok) return;
          const now = checked.config.lastUsedAt ?? clock();
          const entry = entryOf(tenant.id, context, 'success', identityId, { credential: found.credential.id }, now);
          await recordPasskeySignIn(deps, { tenantId: tenant.id, credentialId: found.credential.id, config: checked.config, now, audit: entry }, release);
        },
      );
      if (!outcome.ok) {
        if (outcome.code === 'passkey.invalid') await audit(tenant.id, context, 'failure', identityId, { reason: found.identity.status === 'active' ? 'bad_assertion' : 'blocked' });
        return outcome;
      }
      const result: AuthenticationResult = { ...authenticatedBy(PASSKEY_METHOD, identityId), amr: [keyKindOf(outcome.config)] };
      return { ok: true, identity: found.identity, result };
    },
  };
}

/** A passkey after the password: one of the customer's own, named in the step's allow list. */
export function createPasskeySecondFactor(deps: PasskeyDeps): PasskeySecondFactor {
  return {
    method: PASSKEY_METHOD,
    async enrolled(tenant, identityId) {
      // A tenant that turned passkeys off neither offers nor counts the ones its customers made before.
      return passkeysAllowed(tenant) && (await passkeysOf(deps, tenant.id, identityId)).length > 0;
    },
    async verify(tenant, first, input, context) {
      const identityId = first.identityId;
      const outcome = await countedAttempt(deps, tenant.id, identityId, context, async () => {
        const response = parseJson<AuthenticationResponseJSON>(input.code);
        const credential = response ? (await passkeysOf(deps, tenant.id, identityId)).find((candidate) => candidate.identifiers.includes(response.id)) : undefined;
        const config = credential && response ? await verifyAssertion(deps, tenant, credential, response, derivedChallenge(deps.challengeKey, tenant.id, input.binding)) : undefined;
        return config ? ({ ok: true, config } as const) : ({ ok: false, code: 'passkey.invalid' } as const);
      });
      await auditSecondFactor(deps, tenant.id, identityId, context, PASSKEY_METHOD.id, outcome.ok ? 'success' : 'failure', outcome.ok ? {} : { reason: outcome.code });
      return outcome.ok ? { ok: true, result: withSecondFactor(first, methodOf(outcome.config)) } : outcome;
    },
  };
}

/** What the browser needs to ask for one of these passkeys (the second-factor step): their ids and transports. */
export async function allowedPasskeysOf(deps: Pick<SecondFactorDeps, 'identities'>, tenantId: string, identityId: string): Promise<{ id: string; transports: readonly string[] }[]> {
  return (await passkeysOf(deps, tenantId, identityId)).map((credential) => ({ id: credential.identifiers[0] ?? '', transports: (credential.config as PasskeyConfig).transports }));
}

function enrolmentContext(tenantId: string, identityId: string): string {
  return `passkey-enrolment:${tenantId}:${identityId}`;
}

/** A passkey's name when the customer gives none: the day it was made. */
export function cleanPasskeyName(name: string | undefined, fallback: string): string {
  const trimmed = (name ?? '').replace(/\s+/g, ' ').trim().slice(0, NAME_MAX);
  return trimmed === '' ? fallback : trimmed;
}

export function createPasskeyEnrolment(deps: PasskeyDeps): PasskeyEnrolment {
  const clock = deps.now ?? Date.now;
  return {
    method: PASSKEY_METHOD,
    async begin(tenant: Tenant, identity: Identity, now: number) {
      const party = relyingPartyOf(deps.publicUrl, tenant);
      const challenge = randomBytes(32);
      const existing = await allowedPasskeysOf(deps, tenant.id, identity.id);
      const account = typeof identity.traits['email'] === 'string' ? identity.traits['email'] : identity.id;
      const options = await generateRegistrationOptions({
        rpName: party.name,
        rpID: party.id,
        userName: account,
        // The user handle is the account's opaque id: no personal data in it.
        userID: new TextEncoder().encode(identity.id),
        challenge,
        timeout: CEREMONY_TIMEOUT_MS,
        attestationType: 'none',
        excludeCredentials: existing.map((passkey) => ({ id: passkey.id, transports: [...passkey.transports] as never })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        supportedAlgorithmIDs: ALGORITHMS,
      });
      const enrolment = deps.secretBox.seal(JSON.stringify({ challenge: options.challenge, expiresAt: now + ENROLMENT_LIFETIME_MS }), enrolmentContext(tenant.id, identity.id));
      return { options, enrolment };
    },
    async complete(tenant: Tenant, identityId: string, input: EnrolmentInput, context: RequestContext) {
      if (!passkeysAllowed(tenant)) return { ok: false, code: 'passkey.disabled' };
      const challenge = openEnrolment(deps, tenant.id, identityId, input.enrolment, clock());
      if (challenge === undefined) return { ok: false, code: 'passkey.enrolment_expired' };
      const response = parseJson<RegistrationResponseJSON>(input.response);
      if (!response) return { ok: false, code: 'passkey.invalid' };
      const party = relyingPartyOf(deps.publicUrl, tenant);
      let verified;
      try {
        verified = await verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: party.origin, expectedRPID: party.id, requireUserVerification: true, supportedAlgorithmIDs: ALGORITHMS });
      } catch {
        return { ok: false, code: 'passkey.invalid' };
      }
      if (!verified.verified) return { ok: false, code: 'passkey.invalid' };
      const info = verified.registrationInfo;
      const now = clock();
      const config: PasskeyConfig = {
        publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
        counter: info.credential.counter,
        transports: info.credential.transports ?? [],
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        aaguid: info.aaguid,
        name: cleanPasskeyName(input.name, `Passkey ${new Date(now).toISOString().slice(0, 10)}`),
        lastUsedAt: null,
      };
      const id = uuidv7(now);
      try {
        await deps.identities.addCredential(tenant.id, identityId, { id, type: PASSKEY_CREDENTIAL, config, identifiers: [info.credential.id] }, now);
      } catch (error) {
        // The same authenticator's key, registered already (a replayed answer, a second tab).
        if ((error as { code?: unknown }).code === 'identity.identifier_taken') return { ok: false, code: 'passkey.already_enrolled' };
        throw error;
      }
      await auditPasskeyChange(deps, tenant.id, identityId, context, 'passkey.enrolled', id);
      return { ok: true };
    },
  };
}

function openEnrolment(deps: PasskeyDeps, tenantId: string, identityId: string, sealed: string, now: number): string | undefined {
  try {
    const offered = JSON.parse(deps.secretBox.open(sealed, enrolmentContext(tenantId, identityId))) as { challenge?: unknown; expiresAt?: unknown };
    return typeof offered.challenge === 'string' && typeof offered.expiresAt === 'number' && offered.expiresAt > now ? offered.challenge : undefined;
  } catch {
    return undefined;
  }
}

/** The audit entry of a change the customer made to their passkeys (added, renamed, removed). */
export async function auditPasskeyChange(deps: Pick<SecondFactorDeps, 'audit' | 'now'>, tenantId: string, identityId: string, context: RequestContext, action: 'passkey.enrolled' | 'passkey.renamed' | 'passkey.removed', credentialId: string): Promise<void> {
  const now = (deps.now ?? Date.now)();
  await deps.audit.append({ id: uuidv7(now), occurredAt: now, tenantId, action, outcome: 'success', actor: { type: 'customer', id: identityId }, target: { type: 'identity', id: identityId }, context, details: { method: PASSKEY_METHOD.id, credential: credentialId } });
}
