// The GeoIP country lookup behind adaptive MFA's new-country signal (GEOIP_DATABASE): a MaxMind-format
// country or city database read once at start with the `maxmind` reader, held in memory. A file that
// is missing or not such a database stops the start with an error naming the setting.
import { readFileSync } from 'node:fs';
import { Reader } from 'maxmind';
import type { CountryResponse } from 'maxmind';
import { ConfigError } from '../../config/config-error.ts';
import type { CountryOf } from '../../domain/self-service/sign-in-countries.ts';

export function openCountryDatabase(file: string): CountryOf {
  let reader: Reader<CountryResponse>;
  try {
    reader = new Reader<CountryResponse>(readFileSync(file));
  } catch (error) {
    throw new ConfigError('GEOIP_DATABASE', `cannot read ${file} as a MaxMind .mmdb database (${error instanceof Error ? error.message : String(error)})`);
  }
  const ipv4Only = reader.metadata.ipVersion === 4;
  return (ip) => {
    // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d; the address is the IPv4 one.
    const address = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
    if (ipv4Only && address.includes(':')) return undefined;
    try {
      return reader.get(address)?.country?.iso_code ?? undefined;
    } catch {
      // Not an address the reader understands (it should not happen: Fastify's request.ip is one).
      return undefined;
    }
  };
}
