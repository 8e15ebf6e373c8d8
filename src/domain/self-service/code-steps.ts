// The steps every code-bearing flow shares (sign-up verification, address verification, recovery):
// sending a code and link, resending it, and checking a typed code or a clicked link, each throttled
// (SECURITY.md 7, 11, 30). Throttles are keyed by what the customer typed, never by whether an
// account exists, so being throttled reveals nothing either (SECURITY.md 1).
import type { KeyObject } from 'node:crypto';
import type { Flow } from '../flows/flow.ts';
import type { ThrottlePolicy, ThrottleStore } from '../flows/throttle.port.ts';
import type { Stores, UnitOfWork } from '../unit-of-work.ts';
import type { Tenant } from '../tenants/tenant.ts';
import { issuerOf } from '../tenants/tenant.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { AuditEntry } from '../audit/audit.ts';
import type { BreachedPasswordCheck } from '../credentials/password/breached.ts';
import type { MailKind } from '../mail/mail.port.ts';
import type { StatsRecorder } from '../stats/stats-recorder.port.ts';
import type { EventInterest } from '../events/event-interest.port.ts';
import type { Locale } from '../../i18n/locales.ts';
import { queueMail, rehearseMail } from '../mail/mail.ts';
import { uuidv7 } from '../../lib/ids.ts';
import { CODE_LIFETIME_MS, codeMatches, issueCode, secretOf, tokenMatches, unmatchable } from './one-time-code.ts';
import type { CodeSecret } from './one-time-code.ts';

/** What the self-service steps read outside a transaction. */
/** What the steps read; `outbox` records what needs no transaction of its own (a completed sign-in). */
type SelfServiceReads = Pick<Stores, 'identities' | 'flows' | 'latestCodes' | 'purposes' | 'outbox'>;
/** What they write, each step's writes in one unit of work. */
type SelfServiceStores = Pick<Stores, 'identities' | 'flows' | 'latestCodes' | 'mail' | 'audit' | 'outbox' | 'oidcArtifacts' | 'sessions' | 'sms' | 'consentLedger'>;

export type SelfServiceDeps = {
  readonly stores: SelfServiceReads;
  readonly transaction: UnitOfWork<SelfServiceStores>;
  readonly throttle: ThrottleStore;
  /** HMAC key of one-time codes (codeKeyOf the master secret). */
  readonly codeKey: Buffer;
  /** Links in emails start here, never at a request's Host header (SECURITY.md 9). */
  readonly publicUrl: string;
  readonly breachedCheck?: BreachedPasswordCheck | undefined;
  /** deviceTokenKeyOf(master secret): a completed recovery hands the owner's browser or app a device token. */
  readonly deviceKey?: KeyObject | undefined;
  /** Sign-ups, sign-ins and their failures, counted in memory for the dashboards (ADR 0022). */
  readonly stats?: StatsRecorder | undefined;
  /** Which events outside subscribers take: a sign-in is recorded only when one does (without it, always). */
  readonly events?: EventInterest | undefined;
  readonly now?: () => number;
};

/** Emails sent to one address: a few freely, then ever longer waits (no mail bombing). */
const SEND_ADDRESS_POLICY: ThrottlePolicy = { freeAttempts: 3, windowMs: 60 * 60_000, maxDelayMs: 15 * 60_000 };
/** Emails triggered from one client address, whatever the recipient. */
const SEND_CLIENT_POLICY: ThrottlePolicy = { freeAttempts: 100, windowMs: 60 * 60_000, maxDelayMs: 15 * 60_000 };
/** Codes typed into one flow: five tries, then ever longer waits; 20 or so tries in a code's life of a million codes. */
export const ENTRY_FLOW_POLICY: ThrottlePolicy = { freeAttempts: 5, windowMs: CODE_LIFETIME_MS, maxDelayMs: 15 * 60_000 };
/** Codes typed from one client address, across flows. */
const ENTRY_CLIENT_POLICY: ThrottlePolicy = { freeAttempts: 30, windowMs: 15 * 60_000, maxDelayMs: 15 * 60_000 };
/**
 * Codes typed for one address, across all its flows and from any client address: ten a day, then
 * ever longer waits up to an hour, so about 44 guesses a day at the address's one live code
 * (a chance of 1 in 23,000 a day). Keyed by the address typed, owned or not (SECURITY.md 1). A link
 * is not counted here: its token cannot be guessed, so whoever keeps this counter spent cannot keep
 * the owner from verifying or recovering by the emailed link.
 */
