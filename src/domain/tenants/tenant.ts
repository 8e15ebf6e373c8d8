// Tenants are the isolation boundary: each has its own customers, applications, keys and policies.
import { ValidationError } from '../errors.ts';
import type { FieldProblem } from '../errors.ts';
import type { TenantSettings } from './tenant-settings.ts';
import { validateTenantSettings } from './tenant-settings.ts';

export type { TenantSettings } from './tenant-settings.ts';

export const DEFAULT_TENANT_SLUG = 'default';

/**
 * The internal tenant of Foyer's own staff (docs/admin-api.md): created at start like the default
 * tenant, never a customer tenant. Its slug is reserved, nobody signs up there (owners add staff),
 * and the admin API never serves it as a resource.
 */
export const ADMIN_TENANT_SLUG = 'admin';

export type Tenant = {
  readonly id: string;
  /** URL-safe name: the tenant's issuer is `${PUBLIC_URL}/t/${slug}` (the default tenant's is PUBLIC_URL). */
  readonly slug: string;
  readonly name: string;
  readonly settings: TenantSettings;
  readonly createdAt: number;
  readonly updatedAt: number;
};

/** A tenant as an operator asks for it: `settings` as written, checked by validateNewTenant. */
export type NewTenant = { slug: string; name: string; settings?: unknown };

const SLUG_PATTERN = /^[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
const MAX_NAME_LENGTH = 200;

/**
 * Checks a new tenant's fields, its settings included, and returns them trimmed and validated;
 * throws ValidationError naming each bad field (settings fields as `settings.<path>`).
 */
export function validateNewTenant(input: NewTenant): { slug: string; name: string; settings: TenantSettings } {
  const slug = input.slug.trim();
  const problems: FieldProblem[] = [];
  if (!SLUG_PATTERN.test(slug) || slug.includes('--')) {
    problems.push({
      field: 'slug',
      code: 'tenant.slug_invalid',
      message: 'Use 2 to 63 lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen.',
    });
  }
  if (slug === ADMIN_TENANT_SLUG) {
    problems.push({ field: 'slug', code: 'tenant.slug_reserved', message: `"${ADMIN_TENANT_SLUG}" is reserved for Foyer's own staff; choose another slug.` });
  }
  const name = checkTenantName(input.name, problems);
  let settings: TenantSettings = {};
  try {
    settings = validateTenantSettings(input.settings ?? {});
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(...error.problems.map((problem) => ({ ...problem, field: `settings.${problem.field}` })));
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return { slug, name, settings };
}

/** The name trimmed; a problem added when it is empty or too long. */
export function checkTenantName(raw: string, problems: FieldProblem[]): string {
  const name = raw.trim();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
    problems.push({ field: 'name', code: 'tenant.name_invalid', message: `Give a name of 1 to ${MAX_NAME_LENGTH} characters.` });
  }
  return name;
}

/** The issuer of a tenant: the public URL for the default tenant, `/t/<slug>` below it for the others. */
export function issuerOf(publicUrl: string, tenant: Pick<Tenant, 'slug'>): string {
  return tenant.slug === DEFAULT_TENANT_SLUG ? publicUrl : `${publicUrl}/t/${tenant.slug}`;
}

/** Whether customers may create their own accounts: everywhere but the admin tenant, whose owners add staff. */
export function signUpAllowed(tenant: Pick<Tenant, 'slug'>): boolean {
  return tenant.slug !== ADMIN_TENANT_SLUG;
}
