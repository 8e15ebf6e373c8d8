// What a SCIM client discovers (RFC 7643 5–7, RFC 7644 4): the service provider's configuration,
// the resource types, and the schemas of their attributes. The User and enterprise schemas are
// RFC 7643's (8.7.1, 4.3) (`id` and `meta` read-only);
// the Foyer traits extension is generated from the tenant's trait schema, one attribute per trait
// that no core attribute holds (user-mapping.ts).
import type { TraitSchema } from '../identity/traits.ts';
import { ENTERPRISE_SCHEMA, TRAITS_SCHEMA, USER_SCHEMA, userMappingOf } from './user-mapping.ts';

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

/** At most this many resources in one page (`count`), and operations in one Bulk request. */
export const MAX_RESULTS = 200;
export const MAX_BULK_OPERATIONS = 100;
const MAX_BULK_PAYLOAD = 1_048_576;

type Attribute = Record<string, unknown>;
type Options = { multiValued?: boolean; required?: boolean; caseExact?: boolean; mutability?: string; returned?: string; uniqueness?: string; subAttributes?: Attribute[]; canonicalValues?: string[]; referenceTypes?: string[]; description?: string };

function attribute(name: string, type: string, options: Options = {}): Attribute {
  return {
    name,
    type,
    multiValued: options.multiValued ?? false,
    description: options.description ?? name,
    required: options.required ?? false,
    caseExact: options.caseExact ?? false,
    mutability: options.mutability ?? 'readWrite',
    returned: options.returned ?? 'default',
    uniqueness: options.uniqueness ?? 'none',
    ...(options.subAttributes ? { subAttributes: options.subAttributes } : {}),
    ...(options.canonicalValues ? { canonicalValues: options.canonicalValues } : {}),
    ...(options.referenceTypes ? { referenceTypes: options.referenceTypes } : {}),
  };
}

const string = (name: string, options: Options = {}) => attribute(name, 'string', options);
const multi = (name: string, types: string[], options: Options = {}) =>
  attribute(name, 'complex', {
    multiValued: true,
    ...options,
    subAttributes: [string('value'), string('display'), string('type', { canonicalValues: types }), attribute('primary', 'boolean')],
  });

