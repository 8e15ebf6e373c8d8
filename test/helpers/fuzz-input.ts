// Malformed requests for the route fuzz test: a seeded generator (the same seed gives the same
// requests) of wrong types, oversized values, NUL bytes, lone surrogates, prototype keys, huge
// integers, JSON where a form is expected and the reverse, in the path, query, body and headers.

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;
export const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chance = (random: Random, p: number) => random() < p;

/** Strings that have broken servers: NUL, lone surrogates, prototype keys, numbers past 2^63, sizes past every limit. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  'x',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '99999999999999999999',
  '-99999999999999999999',
  '9223372036854775808',
  '1e309',
  '-1',
  'NaN',
  '0x10',
  '../../../etc/passwd',
  '%00',
  '%E0%A4%A',
  '{"a":1}',
  '[]',
  '<script>alert(1)</script>',
  "' or '1'='1' --",
  '\u202e\u0645',
  'a'.repeat(5_000),
  'é'.repeat(40_000),
];

/** JSON values of every type, for fields that expect one. */
export const HOSTILE_VALUES: readonly unknown[] = [
  ...HOSTILE_STRINGS,
  0,
  -1,
  1.5,
  1e308,
  99999999999999999999,
  Number.MAX_SAFE_INTEGER + 2,
  true,
  null,
  [],
  ['a', 'b'],
  {},
  { __proto__: 'x' },
  JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}'),
  JSON.parse(`${'['.repeat(64)}${']'.repeat(64)}`),
];

/** Field and parameter names the routes read, and names no route expects. */
export const FIELD_NAMES: readonly string[] = [
  'lang', 'ui_locales', 'done', 'before', 'limit', 'screen', 'flow', 'csrf_token', 'email', 'password', 'identifier', 'traits', 'code', 'new_password',
  'current_password', 'name', 'session', 'client_id', 'client_secret', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'prompt', 'max_age',
  'code_challenge', 'code_challenge_method', 'grant_type', 'refresh_token', 'token', 'token_type_hint', 'user_code', 'device_code', 'id_token_hint',
  'post_logout_redirect_uri', 'logout', 'xsrf', 'confirm', 'abort', 'resource', 'request_uri', 'login_hint', 'acr_values', 'claims',
  '__proto__', 'constructor', 'prototype', 'unknown_field',
];

/** A string as it appears in a URL: percent-encoded, and a lone surrogate as the invalid UTF-8 it would be on the wire. */
export function urlPart(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    out += code >= 0xd800 && code <= 0xdfff ? `%ED%${(0xa0 + ((code >> 6) & 0x1f)).toString(16).toUpperCase()}%${(0x80 + (code & 0x3f)).toString(16).toUpperCase()}` : encodeURIComponent(char);
  }
  return out;
}

/** A header value a client can actually send (Latin-1, no control characters): what reaches the server. */
export function headerPart(value: string): string {
  return value.replace(/[^\u0020-\u007e\u00a0-\u00ff]/g, '?').slice(0, 4_000);
}

export function hostileString(random: Random): string {
  return pick(random, HOSTILE_STRINGS);
}

export function hostileValue(random: Random): unknown {
  return pick(random, HOSTILE_VALUES);
}

/** A query string of a few known and unknown parameters, sometimes repeated. */
export function hostileQuery(random: Random, known: Record<string, string> = {}): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(known)) if (chance(random, 0.7)) parts.push(`${urlPart(key)}=${urlPart(value)}`);
  const count = Math.floor(random() * 4);
  for (let i = 0; i < count; i++) {
    const key = pick(random, FIELD_NAMES);
    parts.push(`${urlPart(key)}=${urlPart(hostileString(random))}`);
    if (chance(random, 0.1)) parts.push(`${urlPart(key)}=${urlPart(hostileString(random))}`);
  }
  if (chance(random, 0.05)) parts.push(`${urlPart(pick(random, FIELD_NAMES))}[]=x&a[b][c]=1`);
  return parts.join('&');
}

export type FuzzBody = { readonly contentType?: string; readonly payload?: string | Buffer };

/** A body of any shape: form or JSON (right or wrong for the route), broken JSON, text, bytes, or none. */
export function hostileBody(random: Random, known: Record<string, string> = {}): FuzzBody {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(known)) if (chance(random, 0.7)) fields[key] = value;
  const count = 1 + Math.floor(random() * 4);
  for (let i = 0; i < count; i++) {
    const key = pick(random, FIELD_NAMES);
    // defineProperty: `fields['__proto__'] = …` would set the prototype instead of a field.
    Object.defineProperty(fields, key, { value: chance(random, 0.5) ? hostileString(random) : hostileValue(random), enumerable: true, writable: true, configurable: true });
  }
  const form = () => Object.entries(fields).map(([key, value]) => `${urlPart(key)}=${urlPart(typeof value === 'string' ? value : JSON.stringify(value) ?? '')}`).join('&');
  switch (Math.floor(random() * 10)) {
    case 0:
      return {};
    case 1:
    case 2:
      return { contentType: 'application/x-www-form-urlencoded', payload: form() };
    case 3:
    case 4:
      return { contentType: 'application/json', payload: JSON.stringify(fields) };
    case 5:
      return { contentType: 'application/json', payload: JSON.stringify(hostileValue(random)) ?? 'null' };
    case 6:
      return { contentType: 'application/json', payload: pick(random, ['{"a":', '{"a":1}}', '\u0000', '{"__proto__":1', 'nul', '[1,2', '"\\ud800"', '{"traits":"\\u0000"}']) };
    case 7:
      // JSON labelled as a form, and a form labelled as JSON.
      return chance(random, 0.5) ? { contentType: 'application/x-www-form-urlencoded', payload: JSON.stringify(fields) } : { contentType: 'application/json', payload: form() };
    case 8:
      return { contentType: pick(random, ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/jwt', 'application/json; charset=utf-16']), payload: hostileString(random) };
    default:
      return { contentType: pick(random, ['application/x-www-form-urlencoded', 'application/json']), payload: Buffer.from([0xff, 0xfe, 0x00, 0xed, 0xa0, 0x80, 0x3d]) };
  }
}

/** Accept-Language values, well-formed or not, with prototype keys among the tags. */
export function hostileAcceptLanguage(random: Random): string {
  return headerPart(pick(random, ['__proto__', 'constructor', 'toString;q=1', '__proto__-x, constructor;q=0.9', 'de;q=abc,,,;', '*', 'zz-ZZ;q=2', `${'en,'.repeat(500)}`, 'pt, zh-hans, hasOwnProperty', hostileString(random)]));
}
