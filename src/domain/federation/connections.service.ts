// Operators' use cases on a tenant's connections (the admin API and the CLI call them). The client
// secret is sealed by the secret box before it is stored, bound to its tenant and connection, and
// is never answered back; each change is audited with the operator in its own transaction.
import type { AuditStore } from '../audit/audit.port.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import type { SecretBox } from '../keys/secret-box.port.ts';
import { DomainError } from '../errors.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { ConnectionStore } from './connection.port.ts';
import type { Connection, ConnectionInput, SamlInput, SamlSettings, SamlSetup } from './connection.ts';
import { clientSecretContext, spKeyContext, validateConnection } from './connection.ts';
import { presetOf } from './presets.ts';
import { ValidationError } from '../errors.ts';
import { createPrivateKey } from 'node:crypto';

type ConnectionWriteStores = { connections: ConnectionStore; audit: AuditStore };

type ConnectionDeps = {
  readonly transaction: UnitOfWork<ConnectionWriteStores>;
  readonly secretBox: SecretBox;
  /** Production refuses plain-http upstreams. */
  readonly production: boolean;
  /** SAML connections: reads the IdP's metadata and makes the service provider's key pair. */
  readonly saml?: SamlSetup | undefined;
  readonly now?: () => number;
};

/** What the caller expected of the connection it changes (If-Match), checked on the locked row. */
type Precondition = (current: Connection) => void;

function connectionNotFound(id: string): DomainError {
  return new DomainError('connection.not_found', 'not_found', `This tenant has no connection "${id}".`, { id });
}

export async function listConnections(stores: { connections: ConnectionStore }, tenantId: string): Promise<Connection[]> {
  return stores.connections.list(tenantId);
}

export async function getConnection(stores: { connections: ConnectionStore }, tenantId: string, id: string): Promise<Connection> {
  const connection = await stores.connections.find(tenantId, id);
  if (!connection) throw connectionNotFound(id);
  return connection;
}

/** A SAML connection's service-provider private key (PEM), opened; undefined for other kinds. */
export async function spPrivateKeyOf(deps: { readonly connections: ConnectionStore; readonly secretBox: SecretBox }, connection: Connection): Promise<string | undefined> {
  const sealed = await deps.connections.sealedSpKey(connection.tenantId, connection.id);
  return sealed === undefined ? undefined : deps.secretBox.open(sealed, spKeyContext(connection.tenantId, connection.id));
}

function urlScheme(value: string): string {
  try {
    return new URL(value).protocol;
  } catch {
    return '';
  }
}

function samlProblem(field: string, message: string): ValidationError {
  return new ValidationError([{ field, code: 'connection.invalid', message }], 'The connection is not valid.');
}

/** The IdP's metadata read from what the operator gave (a URL or the document); undefined when neither was given. */
async function importedMetadata(deps: ConnectionDeps, input: SamlInput | undefined) {
  if (!input || (input.metadataUrl === undefined && input.metadataXml === undefined)) return undefined;
  if (input.metadataUrl !== undefined && input.metadataXml !== undefined) throw samlProblem('saml', 'give metadata_url or metadata_xml, not both');
  if (!deps.saml) throw samlProblem('saml', 'SAML connections cannot be set up here');
  // Nothing is fetched from what is not a web URL (plain http only outside production).
  if (input.metadataUrl !== undefined) {
    const scheme = urlScheme(input.metadataUrl);
    if (deps.production ? scheme !== 'https:' : scheme !== 'https:' && scheme !== 'http:') throw samlProblem('saml.metadata_url', deps.production ? 'must be an https URL' : 'must be an http(s) URL');
  }
  try {
    return { metadata: await deps.saml.readMetadata({ url: input.metadataUrl, xml: input.metadataXml }), metadataUrl: input.metadataUrl ?? null };
  } catch (error) {
    throw samlProblem(input.metadataUrl !== undefined ? 'saml.metadata_url' : 'saml.metadata_xml', `is not usable: ${(error as Error).message}`);
  }
}