export const ENTRY_ADDRESS_POLICY: ThrottlePolicy = { freeAttempts: 10, windowMs: 24 * 60 * 60_000, maxDelayMs: 60 * 60_000 };
/** The keys counted under ENTRY_ADDRESS_POLICY start with this (the sweep keeps them a day). */
export const ENTRY_ADDRESS_KEY_PREFIX = 'code:address:';

/** A resend waits this long after the last send; a flow sends at most MAX_SENDS codes. */
const RESEND_INTERVAL_MS = 30_000;
const MAX_SENDS = 5;

/** What a code-bearing flow's payload holds. `subjectId` is whose address it is: absent for an address nobody owns. */
type CodePayload = CodeSecret & {
  readonly address: string;
  readonly subjectId?: string | undefined;
  readonly sentCount: number;
  readonly lastSentAt: number;
};

export type Refusal =
  | { readonly ok: false; readonly code: 'code.invalid' | 'link.invalid' | 'code.resend_limit' }
  | { readonly ok: false; readonly code: 'code.throttled' | 'code.resend_wait'; readonly retryAfterSeconds: number };

type Sent = { readonly ok: true; readonly payload: Record<string, unknown> };

type CodeMail = {
  readonly tenant: Tenant;
  readonly flow: Flow;
  readonly locale: Locale;
  /** The page a link opens: verify (addresses), recovery (passwords) or signin-link (a sign-in without a password). */
  readonly linkPath: 'verify' | 'recovery' | 'signin-link';
  readonly kind: MailKind;
  readonly context: RequestContext;
};

export function clock(deps: SelfServiceDeps): number {
  return (deps.now ?? Date.now)();
}

/** Reserves one email to `address` from this client, or says how long to wait. */
export async function reserveSend(deps: SelfServiceDeps, tenantId: string, address: string, context: RequestContext): Promise<Refusal | undefined> {
  const reservation = await deps.throttle.reserveAll(
    [
      { key: `mail:to:${tenantId}:${address}`, policy: SEND_ADDRESS_POLICY },
      { key: `mail:ip:${tenantId}:${context.ip ?? 'unknown'}`, policy: SEND_CLIENT_POLICY },
    ],
    clock(deps),
  );
  return reservation.allowed ? undefined : { ok: false, code: 'code.throttled', retryAfterSeconds: Math.ceil(reservation.retryAfterMs / 1000) };
}

/**
 * A fresh code and link for the flow: the payload to store, and (when the address has an owner) the
 * email queued with `stores` (call inside the transaction that stores the payload). An address
 * nobody owns gets a payload of the same shape that no code matches, and no email.
 */
export async function composeCode(deps: SelfServiceDeps, stores: SelfServiceStores, mail: CodeMail, base: { address: string; subjectId?: string | undefined; sentCount: number }, extra: Record<string, unknown> = {}): Promise<Sent> {
  const now = clock(deps);
  const { flow, tenant } = mail;
  let secret: CodeSecret;
  const issued = issueCode(deps.codeKey, flow.id, now);
  const link = `${issuerOf(deps.publicUrl, tenant)}/${mail.linkPath}?flow=${encodeURIComponent(flow.id)}&token=${issued.token}`;
  const request = { tenantId: tenant.id, to: base.address, kind: mail.kind, locale: mail.locale, params: { code: issued.code, link, expiresInMinutes: String(CODE_LIFETIME_MS / 60_000) } };
  if (base.subjectId) {
    secret = issued.secret;
    await queueMail(stores.mail, tenant, request, now);
  } else {
    // Nobody to send it to: the same work all the same, so the answer takes as long.
    secret = unmatchable(issued.secret);
    rehearseMail(tenant, request);
  }
  // The new code is the address's only live one: every code sent to it before is void (owned
  // address or not, so the work is the same).
  await stores.latestCodes.record(tenant.id, base.address, flow.id, secret.codeExpiresAt);
  const payload: CodePayload = { ...secret, address: base.address, subjectId: base.subjectId, sentCount: base.sentCount + 1, lastSentAt: now };
  return { ok: true, payload: { ...flow.payload, ...extra, ...payload } };
}

/**
 * Sends the flow's code again (same rules whether the address has an owner or not): not within
 * RESEND_INTERVAL_MS of the last one, at most MAX_SENDS per flow, and within the send throttle.
 */
