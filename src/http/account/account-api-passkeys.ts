// The Account API's passkeys (ADR 0030): list, rename and remove, and adding one from an app that
// runs the WebAuthn ceremony itself (options, then the answer). Adding and removing need a token
// from a sign-in within the last five minutes (SECURITY.md 16); renaming does not.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { Stores } from '../../domain/unit-of-work.ts';
import type { Strategies } from '../../domain/credentials/strategies.ts';
import type { Identity } from '../../domain/identity/identity.ts';
import type { Customer } from '../../domain/account/account.ts';
import { isRecentSignIn } from '../../domain/account/account.ts';
import type { PasskeySummary } from '../../domain/account/passkeys.ts';
import { beginPasskeyEnrolment, completePasskeyEnrolment, listPasskeys, removePasskey, renamePasskey } from '../../domain/account/passkeys.ts';
import { DomainError } from '../../domain/errors.ts';
import { passkeysAllowed } from '../../domain/credentials/passkey/passkey.ts';
import { refusalProblem } from '../refusal.ts';

type Authenticated = { readonly provider: Provider; readonly identity: Identity; readonly customer: Customer; readonly sessionUid: string | undefined };

type PasskeyRoutesDeps = {
  readonly stores: Stores;
  readonly strategies: Strategies;
  readonly authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<Authenticated>;
};

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 }, slug: { type: 'string', maxLength: 63 } } } as const;
const renameBody = { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const addBody = {
  type: 'object',
  required: ['response', 'enrolment'],
  additionalProperties: false,
  properties: { response: { type: 'object' }, enrolment: { type: 'string', minLength: 1, maxLength: 2048 }, name: { type: 'string', maxLength: 64 } },
} as const;

export function registerPasskeyRoutes(app: FastifyInstance, base: string, deps: PasskeyRoutesDeps): void {
  const account = { stores: deps.stores, strategies: deps.strategies };

  app.get(`${base}/passkeys`, async (request, reply) => {
    const { customer } = await deps.authenticate(request, reply);
    return { passkeys: (await listPasskeys(account, customer)).map(passkeyView) };
  });
  app.post(`${base}/passkeys/options`, async (request, reply) => {
    const signedIn = await deps.authenticate(request, reply);
    refuseWhenDisabled(signedIn.customer);
    await requireRecentSignIn(signedIn, 'Adding a passkey');
    const offer = await beginPasskeyEnrolment(account, signedIn.customer, signedIn.identity);
    return { options: offer.options, enrolment: offer.enrolment };
  });
  app.post(`${base}/passkeys`, { schema: { body: addBody } }, async (request, reply) => {
    const signedIn = await deps.authenticate(request, reply);
    refuseWhenDisabled(signedIn.customer);
    await requireRecentSignIn(signedIn, 'Adding a passkey');
    const body = request.body as { response: unknown; enrolment: string; name?: string };
    const before = new Set((await listPasskeys(account, signedIn.customer)).map((passkey) => passkey.id));
    const added = await completePasskeyEnrolment(account, signedIn.customer, { response: JSON.stringify(body.response), enrolment: body.enrolment, name: body.name });
    if (!added.ok) throw refusalProblem(added, reply);
    const passkey = (await listPasskeys(account, signedIn.customer)).find((candidate) => !before.has(candidate.id));
    return reply.code(201).send(passkey ? passkeyView(passkey) : {});
  });
  app.patch(`${base}/passkeys/:id`, { schema: { params: idParams, body: renameBody } }, async (request, reply) => {
    const { customer } = await deps.authenticate(request, reply);
    return passkeyView(await renamePasskey(account, customer, (request.params as { id: string }).id, (request.body as { name: string }).name));
  });
  app.delete(`${base}/passkeys/:id`, { schema: { params: idParams } }, async (request, reply) => {
    const signedIn = await deps.authenticate(request, reply);
    await requireRecentSignIn(signedIn, 'Removing a passkey');
    await removePasskey(account, signedIn.customer, (request.params as { id: string }).id);
    return reply.code(204).send();
  });
}

/** A tenant that turned passkeys off takes no new one (settings.passkeys.enabled); the customer's old ones may still be listed and removed. */
function refuseWhenDisabled(customer: Customer): void {
  if (!passkeysAllowed(customer.tenant)) throw new DomainError('passkey.disabled', 'forbidden', 'Passkeys are turned off for this tenant.');
}

async function requireRecentSignIn(signedIn: Authenticated, what: string): Promise<void> {
  const session = signedIn.sessionUid ? await signedIn.provider.Session.findByUid(signedIn.sessionUid) : undefined;
  if (!session || session.accountId !== signedIn.identity.id || !isRecentSignIn(session.loginTs, Date.now())) {
    throw new DomainError('authentication.not_recent', 'forbidden', `${what} needs a token from a sign-in within the last 5 minutes.`);
  }
}

function passkeyView(passkey: PasskeySummary) {
  return { id: passkey.id, name: passkey.name, created_at: new Date(passkey.createdAt).toISOString(), last_used_at: passkey.lastUsedAt === null ? null : new Date(passkey.lastUsedAt).toISOString(), synced: passkey.synced };
}
