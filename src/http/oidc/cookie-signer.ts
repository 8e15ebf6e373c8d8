// Signs and verifies the provider's cookies (session, interaction, resume) in place of keygrip,
// which Koa's cookies library uses when given a list of keys. The signatures are keygrip's own
// (HMAC-SHA1 of `name=value`, base64url), so cookies signed before keep working; verifying costs
// one HMAC instead of three: keygrip compares through tsscmp, which HMACs both strings again under
// a fresh random key, where a signature's fixed length lets timingSafeEqual compare them directly.
// Every step of a browser sign-in reads one or two signed cookies, some twice.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** The interface the cookies library expects of a keygrip instance. */
type CookieSigner = {
  sign(data: string): string;
  verify(data: string, digest: string): boolean;
  /** The index of the key that made `digest`, or -1 when none did. */
  index(data: string, digest: string): number;
};

/** Signs with the first key; verifies with any, so that a retired key's cookies stay valid. */
export function createCookieSigner(keys: readonly KeyObject[]): CookieSigner {
  if (keys.length === 0) throw new Error('at least one cookie signing key is needed');
  const signWith = (key: KeyObject, data: string) => createHmac('sha1', key).update(data).digest('base64url');
  const index = (data: string, digest: string) => {
    const presented = Buffer.from(digest);
    return keys.findIndex((key) => {
      const expected = Buffer.from(signWith(key, data));
      return presented.length === expected.length && timingSafeEqual(presented, expected);
    });
  };
  return {
    sign: (data) => signWith(keys[0]!, data),
    verify: (data, digest) => index(data, digest) > -1,
    index,
  };
}