export async function resendCode(deps: SelfServiceDeps, mail: CodeMail): Promise<Sent | Refusal> {
  const now = clock(deps);
  const payload = mail.flow.payload as Partial<CodePayload>;
  if (typeof payload.address !== 'string') return { ok: false, code: 'code.invalid' };
  const sentCount = payload.sentCount ?? 0;
  if (sentCount >= MAX_SENDS) return { ok: false, code: 'code.resend_limit' };
  const wait = (payload.lastSentAt ?? 0) + RESEND_INTERVAL_MS - now;
  if (wait > 0) return { ok: false, code: 'code.resend_wait', retryAfterSeconds: Math.ceil(wait / 1000) };
  const refused = await reserveSend(deps, mail.tenant.id, payload.address, mail.context);
  if (refused) return refused;
  return deps.transaction(async (stores) => {
    const sent = await composeCode(deps, stores, mail, { address: payload.address!, subjectId: payload.subjectId, sentCount });
    if (!(await stores.flows.advance(mail.tenant.id, mail.flow.id, mail.flow.state, { state: mail.flow.state, payload: sent.payload }, now))) {
      return { ok: false, code: 'code.invalid' } as const;
    }
    return sent;
  });
}

/**
 * Checks a typed code (or a clicked link's token) against the flow, throttled per flow and per
 * client address, and a typed code also per address it was sent to (across every flow). Only the
 * latest code sent to an address works. Answers the flow's subject when it matches; the caller
 * then advances the flow atomically, which makes the code work once.
 */
export async function checkCode(deps: SelfServiceDeps, flow: Flow, given: { code?: string; token?: string }, context: RequestContext): Promise<{ ok: true; subjectId: string } | Refusal> {
  const now = clock(deps);
  const address = typeof flow.payload['address'] === 'string' ? flow.payload['address'] : undefined;
  const typed = given.token === undefined;
  const addressKey = typed && address !== undefined ? `${ENTRY_ADDRESS_KEY_PREFIX}${flow.tenantId}:${address}` : undefined;
  const reservation = await deps.throttle.reserveAll(
    [
      { key: `code:flow:${flow.id}`, policy: ENTRY_FLOW_POLICY },
      { key: `code:ip:${flow.tenantId}:${context.ip ?? 'unknown'}`, policy: ENTRY_CLIENT_POLICY },
      ...(addressKey ? [{ key: addressKey, policy: ENTRY_ADDRESS_POLICY }] : []),
    ],
    now,
  );
  if (!reservation.allowed) return { ok: false, code: 'code.throttled', retryAfterSeconds: Math.ceil(reservation.retryAfterMs / 1000) };
  const secret = secretOf(flow.payload);
  const subjectId = flow.payload['subjectId'];
  const matches = typed ? codeMatches(deps.codeKey, flow.id, secret, given.code ?? '', now) : tokenMatches(deps.codeKey, flow.id, secret, given.token ?? '', now);
  if (!matches || typeof subjectId !== 'string' || !(await isLatestCode(deps, flow))) return { ok: false, code: typed ? 'code.invalid' : 'link.invalid' };
  // A right code gives its attempt back to the client address and to the address it was sent to,
  // so customers behind one office address never throttle each other, and only wrong codes count.
  await deps.throttle.resetAndRelease(`code:flow:${flow.id}`, `code:ip:${flow.tenantId}:${context.ip ?? 'unknown'}`);
  if (addressKey) await deps.throttle.release(addressKey);
  return { ok: true, subjectId };
}

/**
 * Whether the flow's code is still its address's live one: a newer code sent to the same address,
 * from any flow, voids it. A flow whose address has no record (its code expired) is judged by its
 * own expiry, as before.
 */
export async function isLatestCode(deps: SelfServiceDeps, flow: Flow): Promise<boolean> {
  const address = flow.payload['address'];
  if (typeof address !== 'string') return false;
  const latest = await deps.stores.latestCodes.flowOf(flow.tenantId, address, clock(deps));
  return latest === undefined || latest === flow.id;
}

/** The payload without its secret, once the code has been used (so it can never match again). */
export function spent(payload: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return { ...payload, codeHash: '', tokenHash: '' };
}

export function auditOf(tenantId: string, action: string, identityId: string | undefined, context: RequestContext, details: Record<string, unknown> = {}, outcome: 'success' | 'failure' = 'success'): AuditEntry & { id: string; occurredAt: number } {
  const now = Date.now();
  return { id: uuidv7(now), occurredAt: now, tenantId, action, outcome, actor: { type: 'customer', id: identityId }, target: identityId ? { type: 'identity', id: identityId } : undefined, context, details };
}
