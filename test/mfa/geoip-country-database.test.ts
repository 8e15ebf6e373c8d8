// The GeoIP lookup (GEOIP_DATABASE) against a database written by the test's own writer, read back
// with the `maxmind` reader: a mapped network gives its country, anything else none; a file that is
// not a database stops the start naming the setting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Reader } from 'maxmind';
import type { CountryResponse } from 'maxmind';
import { writeMmdb } from '../helpers/mmdb-writer.ts';
import { openCountryDatabase } from '../../src/infra/geoip/country-database.ts';

const NETWORKS = [
  { network: '203.0.113.0', prefixLength: 24, data: { country: { iso_code: 'DE' } } },
  { network: '198.51.100.0', prefixLength: 24, data: { country: { iso_code: 'FR' } } },
];

test('the writer makes a database the maxmind reader reads: each network its country, other addresses nothing', () => {
  const reader = new Reader<CountryResponse>(writeMmdb(NETWORKS));
  assert.equal(reader.metadata.ipVersion, 4);
  assert.equal(reader.get('203.0.113.5')?.country?.iso_code, 'DE');
  assert.equal(reader.get('203.0.113.255')?.country?.iso_code, 'DE');
  assert.equal(reader.get('198.51.100.7')?.country?.iso_code, 'FR');
  assert.equal(reader.get('203.0.112.255'), null);
  assert.equal(reader.get('127.0.0.1'), null);
  assert.deepEqual(reader.getWithPrefixLength('198.51.100.7'), [{ country: { iso_code: 'FR' } }, 24]);
});

test('openCountryDatabase: countries by address, none for loopback, IPv6 or mapped IPv4 as the plain address', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'foyer-geoip-'));
  const file = path.join(dir, 'countries.mmdb');
  writeFileSync(file, writeMmdb(NETWORKS));
  const countryOf = openCountryDatabase(file);
  assert.equal(countryOf('203.0.113.5'), 'DE');
  assert.equal(countryOf('::ffff:198.51.100.7'), 'FR');
  assert.equal(countryOf('127.0.0.1'), undefined);
  assert.equal(countryOf('::1'), undefined);
  assert.equal(countryOf('10.1.2.3'), undefined);
});

test('a missing file or one that is not a database: a start error naming GEOIP_DATABASE', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'foyer-geoip-'));
  const junk = path.join(dir, 'junk.mmdb');
  writeFileSync(junk, 'not a database');
  for (const file of [path.join(dir, 'missing.mmdb'), junk]) {
    assert.throws(() => openCountryDatabase(file), (error: Error) => error.name === 'ConfigError' && error.message.startsWith('GEOIP_DATABASE: cannot read'));
  }
});
