// What an analyst sees of a customer (SECURITY.md 34): enough to count and spot patterns, nothing
// that names the person. The email keeps its first character and its domain (`a•••@example.com`),
// the traits are left out, and so are the other addresses. The admin API applies this to every
// customer it lists for an analyst; the masking is decided here, once.
import type { CustomerSummary } from './customer-search.ts';

type MaskedCustomer = {
  readonly id: string;
  readonly status: string;
  readonly maskedEmail: string | null;
  readonly emailVerified: boolean;
  readonly createdAt: number;
  readonly lastSignedInAt: number | null;
};

/** `ann@example.com` → `a•••@example.com`; something that is not an address becomes `•••`. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${Array.from(address)[0]}•••${address.slice(at)}`;
}

export function maskCustomer(summary: CustomerSummary): MaskedCustomer {
  const { identity } = summary;
  const email = identity.addresses.find((address) => address.kind === 'email');
  return {
    id: identity.id,
    status: identity.status,
    maskedEmail: email ? maskEmail(email.value) : null,
    emailVerified: email?.verifiedAt != null,
    createdAt: identity.createdAt,
    lastSignedInAt: summary.lastSignedInAt,
  };
}
