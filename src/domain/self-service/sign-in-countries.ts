// The countries a customer signed in from (issue 17, ADR 0025's amendment): adaptive MFA counts a
// sign-in from a country the account never completed a sign-in from as a risk, when the operator
// configured a GeoIP database (GEOIP_DATABASE). A country is recorded only once a sign-in completes,
// so a stolen password alone cannot teach the account a new country. An address with no country
// (loopback, private ranges, an address the database lacks) is no signal either way.

/** Where the countries are kept: one row per customer and country (migration 0034). */
export type SignInCountryStore = {
  countriesOf(tenantId: string, identityId: string): Promise<readonly string[]>;
  /** Adds the country or moves its last sighting to `now`. */
  record(tenantId: string, identityId: string, country: string, now: number): Promise<void>;
};

/** The ISO 3166-1 country of a client address, or undefined when the database has none for it. */
export type CountryOf = (ip: string) => string | undefined;

type CountryDeps = { readonly store: SignInCountryStore; readonly countryOf: CountryOf };

/** Whether `ip` is in a country this customer has not signed in from, while they have signed in from at least one. */
export async function isNewSignInCountry(deps: CountryDeps, tenantId: string, identityId: string, ip: string): Promise<boolean> {
  const country = deps.countryOf(ip);
  if (country === undefined) return false;
  const known = await deps.store.countriesOf(tenantId, identityId);
  return known.length > 0 && !known.includes(country);
}

/** A sign-in completed from `ip`: its country joins the customer's (one upsert; nothing when it has none). */
export async function recordSignInCountry(deps: CountryDeps, tenantId: string, identityId: string, ip: string, now: number): Promise<void> {
  const country = deps.countryOf(ip);
  if (country !== undefined) await deps.store.record(tenantId, identityId, country, now);
}
