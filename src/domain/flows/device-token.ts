// Device tokens (OWASP's "device cookies", SECURITY.md 7): proof that a browser or app has signed
// in to an account before. Sign-in attempts that carry a valid one for the account typed are
// throttled on the device's own key instead of the account-wide one, so someone guessing the
// password from elsewhere keeps the account-wide key throttled without locking the owner out.
//
// A token is `<expiry>.<device id>.<mac>`: the expiry in seconds (base 36), 128 random bits that
// name the device's throttle key, and an HMAC-SHA-256 (under a key derived from the master secret)
// of the tenant, the normalized identifier, the expiry and the device id. It cannot be forged, and
// works only for the account it was issued for. A browser keeps the tokens of the last few
// accounts signed in on it, separated by `~`, in one cookie (http/device-cookie.ts).
import { createHmac, createSecretKey, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export const DEVICE_TOKEN_LIFETIME_MS = 180 * 24 * 60 * 60_000;
/** Accounts remembered per browser: a family computer, a shop's counter. */
const TOKENS_KEPT = 4;
const TOKEN_SHAPE = /^[0-9a-z]{1,12}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;

export function deviceTokenKeyOf(masterSecret: string): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', masterSecret, 'foyer-device-tokens', 'device-token-hmac', 32)));
}

/** A new token for `identifier` (normalized) in the tenant. */
function issueDeviceToken(key: KeyObject, tenantId: string, identifier: string, now: number): string {
  const expiry = Math.floor((now + DEVICE_TOKEN_LIFETIME_MS) / 1000).toString(36);
  const device = randomBytes(16).toString('base64url');
  return `${expiry}.${device}.${mac(key, tenantId, identifier, expiry, device)}`;
}

/** The device id of the live token among `tokens` that was issued for `identifier`, if any. */
export function deviceOf(key: KeyObject, tenantId: string, identifier: string, tokens: string | undefined, now: number): string | undefined {
  for (const token of tokensIn(tokens)) {
    if (issuedFor(key, tenantId, identifier, token, now)) return token.split('.')[1];
  }
  return undefined;
}

/**
 * What the browser keeps after `identifier` signed in: a fresh token for it first, then the live
 * tokens of other accounts it held, up to a few.
 */
export function rememberDevice(key: KeyObject, tenantId: string, identifier: string, tokens: string | undefined, now: number): string {
  const others = tokensIn(tokens).filter((token) => expiryOf(token) > now && !issuedFor(key, tenantId, identifier, token, now));
  return [issueDeviceToken(key, tenantId, identifier, now), ...others].slice(0, TOKENS_KEPT).join('~');
}

function tokensIn(tokens: string | undefined): string[] {
  if (!tokens || tokens.length > 1024) return [];
  return tokens.split('~').filter((token) => TOKEN_SHAPE.test(token)).slice(0, TOKENS_KEPT);
}

function expiryOf(token: string): number {
  return parseInt(token.slice(0, token.indexOf('.')), 36) * 1000;
}

function issuedFor(key: KeyObject, tenantId: string, identifier: string, token: string, now: number): boolean {
  const [expiry = '', device = '', given = ''] = token.split('.');
  if (expiryOf(token) <= now) return false;
  const expected = Buffer.from(mac(key, tenantId, identifier, expiry, device));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function mac(key: KeyObject, tenantId: string, identifier: string, expiry: string, device: string): string {
  return createHmac('sha256', key).update(`${tenantId}\0${identifier}\0${expiry}\0${device}`).digest('base64url');
}
