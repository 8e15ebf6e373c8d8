// The request schemas of the JSON flows API, in one place: the routes validate with them and the
// OpenAPI document (openapi.ts) publishes them, so the two cannot disagree.
export const flowParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 }, slug: { type: 'string', maxLength: 63 } } } as const;
export const signInBody = {
  type: 'object',
  required: ['identifier', 'password'],
  additionalProperties: false,
  properties: { identifier: { type: 'string', minLength: 1, maxLength: 254 }, password: { type: 'string', minLength: 1, maxLength: 4096 }, device_token: { type: 'string', maxLength: 1024 }, mfa_device_token: { type: 'string', maxLength: 1024 } },
} as const;
/** What an app may say when it starts a flow: the application it signs in to (its MFA policy applies) and `acr_values` (the MFA class asks for a second factor). */
export const startQuery = { type: 'object', additionalProperties: false, properties: { client_id: { type: 'string', minLength: 1, maxLength: 200 }, acr_values: { type: 'string', maxLength: 1000 } } } as const;
/** A passkey as the first and only factor: the WebAuthn answer (AuthenticationResponseJSON) to the login flow's options. */
export const passkeySignInBody = { type: 'object', required: ['response'], additionalProperties: false, properties: { response: { type: 'object', maxProperties: 20 }, mfa_device_token: { type: 'string', maxLength: 1024 } } } as const;
export const signUpBody = {
  type: 'object',
  required: ['traits', 'password'],
  additionalProperties: false,
  properties: {
    traits: { type: 'object' },
    password: { type: 'string', maxLength: 4096 },
    // The tenant's consent purposes (the flow's `consents.<id>` fields): true, or the version shown,
    // accepts; every required one must be. Under Sec-GPC: 1 a sale-or-sharing purpose needs its version.
    consents: { type: 'object', maxProperties: 100, additionalProperties: { type: ['boolean', 'integer'], minimum: 1 } },
  },
} as const;

export const codeBody = { type: 'object', required: ['code'], additionalProperties: false, properties: { code: { type: 'string', minLength: 1, maxLength: 20 } } } as const;
/** A code that signs the customer in: the app may send the device tokens it holds, as with a password. */
export const signInCodeBody = { ...codeBody, properties: { ...codeBody.properties, device_token: { type: 'string', maxLength: 1024 }, mfa_device_token: { type: 'string', maxLength: 1024 } } } as const;
/** Sign-in by an emailed code (ADR 0031): the address to send it to. */
export const emailSignInBody = { type: 'object', required: ['identifier'], additionalProperties: false, properties: { identifier: { type: 'string', minLength: 1, maxLength: 254 } } } as const;
/** The consent step of a sign-in: the purposes due (`consents.<id>` fields), true to accept. */
export const purposesBody = { type: 'object', required: ['consents'], additionalProperties: false, properties: { consents: signUpBody.properties.consents } } as const;
/** Sign-in by a texted code (ADR 0031): the number to text it to. */
export const smsSignInBody = { type: 'object', required: ['phone'], additionalProperties: false, properties: { phone: { type: 'string', minLength: 1, maxLength: 40 } } } as const;
export const emailBody = { type: 'object', required: ['email'], additionalProperties: false, properties: { email: { type: 'string', minLength: 1, maxLength: 254 } } } as const;
export const passwordBody = { type: 'object', required: ['password'], additionalProperties: false, properties: { password: { type: 'string', maxLength: 4096 }, device_token: { type: 'string', maxLength: 1024 }, mfa_device_token: { type: 'string', maxLength: 1024 } } } as const;


const CODE_BODY_FIELD = { type: 'string', minLength: 1, maxLength: 20 } as const;
export const stepParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 }, slug: { type: 'string', maxLength: 63 } } } as const;
export const verifyBody = {
  type: 'object',
  required: ['method'],
  additionalProperties: false,
  properties: {
    method: { type: 'string', minLength: 1, maxLength: 40 },
    /** A code (authenticator app, recovery code, texted code). */
    code: CODE_BODY_FIELD,
    /** A passkey's answer (the AuthenticationResponseJSON of WebAuthn). */
    response: { type: 'object', maxProperties: 20 },
    /** Skip the policy's question on this device for 30 days: the answer carries an `mfa_device_token`. */
    remember_device: { type: 'boolean' },
    mfa_device_token: { type: 'string', maxLength: 1024 },
  },
} as const;
export const enrolBody = { type: 'object', required: ['enrolment', 'code'], additionalProperties: false, properties: { enrolment: { type: 'string', minLength: 1, maxLength: 2048 }, code: CODE_BODY_FIELD } } as const;