const USER_ATTRIBUTES: Attribute[] = [
  string('userName', { required: true, uniqueness: 'server', description: 'Unique identifier for the User: the tenant’s identifier trait (the email by default).' }),
  attribute('name', 'complex', { subAttributes: ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'].map((name) => string(name)) }),
  string('displayName'),
  string('nickName'),
  attribute('profileUrl', 'reference', { referenceTypes: ['external'] }),
  string('title'),
  string('userType'),
  string('preferredLanguage'),
  string('locale'),
  string('timezone'),
  attribute('active', 'boolean', { description: 'False: the customer is blocked (sign-in refused, sessions and tokens ended).' }),
  string('password', { mutability: 'writeOnly', returned: 'never', description: 'Not accepted: customers set their own password (recovery email).' }),
  multi('emails', ['work', 'home', 'other']),
  multi('phoneNumbers', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
  attribute('groups', 'complex', {
    multiValued: true,
    mutability: 'readOnly',
    subAttributes: [string('value', { mutability: 'readOnly' }), attribute('$ref', 'reference', { mutability: 'readOnly', referenceTypes: ['Group'] }), string('display', { mutability: 'readOnly' }), string('type', { mutability: 'readOnly', canonicalValues: ['direct'] })],
  }),
];

const GROUP_ATTRIBUTES: Attribute[] = [
  string('displayName', { required: true, uniqueness: 'server' }),
  attribute('members', 'complex', {
    multiValued: true,
    subAttributes: [string('value', { mutability: 'immutable' }), attribute('$ref', 'reference', { mutability: 'immutable', referenceTypes: ['User'] }), string('type', { mutability: 'immutable', canonicalValues: ['User'] })],
  }),
];

const ENTERPRISE_ATTRIBUTES: Attribute[] = [
  string('employeeNumber'),
  string('costCenter'),
  string('organization'),
  string('division'),
  string('department'),
  attribute('manager', 'complex', { subAttributes: [string('value'), attribute('$ref', 'reference', { referenceTypes: ['User'] }), string('displayName', { mutability: 'readOnly' })] }),
];

/** A trait as an attribute of the traits extension (JSON Schema types to SCIM's). */
function traitAttribute(name: string, property: Readonly<Record<string, unknown>>): Attribute {
  const type = property['type'];
  const items = property['items'] as Record<string, unknown> | undefined;
  const scalar = (jsonType: unknown) => (jsonType === 'integer' ? 'integer' : jsonType === 'number' ? 'decimal' : jsonType === 'boolean' ? 'boolean' : jsonType === 'object' ? 'complex' : 'string');
  if (type === 'array') return attribute(name, scalar(items?.['type']), { multiValued: true });
  if (type === 'object') {
    const properties = (property['properties'] ?? {}) as Record<string, Record<string, unknown>>;
    return attribute(name, 'complex', { subAttributes: Object.entries(properties).map(([sub, subProperty]) => traitAttribute(sub, subProperty)) });
  }
  const enumValues = Array.isArray(property['enum']) ? (property['enum'] as unknown[]).filter((value): value is string => typeof value === 'string') : [];
  return attribute(name, scalar(type), enumValues.length > 0 ? { canonicalValues: enumValues } : {});
}

function schemaDocument(id: string, name: string, description: string, attributes: Attribute[], baseUrl: string): Record<string, unknown> {
  return { schemas: [SCHEMA_SCHEMA], id, name, description, attributes, meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${id}` } };
}

/** Every schema of this tenant: User, enterprise User, the traits extension (from its trait schema), Group. */
export function schemasOf(traitSchema: TraitSchema, baseUrl: string): Record<string, unknown>[] {
  const mapping = userMappingOf(traitSchema);
  return [
    schemaDocument(USER_SCHEMA, 'User', 'A customer of the tenant.', USER_ATTRIBUTES, baseUrl),
    schemaDocument(ENTERPRISE_SCHEMA, 'EnterpriseUser', 'Enterprise User (attributes kept where the tenant’s trait schema has the trait).', ENTERPRISE_ATTRIBUTES, baseUrl),
    schemaDocument(TRAITS_SCHEMA, 'FoyerTraits', 'The tenant’s other traits, from its trait schema.', mapping.extension.map(({ name, property }) => traitAttribute(name, property)), baseUrl),
    schemaDocument(GROUP_SCHEMA, 'Group', 'A group of the tenant’s customers.', GROUP_ATTRIBUTES, baseUrl),
  ];
}

export function resourceTypesOf(baseUrl: string): Record<string, unknown>[] {
  return [
    {
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'A customer',
      schema: USER_SCHEMA,
      schemaExtensions: [
        { schema: ENTERPRISE_SCHEMA, required: false },
        { schema: TRAITS_SCHEMA, required: false },
      ],
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
    },
    { schemas: [RESOURCE_TYPE_SCHEMA], id: 'Group', name: 'Group', endpoint: '/Groups', description: 'A group of customers', schema: GROUP_SCHEMA, schemaExtensions: [], meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` } },
  ];
}

export function serviceProviderConfigOf(baseUrl: string, documentationUri: string, features: { readonly bulk: boolean }): Record<string, unknown> {
  return {
    schemas: [CONFIG_SCHEMA],
    documentationUri,
    patch: { supported: true },
    bulk: { supported: features.bulk, maxOperations: MAX_BULK_OPERATIONS, maxPayloadSize: MAX_BULK_PAYLOAD },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'An access token of Foyer’s admin tenant for the admin API with the `scim` scope (client credentials of an admin client).',
        specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}
