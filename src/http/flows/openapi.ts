// The OpenAPI 3.1 document of the JSON flows API (GET /flows/openapi.json), for the people who build
// native apps on it. Request schemas are the routes' own (flows.schemas.ts); the answers are
// described here once and held to the live answers by test/http/flows-openapi.test.ts, which also
// fails when a route of the surface is missing from the document.
import { codeBody, emailBody, emailSignInBody, enrolBody, passkeySignInBody, passwordBody, purposesBody, signInBody, signInCodeBody, signUpBody, smsSignInBody, startQuery, verifyBody } from './flows.schemas.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, example?: unknown) => ({ 'application/json': { schema, ...(example === undefined ? {} : { example }) } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });

const idParameter = { name: 'id', in: 'path', required: true, description: 'The flow id (`ui.action` names it).', schema: { type: 'string', maxLength: 100 } };
const NOT_FOUND = problem('`flow.not_found`: no such flow of this type in this tenant, or it expired.');
const CONFLICT = problem('`flow.already_complete` (the flow was spent: start a new one) or `flow.wrong_step` (read it with GET /flows/{id}).');
const INVALID = problem('`request.invalid` (the body does not match the schema) or `validation.failed` with `errors[]`, or the step\'s own code (below).');
const THROTTLED = problem('Too many attempts: `Retry-After` says when to come back (`signin.throttled`, `code.throttled`, `mfa.throttled`, `request.rate_limited`).');

/** An answer that signs in, or the step before the session (second factor, consent), or a code step. */
const SIGN_IN_ANSWER = {
  description: 'Signed in (`SignedIn`), or a step before the session: the second factor or the consent step (`NextStep`), or the code step of a tenant that verifies first (`Flow`).',
  content: json({ anyOf: [ref('SignedIn'), ref('NextStep'), ref('Flow')] }),
};

function operation(operationId: string, summary: string, options: { body?: object; description?: string; responses?: Record<string, unknown>; parameters?: object[]; example?: unknown } = {}) {
  return {
    operationId,
    summary,
    tags: [operationId.startsWith('secondFactor') ? 'second factor' : operationId.startsWith('session') ? 'sessions' : 'flows'],
    ...(options.description ? { description: options.description } : {}),
    parameters: options.parameters ?? [idParameter],
    ...(options.body ? { requestBody: { required: true, content: json(options.body, options.example) } } : {}),
    responses: options.responses ?? { '200': SIGN_IN_ANSWER, '400': INVALID, '404': NOT_FOUND, '409': CONFLICT, '429': THROTTLED },
  };
}

const field = { type: 'object', required: ['name', 'type', 'required', 'label'], properties: { name: { type: 'string' }, type: { type: 'string' }, required: { type: 'boolean' }, label: { type: 'string', description: "A message key for Foyer's own fields (`field.code`), the trait's title for a tenant's trait." } } };

const SECOND_FACTOR_EXAMPLE = {
  flow: {
    id: '0197e1c2-7a10-7c3e-9f00-6f1d2a3b4c5d.second_factor',
    type: 'second_factor',
    kind: 'api',
    state: 'active',
    expires_at: '2026-12-07T18:30:00.000Z',
    ui: {
      method: 'POST',
      action: 'https://id.example.com/flows/second_factor/0197e1c2-7a10-7c3e-9f00-6f1d2a3b4c5d.second_factor',
      fields: [],
      factors: [
        { method: 'totp', fields: [{ name: 'code', type: 'text', required: true, label: 'field.totp_code' }] },
        { method: 'passkey', fields: [{ name: 'response', type: 'object', required: true, label: 'page.mfa.passkey_button' }], options: { challenge: 'Q2hhbGxlbmdl', rpId: 'id.example.com', timeout: 300000, userVerification: 'required', allowCredentials: [{ id: 'k3JpZA', type: 'public-key', transports: ['internal'] }] } },
        { method: 'recovery_code', fields: [{ name: 'code', type: 'text', required: true, label: 'field.recovery_code' }] },
      ],
      remember_device: true,
    },
  },
  device_token: '1a2b3c.ZGV2aWNl.bWFj',
};

