// What a tenant can configure, validated before it is stored: branding for the hosted pages, the
// APIs its applications may request tokens for (resource indicators), and the JSON Schema of its
// customers' traits (one that sign-up can ask for: see checkIdentitySchema).
import { z } from 'zod';
import { LOCALES } from '../../i18n/locales.ts';
import { ValidationError } from '../errors.ts';
import type { FieldProblem } from '../errors.ts';
import { identifierTraits, validateTraits } from '../identity/traits.ts';
import { signUpTraitFields } from '../identity/trait-fields.ts';

export const MFA_POLICIES = ['off', 'optional', 'required', 'adaptive'] as const;
export type MfaPolicy = (typeof MFA_POLICIES)[number];

const scopeToken = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/, 'a scope is one word of printable characters, without quotes or backslashes');

const settingsSchema = z
  .object({
    branding: z
      .object({
        name: z.string().min(1).max(100).optional(),
        logoUrl: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).max(2000).optional(),
        primaryColor: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #0b57d0').optional(),
      })
      .strict()
      .optional(),
    apis: z
      .array(
        z
          .object({
            identifier: z.url({ error: 'must be an absolute URL, such as https://api.example.com' }).max(2000),
            scopes: z.array(scopeToken).max(100).default([]),
            // An API is no application of the tenant and cannot introspect: it validates JWTs itself.
            accessTokenFormat: z.literal('jwt', { error: 'must be "jwt": an API validates its access tokens itself (JWT, RFC 9068); opaque tokens are not offered' }).optional(),
            accessTokenTtl: z.number().int().min(60).max(86_400).optional(),
          })
          .strict(),
      )
      .max(100)
      .optional(),
    identitySchema: z.record(z.string(), z.unknown()).optional(),
    /** The language of pages and emails when neither the application, the customer nor the browser names one we speak. */
    defaultLocale: z.enum(LOCALES, { error: `must be one of ${LOCALES.join(', ')}` }).optional(),
    mail: z
      .object({
        /** The sender of this tenant's emails, e.g. "Acme <no-reply@acme.example>"; MAIL_FROM otherwise. */
        from: z.string().min(3).max(300).optional(),
        replyTo: z.email({ error: 'must be an email address' }).max(254).optional(),
      })
      .strict()
      .optional(),
    refreshTokens: z
      .object({
        /** Seconds a refresh token family may live from its first token, however often it rotates (default 90 days). */
        absoluteLifetime: z.number().int().min(3_600).max(365 * 86_400).optional(),
      })
      .strict()
      .optional(),
    /** Communication preferences (docs/consent.md): the topics customers choose channels for. */
    communication: z
      .object({
        topics: z
          .array(
            z
              .object({
                id: z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'a topic id is 1 to 63 lower-case letters, digits, "-" and "_", starting with a letter'),
                /** The topic's name per language; the tenant's default language's, else the id, when one is missing. */
                names: z.partialRecord(z.enum(LOCALES), z.string().min(1).max(200)).default({}),
              })
              .strict(),
          )
          .max(50)
          .default([]),
      })
      .strict()
      .optional(),
    mfa: z
      .object({
        /**
         * When customers are asked for a second factor after their password (ADR 0024): `off`,
         * `optional` (customers who set one up are asked), `required` (customers without one set one
         * up before reaching the application), `adaptive` (asked on a device that never signed in to
         * the account, or after wrong passwords). An application may ask for more, never less.
         */
        policy: z.enum(MFA_POLICIES, { error: `must be one of ${MFA_POLICIES.join(', ')}` }).optional(),
      })
      .strict()
      .optional(),
    passkeys: z
      .object({
        /** Passkeys at all (ADR 0030; default: on). Off: no passkey button or autofill, no offer, no passkey at the second-factor step, and no new passkey in the portal or the Account API. */
        enabled: z.boolean().optional(),
      })
      .strict()
      .optional(),
    sms: z
      .object({
        /** ISO 3166 country codes (e.g. "GB", "DE") Foyer texts; none: every country (ADR 0031, against SMS pumping). */
        allowedCountries: z.array(z.string().regex(/^[A-Z]{2}$/, 'a country is its two-letter ISO 3166 code, such as GB')).max(250).optional(),
        /** Texts an hour to one country calling code, before waits start (default 100). */
        countryHourlyLimit: z.number().int().min(1).max(100_000).optional(),
      })
      .strict()
      .optional(),
    passwordless: z
      .object({
        /** Sign-in with a code or link sent by email instead of a password (ADR 0031; default: on, except in the admin tenant). */
        email: z.boolean().optional(),
        /** Sign-in with a code texted to the customer's phone number, for tenants whose trait schema makes a phone trait an identifier (default: off). */
        sms: z.boolean().optional(),
      })
      .strict()
      .optional(),
    verification: z
      .object({
        /** Whether a customer may sign in before verifying their email address (default: true). */
        allowSignInUnverified: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A tenant's settings as validated (defaults filled in): what the tenant store keeps and returns. */
export type TenantSettings = Readonly<z.output<typeof settingsSchema>>;

/** Checks settings as an operator wrote them; throws ValidationError naming every bad field. */
export function validateTenantSettings(raw: unknown): TenantSettings {
  const parsed = settingsSchema.safeParse(raw);
  const problems: FieldProblem[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || '(settings)', code: 'tenant.settings_invalid', message: issue.message }));
  // The trait schema is checked even when another section failed, so that every bad field is named at once.
  const identitySchema = parsed.success ? parsed.data.identitySchema : objectMember(raw, 'identitySchema');
  if (identitySchema) problems.push(...checkIdentitySchema(identitySchema));
  if (parsed.success) {
    const identifiers = (parsed.data.apis ?? []).map((api) => api.identifier);
    if (new Set(identifiers).size !== identifiers.length) problems.push({ field: 'apis', code: 'tenant.settings_invalid', message: 'Each API identifier may appear once.' });
    const topics = (parsed.data.communication?.topics ?? []).map((topic) => topic.id);
    if (new Set(topics).size !== topics.length) problems.push({ field: 'communication.topics', code: 'tenant.settings_invalid', message: 'Each topic id may appear once.' });
  }
  if (problems.length > 0 || !parsed.success) throw new ValidationError(problems);
  return parsed.data;
}