/** The connection's client secret, opened; undefined when it has none. */
export async function clientSecretOf(deps: { readonly connections: ConnectionStore; readonly secretBox: SecretBox }, connection: Connection): Promise<string | undefined> {
  const sealed = await deps.connections.sealedSecret(connection.tenantId, connection.id);
  return sealed === undefined ? undefined : deps.secretBox.open(sealed, clientSecretContext(connection.tenantId, connection.id));
}

/** Apple's "secret" is the private key that signs each client secret: it must be an EC P-256 key. */
function checkSecretShape(connection: Connection, secret: string): void {
  if (connection.preset !== 'apple') return;
  let curve: string | undefined;
  try {
    const key = createPrivateKey(secret);
    curve = key.asymmetricKeyType === 'ec' ? key.asymmetricKeyDetails?.namedCurve : undefined;
  } catch {
    curve = undefined;
  }
  if (curve !== 'prime256v1') throw new ValidationError([{ field: 'client_secret', code: 'connection.invalid', message: 'must be the Sign in with Apple private key (the .p8 file, PEM)' }], 'The connection is not valid.');
}

async function audit(stores: ConnectionWriteStores, now: number, actor: Actor, tenantId: string, action: string, connectionId: string, details: Record<string, unknown>): Promise<void> {
  await stores.audit.append({ id: uuidv7(now), occurredAt: now, tenantId, action, outcome: 'success', actor: { type: actor.type, id: actor.id }, target: { type: 'connection', id: connectionId }, context: actor.context, details });
}

export async function createConnection(deps: ConnectionDeps, tenant: Tenant, input: ConnectionInput, actor: Actor): Promise<Connection> {
  const now = (deps.now ?? Date.now)();
  const id = input.id ?? '';
  const secret = input.clientSecret ?? null;
  const preset = presetOf(input.preset);
  const connection: Connection = {
    tenantId: tenant.id,
    id,
    kind: input.kind ?? preset?.kind ?? 'oidc',
    preset: input.preset ?? null,
    presetOptions: input.presetOptions ?? {},
    displayName: input.displayName ?? preset?.name ?? '',
    iconUrl: input.iconUrl ?? null,
    clientId: input.clientId ?? '',
    hasClientSecret: secret !== null && secret !== '',
    issuer: input.issuer ?? null,
    endpoints: input.endpoints ?? null,
    scopes: input.scopes ?? preset?.scopes ?? ['openid', 'email', 'profile'],
    mapping: input.mapping ?? {},
    allowSignUp: input.allowSignUp ?? true,
    trustEmailVerified: input.trustEmailVerified ?? false,
    refreshTraits: input.refreshTraits ?? false,
    storeTokens: input.storeTokens ?? false,
    applications: input.applications ?? null,
    domains: input.domains ?? [],
    position: input.position ?? 0,
    enabled: input.enabled ?? true,
    roleMapping: input.roleMapping ?? null,
    saml: null,
    createdAt: now,
    updatedAt: now,
  };
  let sealedSpKey: string | null = null;
  let withSaml = connection;
  if (connection.kind === 'saml') {
    const imported = await importedMetadata(deps, input.saml);
    if (imported && deps.saml) {
      // The service provider's own key pair, made once per connection: its certificate is published, its private key sealed.
      const keys = await deps.saml.newKeyPair(`foyer ${tenant.slug} ${id}`.slice(0, 64));
      const saml: SamlSettings = { ...imported.metadata, metadataUrl: imported.metadataUrl, spCertificate: keys.certificate, requireEncryptedAssertions: input.saml?.requireEncryptedAssertions ?? false };
      withSaml = { ...connection, scopes: input.scopes ?? [], saml };
      sealedSpKey = deps.secretBox.seal(keys.privateKey, spKeyContext(tenant.id, id));
    }
  }
  validateConnection(withSaml, deps);
  if (withSaml.hasClientSecret) checkSecretShape(withSaml, secret!);
  const sealed = withSaml.hasClientSecret ? deps.secretBox.seal(secret!, clientSecretContext(tenant.id, id)) : null;
  return deps.transaction(async (stores) => {
    await stores.connections.create(withSaml, sealed, sealedSpKey);
    await audit(stores, now, actor, tenant.id, 'connection.created', id, { kind: withSaml.kind });
    return withSaml;
  });
}

