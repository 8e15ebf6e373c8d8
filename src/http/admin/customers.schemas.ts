// The JSON Schemas of the customers resource (customers.routes.ts): what it answers (a customer, a
// masked customer, sessions, grants, activity) and what it accepts (the list's criteria, a create,
// a merge patch). The OpenAPI document is generated from these; the responses are checked
// against them in the tests.

const TIME = { type: 'string', format: 'date-time' } as const;
const NULLABLE_TIME = { type: ['string', 'null'], format: 'date-time' } as const;
const JSON_OBJECT = { type: 'object', additionalProperties: true } as const;

export const CUSTOMER = {
  $id: 'Customer',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'external_id', 'status', 'traits', 'addresses', 'metadata_public', 'metadata_admin', 'created_at', 'updated_at', 'last_signed_in_at'],
  properties: {
    id: { type: 'string' },
    external_id: { type: ['string', 'null'], description: 'The customer’s id in the system they came from (a CRM, an old login system; SCIM’s externalId); unique in the tenant, null if none.' },
    status: { type: 'string', enum: ['active', 'blocked'] },
    traits: { ...JSON_OBJECT, description: 'Validated by the tenant’s trait schema.' },
    addresses: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'value', 'verified', 'verified_at'],
        properties: { kind: { type: 'string', enum: ['email', 'phone'] }, value: { type: 'string', description: 'Normalised (emails in lower case).' }, verified: { type: 'boolean' }, verified_at: NULLABLE_TIME },
      },
    },
    metadata_public: JSON_OBJECT,
    metadata_admin: JSON_OBJECT,
    created_at: TIME,
    updated_at: TIME,
    last_signed_in_at: { ...NULLABLE_TIME, description: 'The latest successful sign-in the audit log holds; null if none.' },
  },
} as const;

export const CUSTOMER_REF = { $ref: 'Customer#' } as const;

export const MASKED_CUSTOMER = {
  $id: 'MaskedCustomer',
  type: 'object',
  additionalProperties: false,
  description: 'What an analyst sees: no traits, the email masked (a•••@example.com).',
  required: ['id', 'status', 'masked_email', 'email_verified', 'created_at', 'last_signed_in_at'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['active', 'blocked'] },
    masked_email: { type: ['string', 'null'] },
    email_verified: { type: 'boolean' },
    created_at: TIME,
    last_signed_in_at: NULLABLE_TIME,
  },
} as const;

export const SESSION = {
  $id: 'CustomerSession',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'user_agent', 'ip', 'signed_in_at', 'last_seen_at', 'expires_at', 'applications'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: ['browser', 'app'], description: 'A browser session (hosted pages), or a native app’s session (flows API).' },
    user_agent: { type: ['string', 'null'] },
    ip: { type: ['string', 'null'] },
    signed_in_at: TIME,
    last_seen_at: NULLABLE_TIME,
    expires_at: TIME,
    applications: { type: 'array', items: { type: 'string' }, description: 'Client ids signed in through this browser session.' },
  },
} as const;

export const GRANT = {
  $id: 'CustomerGrant',
  type: 'object',
  additionalProperties: false,
  required: ['client_id', 'name', 'scopes', 'resource_scopes', 'granted_at', 'updated_at'],
  properties: {
    client_id: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    resource_scopes: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    granted_at: TIME,
    updated_at: TIME,
  },
} as const;

export const ACTIVITY_ENTRY = {
  $id: 'CustomerActivity',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'at', 'action', 'outcome', 'actor', 'ip', 'user_agent', 'details'],
  properties: {
    id: { type: 'string' },
    at: TIME,
    action: { type: 'string', description: 'e.g. signin.succeeded, identity.updated, session.revoked.' },
    outcome: { type: 'string', enum: ['success', 'failure'] },
    actor: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'id'],
      properties: { type: { type: 'string', enum: ['customer', 'operator', 'client', 'system', 'staff', 'machine'] }, id: { type: ['string', 'null'] } },
    },
    ip: { type: ['string', 'null'] },
    user_agent: { type: ['string', 'null'] },
    details: JSON_OBJECT,
  },
} as const;

export const SENT_EMAIL = {
  description: 'Queued for delivery.',
  type: 'object',
  additionalProperties: false,
  required: ['sent_to', 'expires_at'],
  properties: { sent_to: { type: 'string' }, expires_at: { ...TIME, description: 'When its code and link stop working.' } },
} as const;

const TEXT = { type: 'string', minLength: 1, maxLength: 254 } as const;
const EXTERNAL_ID = { type: 'string', minLength: 1, maxLength: 255, pattern: '^\\S(.*\\S)?$' } as const;

export const CUSTOMER_LIST_QUERY = {
  email: { ...TEXT, description: 'Exactly this email address (any case).' },
  email_prefix: { ...TEXT, description: 'Email addresses that start with this.' },
  identifier: { ...TEXT, description: 'Exactly this value of a trait the schema marks as an identifier.' },
  identifier_prefix: { ...TEXT, description: 'Identifier traits that start with this.' },
  name: { ...TEXT, description: 'A name, given name or family name that starts with this.' },
  status: { type: 'string', enum: ['active', 'blocked'] },
  verified: { type: 'boolean', description: 'true: customers whose email address is verified; false: customers with an email address not verified yet (customers without an email address match neither).' },
  created_after: { ...TIME, description: 'Created at or after.' },
  created_before: { ...TIME, description: 'Created before.' },
  last_sign_in_after: { ...TIME, description: 'Last signed in at or after.' },
  last_sign_in_before: { ...TIME, description: 'Last signed in before.' },
  external_id: { ...EXTERNAL_ID, description: 'The customer with exactly this external id.' },
  trait_name: { type: 'string', minLength: 1, maxLength: 200, description: 'A trait of the tenant’s schema; with trait_value.' },
  trait_value: { ...TEXT, description: 'That trait’s value, exactly (any case; numbers and booleans as text).' },
} as const;

export const CREATE_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['traits'],
  properties: {
    traits: { ...JSON_OBJECT, description: 'Checked against the tenant’s trait schema.' },
    password: { type: 'string', minLength: 1, maxLength: 1024, description: 'Omitted: the customer has none yet (they may recover one).' },
    verified: {
      description: 'true: every address is verified now; or the names of the verifiable traits whose addresses are.',
      anyOf: [{ type: 'boolean' }, { type: 'array', maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 200 } }],
    },
    external_id: { ...EXTERNAL_ID, description: 'The customer’s id in the system they came from; unique in the tenant (409 when taken).' },
  },
} as const;

export const PATCH_BODY = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    traits: { ...JSON_OBJECT, description: 'A JSON Merge Patch of the traits: members set to null are removed, objects merge.' },
    external_id: { anyOf: [EXTERNAL_ID, { type: 'null' }], description: 'A new external id (409 when another customer has it); null removes it.' },
    email_verified: { type: 'boolean', description: 'When the patch changes the email: the new address is verified now (default: not, until the customer proves it).' },
  },
} as const;