function objectMember(raw: unknown, name: string): Record<string, unknown> | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const value = (raw as Record<string, unknown>)[name];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function checkIdentitySchema(schema: Record<string, unknown>): FieldProblem[] {
  const field = 'identitySchema';
  try {
    // Compiling validates the schema itself; the traits need not pass.
    validateTraits(schema, {});
  } catch (error) {
    return [{ field, code: 'tenant.settings_invalid', message: `is not a valid JSON Schema: ${(error as Error).message}` }];
  }
  if (schema['type'] !== 'object') return [{ field, code: 'tenant.settings_invalid', message: 'must describe an object (type: object)' }];
  if (identifierTraits(schema).length === 0) {
    return [{ field, code: 'tenant.settings_invalid', message: 'must mark at least one trait as an identifier ("x-foyer": { "identifier": true })' }];
  }
  const problems: FieldProblem[] = [];
  const properties = (schema['properties'] ?? {}) as Record<string, unknown>;
  for (const name of RESERVED_INPUT_NAMES) {
    if (name in properties) problems.push({ field: `${field}.properties.${name}`, code: 'tenant.settings_invalid', message: `a trait may not be called "${name}": the sign-up form sends its own field of that name` });
  }
  // The sign-up page asks for every required trait, so each must be something a form can ask for.
  for (const trait of signUpTraitFields(schema)) {
    if (trait.kind === 'object') problems.push({ field: `${field}.properties.${trait.name}`, code: 'tenant.settings_invalid', message: 'a required trait must be text, an enum, a boolean, a number or a date, which sign-up can ask for; make it optional' });
  }
  return problems;
}

/** The sign-up form's own inputs beside the traits (each trait's input is named after it). */
const RESERVED_INPUT_NAMES = ['password', 'flow', 'csrf_token'];