/** Applies the changes (fields sent replace theirs; `clientSecret` null removes the secret, absent keeps it). */
export async function updateConnection(deps: ConnectionDeps, tenant: Tenant, id: string, changes: ConnectionInput, actor: Actor, precondition?: Precondition): Promise<Connection> {
  const now = (deps.now ?? Date.now)();
  // Read before the transaction: a metadata URL may take seconds to answer.
  const imported = await importedMetadata(deps, changes.saml);
  return deps.transaction(async (stores) => {
    await stores.connections.lock(tenant.id, id);
    const current = await getConnection(stores, tenant.id, id);
    precondition?.(current);
    const defined = Object.fromEntries(Object.entries(changes).filter(([key, value]) => value !== undefined && key !== 'clientSecret' && key !== 'id' && key !== 'saml'));
    const secretChange = changes.clientSecret;
    const hasClientSecret = secretChange === undefined ? current.hasClientSecret : secretChange !== null && secretChange !== '';
    // The service provider's key pair belongs to the connection from its creation: a kind never turns into SAML or out of it.
    if (changes.kind !== undefined && (changes.kind === 'saml') !== (current.kind === 'saml')) throw samlProblem('kind', 'a connection cannot change to or from saml; create another connection');
    if (changes.saml !== undefined && current.saml === null) throw samlProblem('saml', 'only a SAML connection has SAML settings');
    const saml: SamlSettings | null = current.saml === null ? null : {
      ...current.saml,
      ...(imported ? { ...imported.metadata, metadataUrl: imported.metadataUrl } : {}),
      requireEncryptedAssertions: changes.saml?.requireEncryptedAssertions ?? current.saml.requireEncryptedAssertions,
    };
    const connection: Connection = { ...current, ...defined, saml, hasClientSecret, id, tenantId: tenant.id, createdAt: current.createdAt, updatedAt: now };
    validateConnection(connection, deps);
    if (typeof secretChange === 'string' && secretChange !== '') checkSecretShape(connection, secretChange);
    const sealed = secretChange === undefined ? undefined : hasClientSecret ? deps.secretBox.seal(secretChange!, clientSecretContext(tenant.id, id)) : null;
    if (!(await stores.connections.update(connection, sealed))) throw connectionNotFound(id);
    const changed = Object.keys(defined).filter((key) => JSON.stringify(connection[key as keyof Connection]) !== JSON.stringify(current[key as keyof Connection]));
    if (changes.saml !== undefined && JSON.stringify(saml) !== JSON.stringify(current.saml)) changed.push('saml');
    await audit(stores, now, actor, tenant.id, 'connection.updated', id, { changed: secretChange === undefined ? changed : [...changed, 'clientSecret'] });
    return connection;
  });
}

/** Removes the connection; accounts linked through it keep their other ways to sign in (their links stay, unusable, until unlinked). */
export async function deleteConnection(deps: ConnectionDeps, tenant: Tenant, id: string, actor: Actor, precondition?: Precondition): Promise<void> {
  const now = (deps.now ?? Date.now)();
  await deps.transaction(async (stores) => {
    await stores.connections.lock(tenant.id, id);
    const current = await getConnection(stores, tenant.id, id);
    precondition?.(current);
    if (!(await stores.connections.delete(tenant.id, id))) throw connectionNotFound(id);
    await audit(stores, now, actor, tenant.id, 'connection.deleted', id, { kind: current.kind });
  });
}
