// Text messages as the use cases send them (ADR 0031): a number checked and written in E.164
// (libphonenumber-js), the limits that keep SMS pumping (toll fraud: someone making Foyer text
// premium-rate numbers they are paid for) small, and the message queued in the caller's transaction.
//
// Limits, checked before anything is queued, all or nothing:
// - per number: 3 an hour, then ever longer waits (up to an hour);
// - per country calling code, per tenant: the tenant's `sms.countryHourlyLimit` an hour (default 100);
// - per client address: 10 an hour;
// - countries: only those in the tenant's `sms.allowedCountries`, when it names some.
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import type { ThrottlePolicy, ThrottleStore } from '../flows/throttle.port.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { Locale } from '../../i18n/locales.ts';
import { translator } from '../../i18n/translate.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { SmsKind, SmsStore } from './sms.port.ts';

type PhoneNumber = { readonly e164: string; readonly callingCode: string; readonly country: string | undefined };

/** The number in E.164 when it is a valid one (an international number, or one of the tenant's default country). */
export function phoneNumberOf(input: string): PhoneNumber | undefined {
  const parsed = parsePhoneNumberFromString(input.trim());
  if (!parsed || !parsed.isValid()) return undefined;
  return { e164: parsed.number, callingCode: parsed.countryCallingCode, country: parsed.country };
}

const NUMBER_POLICY: ThrottlePolicy = { freeAttempts: 3, windowMs: 60 * 60_000, maxDelayMs: 60 * 60_000 };
const CLIENT_POLICY: ThrottlePolicy = { freeAttempts: 10, windowMs: 60 * 60_000, maxDelayMs: 60 * 60_000 };
const DEFAULT_COUNTRY_HOURLY_LIMIT = 100;

export type SmsRefusal =
  | { readonly ok: false; readonly code: 'phone.invalid' }
  | { readonly ok: false; readonly code: 'phone.country_not_allowed' }
  | { readonly ok: false; readonly code: 'code.throttled'; readonly retryAfterSeconds: number };

/** Reserves one text to `phone` from this client, or says why not (a country the tenant does not text, a limit reached). */
export async function reserveSms(throttle: ThrottleStore, tenant: Tenant, phone: PhoneNumber, context: RequestContext, now: number): Promise<SmsRefusal | undefined> {
  const allowed = tenant.settings.sms?.allowedCountries;
  if (allowed && allowed.length > 0 && (phone.country === undefined || !allowed.includes(phone.country))) return { ok: false, code: 'phone.country_not_allowed' };
  const countryPolicy: ThrottlePolicy = { freeAttempts: tenant.settings.sms?.countryHourlyLimit ?? DEFAULT_COUNTRY_HOURLY_LIMIT, windowMs: 60 * 60_000, maxDelayMs: 60 * 60_000 };
  const reservation = await throttle.reserveAll(
    [
      { key: `sms:to:${tenant.id}:${phone.e164}`, policy: NUMBER_POLICY },
      { key: `sms:country:${tenant.id}:${phone.callingCode}`, policy: countryPolicy },
      { key: `sms:ip:${tenant.id}:${context.ip ?? 'unknown'}`, policy: CLIENT_POLICY },
    ],
    now,
  );
  return reservation.allowed ? undefined : { ok: false, code: 'code.throttled', retryAfterSeconds: Math.ceil(reservation.retryAfterMs / 1000) };
}

/** The text of a message of `kind` with its code, in the customer's language. */
export function smsText(tenant: Pick<Tenant, 'name' | 'settings'>, message: { readonly kind: SmsKind; readonly locale: Locale; readonly code: string; readonly minutes: number }): string {
  return translator(message.locale)(`sms.${message.kind}`, { code: message.code, tenant: tenant.settings.branding?.name ?? tenant.name, minutes: message.minutes });
}

/** Queues a text of `kind` with its code (call inside the transaction that stores the code). */
export async function queueSms(store: SmsStore, tenant: Tenant, message: { readonly to: string; readonly kind: SmsKind; readonly locale: Locale; readonly code: string; readonly minutes: number }, now: number): Promise<void> {
  await store.enqueue({ id: uuidv7(now), tenantId: tenant.id, to: message.to, kind: message.kind, body: smsText(tenant, message), createdAt: now });
}