const SIGNED_IN_EXAMPLE = {
  flow: { id: '0197e1c2-7a10-7c3e-9f00-6f1d2a3b4c5d.second_factor', type: 'second_factor', kind: 'api', state: 'complete', expires_at: '2026-12-07T18:30:00.000Z', ui: null },
  session: { id: '0197e1c3-0000-7000-8000-000000000001', authenticated_at: '2026-12-07T18:01:00.000Z', expires_at: '2027-01-06T18:01:00.000Z', amr: ['pwd', 'otp', 'mfa'], acr: 'urn:foyer:acr:mfa', token: 'c2Vzc2lvbi10b2tlbg' },
  identity: { id: '0197e1c0-0000-7000-8000-000000000002', traits: { email: 'ann@example.com' }, addresses: [{ kind: 'email', value: 'ann@example.com', verified: true }] },
};

/** The document for a tenant whose issuer is `issuer`. */
export function flowsOpenApi(issuer: string) {
  const start = (type: string) => ({
    operationId: `start${type[0]!.toUpperCase()}${type.slice(1)}Flow`,
    summary: `Starts a ${type} flow`,
    tags: ['flows'],
    description: 'Stores a new flow (300 a minute per client address, then 429). `client_id` names the application whose `mfa_policy` applies; `acr_values` containing `urn:foyer:acr:mfa` asks for a second factor (voluntary, as in OpenID Connect). Step-up: a login flow asking for it with `Authorization: Bearer <session token>` of a session below that class answers the second-factor step at once (`NextStep`).',
    parameters: Object.entries(startQuery.properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
    responses: { '201': { description: 'The new flow and what to send next, or (step-up) the second-factor step.', content: json({ anyOf: [ref('Flow'), ref('NextStep')] }) }, '400': problem('`application.not_found`: no application with this client_id in the tenant; `request.invalid`.'), '401': problem('`session.invalid`: a step-up with a session token that is not live.'), '429': THROTTLED },
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Foyer flows API',
      version: '1',
      description: 'The sign-in, sign-up and recovery steps of the hosted pages as JSON, for native apps (docs/self-service.md, ADR 36). Every answer names its next step in `ui`; errors are RFC 9457 problem documents with stable codes.',
    },
    servers: [{ url: issuer, description: 'This tenant (others live at /t/{slug}).' }],
    paths: {
      '/flows/login': { post: start('login') },
      '/flows/registration': { post: start('registration') },
      '/flows/recovery': { post: start('recovery') },
      '/flows/{id}': { get: operation('readFlow', 'Reads a flow and its next step', { responses: { '200': { description: 'The flow (a second_factor flow with its factors).', content: json(ref('Flow')) }, '404': NOT_FOUND } }) },
      '/flows/login/{id}': { post: operation('signInWithPassword', 'Signs in with an identifier and a password', { body: signInBody, description: 'Answers the session, or the second-factor step when the policy or the app asks for one (the login flow is then spent), or a code step when the address must be verified first. A wrong password and an unknown account answer alike: 401 `signin.invalid_credentials`.', responses: { '200': SIGN_IN_ANSWER, '400': INVALID, '401': problem('`signin.invalid_credentials`.'), '404': NOT_FOUND, '409': CONFLICT, '429': THROTTLED } }) },
      '/flows/login/{id}/email': { post: operation('sendSignInEmail', 'Emails a sign-in code (the same answer for every address)', { body: emailSignInBody, responses: { '200': { description: 'The login flow at its code step.', content: json(ref('Flow')) }, '400': INVALID, '404': problem('`signin.method_unavailable` or `flow.not_found`.'), '409': CONFLICT, '429': THROTTLED } }) },
      '/flows/login/{id}/sms': { post: operation('sendSignInText', 'Texts a sign-in code (the same answer for every number)', { body: smsSignInBody, responses: { '200': { description: 'The login flow at its code step.', content: json(ref('Flow')) }, '400': INVALID, '404': problem('`signin.method_unavailable` or `flow.not_found`.'), '409': CONFLICT, '429': THROTTLED } }) },
      '/flows/login/{id}/passkey': {
        post: operation('signInWithPasskey', 'Signs in with a passkey (usernameless)', {
          body: passkeySignInBody,
          description: "`response` is the platform's WebAuthn answer (AuthenticationResponseJSON) to the `options` of the login flow's `passkey` alternative. A passkey with user verification reaches `urn:foyer:acr:mfa` (`amr` `hwk` or `swk`). The flow completes once: an answer signs in once.",
          responses: { '200': SIGN_IN_ANSWER, '400': INVALID, '401': problem('`passkey.invalid`: unknown passkey, another flow, origin or relying party, no user verification.'), '404': NOT_FOUND, '409': CONFLICT, '429': THROTTLED },
        }),
      },
      '/flows/login/{id}/federation': {
        get: operation('listConnections', 'The connections offered, and the one that owns an address (home realm)', {
          parameters: [idParameter, { name: 'client_id', in: 'query', required: false, schema: { type: 'string', maxLength: 200 } }, { name: 'login_hint', in: 'query', required: false, schema: { type: 'string', maxLength: 254 } }],
          responses: { '200': { description: 'Where to start, the connections, and `home_realm` (a connection id or null).', content: json({ type: 'object', required: ['action', 'connections', 'home_realm'], properties: { action: { type: 'string', format: 'uri' }, connections: { type: 'array', items: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'string' }, name: { type: 'string' }, icon_url: { type: ['string', 'null'] } } } }, home_realm: { type: ['string', 'null'] } } }) }, '404': NOT_FOUND, '409': CONFLICT },
        }),
        post: operation('startFederatedSignIn', 'Starts a sign-in at a connection (docs/federation.md)', {
          body: { type: 'object', required: ['connection', 'client_id', 'return_to'], additionalProperties: false, properties: { connection: { type: 'string', minLength: 1, maxLength: 63 }, client_id: { type: 'string', minLength: 1, maxLength: 200 }, return_to: { type: 'string', minLength: 1, maxLength: 2000, description: 'One of the application\'s redirect URIs.' } } },
          responses: { '200': { description: 'Where to send the customer, and the token that completes the flow once they are back.', content: json({ type: 'object', required: ['redirect_to', 'exchange_token'], properties: { redirect_to: { type: 'string', format: 'uri' }, exchange_token: { type: 'string' } } }) }, '400': INVALID, '404': problem('`connection.not_found`, `flow.not_found`.'), '409': CONFLICT, '503': problem('`federation.upstream_failed`.') },
        }),
      },
      '/flows/login/{id}/federation/complete': {
        post: operation('completeFederatedSignIn', 'Exchanges the token for the sign-in (the second-factor step first when it is due)', {
          body: {
            type: 'object',
            required: ['exchange_token', 'federation_code'],
            additionalProperties: false,
            properties: {
              exchange_token: { type: 'string', minLength: 1, maxLength: 200, description: 'What POST /flows/login/{id}/federation answered; kept in the app.' },
              federation_code: { type: 'string', minLength: 1, maxLength: 200, description: 'The `federation_code` Foyer added to `return_to` when the browser came back from the provider.' },
            },
          },
          responses: { '200': SIGN_IN_ANSWER, '400': INVALID, '401': problem('`signin.invalid_credentials`.'), '403': problem('`signup.disabled`.'), '404': NOT_FOUND, '409': problem('`federation.link_required`, `flow.wrong_step`, `flow.already_complete`.'), '422': problem('`federation.upstream_failed`, `federation.profile_incomplete`.') },
        }),
      },
      '/flows/login/{id}/code': { post: operation('confirmSignInCode', 'Sends the emailed or texted code of a login flow', { body: signInCodeBody }) },
      '/flows/login/{id}/resend': { post: operation('resendSignInCode', 'Sends a new code (the old one stops working)', { responses: { '200': { description: 'The login flow at its code step.', content: json(ref('Flow')) }, '400': INVALID, '404': NOT_FOUND, '409': CONFLICT, '429': THROTTLED } }) },
      '/flows/registration/{id}': { post: operation('signUp', 'Submits the sign-up (always answers "check your email")', { body: signUpBody, responses: { '200': { description: 'The registration flow at its code step.', content: json(ref('Flow')) }, '400': INVALID, '404': NOT_FOUND, '409': CONFLICT, '429': THROTTLED } }) },
      '/flows/registration/{id}/code': { post: operation('confirmSignUpCode', 'Sends the emailed code of a sign-up', { body: signInCodeBody }) },
      '/flows/registration/{id}/resend': { post: operation('resendSignUpCode', 'Sends a new sign-up code', { responses: { '200': { description: 'The registration flow.', content: json(ref('Flow')) }, '400': INVALID, '404': NOT_FOUND, '409': CONFLICT, '429': THROTTLED } }) },
      '/flows/purposes/{id}': { post: operation('acceptPurposes', 'Accepts the consent purposes due before the session', { body: purposesBody }) },
      '/flows/purposes/{id}/decline': { post: operation('declinePurposes', 'Declines the purposes asked again: no session', { responses: { '403': problem('`consent.declined`: the step ends without a session; the next sign-in asks again.'), '404': NOT_FOUND, '409': CONFLICT } }) },
      '/flows/recovery/{id}': { post: operation('requestRecovery', 'Emails a recovery code (the same answer for any address)', { body: emailBody, responses: { '200': { description: 'The recovery flow at its code step.', content: json(ref('Flow')) }, '400': INVALID, '404': NOT_FOUND, '409': CONFLICT, '429': THROTTLED } }) },
      '/flows/recovery/{id}/code': { post: operation('confirmRecoveryCode', 'Sends the recovery code', { body: codeBody, responses: { '200': { description: 'The recovery flow, verified: a new password comes next.', content: json(ref('Flow')) }, '400': INVALID, '404': NOT_FOUND, '409': CONFLICT, '429': THROTTLED } }) },
      '/flows/recovery/{id}/password': { post: operation('setNewPassword', 'Sets the new password and signs in (or answers the second-factor step)', { body: passwordBody }) },
      '/flows/recovery/{id}/resend': { post: operation('resendRecoveryCode', 'Sends a new recovery code', { responses: { '200': { description: 'The recovery flow.', content: json(ref('Flow')) }, '400': INVALID, '404': NOT_FOUND, '409': CONFLICT, '429': THROTTLED } }) },
      '/flows/second_factor/{id}': {
        post: operation('secondFactorVerify', 'Answers the second-factor step with one of `ui.factors`', {
          body: verifyBody,
          example: { method: 'totp', code: '123456', remember_device: true },
          description: 'A code (`totp`, `recovery_code`, `sms`, `email_otp`) or a passkey\'s answer (`passkey`, `response` to the factor\'s `options`). Codes count against the per-customer and per-address code-entry throttle.',
          responses: {
            '200': { description: 'Signed in with both factors; `mfa_device_token` when `remember_device` was asked.', content: json(ref('SignedIn'), SIGNED_IN_EXAMPLE) },
            '400': problem('`mfa.code_invalid` (wrong, late or used already), `mfa.method_unavailable` (not one of `ui.factors`), `passkey.invalid`, `validation.failed`.'),
            '404': NOT_FOUND,
            '409': CONFLICT,
            '429': THROTTLED,
          },
        }),
      },
      '/flows/second_factor/{id}/send': {
        post: operation('secondFactorSend', 'Sends a code for `sms` or `email_otp` (a new one voids the last)', {
          description: 'The body `{ "method": "sms" | "email_otp" }` may be left out when the step offers one of them only.',
          responses: { '200': { description: 'The step again, and `sent`: the method and where the code went (masked).', content: json(ref('Flow')) }, '400': problem('`mfa.method_unavailable`.'), '404': NOT_FOUND, '409': CONFLICT, '429': THROTTLED },
        }),
      },
      '/flows/second_factor/{id}/enrol': {
        post: operation('secondFactorEnrol', 'Sets up an authenticator app at sign-in (when the policy requires a factor the customer lacks)', {
          body: enrolBody,
          description: '`enrolment` is `ui.enrolment.enrolment`; `code` the app\'s current code for `ui.enrolment.secret`. The answer carries the session and the ten recovery codes, shown this once.',
          responses: { '200': { description: 'Signed in with both factors, and `recovery_codes`.', content: json(ref('SignedIn')) }, '400': problem('`mfa.code_invalid`, `mfa.enrolment_expired`.'), '404': NOT_FOUND, '409': CONFLICT, '429': THROTTLED },
        }),
      },
      '/flows/second_factor/{id}/decline': {
        post: operation('secondFactorDecline', 'Declines the step when `ui.decline` offers it', {
          responses: { '200': { description: "Signed in with the first factor alone (the session's `acr` says so).", content: json(ref('SignedIn')) }, '403': problem('`mfa.method_unavailable`: this step cannot be declined.'), '404': NOT_FOUND, '409': CONFLICT },
        }),
      },
      '/flows/openapi.json': { get: { operationId: 'flowsOpenApi', summary: 'This document', tags: ['flows'], responses: { '200': { description: 'OpenAPI 3.1.', content: json({ type: 'object' }) } } } },
      '/sessions/whoami': { get: { operationId: 'sessionWhoami', summary: 'The session and its customer', tags: ['sessions'], security: [{ session: [] }], responses: { '200': { description: 'The session (without its token) and the customer.', content: json({ type: 'object', required: ['session', 'identity'], properties: { session: ref('Session'), identity: ref('Identity') } }) }, '401': problem('`session.invalid`.') } } },
      '/sessions/current': { delete: { operationId: 'sessionSignOut', summary: 'Signs out (revokes the session)', tags: ['sessions'], security: [{ session: [] }], responses: { '204': { description: 'Revoked.' }, '401': problem('`session.invalid`.') } } },
    },
    components: {
      securitySchemes: { session: { type: 'http', scheme: 'bearer', description: 'The `session.token` a completed flow answered.' } },
      schemas: {
        Field: field,
        Flow: {
          type: 'object',
          required: ['id', 'type', 'kind', 'state', 'expires_at', 'ui'],
          properties: {
            id: { type: 'string' },
            type: { type: 'string', enum: ['login', 'registration', 'recovery', 'purposes', 'second_factor'] },
            kind: { type: 'string', enum: ['api'] },
            state: { type: 'string', enum: ['active', 'verified', 'complete'] },
            expires_at: { type: 'string', format: 'date-time' },
            sent_to: { type: 'string', description: 'Where the code of this step went.' },
            ui: {
              description: 'What to send next, or null when the flow is complete.',
              anyOf: [
                { type: 'null' },
                {
                  type: 'object',
                  required: ['method', 'action', 'fields'],
                  properties: {
                    method: { type: 'string', enum: ['POST'] },
                    action: { type: 'string', format: 'uri' },
                    fields: { type: 'array', items: ref('Field') },
                    resend: { type: 'string', format: 'uri' },
                    alternatives: { type: 'array', description: 'Other ways in than `fields` (login): `email_code`, `sms_code`, `passkey` (with WebAuthn request `options`).', items: { type: 'object', required: ['method', 'action', 'fields'], properties: { method: { type: 'string' }, action: { type: 'string', format: 'uri' }, fields: { type: 'array', items: ref('Field') }, options: ref('PasskeyOptions') } } },
                    factors: { type: 'array', description: 'A second_factor flow: the factors the customer can use; post `{ method, ...fields }` to `action`.', items: ref('Factor') },
                    enrolment: { type: 'object', description: 'A second_factor flow whose customer must set up an authenticator app: post `{ enrolment, code }` to `action`.', required: ['method', 'secret', 'otpauth_uri', 'enrolment'], properties: { method: { type: 'string', enum: ['totp'] }, secret: { type: 'string' }, otpauth_uri: { type: 'string' }, enrolment: { type: 'string' } } },
                    decline: { type: 'string', format: 'uri', description: 'Present only when the customer may sign in without the second factor.' },
                    remember_device: { type: 'boolean', description: 'The factor answer may ask to remember this device (`remember_device: true`).' },
                  },
                },
              ],
            },
          },
        },
        Factor: {
          type: 'object',
          required: ['method', 'fields'],
          properties: {
            method: { type: 'string', examples: ['totp', 'recovery_code', 'sms', 'email_otp', 'passkey'] },
            fields: { type: 'array', items: ref('Field') },
            send: { type: 'string', format: 'uri', description: '`sms`, `email_otp`: where to ask for a code.' },
            phone_ending: { type: 'string', description: '`sms`: the last digits of the number.' },
            sent_to: { type: 'string', description: '`email_otp`: the address, masked.' },
            options: ref('PasskeyOptions'),
          },
        },
        PasskeyOptions: {
          type: 'object',
          description: 'WebAuthn PublicKeyCredentialRequestOptions (JSON): for the platform authenticator.',
          required: ['challenge', 'rpId', 'timeout', 'userVerification', 'allowCredentials'],
          properties: { challenge: { type: 'string' }, rpId: { type: 'string' }, timeout: { type: 'integer' }, userVerification: { type: 'string', enum: ['required'] }, allowCredentials: { type: 'array', items: { type: 'object', required: ['id', 'type'], properties: { id: { type: 'string' }, type: { type: 'string', enum: ['public-key'] }, transports: { type: 'array', items: { type: 'string' } } } } } },
        },
        Session: {
          type: 'object',
          required: ['id', 'authenticated_at', 'expires_at', 'amr'],
          properties: { id: { type: 'string' }, authenticated_at: { type: 'string', format: 'date-time' }, expires_at: { type: 'string', format: 'date-time' }, amr: { type: 'array', items: { type: 'string' }, description: 'RFC 8176 method references.' }, acr: { type: 'string', description: 'The class the sign-in reached (absent on sessions issued before Foyer kept it).' }, token: { type: 'string', description: 'Shown once: send it as `Authorization: Bearer`.' } },
        },
        Identity: { type: 'object', required: ['id', 'traits', 'addresses'], properties: { id: { type: 'string' }, traits: { type: 'object' }, addresses: { type: 'array', items: { type: 'object', required: ['kind', 'value', 'verified'], properties: { kind: { type: 'string' }, value: { type: 'string' }, verified: { type: 'boolean' } } } } } },
        SignedIn: {
          type: 'object',
          required: ['flow', 'session', 'identity'],
          properties: { flow: ref('Flow'), session: ref('Session'), identity: ref('Identity'), device_token: { type: 'string' }, mfa_device_token: { type: 'string' }, recovery_codes: { type: 'array', items: { type: 'string' }, minItems: 10, maxItems: 10 } },
        },
        NextStep: { type: 'object', required: ['flow'], description: 'A step between the first factor and the session: `second_factor` or `purposes`.', properties: { flow: ref('Flow'), device_token: { type: 'string' } }, examples: [SECOND_FACTOR_EXAMPLE] },
        Problem: { type: 'object', required: ['type', 'title', 'status', 'code'], properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, code: { type: 'string', description: 'Stable error code (also the message key).' }, instance: { type: 'string' }, errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } } } } } },
      },
    },
  };
}
