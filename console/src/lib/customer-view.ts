// What the console shows of a customer, whoever is looking: an analyst's answers are masked
// (MaskedCustomer: `masked_email`, no traits), so every field that would carry personal data is
// shown as masked or not at all, never as empty-looking real data. Tested under node:test.

export type Address = { readonly kind: 'email' | 'phone'; readonly value: string; readonly verified: boolean; readonly verified_at: string | null };
export type Customer = {
  readonly id: string;
  readonly external_id: string | null;
  readonly status: 'active' | 'blocked';
  readonly traits: Record<string, unknown>;
  readonly addresses: readonly Address[];
  readonly created_at: string;
  readonly updated_at: string;
  readonly last_signed_in_at: string | null;
};
export type MaskedCustomer = { readonly id: string; readonly status: 'active' | 'blocked'; readonly masked_email: string | null; readonly email_verified: boolean; readonly created_at: string; readonly last_signed_in_at: string | null };
export type AnyCustomer = Customer | MaskedCustomer;

export function isMasked(customer: AnyCustomer): customer is MaskedCustomer {
  return 'masked_email' in customer;
}

/** One row of the customer list. */
export type CustomerRow = { readonly id: string; readonly email: string; readonly name: string | undefined; readonly verified: boolean; readonly status: 'active' | 'blocked'; readonly createdAt: string; readonly lastSignIn: string | null; readonly masked: boolean };

export function rowOf(customer: AnyCustomer): CustomerRow {
  if (isMasked(customer)) {
    return { id: customer.id, email: customer.masked_email ?? '—', name: undefined, verified: customer.email_verified, status: customer.status, createdAt: customer.created_at, lastSignIn: customer.last_signed_in_at, masked: true };
  }
  const email = typeof customer.traits['email'] === 'string' ? customer.traits['email'] : '—';
  const name = typeof customer.traits['name'] === 'string' ? customer.traits['name'] : [customer.traits['given_name'], customer.traits['family_name']].filter((part) => typeof part === 'string').join(' ') || undefined;
  const verified = customer.addresses.some((address) => address.kind === 'email' && address.verified);
  return { id: customer.id, email, name, verified, status: customer.status, createdAt: customer.created_at, lastSignIn: customer.last_signed_in_at, masked: false };
}

/** Search as you type: which queries one text box turns into (masked callers may not search by text). */
export function searchQueriesOf(text: string, masked: boolean): Record<string, string>[] {
  const term = text.trim();
  if (term === '' || masked) return [{}];
  if (term.includes('@')) return [{ email_prefix: term }];
  return [{ email_prefix: term }, { name: term }, { identifier_prefix: term }];
}

/** Several pages of answers merged: each customer once, newest first (as the API orders them). */
export function mergeResults<T extends { id: string; created_at: string }>(pages: readonly (readonly T[])[]): T[] {
  const seen = new Map<string, T>();
  for (const page of pages) for (const item of page) if (!seen.has(item.id)) seen.set(item.id, item);
  return [...seen.values()].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));
}
