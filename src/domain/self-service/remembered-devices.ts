// "Remember this device for 30 days" after a second factor (ADR 0024): the browser keeps a signed
// entry `<identity id>.<device id>.<mac>` per account (a few accounts per browser, like device
// tokens), and the device's row in the database must still exist: the customer's portal, or an
// operator's reset of their second factors, revokes it at once. The MAC (HMAC-SHA-256 under a key
// from the master secret) makes an entry impossible to forge or move to another account.
import { createHmac, createSecretKey, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { RememberedDeviceStore } from './remembered-device.port.ts';
import { uuidv7 } from '../../lib/ids.ts';

export const REMEMBERED_DEVICE_LIFETIME_MS = 30 * 24 * 60 * 60_000;
const ENTRIES_KEPT = 4;
const ENTRY_SHAPE = /^[0-9a-f-]{36}\.[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/;

type RememberDeps = { readonly rememberedDevices: RememberedDeviceStore; readonly key: KeyObject };

export function rememberedDeviceKeyOf(masterSecret: string): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', masterSecret, 'foyer-remembered-devices', 'remembered-device-hmac', 32)));
}

function mac(key: KeyObject, tenantId: string, identityId: string, deviceId: string): string {
  return createHmac('sha256', key).update(`${tenantId}\0${identityId}\0${deviceId}`).digest('base64url');
}

function entriesOf(cookie: string | undefined): string[] {
  if (!cookie || cookie.length > 1024) return [];
  return cookie.split('~').filter((entry) => ENTRY_SHAPE.test(entry)).slice(0, ENTRIES_KEPT);
}

/** The device id the browser's cookie remembers for this customer, when its MAC is right. */
function deviceIdOf(key: KeyObject, tenantId: string, identityId: string, cookie: string | undefined): string | undefined {
  for (const entry of entriesOf(cookie)) {
    const [identity = '', device = '', given = ''] = entry.split('.');
    if (identity !== identityId) continue;
    const expected = Buffer.from(mac(key, tenantId, identityId, device));
    const actual = Buffer.from(given);
    if (expected.length === actual.length && timingSafeEqual(expected, actual)) return device;
  }
  return undefined;
}

/** Whether this browser is one the customer asked to remember, and still is (not expired, not revoked). */
export async function isRememberedDevice(deps: RememberDeps, tenantId: string, identityId: string, cookie: string | undefined, now: number): Promise<boolean> {
  const deviceId = deviceIdOf(deps.key, tenantId, identityId, cookie);
  return deviceId !== undefined && (await deps.rememberedDevices.findLive(tenantId, identityId, deviceId, now)) !== undefined;
}

/** Remembers this browser for the customer: the row, and the cookie's new value (this account first, then a few others it held). */
export async function rememberThisDevice(deps: RememberDeps, tenantId: string, identityId: string, userAgent: string, cookie: string | undefined, now: number): Promise<string> {
  const id = uuidv7(now);
  await deps.rememberedDevices.create({ id, tenantId, identityId, userAgent: userAgent.slice(0, 500), createdAt: now, expiresAt: now + REMEMBERED_DEVICE_LIFETIME_MS });
  const others = entriesOf(cookie).filter((entry) => !entry.startsWith(`${identityId}.`));
  return [`${identityId}.${id}.${mac(deps.key, tenantId, identityId, id)}`, ...others].slice(0, ENTRIES_KEPT).join('~');
}
